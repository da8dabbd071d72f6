"""Popularity in recall scores: index rows and queries add exactly weight · log(1 + degree)."""

import numpy as np

from graphrec.popularity import (
    WEIGHT_GRID,
    PopularityWeights,
    choose_weight,
    log_popularity,
    set_popularity,
    with_popularity,
)


def test_index_rows_and_queries_add_weighted_log_popularity() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 4)).astype(np.float32)
    popularity = log_popularity(np.array([0, 1, 3, 7, 0]))
    assert np.allclose(popularity, np.log([1, 2, 4, 8, 1]))
    rows = with_popularity(vectors, popularity)
    query = set_popularity(rows[1], 0.2)
    assert rows[1, -1] == popularity[1], "the query is a copy; the row keeps its popularity"
    assert np.allclose(rows @ query, vectors @ vectors[1] + 0.2 * popularity, atol=1e-6)
    unrated = set_popularity(rows, 0.0)
    assert np.allclose(unrated[:, :-1], vectors) and not unrated[:, -1].any()


def test_choose_weight_takes_the_best_and_the_smallest_on_ties() -> None:
    assert choose_weight(lambda w: -abs(w - 0.1)) == (0.1, 0.0)
    assert choose_weight(lambda w: 1.0) == (WEIGHT_GRID[0], 1.0)
    assert WEIGHT_GRID[0] == 0.0, "no popularity is always a candidate"


def test_weights_round_trip_through_a_manifest_dict() -> None:
    weights = PopularityWeights(user=0.1, item=0.2)
    assert PopularityWeights.from_dict(weights.to_dict()) == weights
    assert PopularityWeights.from_dict(None) == PopularityWeights(user=0.0, item=0.0)
