"""User vectors from movie vectors: a (time-decayed) mean of what the user rated.

PinSAGE embeds movies only; a user's vector is then the mean of the vectors of the movies they
interacted with, optionally weighting recent ones more, so that a user's recall is one FAISS
query. One sparse product, no loop over users.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix


def interaction_weights(
    users: np.ndarray, timestamps: np.ndarray, half_life: float | None
) -> np.ndarray:
    """Weight of each interaction: ``0.5 ** (age / half_life)``, age = later ratings of its user.

    With ``half_life=None`` every interaction weighs 1. Ties in time keep input order.
    """
    if half_life is None:
        return np.ones(len(users), dtype=np.float32)
    order = np.lexsort((np.arange(len(users)), timestamps, users))
    sorted_users = users[order]
    last = np.searchsorted(sorted_users, sorted_users, side="right")
    age = np.empty(len(users), dtype=np.float64)
    age[order] = last - 1 - np.arange(len(users))
    return (0.5 ** (age / half_life)).astype(np.float32)


def user_vectors(
    movie_vectors: np.ndarray,
    users: np.ndarray,
    movies: np.ndarray,
    timestamps: np.ndarray,
    num_users: int,
    half_life: float | None = None,
) -> np.ndarray:
    """``(num_users, dim)`` L2-normalised weighted means; a user with no ratings gets zeros."""
    weights = interaction_weights(users, timestamps, half_life)
    matrix = csr_matrix(
        (weights, (users, movies)), shape=(num_users, len(movie_vectors)), dtype=np.float32
    )
    summed = np.asarray(matrix @ movie_vectors, dtype=np.float32)
    norms = np.linalg.norm(summed, axis=1, keepdims=True)
    return np.divide(summed, norms, out=np.zeros_like(summed), where=norms > 0)
