"""Our GraphSAGE encoder under evaluation, trained exactly as `graphrec train` trains it."""

from __future__ import annotations

import numpy as np
import torch

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import EmbeddingRecommender
from graphrec.similarity import item_vectors
from graphrec.train.config import PinSageConfig, SageConfig
from graphrec.train.result import TrainedEmbeddings
from graphrec.train.sage_trainer import SageTrainer


class Sage(EmbeddingRecommender):
    """GraphSAGE embeddings; the trainer holds out its own validation slice from ``train``."""

    name = "sage"
    config: SageConfig | PinSageConfig = SageConfig()

    def train(self, train: InteractionDataset) -> TrainedEmbeddings:
        assert isinstance(self.config, SageConfig)
        config = self.config.model_copy(update={"seed": self.seed})
        return SageTrainer(train, config).fit(self.on_epoch)

    def fit(self, train: InteractionDataset) -> None:
        result = self.train(train)
        self.user_vectors = torch.from_numpy(result.user_embeddings)
        self.movie_vectors = torch.from_numpy(result.movie_embeddings)
        self.item_vectors = torch.from_numpy(item_vectors(result.movie_embeddings, result.features))
        self.popularity = torch.from_numpy(result.popularity)
        self.weights = result.popularity_weights

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        """Embedding inner product plus weighted log popularity, as FAISS recall scores it."""
        return super().score_users(users) + self.weights.user * self.popularity

    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        """Item-to-item by the blended vectors the served index holds (see graphrec.similarity),
        plus weighted log popularity as `/similar` scores it."""
        vectors = self.item_vectors
        return vectors[torch.from_numpy(movies)] @ vectors.T + self.weights.item * self.popularity
