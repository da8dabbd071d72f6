"""The interface every model under evaluation implements, and helpers they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from scipy.sparse import csr_matrix

from graphrec.data.dataset import InteractionDataset
from graphrec.data.splits import VALIDATION_FRACTION, ValidationCut, validation_mask
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.train.early_stopping import EpochCallback

#: Cut-off of the validation recall every model is tuned on.
VALIDATION_K = 20


class Recommender(ABC):
    """Fit on training interactions; score all movies for users, and for movies (item-to-item).

    Args:
        seed: Seeds every random choice the model makes.
        on_epoch: Progress callback for models trained in epochs.
        validation_cut: How the model cuts its validation slice out of ``train``: the way the
            protocol cut the test (see :func:`graphrec.data.splits.validation_mask`).
        validation_fraction: Share of each user's training that validates (the test's share).
    """

    name: ClassVar[str]

    def __init__(
        self,
        *,
        seed: int = 0,
        on_epoch: EpochCallback | None = None,
        validation_cut: ValidationCut = "temporal",
        validation_fraction: float = VALIDATION_FRACTION,
    ) -> None:
        self.seed = seed
        self.on_epoch = on_epoch
        self.validation_cut: ValidationCut = validation_cut
        self.validation_fraction = validation_fraction

    @abstractmethod
    def fit(self, train: InteractionDataset) -> None:
        """Learn from ``train`` only; the test side is never passed in."""

    @abstractmethod
    def score_users(self, users: np.ndarray) -> torch.Tensor:
        """``(len(users), num_movies)`` scores, higher is better."""

    @abstractmethod
    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        """``(len(movies), num_movies)`` similarity of each query movie to every movie."""

    def held_out_figures(self, test: InteractionDataset) -> dict[str, float]:
        """Model-specific figures on the test side (a ranker's AUC and log loss); none here."""
        return {}


class EmbeddingRecommender(Recommender, ABC):
    """A model that ends with one vector per user and per movie: dot for users, cosine for items."""

    user_vectors: torch.Tensor
    movie_vectors: torch.Tensor

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        return self.user_vectors[torch.from_numpy(users)] @ self.movie_vectors.T

    def score_items(self, movies: np.ndarray) -> torch.Tensor:
        unit = F.normalize(self.movie_vectors, dim=-1)
        return unit[torch.from_numpy(movies)] @ unit.T


@dataclass(frozen=True)
class Holdout:
    """A training set cut into a fitting part and a validation part (a share of each user's)."""

    fit: InteractionDataset
    fit_graph: BipartiteGraph
    val_graph: BipartiteGraph


def holdout(
    train: InteractionDataset,
    cut: ValidationCut = "temporal",
    *,
    fraction: float = VALIDATION_FRACTION,
    seed: int = 0,
) -> Holdout:
    """Validation comes out of training data: the test side never tunes anything."""
    mask = validation_mask(train.users, train.timestamps, fraction, cut, seed=seed)
    fit = train.subset(~mask)
    return Holdout(
        fit=fit,
        fit_graph=graph_of(fit),
        val_graph=graph_of(train.subset(mask)),
    )


def graph_of(dataset: InteractionDataset) -> BipartiteGraph:
    return BipartiteGraph.from_interactions(
        dataset.users, dataset.movies, dataset.num_users, dataset.num_movies
    )


def interaction_matrix(dataset: InteractionDataset) -> csr_matrix:
    """Binary ``(num_users, num_movies)`` sparse matrix of who interacted with what."""
    graph = graph_of(dataset)
    return csr_matrix(
        (np.ones(graph.num_edges, dtype=np.float32), graph.user_movies, graph.user_indptr),
        shape=(graph.num_users, graph.num_movies),
    )
