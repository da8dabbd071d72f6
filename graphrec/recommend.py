"""Two-stage recommendation for one user: embedding recall from the index, then a ranker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from graphrec.artifacts import Bundle
from graphrec.recall_score import index_query

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
    """The user's top ``n`` movies from the index by recall score, rated movies left out.

    The query is built so that its inner product with every index row is the recall score
    that was tuned, trained on and evaluated (graphrec.recall_score).
    """
    history = bundle.history
    start, end = history.user_indptr[row], history.user_indptr[row + 1]
    rated = bundle.movie_ids[history.user_movies[start:end]]
    query = index_query(
        bundle.user_embeddings[row],
        bundle.popularity_weights.user,
        bundle.index.info.dim,
        float(bundle.manifest["index"].get("attribute_weight", 0.0)),
    )
    scores, ids = search(query, min(n + len(rated), len(bundle.index)))
    keep = (ids >= 0) & ~np.isin(ids, rated)
    return Ranked(ids=ids[keep][:n], scores=scores[keep][:n])


def rank(bundle: Bundle, row: int, candidates: Ranked, ranker: str) -> Ranked:
    """Reorder ``candidates`` by ``ranker``'s logit; movies the ranker has no features for
    (registered after training) are left out."""
    rows = np.minimum(np.searchsorted(bundle.movie_ids, candidates.ids), len(bundle.movie_ids) - 1)
    known = bundle.movie_ids[rows] == candidates.ids
    rows, ids = rows[known], candidates.ids[known]
    users = np.full(len(rows), row, dtype=np.int64)
    logits = bundle.rankers.score(ranker, users, rows, np.flatnonzero(known))
    order = np.argsort(-logits, kind="stable")
    return Ranked(ids=ids[order], scores=logits[order])
