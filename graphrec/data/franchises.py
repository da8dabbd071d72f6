"""Franchises read off titles: the ground truth of the franchise-recall judge.

A franchise is a title stem shared by two or more well-rated movies ("Toy Story (1995)" and
"Toy Story 2 (1999)"). Titles are only read here, to judge: no model sees a title word, so a
franchise found by a model was found from who watched what.

The stem rule, applied in order to the lower-cased title:
1. the release year in parentheses at the end is dropped ("toy story 2");
2. a trailing article moved behind a comma (", the", ", a", ", an"; also "les", "la", "le",
   "el", "il", "die", "der", "das") is dropped ("godfather: part ii, the" → "godfather: part ii");
3. everything from the first ":" on (a subtitle) is dropped ("star wars: episode v - …");
4. a trailing sequel marker is removed, repeatedly: a number ("2", "3"), a roman numeral
   ("ii" … "x"), "part" or "chapter" followed by one of those, a trailing "part"
   ("godfather: part ii" → "godfather", "toy story 2" → "toy story");
5. whitespace and trailing punctuation are collapsed.
"""

from __future__ import annotations

import re

import numpy as np

_YEAR = re.compile(r"\s*\(\s*\d{4}(?:\s*[-–]\s*\d{0,4})?\s*\)\s*$")
_ARTICLE = re.compile(r",\s*(?:the|a|an|les|la|le|l'|el|il|die|der|das|los|las)\s*$")
_NUMBER = r"(?:\d+|i{1,3}|iv|v|vi{1,3}|ix|x)"
_SEQUEL = re.compile(rf"(?:\s+(?:part|chapter|episode|vol\.?|volume)?\s*{_NUMBER}|\s+part)\s*$")
_TRAILING = re.compile(r"[\s\-–:,.&!?]+$")

#: Movies need this many training ratings to take part in a franchise (and as queries).
MIN_RATINGS = 20


def franchise_stem(title: str) -> str:
    """The franchise stem of one published title (module docstring: the rule)."""
    stem = _YEAR.sub("", title.strip().lower())
    stem = _ARTICLE.sub("", stem)
    stem = stem.split(":", 1)[0]
    stem = _TRAILING.sub("", stem)
    while True:
        shorter = _TRAILING.sub("", _SEQUEL.sub("", stem))
        if shorter == stem or not shorter:
            break
        stem = shorter
    return " ".join(stem.split())


def franchise_groups(titles: np.ndarray, degrees: np.ndarray, min_ratings: int = MIN_RATINGS
                     ) -> np.ndarray:  # fmt: skip
    """``(num_movies,)`` franchise number of each movie, ``-1`` for none.

    A franchise is a stem shared by at least two movies with ``min_ratings`` or more ratings;
    movies below that threshold belong to none.
    """
    eligible = np.flatnonzero(np.asarray(degrees) >= min_ratings)
    stems = [franchise_stem(str(titles[m])) for m in eligible]
    groups = np.full(len(titles), -1, dtype=np.int64)
    if not stems:
        return groups
    names, inverse, counts = np.unique(np.array(stems), return_inverse=True, return_counts=True)
    shared = (counts >= 2) & (names != "")
    numbering = np.cumsum(shared) - 1
    keep = shared[inverse]
    groups[eligible[keep]] = numbering[inverse[keep]]
    return groups


def franchise_recall(lists: np.ndarray, queries: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per query movie of a franchise, the share of its franchise mates in its list.

    Args:
        lists: ``(len(queries), k)`` each query's similar movies.
        queries: Query movies, ``(n,)``.
        groups: Franchise number of every movie (``-1``: none), from :func:`franchise_groups`.

    Returns:
        ``(number of queries in a franchise,)`` shares in ``[0, 1]``.
    """
    member = groups[queries] >= 0
    own = groups[queries[member]]
    found = (groups[lists[member]] == own[:, None]).sum(axis=1)
    mates = np.bincount(groups[groups >= 0])[own] - 1 if member.any() else np.zeros(0, np.int64)
    return found / np.maximum(mates, 1)
