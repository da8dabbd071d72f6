"""Two-stage recommendation for one user: embedding recall from the index, then a ranker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from graphrec.artifacts import Bundle

#: Candidates recalled per request before ranking.
CANDIDATES = 200

#: Searches the index with one query vector for n results: (scores, movie ids).
Search = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Ranked:
    """Movie ids best first and the score each was ranked by."""

    ids: np.ndarray
    scores: np.ndarray


def user_row(bundle: Bundle, user_id: int) -> int | None:
    """Row of ``user_id`` in the bundle's user arrays, or ``None`` for an unknown user."""
    row = int(np.searchsorted(bundle.user_ids, user_id))
    return row if row < len(bundle.user_ids) and bundle.user_ids[row] == user_id else None


def recall(bundle: Bundle, row: int, n: int, search: Search) -> Ranked:
    """The user's top ``n`` movies from the index by embedding score, rated movies left out.

    The index holds blended vectors (embedding, then attributes; see graphrec.similarity) and a
    popularity column (graphrec.popularity); a query with zeros in the attribute part and the
    user weight in the popularity column scores as the model was validated.
    """
    history = bundle.history
    start, end = history.user_indptr[row], history.user_indptr[row + 1]
    rated = bundle.movie_ids[history.user_movies[start:end]]
    weight = float(bundle.manifest["index"].get("attribute_weight", 0.0))
    query = np.zeros((1, bundle.index.info.dim), dtype=np.float32)
    embedding = bundle.user_embeddings[row]
    query[0, : len(embedding)] = embedding * np.sqrt(1.0 - weight)
    query[0, -1] = bundle.popularity_weights.user
    scores, ids = search(query, min(n + len(rated), len(bundle.index)))
    keep = (ids >= 0) & ~np.isin(ids, rated)
    return Ranked(ids=ids[keep][:n], scores=scores[keep][:n])


def rank(bundle: Bundle, row: int, candidates: Ranked, ranker: str) -> Ranked:
    """Reorder ``candidates`` by ``ranker``'s logit; movies the ranker has no features for
    (registered after training) are left out."""
    rows = np.minimum(np.searchsorted(bundle.movie_ids, candidates.ids), len(bundle.movie_ids) - 1)
    known = bundle.movie_ids[rows] == candidates.ids
    rows, ids = rows[known], candidates.ids[known]
    logits = bundle.rankers.score(ranker, np.full(len(rows), row, dtype=np.int64), rows)
    order = np.argsort(-logits, kind="stable")
    return Ranked(ids=ids[order], scores=logits[order])
