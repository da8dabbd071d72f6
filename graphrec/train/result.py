"""What every embedding trainer returns, so that the pipeline and evaluation take either model."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from torch import nn

from graphrec.popularity import PopularityWeights
from graphrec.recall_score import RecallScore
from graphrec.recency import Recency, RecentTerm, with_recency
from graphrec.train.user_vectors import Whitening


@dataclass(frozen=True)
class ItemSpace:
    """What `/similar` ranks by: ``vectors · vectors + popularity_weight · log popularity``.

    Attributes:
        vectors: ``(num_movies, dim + num_features)`` the encoder's unit vectors blended with
            the attributes (graphrec.similarity.item_vectors at ``attribute_weight``).
        attribute_weight: Share of attribute cosine validation chose.
        popularity_weight: Weight of log popularity validation chose.
        attribute_path: The same rows as the encoder makes them from attributes alone (no id
            embedding, no neighbours): what a movie the graph has never seen would get.
        validation: The chosen blend's validation figures.
        seconds: Training time.
        fit_vectors: The same rows over the fitting slice's neighbourhoods: what validation
            judged, and what later choices on it (the recency term) are judged with.
    """

    vectors: np.ndarray
    attribute_weight: float
    popularity_weight: float
    attribute_path: np.ndarray
    validation: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    fit_vectors: np.ndarray | None = None

    def describe(self) -> dict[str, float | dict[str, float]]:
        """The manifest's account of the space."""
        return {
            "attribute_weight": self.attribute_weight,
            "popularity_weight": self.popularity_weight,
            "validation": self.validation,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class TrainedEmbeddings:
    """A trained encoder and what it produced.

    Attributes:
        model: The encoder with the best validation weights.
        features: Movie attribute matrix it was trained with, ``(num_movies, num_features)``.
        user_embeddings: L2-normalised, ``(num_users, dim)`` (zeros for a user with no ratings).
        movie_embeddings: L2-normalised, ``(num_movies, dim)``.
        popularity: Log popularity of each movie over all training data, ``(num_movies,)``.
        popularity_weights: Its weights in recall scores (see graphrec.popularity).
        half_life: Half-life of the user vectors as means of movie vectors (PinSAGE; ``None``
            for a plain mean or for learned user vectors).
        whitening: How those means were whitened (PinSAGE; ``None``: they were not).
        history: One dict per epoch: epoch, loss, validation recall, seconds.
        best_epoch: Epoch whose weights were kept (1-based).
        item_space: The movie → movie space `/similar` serves (graphrec.train.item_space);
            ``None`` until it is trained.
        fit_vectors: ``(users, movies)`` over the fitting slice only, users as the chosen
            half-life folds them in: what choices after training are validated with, and the
            rankers' inputs.
        recency: The recall score's recency term (graphrec.recency); off until chosen.
        recent: The term's users (their weighted latest movies over all training
            interactions) and movie → movie rows; ``None`` while the term is off.
    """

    model: nn.Module
    features: np.ndarray
    user_embeddings: np.ndarray
    movie_embeddings: np.ndarray
    popularity: np.ndarray
    popularity_weights: PopularityWeights = field(default_factory=PopularityWeights)
    half_life: float | None = None
    whitening: Whitening | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    item_space: ItemSpace | None = None
    fit_vectors: tuple[np.ndarray, np.ndarray] | None = None
    recency: Recency = field(default_factory=Recency)
    recent: RecentTerm | None = None

    def recall_score(self) -> RecallScore:
        """The recall score `graphrec train` serves from these embeddings."""
        score = RecallScore(self.user_embeddings, self.movie_embeddings, self.popularity,
                            self.popularity_weights.user)  # fmt: skip
        return score if self.recent is None else with_recency(score, self.recent)

    @property
    def best_validation(self) -> float:
        return max((h["val_recall"] for h in self.history), default=0.0)
