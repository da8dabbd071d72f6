"""Whitened user vectors: the closed form per user, and what it divides out."""

import numpy as np
import pytest

from graphrec.train.user_vectors import (
    Whitening,
    interaction_weights,
    popularity_gram,
    user_vectors,
)


def test_whitened_vectors_solve_each_users_least_squares() -> None:
    rng = np.random.default_rng(0)
    movies = rng.normal(size=(30, 8)).astype(np.float32)
    users, rated, times = rng.integers(0, 5, 80), rng.integers(0, 30, 80), rng.integers(0, 50, 80)
    gram = popularity_gram(movies, np.bincount(rated, minlength=30))
    whitening = Whitening(beta=0.3, ridge=0.1)
    got = user_vectors(movies, users, rated, times, 6, 2.0, whitening, gram)
    weights = interaction_weights(users, times, 2.0)
    vectors = movies.astype(np.float64)
    for user in range(5):
        share = np.bincount(rated[users == user], weights[users == user], minlength=30)
        share /= share.sum()
        system = (vectors.T * share) @ vectors + 0.3 * gram + 0.1 * np.eye(8)
        expected = np.linalg.solve(system, share @ vectors)
        assert np.allclose(got[user], expected / np.linalg.norm(expected), atol=1e-5)
    assert not got[5].any(), "a user with no ratings gets zeros"


def test_whitening_divides_out_what_everyone_watches() -> None:
    # Movie 0 is what everyone rates; the user rated it and movie 1.
    movies = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.6, 0.0, 0.8]], dtype=np.float32)
    gram = popularity_gram(movies, np.array([100, 1, 1]))
    users, rated, times = np.array([0, 0]), np.array([0, 1]), np.array([0, 1])
    mean = user_vectors(movies, users, rated, times, 1)[0]
    whitened = user_vectors(movies, users, rated, times, 1, None, Whitening(1.0, 0.1), gram)[0]
    assert mean @ movies[0] == pytest.approx(mean @ movies[1]), "the plain mean: level"
    assert whitened @ movies[1] > whitened @ movies[0] + 0.3, "whitened: the user's own first"
    assert whitened @ movies[1] > whitened @ movies[2]


def test_popularity_gram_weighs_movies_by_their_share_of_ratings() -> None:
    movies = np.eye(2, dtype=np.float32)
    assert np.allclose(popularity_gram(movies, np.array([3, 1])), np.diag([0.75, 0.25]))


def test_whitening_needs_a_gram() -> None:
    with pytest.raises(ValueError, match="gram"):
        user_vectors(np.eye(2, dtype=np.float32), np.array([0]), np.array([0]), np.array([0]), 1,
                     whitening=Whitening(1.0, 0.1))  # fmt: skip
