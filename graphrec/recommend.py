"""Two-stage recommendation for one user: embedding recall from the index, then a ranker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from graphrec.artifacts import Bundle
from graphrec.recall_score import index_query
from graphrec.users.live import LiveUsers, UserProfile

#: Searches the index with one query vector for n results: (scores, movie ids).
Search = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Ranked:
    """Movie ids best first and the score each was ranked by."""

    ids: np.ndarray
    scores: np.ndarray


def recall(bundle: Bundle, profile: UserProfile, n: int, search: Search) -> Ranked:
    """The user's top ``n`` movies from the index by recall score, rated movies left out.

    The query is built so that its inner product with every index row is the recall score
    that was tuned, trained on and evaluated (graphrec.recall_score).
    """
    scores, ids = search(recall_query(bundle, profile), min(n + len(profile.rated_ids),
                                                             len(bundle.index)))  # fmt: skip
    return recalled(profile, scores, ids, n)


def recall_query(bundle: Bundle, profile: UserProfile) -> np.ndarray:
    """``(1, index dim)`` the index query of the user's recall score, its recency part in the
    movie → movie columns (graphrec.recency)."""
    query = index_query(
        profile.vector,
        bundle.popularity_weights.user,
        bundle.index.info.dim,
        float(bundle.manifest["index"].get("attribute_weight", 0.0)),
    )
    if len(profile.recent):
        start = bundle.layout.item_start
        query[0, start : start + len(profile.recent)] = profile.recent
    return query


def recalled(profile: UserProfile, scores: np.ndarray, ids: np.ndarray, n: int) -> Ranked:
    """The first ``n`` of one search's results the user has not rated."""
    keep = (ids >= 0) & ~np.isin(ids, profile.rated_ids)
    return Ranked(ids=ids[keep][:n], scores=scores[keep][:n])


def rank(users: LiveUsers, profile: UserProfile, candidates: Ranked, ranker: str) -> Ranked:
    """Reorder ``candidates`` by ``ranker``'s list scores (its logit, blended with the item
    model's score where training chose to: graphrec.rankers.blend); movies the ranker has no
    features for (registered after training) are left out."""
    bundle = users.bundle
    rows = np.minimum(np.searchsorted(bundle.movie_ids, candidates.ids), len(bundle.movie_ids) - 1)
    known = bundle.movie_ids[rows] == candidates.ids
    rows, ids = rows[known], candidates.ids[known]
    rankers = bundle.rankers
    rated = profile.interactions.movies
    inputs = rankers.user_inputs(
        profile.dense, profile.vector, rated, users.movie_embeddings[rated], rows,
        np.flatnonzero(known),
    )  # fmt: skip
    scores = rankers.list_scores(ranker, inputs)
    order = np.argsort(-scores, kind="stable")
    return Ranked(ids=ids[order], scores=scores[order])


def nearest_rated(users: LiveUsers, profile: UserProfile, movie_ids: np.ndarray) -> np.ndarray:
    """Per movie id, the id of the rated movie nearest to it (largest inner product of movie
    embeddings, the rankers' ``nearest`` feature): why it is recommended. ``-1`` where the
    profile rated nothing or the id is unknown."""
    out = np.full(len(movie_ids), -1, dtype=np.int64)
    rated = profile.interactions.movies
    rows = users.rows_of(np.asarray(movie_ids, dtype=np.int64))
    known = rows >= 0
    if len(rated) == 0 or not known.any():
        return out
    vectors = users.movie_embeddings
    similarity = vectors[rows[known]] @ vectors[rated].T
    out[known] = users.movie_ids[rated[similarity.argmax(axis=1)]]
    return out
