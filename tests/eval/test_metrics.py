"""Metrics on hand-worked examples, edge cases included."""

import math

import numpy as np
import pytest

from graphrec.eval.metrics import hit_rate, ranking_metrics
from graphrec.graph import BipartiteGraph


def _test_graph(pairs: list[tuple[int, int]], num_users: int = 3, num_movies: int = 10):
    users, movies = zip(*pairs, strict=True)
    return BipartiteGraph.from_interactions(
        np.array(users), np.array(movies), num_users, num_movies
    )


def test_hand_worked_example() -> None:
    # user 0: relevant {1, 4, 7}; recs [1, 2, 4] → hits at ranks 1 and 3
    # user 1: relevant {9};       recs [3, 5, 6] → no hit
    test = _test_graph([(0, 1), (0, 4), (0, 7), (1, 9)])
    recs = np.array([[1, 2, 4], [3, 5, 6]])
    m = ranking_metrics(recs, np.array([0, 1]), test, k=3)
    dcg0 = 1 + 1 / math.log2(4)
    idcg0 = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["ndcg@3"] == pytest.approx((dcg0 / idcg0 + 0) / 2)
    assert m["precision@3"] == pytest.approx((2 / 3 + 0) / 2)
    assert m["recall@3"] == pytest.approx((2 / 3 + 0) / 2)
    assert m["map@3"] == pytest.approx(((1 / 1 + 2 / 3) / 3 + 0) / 2)
    assert m["hit@3"] == pytest.approx(0.5)
    assert m["mrr@3"] == pytest.approx(0.5)
    assert m["coverage@3"] == pytest.approx(6 / 10)


def test_fewer_relevant_than_k_uses_min_in_ideal_and_map() -> None:
    # one relevant item found at rank 2 of 5: idcg over min(5, 1) = 1 item
    test = _test_graph([(0, 3)])
    m = ranking_metrics(np.array([[8, 3, 1, 2, 4]]), np.array([0]), test, k=5)
    assert m["ndcg@5"] == pytest.approx(1 / math.log2(3))
    assert m["map@5"] == pytest.approx(1 / 2)
    assert m["recall@5"] == 1.0 and m["precision@5"] == pytest.approx(1 / 5)
    assert m["mrr@5"] == pytest.approx(1 / 2)


def test_perfect_ranking_scores_one() -> None:
    test = _test_graph([(0, 1), (0, 2)])
    m = ranking_metrics(np.array([[2, 1, 5]]), np.array([0]), test, k=3)
    assert m["ndcg@3"] == pytest.approx(1.0) and m["map@3"] == pytest.approx(1.0)


def test_user_without_test_items_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one held-out"):
        ranking_metrics(np.array([[1]]), np.array([2]), _test_graph([(0, 1)]), k=1)


def test_hit_rate() -> None:
    assert hit_rate(np.array([[1, 2], [3, 4]]), np.array([2, 5])) == 0.5
    assert hit_rate(np.zeros((0, 2), dtype=int), np.array([], dtype=int)) == 0.0
