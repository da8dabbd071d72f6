"""LightGCN (He et al., SIGIR 2020) with PyG's ``LightGCN`` model (``LGConv`` layers)."""

from __future__ import annotations

import torch
from torch_geometric.nn.models import LightGCN as PygLightGCN

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import EmbeddingRecommender, graph_of, holdout
from graphrec.train.pairwise import PairwiseConfig, train_bpr


class LightGCN(EmbeddingRecommender):
    """Free id vectors smoothed over the normalised bipartite graph, layers averaged.

    Trained with BPR on the fitting graph; final vectors propagate over the whole training graph.
    """

    name = "lightgcn"
    num_layers = 3
    config = PairwiseConfig(lr=0.01, reg=1e-4, epochs=60)

    def fit(self, train: InteractionDataset) -> None:
        config = self.config.model_copy(update={"seed": self.seed})
        torch.manual_seed(self.seed)
        model = PygLightGCN(train.num_users + train.num_movies, config.dim, self.num_layers)
        split = holdout(
            train, self.validation_cut, fraction=self.validation_fraction, seed=self.seed
        )
        fit_adjacency = split.fit_graph.homogeneous_adjacency()
        train_bpr(
            model, lambda: model.get_embedding(fit_adjacency), split.fit_graph, split.val_graph,
            config, self.on_epoch,
        )  # fmt: skip
        with torch.no_grad():
            vectors = model.get_embedding(graph_of(train).homogeneous_adjacency())
        self.user_vectors = vectors[: train.num_users]
        self.movie_vectors = vectors[train.num_users :]
