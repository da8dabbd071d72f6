"""The recall score's recency term: latest movies summed as served, one inner product."""

import numpy as np
import pytest

from graphrec.recall_score import RecallScore
from graphrec.recency import Recency, RecentTerm, recent_vector, recent_vectors, with_recency

ITEMS = np.eye(5, dtype=np.float32)


def test_recent_vectors_sum_the_latest_movies_weighted_by_age() -> None:
    users = np.array([0, 0, 0, 1, 0])
    movies = np.array([0, 1, 2, 3, 4])
    times = np.array([30, 10, 20, 5, 20])  # movies 2 and 4 tie: the later row is the later one
    recency = Recency(count=3, decay=0.5, weight=2.0)
    out = recent_vectors(ITEMS, users, movies, times, 3, recency)
    # User 0 by time: 1 (10), 2 (20), 4 (20), 0 (30); latest three: 0, 4, 2.
    assert np.allclose(out[0], 2.0 * (ITEMS[0] + 0.5 * ITEMS[4] + 0.25 * ITEMS[2]))
    assert np.allclose(out[1], 2.0 * ITEMS[3])
    assert not out[2].any(), "a user without interactions gets nothing"


def test_one_users_vector_is_the_tables_row() -> None:
    recency = Recency(count=2, decay=0.7, weight=0.4)
    history = np.array([3, 1, 4])  # oldest first
    table = recent_vectors(ITEMS, np.zeros(3, np.int64), history, np.arange(3), 1, recency)
    assert np.allclose(recent_vector(ITEMS, history, recency), table[0])


@pytest.mark.parametrize("recency", [Recency(), Recency(count=3, weight=0.0)])
def test_an_inactive_term_adds_nothing(recency: Recency) -> None:
    assert not recent_vectors(ITEMS, np.array([0]), np.array([1]), np.array([0]), 1, recency).any()
    assert not recent_vector(ITEMS, np.array([1]), recency).any()
    assert Recency.from_dict(recency.to_dict()) == recency


def test_with_recency_adds_the_term_to_the_score() -> None:
    rng = np.random.default_rng(0)
    users, movies = rng.normal(size=(2, 4)).astype(np.float32), rng.normal(size=(5, 4))
    base = RecallScore(users, movies.astype(np.float32), np.arange(5, dtype=np.float32), 0.1)
    recent = rng.normal(size=(2, 5)).astype(np.float32)
    scored = with_recency(base, RecentTerm(recent, ITEMS))
    expected = base.scores(np.array([0, 1])).numpy() + recent @ ITEMS.T
    assert np.allclose(scored.scores(np.array([0, 1])).numpy(), expected, atol=1e-5)
    pairs = scored.pair_scores(np.array([1]), np.array([3]))
    assert np.allclose(pairs, expected[1, 3], atol=1e-5)
