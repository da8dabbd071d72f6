"""User vectors from movie vectors: a (time-decayed) mean of what the user rated.

PinSAGE embeds movies only; a user's vector is then the mean of the vectors of the movies they
interacted with, optionally weighting recent ones more, so that a user's recall is one FAISS
query. GraphSAGE embeds users as nodes; :func:`fold_in_vectors` recomputes a user's node from
the same weighted mean of its movies' layer states. One sparse product, no loop over users.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.sparse import csr_matrix

from graphrec.nn.sage import SageEncoder


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


@torch.no_grad()
def fold_in_vectors(
    model: SageEncoder,
    user_inputs: np.ndarray,
    movie_states: list[np.ndarray],
    users: np.ndarray,
    movies: np.ndarray,
    timestamps: np.ndarray,
    half_life: float | None = None,
) -> np.ndarray:
    """``(len(user_inputs), dim)`` L2-normalised GraphSAGE user vectors, each user's node
    recomputed (:meth:`SageEncoder.fold_in`) with the movies' states held fixed.

    Each layer aggregates the user's movies by their :func:`interaction_weights` normalised to
    sum 1: with ``half_life=None`` the plain mean PyG's ``SAGEConv`` takes, so the result is the
    forward pass's; with a half-life, recent movies weigh more.

    Args:
        user_inputs: ``(n, dim)`` each user's input (zeros for a user the model never saw).
        movie_states: Per layer ``l < L``, ``(num_movies, dim)`` the movies' states.
        users, movies, timestamps: The interactions, ``users`` in ``0 .. n - 1``.
    """
    n = len(user_inputs)
    weights = interaction_weights(users, timestamps, half_life).astype(np.float64)
    totals = np.bincount(users, weights=weights, minlength=n)
    matrix = csr_matrix(
        ((weights / np.maximum(totals[users], 1e-30)).astype(np.float32), (users, movies)),
        shape=(n, len(movie_states[0])),
    )
    means = [torch.from_numpy(np.asarray(matrix @ s, dtype=np.float32)) for s in movie_states]
    out = model.fold_in(torch.from_numpy(np.ascontiguousarray(user_inputs)), means)
    return np.asarray(F.normalize(out, dim=-1).numpy(), dtype=np.float32)
