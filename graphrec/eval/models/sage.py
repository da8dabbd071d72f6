"""Our GraphSAGE encoder under evaluation, trained exactly as `graphrec train` trains it."""

from __future__ import annotations

import numpy as np
import torch

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import Recommender
from graphrec.recall_score import SimilarityScore
from graphrec.train.config import PinSageConfig, SageConfig
from graphrec.train.item_space import with_item_space
from graphrec.train.result import TrainedEmbeddings
from graphrec.train.sage_trainer import SageTrainer


class Sage(Recommender):
    """GraphSAGE embeddings; the trainer holds out its own validation slice from ``train``,
    cut as the protocol cuts its test."""

    name = "sage"
    config: SageConfig | PinSageConfig = SageConfig()

    def train(self, train: InteractionDataset) -> TrainedEmbeddings:
        config = self.trainer_config()
        assert isinstance(config, SageConfig)
        return with_item_space(train, SageTrainer(train, config).fit(self.on_epoch), config)

    def trainer_config(self) -> SageConfig | PinSageConfig:
        return self.config.model_copy(update=self.validation_settings())

    def validation_settings(self) -> dict[str, object]:
        """Seed and validation slice for a trainer's config: cut like the test."""
        return {
            "seed": self.seed,
            "val_cut": self.validation_cut,
            "val_fraction": self.validation_fraction,
        }

    def fit(self, train: InteractionDataset) -> None:
        self.use(self.train(train))

    def use(self, result: TrainedEmbeddings) -> None:
        """Score as the served bundle does: recall score for users, `/similar` for movies."""
        self.recall = result.recall_score()
        if result.item_space is None:
            raise ValueError("the embeddings come without their movie → movie space")
        self.similarity = SimilarityScore(
            result.item_space.vectors, result.popularity, result.popularity_weights.item
        )

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        return self.recall.scores(users)

    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        return self.similarity.scores(movies)
