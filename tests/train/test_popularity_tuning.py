"""Popularity weights are chosen by what validation rewards, on literal vectors."""

import numpy as np
import torch

from graphrec.graph import BipartiteGraph
from graphrec.popularity import log_popularity
from graphrec.train.popularity_tuning import ValidationScores, tune_popularity_weights

# Movie 1 is closer to user 0 and to movie 0 (cosine 0.8) than movie 2 is (0.6), but movie 2
# has three fitting ratings: log(4) = 1.386, so weight w lifts it to 0.6 + 1.386 w; it
# passes 0.8 from the grid's 0.15 on.
MOVIES = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [-1.0, 0.0]])
FIT = BipartiteGraph.from_interactions(np.array([0, 1, 2, 3]), np.array([0, 2, 2, 2]), 4, 4)


def _tune(target: int):
    popularity = torch.from_numpy(log_popularity(FIT.movie_degrees()))
    scores = ValidationScores(
        users=torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]),
        movies=MOVIES, items=MOVIES, popularity=popularity,
    )  # fmt: skip
    val = BipartiteGraph.from_interactions(np.array([0]), np.array([target]), 4, 4)
    queries = np.array([0, 2, 2, 2])
    targets = np.array([target, -1, -1, -1])
    return tune_popularity_weights(
        scores, FIT, val, next_item_queries=queries, next_item_targets=targets, k=1
    )


def test_the_smallest_weight_that_lets_a_popular_target_through() -> None:
    weights = _tune(target=2)
    assert weights.user == 0.15 and weights.item == 0.15


def test_no_popularity_when_validation_wants_the_rare_movie() -> None:
    weights = _tune(target=1)
    assert weights.user == 0.0 and weights.item == 0.0
