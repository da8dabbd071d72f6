"""Popularity in recall scores: ``score = query · vector + weight · log(1 + training degree)``.

PinSAGE's vectors are unit length and trained to put co-watched movies together, so how much a
movie is watched is not in them; yet the next movie a user rates is far more often a popular
one. Adding a weighted log popularity to the inner product restores that prior. The weights
are chosen on the trainer's validation slice, one for user queries and one for movie-to-movie
queries, for GraphSAGE as for PinSAGE: GraphSAGE's embeddings carry some popularity, and zero
(their own order) is on the grid.

FAISS serves the sum as a plain inner product: every indexed vector ends with one column
holding its movie's log popularity, and a query puts the weight in that column. A movie
registered after training takes the mean column of the movies its vector is averaged from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: Weights tried on validation; 0 keeps the embedding's own order. PinSAGE's movie-to-movie
#: weight under a random validation cut chose the end of a grid that stopped at 0.3 on every
#: split, hence the tail (there, the next movie is a random one, and popularity predicts it).
WEIGHT_GRID = (0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8)


@dataclass(frozen=True)
class PopularityWeights:
    """Weight of log popularity in user → movie and in movie → movie scores."""

    user: float = 0.0
    item: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> PopularityWeights:
        return cls(**(values or {}))


def log_popularity(degrees: np.ndarray) -> np.ndarray:
    """``log(1 + degree)`` per movie, float32."""
    return np.log1p(np.asarray(degrees, dtype=np.float64)).astype(np.float32)


def popularity_percentile(degrees: np.ndarray) -> np.ndarray:
    """``(num_movies,)`` each movie's rank by degree scaled to ``[0, 1]``: 0 is the most
    rated, 1 the least; ties ranked in id order."""
    degrees = np.asarray(degrees)
    order = np.argsort(-degrees, kind="stable")
    rank = np.empty(len(degrees), dtype=np.float64)
    rank[order] = np.arange(len(degrees))
    return rank / max(1, len(degrees) - 1)


def with_popularity(vectors: np.ndarray, popularity: np.ndarray) -> np.ndarray:
    """``vectors`` with each movie's log popularity appended as the last column (index rows)."""
    return np.concatenate([vectors, popularity[:, None]], axis=1).astype(np.float32)


def set_popularity(vector: np.ndarray, value: float) -> np.ndarray:
    """A copy of an index-layout ``vector`` (or rows) whose popularity column holds ``value``:
    a query's weight, or a stored row's log popularity."""
    out = np.array(vector, dtype=np.float32, copy=True)
    out[..., -1] = value
    return out


def choose_weight(
    evaluate: Callable[[float], float], grid: tuple[float, ...] = WEIGHT_GRID
) -> tuple[float, float]:
    """The grid weight with the best ``evaluate(weight)`` (the smallest on ties) and its figure."""
    figures = [float(evaluate(weight)) for weight in grid]
    best = int(np.argmax(figures))
    return grid[best], figures[best]
