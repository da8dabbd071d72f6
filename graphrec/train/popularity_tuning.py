"""Choosing how recall scores are made, on a validation slice: the user vector's half-life (and,
for PinSAGE, its whitening) and the weight of log popularity in user queries.

User queries are judged by validation recall@k (what early stopping watches), ranked by the
served :class:`~graphrec.recall_score.RecallScore`. The slice is cut the way the test is cut,
so a recency half-life wins only where the test rewards recency. Movie queries are the movie →
movie space's (graphrec.train.item_space), which chooses its own weight; its validation pairs
(:func:`next_item_pairs`) live here, beside the slice they come from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from graphrec.data.dataset import InteractionDataset
from graphrec.data.splits import extreme_movie
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.popularity import PopularityWeights, choose_weight
from graphrec.recall_score import RecallScore
from graphrec.train.topk import validation_recall
from graphrec.train.user_vectors import Whitening

logger = logging.getLogger(__name__)

K = TypeVar("K")

#: Validation users the half-life and popularity weight are judged on at most (a seeded sample
#: beyond): the grid is every half-life × every weight, one ranking of all movies per user and
#: candidate, 60 passes; at 25 M ratings one pass over 20,000 users took 27 s. The bundled data
#: has 610 users.
TUNING_USERS = 5_000


@dataclass(frozen=True)
class ValidationScores:
    """What recall scores are made of on the fitting side.

    Attributes:
        users: User vectors, ``(num_users, dim)``, per candidate half-life (``None``: a plain
            mean, or vectors the model learned).
        movies: Movie vectors users are scored against, ``(num_movies, dim)``.
        popularity: Log popularity over the fitting graph, ``(num_movies,)``.
    """

    users: Mapping[float | None, np.ndarray]
    movies: np.ndarray
    popularity: np.ndarray


#: Given the chosen half-life, whitened user vectors to try against the plain ones.
Whitenings = Callable[[float | None], Mapping[Whitening, np.ndarray]]


@dataclass(frozen=True)
class RecallChoice:
    """The half-life, whitening (``None``: the plain weighted mean) and popularity weights
    validation chose (the movie weight is the item space's, 0 until it is trained)."""

    half_life: float | None
    weights: PopularityWeights
    whitening: Whitening | None = None


def next_item_pairs(
    dataset: InteractionDataset, fit_mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per user, the latest fitting movie and the earliest validation movie (``-1``: none):
    the validation side of `graphrec evaluate`'s next-item figure."""
    d, fit, val = dataset, fit_mask, ~fit_mask
    latest = extreme_movie(d.users[fit], d.timestamps[fit], d.movies[fit], d.num_users, latest=True)
    first = extreme_movie(d.users[val], d.timestamps[val], d.movies[val], d.num_users, latest=False)
    return latest, first


def tune_recall(
    scores: ValidationScores,
    fit: BipartiteGraph,
    val: BipartiteGraph,
    *,
    k: int,
    whitenings: Whitenings | None = None,
) -> RecallChoice:
    """The half-life and grid weight with the best validation recall.

    Args:
        fit: Interactions the vectors were computed from; never recommended back.
        val: Held-out interactions, the targets of user queries.
        k: Cut-off of the recall.
        whitenings: Whitened user vectors at the chosen half-life; one replaces the plain
            mean only where it recalls strictly more. Tried after the half-life so that they
            cost a few candidates, not a grid of them per half-life.
    """
    s = scores
    val = tuning_slice(val, TUNING_USERS)
    recall, half_life, user_weight = _best_users(s.users, s, fit, val, k)
    whitening: Whitening | None = None
    candidates = whitenings(half_life) if whitenings is not None else {}
    if candidates:
        whitened = _best_users(candidates, s, fit, val, k)
        if whitened[0] > recall:
            recall, whitening, user_weight = whitened

    logger.info(
        "recall: user half-life %s%s, popularity weight %.3f (val recall@%d %.4f)",
        "none (plain mean)" if half_life is None else f"{half_life:g}",
        "" if whitening is None else f", whitened (beta {whitening.beta:g}, "
        f"ridge {whitening.ridge:g})",
        user_weight, k, recall,
    )  # fmt: skip
    return RecallChoice(half_life, PopularityWeights(user=user_weight), whitening)


def tuning_slice(val: BipartiteGraph, max_users: int, seed: int = 0) -> BipartiteGraph:
    """``val`` kept for a seeded sample of ``max_users`` of its users when it has more."""
    held = np.flatnonzero(val.user_degrees() > 0)
    if len(held) <= max_users:
        return val
    chosen = np.random.default_rng(seed).choice(held, max_users, replace=False)
    users, movies = val.edge_arrays()
    keep = np.isin(users, chosen)
    return BipartiteGraph.from_interactions(users[keep], movies[keep], val.num_users,
                                            val.num_movies)  # fmt: skip


def _best_users(
    candidates: Mapping[K, np.ndarray],
    scores: ValidationScores,
    fit: BipartiteGraph,
    val: BipartiteGraph,
    k: int,
) -> tuple[float, K, float]:
    """``(recall, key, weight)`` of the candidate user vectors and grid weight that recall the
    validation slice best (the first candidate on ties)."""
    best: tuple[float, K, float] | None = None
    for key, users in candidates.items():

        def user_recall(weight: float, users: np.ndarray = users) -> float:
            recall = RecallScore(users, scores.movies, scores.popularity, weight)
            return validation_recall(recall.scores, fit, val, k)

        weight, figure = choose_weight(user_recall)
        if best is None or figure > best[0]:
            best = (figure, key, weight)
    if best is None:
        raise ValueError("no user vectors to choose from")
    return best
