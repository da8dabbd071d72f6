"""Our GraphSAGE encoder under evaluation, trained exactly as `graphrec train` trains it."""

from __future__ import annotations

import torch

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import EmbeddingRecommender
from graphrec.train.config import SageConfig
from graphrec.train.sage_trainer import SageTrainer


class Sage(EmbeddingRecommender):
    """GraphSAGE embeddings; the trainer holds out its own validation slice from ``train``."""

    name = "sage"
    config = SageConfig()

    def fit(self, train: InteractionDataset) -> None:
        config = self.config.model_copy(update={"seed": self.seed})
        result = SageTrainer(train, config).fit(self.on_epoch)
        self.user_vectors = torch.from_numpy(result.user_embeddings)
        self.movie_vectors = torch.from_numpy(result.movie_embeddings)
