"""Two-stage models: GraphSAGE recall of N candidates, reordered by a ranker."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.recommender import Recommender, graph_of
from graphrec.similarity import item_vectors
from graphrec.train.config import SageConfig
from graphrec.train.ranker_training import RankerConfig, pair_figures, recall_candidates
from graphrec.train.topk import edge_membership
from graphrec.train.two_stage import TwoStage, train_two_stage

#: One training shared by both two-stage models of an `evaluate` run: the last (train, seed,
#: configs) and its result. Holding ``train`` itself keeps its identity from being reused.
_LAST: list[tuple[InteractionDataset, tuple[object, ...], TwoStage]] = []


class RecallThenRank(Recommender):
    """Only the recall candidates get a score, ordered by the ranker's logit."""

    ranker: ClassVar[str]
    config = SageConfig()
    ranker_config = RankerConfig()

    def fit(self, train: InteractionDataset) -> None:
        key = (self.seed, self.config, self.ranker_config)
        if not _LAST or _LAST[0][0] is not train or _LAST[0][1] != key:
            config = self.config.model_copy(update={"seed": self.seed})
            trained = train_two_stage(train, config, self.ranker_config, self.on_epoch)
            _LAST[:] = [(train, key, trained)]
        self.trained = _LAST[0][2]
        self.train_graph = graph_of(train)
        result = self.trained.embeddings
        self.item_vectors = torch.from_numpy(item_vectors(result.movie_embeddings, result.features))

    def candidates(self, users: np.ndarray) -> np.ndarray:
        features = self.trained.rankers.features
        weight = self.trained.embeddings.popularity_weights.user
        return recall_candidates(
            features, self.train_graph, users, self.ranker_config.candidates, weight
        )

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        candidates = self.candidates(users)
        rows = np.repeat(np.arange(len(users)), candidates.shape[1])
        logits = self.trained.rankers.score(self.ranker, users[rows], candidates.ravel())
        scores = torch.full((len(users), self.train_graph.num_movies), -torch.inf)
        scores[torch.from_numpy(rows), torch.from_numpy(candidates.ravel())] = torch.from_numpy(
            logits
        )
        return scores

    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        return self.item_vectors[torch.from_numpy(movies)] @ self.item_vectors.T

    def held_out_figures(self, test: InteractionDataset) -> dict[str, float]:
        """The ranker's AUC and log loss on test users' candidates, labelled by the test side."""
        test_graph = graph_of(test)
        users = np.flatnonzero(test_graph.user_degrees() > 0)
        candidates = self.candidates(users)
        labels = edge_membership(test_graph, users, candidates).ravel().astype(np.float32)
        rows = np.repeat(users, candidates.shape[1])
        logits = self.trained.rankers.score(self.ranker, rows, candidates.ravel())
        return pair_figures(logits, labels)


class RecallTwoTower(RecallThenRank):
    name = "recall+two_tower"
    ranker = "two_tower"


class RecallDeepFM(RecallThenRank):
    name = "recall+deepfm"
    ranker = "deepfm"
