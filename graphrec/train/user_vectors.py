"""User vectors from movie vectors: a (time-decayed) mean of what the user rated.

PinSAGE embeds movies only; a user's vector is then the mean of the vectors of the movies they
interacted with, optionally weighting recent ones more, so that a user's recall is one FAISS
query; or that mean *whitened* (:class:`Whitening`), the popular directions every user's mean
shares divided out. GraphSAGE embeds users as nodes; :func:`fold_in_vectors` recomputes a user's
node from the same weighted mean of its movies' layer states. Sparse products, no loop over
users or ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.sparse import csr_matrix, diags

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


@dataclass(frozen=True)
class Whitening:
    r"""A user fitted to their movies rather than averaged over them:

    .. math::
        \mathbf{u} = (\mathbf{S}_u + \beta\,\mathbf{G} + \lambda\mathbf{I})^{-1}\,\mathbf{m}_u

    with :math:`\mathbf{m}_u`, :math:`\mathbf{S}_u` the user's weighted mean movie vector and mean
    outer product, and :math:`\mathbf{G}` the outer products of all movies weighted by their
    share of ratings (:func:`popularity_gram`). It is the least-squares vector that scores the
    user's movies 1 and a movie drawn by popularity 0 (an implicit-ALS fold-in, movie vectors
    fixed): a heavy user's plain mean points where everyone's does; this one keeps what sets
    the user apart, and the recall score's popularity term adds back a tuned share of the rest.

    Attributes:
        beta: Weight of the popularity-drawn movies scored 0.
        ridge: :math:`\lambda`, which keeps the solve well posed.
    """

    beta: float
    ridge: float

    def to_dict(self) -> dict[str, float]:
        return {"beta": self.beta, "ridge": self.ridge}


def popularity_gram(movie_vectors: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """``(dim, dim)`` ``Σ_i share_i · v_i v_iᵀ``, ``share`` each movie's part of all ratings."""
    share = degrees.astype(np.float64) / max(float(degrees.sum()), 1.0)
    vectors = movie_vectors.astype(np.float64)
    return np.asarray((vectors.T * share) @ vectors)


def user_vectors(
    movie_vectors: np.ndarray,
    users: np.ndarray,
    movies: np.ndarray,
    timestamps: np.ndarray,
    num_users: int,
    half_life: float | None = None,
    whitening: Whitening | None = None,
    gram: np.ndarray | None = None,
) -> np.ndarray:
    """``(num_users, dim)`` L2-normalised weighted means, whitened by ``gram`` (see
    :func:`popularity_gram`) when ``whitening`` is given; a user with no ratings gets zeros."""
    weights = interaction_weights(users, timestamps, half_life)
    matrix = csr_matrix(
        (weights, (users, movies)), shape=(num_users, len(movie_vectors)), dtype=np.float32
    )
    if whitening is None:
        return _unit_rows(np.asarray(matrix @ movie_vectors, dtype=np.float32))
    if gram is None:
        raise ValueError("whitened user vectors need the movies' popularity gram")
    totals = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
    matrix = csr_matrix(diags(1.0 / np.maximum(totals, 1e-30)) @ matrix.astype(np.float64))
    out = np.empty((num_users, movie_vectors.shape[1]), dtype=np.float32)
    for start in range(0, num_users, USER_CHUNK):
        rows = matrix[start : start + USER_CHUNK]
        out[start : start + rows.shape[0]] = _whitened(rows, movie_vectors, whitening, gram)
    return _unit_rows(out)


#: Users whitened at once: their ``(n, dim, dim)`` second moments are the memory it takes.
USER_CHUNK = 4096


def _whitened(
    weights: csr_matrix, movie_vectors: np.ndarray, whitening: Whitening, gram: np.ndarray
) -> np.ndarray:
    """``(n, dim)`` solves of :class:`Whitening` for users whose rows of ``weights`` sum to 1.

    ``m_u`` and ``S_u = Σ_i w_ui v_i v_iᵀ`` are summed over the interactions a chunk at a time,
    so memory is bounded by the chunk and the users, never the catalogue."""
    n, dim = weights.shape[0], movie_vectors.shape[1]
    owner = torch.from_numpy(np.repeat(np.arange(n), np.diff(weights.indptr)))
    means = torch.zeros(n, dim)
    second = torch.zeros(n, dim, dim)
    for start in range(0, weights.nnz, INTERACTION_CHUNK):
        part = slice(start, start + INTERACTION_CHUNK)
        rated = torch.from_numpy(np.asarray(movie_vectors[weights.indices[part]], np.float32))
        weighted = rated * torch.from_numpy(weights.data[part].astype(np.float32))[:, None]
        means.index_add_(0, owner[part], weighted)
        second.index_add_(0, owner[part], weighted[:, :, None] * rated[:, None, :])
    system = second.double() + whitening.beta * torch.from_numpy(gram)
    system += whitening.ridge * torch.eye(dim, dtype=torch.float64)
    solved = torch.linalg.solve(system, means.double().unsqueeze(-1)).squeeze(-1)
    return np.asarray(solved.numpy(), dtype=np.float32)


#: Interactions whose outer products are formed at once (``chunk × dim²`` floats).
INTERACTION_CHUNK = 2048


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


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
