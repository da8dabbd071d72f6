"""Choosing the recall score's recency term (graphrec.recency) on the validation slice.

Judged as every other part of the user query is (graphrec.train.popularity_tuning): validation
recall@k of the served score, users and movies as the fitting side makes them. The term stays
off unless a candidate recalls strictly more than the score without it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from graphrec.data.dataset import InteractionDataset
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.popularity import log_popularity
from graphrec.recall_score import RecallScore
from graphrec.recency import Recency, RecentTerm, recent_vectors, with_recency
from graphrec.train.config import ItemSpaceConfig
from graphrec.train.result import TrainedEmbeddings
from graphrec.train.topk import validation_recall

logger = logging.getLogger(__name__)


def tune_recency(
    base: RecallScore,
    items: np.ndarray,
    fit_interactions: tuple[np.ndarray, np.ndarray, np.ndarray],
    fit: BipartiteGraph,
    val: BipartiteGraph,
    *,
    k: int,
    shapes: Sequence[tuple[int, float]],
    weights: Sequence[float],
) -> Recency:
    """The ``(count, decay)`` shape and weight with the best validation recall, or no term.

    Args:
        base: The chosen recall score on the fitting side.
        items: Movie → movie rows over the fitting side, ``(num_movies, d)``.
        fit_interactions: ``(users, movies, timestamps)`` the fitting side's interactions.
        fit, val: Fitting and validation graphs.
        shapes, weights: The grid.
    """
    users, movies, timestamps = fit_interactions
    best_figure, best = validation_recall(base.scores, fit, val, k), Recency()
    baseline = best_figure
    for count, decay in shapes:
        unit = recent_vectors(items, users, movies, timestamps, fit.num_users,
                              Recency(count, decay, 1.0))  # fmt: skip
        for weight in weights:
            score = with_recency(base, RecentTerm(unit * np.float32(weight), items))
            figure = validation_recall(score.scores, fit, val, k)
            if figure > best_figure:
                best_figure, best = figure, Recency(count, decay, weight)
    logger.info(
        "recency: %s (val recall@%d %.4f, %.4f without)",
        f"latest {best.count}, decay {best.decay:g}, weight {best.weight:g}"
        if best.active
        else "off",
        k, best_figure, baseline,
    )  # fmt: skip
    return best


def with_recency_term(
    dataset: InteractionDataset,
    result: TrainedEmbeddings,
    fit_mask: np.ndarray,
    config: ItemSpaceConfig,
    *,
    k: int,
) -> TrainedEmbeddings:
    """``result`` with the recency term validation chose and its users' recent vectors over
    all of ``dataset``; unchanged where there is nothing to validate on."""
    space = result.item_space
    if (
        space is None or space.fit_vectors is None or result.fit_vectors is None
        or fit_mask.all() or not config.recency_shapes or not config.recency_weights
    ):  # fmt: skip
        return result
    d = dataset
    fit, val = (
        BipartiteGraph.from_interactions(d.users[m], d.movies[m], d.num_users, d.num_movies)
        for m in (fit_mask, ~fit_mask)
    )
    users, movies = result.fit_vectors
    base = RecallScore(users, movies, log_popularity(fit.movie_degrees()),
                       result.popularity_weights.user)  # fmt: skip
    recency = tune_recency(
        base, space.fit_vectors, (d.users[fit_mask], d.movies[fit_mask], d.timestamps[fit_mask]),
        fit, val, k=k, shapes=config.recency_shapes, weights=config.recency_weights,
    )  # fmt: skip
    if not recency.active:
        return result
    recent = recent_vectors(space.vectors, d.users, d.movies, d.timestamps, d.num_users, recency)
    return replace(result, recency=recency, recent=RecentTerm(recent, space.vectors))
