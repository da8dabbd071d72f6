"""Most popular first: the floor every model must clear."""

from __future__ import annotations

import numpy as np
import torch

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import Recommender


class Popularity(Recommender):
    """Scores each movie by its number of training interactions, the same for every query."""

    name = "pop"

    def fit(self, train: InteractionDataset) -> None:
        counts = np.bincount(train.movies, minlength=train.num_movies).astype(np.float32)
        self.counts = torch.from_numpy(counts)

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        return self.counts.expand(len(users), -1)

    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        return self.counts.expand(len(movies), -1)
