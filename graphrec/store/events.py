"""Feedback events: one user's interaction with one movie, as `POST /feedback` takes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

#: What a user did: rated the movie, or clicked it in a list they were shown.
Kind = Literal["rating", "click"]


@dataclass(frozen=True)
class FeedbackEvent:
    """One interaction. ``rating`` is set for a rating and ``None`` for a click; ``request_id``
    names the `/recommend` answer a click came from, when it came from one."""

    user: int
    movie: int
    kind: Kind
    rating: float | None
    timestamp: int
    request_id: str | None = None


@dataclass(frozen=True)
class EventColumns:
    """Events as aligned arrays, in arrival order: what replaying them needs.

    Attributes:
        users, movies: ``(n,)`` int64 original ids.
        ratings: ``(n,)`` float32, NaN for a click.
        timestamps: ``(n,)`` int64 seconds.
        last: The store's sequence number of the newest event read (0: none yet).
    """

    users: np.ndarray
    movies: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray
    last: int = 0

    @classmethod
    def of(cls, events: Sequence[FeedbackEvent]) -> EventColumns:
        return cls(
            np.array([e.user for e in events], dtype=np.int64),
            np.array([e.movie for e in events], dtype=np.int64),
            np.array([np.nan if e.rating is None else e.rating for e in events], np.float32),
            np.array([e.timestamp for e in events], dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.users)

    def take(self, mask: np.ndarray) -> EventColumns:
        return EventColumns(
            self.users[mask],
            self.movies[mask],
            self.ratings[mask],
            self.timestamps[mask],
            self.last,
        )
