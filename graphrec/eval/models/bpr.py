"""Matrix factorisation trained with BPR: the classic latent-factor baseline."""

from __future__ import annotations

import torch
from torch import nn

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import EmbeddingRecommender, holdout
from graphrec.train.pairwise import PairwiseConfig, train_bpr


class BPRMF(EmbeddingRecommender):
    """One free vector per user and per movie, dot-product scores."""

    name = "bpr"
    config = PairwiseConfig(lr=0.01, reg=1e-4, epochs=100)

    def fit(self, train: InteractionDataset) -> None:
        config = self.config.model_copy(update={"seed": self.seed})
        torch.manual_seed(self.seed)
        embedding = nn.Embedding(train.num_users + train.num_movies, config.dim)
        nn.init.normal_(embedding.weight, std=0.1)
        split = holdout(
            train, self.validation_cut, fraction=self.validation_fraction, seed=self.seed
        )
        train_bpr(
            embedding, lambda: embedding.weight, split.fit_graph, split.val_graph, config,
            self.on_epoch,
        )  # fmt: skip
        # BPR has no message passing: the validation slice's users simply keep their vectors.
        weights = embedding.weight.detach()
        self.user_vectors = weights[: train.num_users]
        self.movie_vectors = weights[train.num_users :]
