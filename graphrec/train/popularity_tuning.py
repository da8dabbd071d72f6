"""Choosing the weights of log popularity in recall scores on a validation slice.

User queries are judged by validation recall@k (what early stopping watches); movie queries by
next-item hit@k, the latest fitting movie of each user against their earliest validation movie,
as `graphrec evaluate` judges `/similar` on the test side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.popularity import PopularityWeights, choose_weight
from graphrec.train.topk import validation_next_item_hit, validation_recall

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationScores:
    """What recall scores are made of on the fitting side.

    Attributes:
        users: User vectors, ``(num_users, dim)``.
        movies: Movie vectors users are scored against, ``(num_movies, dim)``.
        items: Movie-to-movie vectors (the index's blended rows), ``(num_movies, d)``.
        popularity: Log popularity over the fitting graph, ``(num_movies,)``.
    """

    users: torch.Tensor
    movies: torch.Tensor
    items: torch.Tensor
    popularity: torch.Tensor


def tune_popularity_weights(
    scores: ValidationScores,
    fit: BipartiteGraph,
    val: BipartiteGraph,
    *,
    next_item_queries: np.ndarray,
    next_item_targets: np.ndarray,
    k: int,
) -> PopularityWeights:
    """The grid weights with the best validation figures, for user and for movie queries.

    Args:
        fit: Interactions the vectors were computed from; never recommended back.
        val: Held-out interactions, the targets of user queries.
        next_item_queries: Per user, the latest fitting movie (``-1`` for none).
        next_item_targets: Per user, the earliest validation movie (``-1`` for none).
        k: Cut-off of both figures.
    """
    s = scores

    def user_recall(weight: float) -> float:
        return validation_recall(
            lambda batch: s.users[torch.from_numpy(batch)] @ s.movies.T + weight * s.popularity,
            fit, val, k,
        )  # fmt: skip

    def next_item_hit(weight: float) -> float:
        return validation_next_item_hit(
            lambda batch: s.items[torch.from_numpy(batch)] @ s.items.T + weight * s.popularity,
            fit, next_item_queries, next_item_targets, k,
        )  # fmt: skip

    user_weight, recall = choose_weight(user_recall)
    item_weight, hit = choose_weight(next_item_hit)
    logger.info(
        "popularity weights: user %.3f (val recall@%d %.4f), movie %.3f (next-item hit@%d %.4f)",
        user_weight, k, recall, item_weight, k, hit,
    )  # fmt: skip
    return PopularityWeights(user=user_weight, item=item_weight)
