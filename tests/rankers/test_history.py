"""The nearest rated movie's similarity, against a loop by hand on literal vectors."""

import numpy as np
import pytest

from graphrec.rankers.history import history_csr, max_similarity


def test_max_similarity_matches_a_loop() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(12, 4)).astype(np.float32)
    users = np.array([0, 0, 0, 2, 2, 3])
    movies = np.array([1, 5, 7, 2, 9, 4])
    indptr, history = history_csr(users, movies, num_users=4)
    assert indptr.tolist() == [0, 3, 3, 5, 6]
    pair_users = np.array([0, 1, 2, 3, 0, 2])
    pair_movies = np.array([3, 3, 11, 0, 8, 1])
    got = max_similarity(indptr, history, vectors, pair_users, pair_movies)
    for i, (user, movie) in enumerate(zip(pair_users, pair_movies, strict=True)):
        rated = movies[users == user]
        expected = max((vectors[r] @ vectors[movie] for r in rated), default=0.0)
        assert got[i] == pytest.approx(expected, abs=1e-5), f"pair {i}"
    assert got[1] == 0.0, "user 1 rated nothing"


def test_no_pairs_no_work() -> None:
    indptr, history = history_csr(np.array([0]), np.array([1]), num_users=1)
    empty = np.array([], dtype=np.int64)
    assert max_similarity(indptr, history, np.eye(2, dtype=np.float32), empty, empty).shape == (0,)
