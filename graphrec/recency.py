"""The recall score's recency term: what a user watched last, seen through the movie → movie space.

A user's next movie is most often one engaged with right beside their latest ones, and that is
what the movie → movie space is trained on (graphrec.train.item_space). So the recall score may
add ``weight · Σ_{a < count} decay^a · item(a-th latest movie) · item(movie)`` to the user's
embedding score. FAISS still serves it as one inner product: the query's movie → movie columns,
zero without the term, hold the user's weighted sum (:func:`recent_vector`), which meets each
index row's own movie → movie columns. Count, decay and weight are chosen on validation
(graphrec.train.recency_tuning); weight 0 leaves the score as it was.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from graphrec.recall_score import RecallScore


@dataclass(frozen=True)
class Recency:
    """How many of a user's latest movies count, how fast older ones fade, and the term's weight."""

    count: int = 0
    decay: float = 1.0
    weight: float = 0.0

    @property
    def active(self) -> bool:
        return self.weight > 0 and self.count > 0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> Recency:
        return cls(**(values or {}))

    def factors(self, ages: np.ndarray) -> np.ndarray:
        """``weight · decay^age`` per age (0 = the latest movie), float32."""
        return (self.weight * self.decay ** np.asarray(ages, dtype=np.float64)).astype(np.float32)


def recent_vectors(
    items: np.ndarray,
    users: np.ndarray,
    movies: np.ndarray,
    timestamps: np.ndarray,
    num_users: int,
    recency: Recency,
) -> np.ndarray:
    """``(num_users, item dim)`` each user's weighted sum of their latest movies' ``items`` rows
    (zeros when the term is off or the user has none); ties in time go to the later row."""
    out = np.zeros((num_users, items.shape[1]), dtype=np.float32)
    if not recency.active or len(users) == 0:
        return out
    order = np.lexsort((np.arange(len(users)), timestamps, users))
    owners, ordered = users[order], movies[order]
    ends = np.searchsorted(owners, owners, side="right")
    ages = ends - 1 - np.arange(len(owners))
    keep = ages < recency.count
    owners, ordered, ages = owners[keep], ordered[keep], ages[keep]
    weighted = items[ordered] * recency.factors(ages)[:, None]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    out[owners[starts]] = np.add.reduceat(weighted, starts, axis=0)
    return out


def recent_vector(items: np.ndarray, movies: np.ndarray, recency: Recency) -> np.ndarray:
    """``(item dim,)`` one user's weighted sum over ``movies`` (rows, oldest first)."""
    if not recency.active or len(movies) == 0:
        return np.zeros(items.shape[1], dtype=np.float32)
    latest = np.asarray(movies[-recency.count :])[::-1]
    return (recency.factors(np.arange(len(latest))) @ items[latest]).astype(np.float32)


@dataclass(frozen=True)
class RecentTerm:
    """The recency term of one recall score: users' weighted latest movies
    (:func:`recent_vectors`) and the movie → movie rows they meet, ``(num_movies, d)``."""

    users: np.ndarray
    items: np.ndarray


def with_recency(score: RecallScore, term: RecentTerm) -> RecallScore:
    """``score`` plus the recency term (one inner product over both parts side by side)."""
    return RecallScore(
        np.concatenate([score.users, term.users], axis=1).astype(np.float32),
        np.concatenate([score.movies, term.items], axis=1).astype(np.float32),
        score.popularity,
        score.weight,
    )
