"""Title search: case- and accent-insensitive, words in any order, the last word a prefix, a year
in the query narrowing it; ranked by match quality, then popularity.

Built once per bundle: every title is folded to lower-case ASCII words, each word maps to the
movies holding it (an inverted index of numpy arrays), and the sorted vocabulary answers a
prefix with one binary search. A query intersects one posting list per word, so its cost follows
the rarest words, not the catalogue.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

_WORD = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"^(18[7-9]\d|19\d\d|20\d\d|2100)$")
#: Movies a prefix may expand to before the prefix is ignored as too short to narrow anything.
MAX_PREFIX_POSTINGS = 200_000
#: Matches, most popular first, whose titles are compared word by word to rank them.
RANKED = 500
#: Candidates of a query's whole words few enough to check the last word against their titles.
CHECK_DIRECTLY = 20_000


def fold(text: str) -> list[str]:
    """Lower-case ASCII words of ``text``: "Amélie (2001)" → ["amelie", "2001"]."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _WORD.findall(ascii_text.lower())


def _postings(words: list[list[str]]) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """Every row holding each distinct word, ascending and once, in one array: the rows of a
    word are ``rows[start:end]`` with its ``(start, end)``."""
    flat = np.array(list(chain.from_iterable(words)), dtype=object)
    if len(flat) == 0:
        return np.zeros(0, dtype=np.int64), {}
    ids, vocabulary = pd.factorize(flat)  # hashed in C, not a Python dict per word
    n = len(words)
    rows = np.repeat(np.arange(n, dtype=np.int64), [len(w) for w in words])
    pairs = np.sort(ids.astype(np.int64) * n + rows)  # by word, then row
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]  # a word twice in a title: once
    word_of, row_of = np.divmod(pairs, n)
    ends = np.searchsorted(word_of, np.arange(len(vocabulary)), side="right")
    starts = np.concatenate([[0], ends[:-1]])
    spans = zip(starts.tolist(), ends.tolist(), strict=True)
    return row_of, dict(zip(vocabulary.tolist(), spans, strict=True))


@dataclass(frozen=True)
class Match:
    """A found movie's row and how well it matched (higher is better)."""

    row: int
    quality: float


class TitleIndex:
    """Inverted index over titles; rows are positions in the order titles were added."""

    def __init__(self, titles: list[str], years: list[int | None], popularity: np.ndarray) -> None:
        n = len(titles)
        words = [fold(title) for title in titles]
        self._words: list[tuple[str, ...]] = [tuple(w) for w in words]
        self._years: list[int] = [year or 0 for year in years]
        given = np.zeros(n, dtype=np.float64)
        given[: min(n, len(popularity))] = np.asarray(popularity, dtype=np.float64)[:n]
        self._popularity: list[float] = given.tolist()
        self._arrays: dict[str, np.ndarray] = {}
        self._popular_rows: dict[str, np.ndarray] = {}
        self._frozen: dict[str, np.ndarray] = {}
        # The catalogue's postings, one array sliced per word; registered rows on the side.
        self._built_rows, self._spans = _postings(words)
        self._added: dict[str, list[int]] = defaultdict(list)
        self._vocabulary = sorted(self._spans)

    def add(self, title: str, year: int | None, popularity: float = 0.0) -> None:
        """Index one more title (a registered movie) at the next row."""
        words = fold(title)
        row = len(self._words)
        for word in set(words):
            self._added[word].append(row)
            self._forget(word)
        self._years.append(year or 0)
        self._popularity.append(popularity)
        self._words.append(tuple(words))
        if any(w not in self._spans and len(self._added[w]) == 1 for w in set(words)):
            self._vocabulary = sorted(self._spans.keys() | self._added.keys())

    def pop(self) -> None:
        """Forget the last title added (a registration that was rolled back)."""
        row = len(self._words) - 1
        for word in set(self._words[row]):
            rows = self._added.get(word)
            if rows and rows[-1] == row:
                rows.pop()
                self._forget(word)
        self._years.pop()
        self._popularity.pop()
        self._words.pop()

    def search(self, query: str, limit: int) -> list[Match]:
        """Up to ``limit`` movies matching every word of ``query``, best first."""
        words = fold(query)
        year = next((int(w) for w in words if _YEAR.match(w)), None)
        if (
            year is not None and len(words) > 1
        ):  # "heat 1995": the year narrows; "1995" alone is a word
            words = [w for w in words if w != str(year)]
        else:
            year = None
        if not words:
            return []
        *whole, last = words
        if whole:
            rows = self._posting(whole[0])
            for word in whole[1:]:
                rows = np.intersect1d(rows, self._posting(word), assume_unique=True)
            if year is not None:
                rows = rows[self._column("years")[rows] == year]
            if len(rows) <= CHECK_DIRECTLY:  # few candidates: look at their words
                rows = np.array([r for r in rows.tolist()
                                 if any(w.startswith(last) for w in self._words[r])],
                                dtype=np.int64)  # fmt: skip
            else:
                rows = np.intersect1d(rows, self._prefix(last, popular_only=False))
        elif year is not None:
            rows = self._prefix(last, popular_only=False)
            rows = rows[self._column("years")[rows] == year]
        else:
            # One word, a prefix: its most popular matches are enough, since only the most
            # popular RANKED matches are ranked further.
            rows = self._prefix(last, popular_only=True)
        if len(rows) == 0:
            return []
        # The most popular matches, then ranked by how well the title matches: all of it (the
        # query's words are the title's, year aside), its start, or only somewhere; within a
        # tier, popularity ("star wa": the Star Wars episodes before The Clone Wars).
        popularity = self._column("popularity")[rows]
        top = np.lexsort((rows, -popularity))[:RANKED]
        rows, popularity = rows[top], popularity[top]
        quality = np.array([self._quality(int(row), words) for row in rows])
        order = np.lexsort((rows, -popularity, -quality))[:limit]
        return [Match(int(rows[i]), float(quality[i])) for i in order]

    def _quality(self, row: int, words: list[str]) -> float:
        title = list(self._words[row])
        if title and _YEAR.match(title[-1]):
            title = title[:-1]
        if sorted(title) == sorted(words):
            return 2.0
        head, last = title[: len(words)], words[-1]
        if head[:-1] == words[:-1] and len(head) == len(words) and head[-1].startswith(last):
            return 1.0
        return 0.0

    def _forget(self, word: str) -> None:
        self._frozen.pop(word, None)
        self._popular_rows.pop(word, None)

    def _column(self, name: str) -> np.ndarray:
        """``years`` or ``popularity`` as an array, converted once per size (adds are rare)."""
        values = self._years if name == "years" else self._popularity
        cached = self._arrays.get(name)
        if cached is None or len(cached) != len(values):
            cached = np.asarray(values, dtype=np.int64 if name == "years" else np.float64)
            self._arrays[name] = cached
        return cached

    def _posting(self, word: str) -> np.ndarray:
        cached = self._frozen.get(word)
        if cached is None:
            start, end = self._spans.get(word, (0, 0))
            cached = self._built_rows[start:end]
            if self._added.get(word):
                cached = np.concatenate([cached, np.asarray(self._added[word], dtype=np.int64)])
            self._frozen[word] = cached
        return cached

    def _prefix(self, prefix: str, *, popular_only: bool) -> np.ndarray:
        """Rows holding a word that starts with ``prefix`` (each word's RANKED most popular
        only, with ``popular_only``), up to MAX_PREFIX_POSTINGS of them."""
        start = bisect.bisect_left(self._vocabulary, prefix)
        end = bisect.bisect_left(self._vocabulary, prefix + "\x7f")
        parts, total = [], 0
        for word in self._vocabulary[start:end]:
            posting = self._popular(word) if popular_only else self._posting(word)
            total += len(posting)
            if total > MAX_PREFIX_POSTINGS:
                break
            parts.append(posting)
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _popular(self, word: str) -> np.ndarray:
        cached = self._popular_rows.get(word)
        if cached is None:
            rows = self._posting(word)
            cached = rows[np.argsort(-self._column("popularity")[rows], kind="stable")[:RANKED]]
            self._popular_rows[word] = cached
        return cached
