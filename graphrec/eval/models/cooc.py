"""Co-occurrence cosine over every pair of movies: the count-only peer of `/similar`."""

from __future__ import annotations

import numpy as np
import torch

from graphrec.eval.models.itemknn import ItemKNN


class CoOccurrence(ItemKNN):
    """``sim(i, j) = |users(i) ∩ users(j)| / √(|users(i)| · |users(j)|)`` for every pair.

    Users are scored as ItemKNN scores them; a movie's list ranks every movie by its cosine,
    computed from the sparse interaction matrix per batch of queries, not just the 100 nearest
    kept for user scores (a heavy user's next-item query would run out of them).
    """

    name = "cooc"

    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        counts = (self.matrix[:, movies].T @ self.matrix).toarray().astype(np.float32)
        norms = np.sqrt(np.asarray(self.matrix.sum(axis=0)).ravel()).astype(np.float32)
        inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        sims = counts * inverse[movies, None] * inverse[None, :]
        sims[np.arange(len(movies)), movies] = 0.0
        return torch.from_numpy(sims)
