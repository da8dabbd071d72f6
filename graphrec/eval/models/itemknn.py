"""Item-based k-nearest neighbours: cosine similarity over co-occurrence (Sarwar et al., 2001)."""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse import coo_matrix, csr_matrix

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import Recommender, interaction_matrix


class ItemKNN(Recommender):
    """Each movie keeps its ``neighbours`` most cosine-similar movies; a user's score for a movie
    sums its similarity to the movies the user interacted with.

    Memory is ``num_movies * neighbours``; similarities are computed in row blocks so the dense
    ``num_movies²`` matrix never exists.
    """

    name = "itemknn"
    neighbours = 100
    block = 2048

    def fit(self, train: InteractionDataset) -> None:
        self.matrix = interaction_matrix(train)
        co = (self.matrix.T @ self.matrix).tocsr()
        norms = np.sqrt(co.diagonal()).astype(np.float32)
        inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        rows, cols, vals = [], [], []
        for start in range(0, co.shape[0], self.block):
            dense = co[start : start + self.block].toarray().astype(np.float32)
            sims = torch.from_numpy(dense * inverse[start : start + len(dense), None] * inverse)
            sims[torch.arange(len(dense)), torch.arange(start, start + len(dense))] = 0.0
            values, indices = torch.topk(sims, min(self.neighbours, sims.shape[1]), dim=1)
            keep = values > 0
            rows.append(torch.nonzero(keep)[:, 0].numpy() + start)
            cols.append(indices[keep].numpy())
            vals.append(values[keep].numpy())
        n = co.shape[0]
        self.similarity: csr_matrix = coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        ).tocsr()

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        return torch.from_numpy((self.matrix[users] @ self.similarity).toarray())

    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(self.similarity[movies].toarray())
