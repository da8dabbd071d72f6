"""What `graphrec train` serves, under evaluation: its recall order alone (`recall`) and that
order reordered by each ranker (`recall+two_tower`, `recall+deepfm`).

All three rows share one training of the same embedding model (GraphSAGE unless the runner
asks for another), popularity weights, candidate count and rankers as `graphrec train`'s bundle.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.models.sage import Sage
from graphrec.eval.recommender import graph_of
from graphrec.rankers.models import PairInputs
from graphrec.train.config import PinSageConfig, SageConfig
from graphrec.train.ranker_training import RankerConfig, pair_figures, recall_candidates
from graphrec.train.topk import edge_membership
from graphrec.train.two_stage import TwoStage, train_two_stage

#: Embedding models the served rows can recall with, as `graphrec train --model` names them,
#: with the configuration `graphrec train` gives them.
RECALL_CONFIGS: dict[str, SageConfig | PinSageConfig] = {
    "sage": SageConfig(),
    "pinsage": PinSageConfig(),
}
#: `graphrec train`'s default embedding model.
RECALL_MODEL = "sage"

#: One training shared by the two-stage rows of an `evaluate` run: the last (train, key) and
#: its result. Holding ``train`` itself keeps its identity from being reused.
_LAST: list[tuple[InteractionDataset, tuple[object, ...], TwoStage]] = []


class Recall(Sage):
    """The served recall order: `graphrec train`'s embeddings and recall score."""

    name = "recall"
    recall_configs = RECALL_CONFIGS
    ranker_config = RankerConfig()

    def __init__(self, *, recall_model: str = RECALL_MODEL, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if recall_model not in RECALL_CONFIGS:
            raise ValueError(f"unknown recall model {recall_model!r}")
        self.recall_model = recall_model

    def fit(self, train: InteractionDataset) -> None:
        config = self.recall_configs[self.recall_model].model_copy(
            update=self.validation_settings()
        )
        key = (config, self.ranker_config)
        if not _LAST or _LAST[0][0] is not train or _LAST[0][1] != key:
            trained = train_two_stage(train, config, self.ranker_config, self.on_epoch)
            _LAST[:] = [(train, key, trained)]
        self.trained = _LAST[0][2]
        self.train_graph = graph_of(train)
        self.use(self.trained.embeddings)


class RecallThenRank(Recall):
    """Only the recall candidates get a score, ordered by the ranker's list scores."""

    ranker: ClassVar[str]

    def candidates(self, users: np.ndarray) -> np.ndarray:
        features = self.trained.rankers.features
        return recall_candidates(features, self.train_graph, users, self.ranker_config.candidates)

    def _inputs(self, users: np.ndarray, candidates: np.ndarray) -> PairInputs:
        n = candidates.shape[1]
        return self.trained.rankers.inputs(
            np.repeat(users, n), candidates.ravel(), np.tile(np.arange(n), len(users))
        )

    def _list_scores(self, users: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Flat scores of each user's candidates as `/recommend` orders them (one list each)."""
        inputs = self._inputs(users, candidates)
        return self.trained.rankers.list_scores(self.ranker, inputs, lists=len(users))

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        candidates = self.candidates(users)
        rows = np.repeat(np.arange(len(users)), candidates.shape[1])
        ranked = self._list_scores(users, candidates)
        scores = torch.full((len(users), self.train_graph.num_movies), -torch.inf)
        scores[torch.from_numpy(rows), torch.from_numpy(candidates.ravel())] = torch.from_numpy(
            ranked
        )
        return scores

    def held_out_figures(self, test: InteractionDataset) -> dict[str, float]:
        """The ranker's AUC and log loss on test users' candidates, labelled by the test side."""
        test_graph = graph_of(test)
        users = np.flatnonzero(test_graph.user_degrees() > 0)
        candidates = self.candidates(users)
        labels = edge_membership(test_graph, users, candidates).ravel().astype(np.float32)
        logits = self.trained.rankers.score_inputs(self.ranker, self._inputs(users, candidates))
        return pair_figures(logits, labels)


class RecallTwoTower(RecallThenRank):
    name = "recall+two_tower"
    ranker = "two_tower"


class RecallDeepFM(RecallThenRank):
    name = "recall+deepfm"
    ranker = "deepfm"
