"""Top-k retrieval over all movies with each user's known movies excluded, in user batches."""

from __future__ import annotations

import numpy as np
import torch

from graphrec.graph.bipartite import BipartiteGraph


def top_k_excluding(
    user_vectors: torch.Tensor,
    movie_vectors: torch.Tensor,
    exclude: BipartiteGraph,
    k: int,
    *,
    users: np.ndarray | None = None,
    batch_size: int = 1024,
) -> np.ndarray:
    """Highest dot-product movies per user, skipping the user's edges in ``exclude``.

    Ties are broken by the lower movie index, so results are deterministic.

    Args:
        user_vectors: ``(num_users, dim)``.
        movie_vectors: ``(num_movies, dim)``.
        exclude: Graph whose edges (typically training interactions) are never returned.
        k: Results per user.
        users: Which users to rank (default: all).
        batch_size: Users scored at once; memory is ``batch_size * num_movies`` floats.

    Returns:
        ``(len(users), k)`` movie indices, best first.
    """
    if users is None:
        users = np.arange(user_vectors.shape[0])
    k = min(k, movie_vectors.shape[0])
    out = np.empty((len(users), k), dtype=np.int64)
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = user_vectors[torch.from_numpy(batch)] @ movie_vectors.T
        rows, cols = _rows_and_columns(exclude, batch)
        scores[torch.from_numpy(rows), torch.from_numpy(cols)] = -torch.inf
        out[start : start + len(batch)] = _stable_top_k(scores, k)
    return out


def _rows_and_columns(graph: BipartiteGraph, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batch-row and movie index of every edge of ``users``, gathered without a Python loop."""
    starts = graph.user_indptr[users]
    lengths = graph.user_indptr[users + 1] - starts
    rows = np.repeat(np.arange(len(users)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return rows, graph.user_movies[np.repeat(starts, lengths) + offsets]


def _stable_top_k(scores: torch.Tensor, k: int) -> np.ndarray:
    """Top-k columns per row, ties going to the lower column index."""
    values, _ = torch.topk(scores, k, dim=1)
    threshold = values[:, -1:]
    # Candidates: everything at or above the k-th value; sort them by (score desc, index asc).
    above = scores >= threshold
    masked = torch.where(above, scores, torch.full_like(scores, -torch.inf))
    order = torch.sort(masked, dim=1, descending=True, stable=True).indices[:, :k]
    return order.numpy()
