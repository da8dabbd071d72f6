"""Users' interactions in time order: what a user vector, the ranker features and the exclusions
of `/recommend` are computed from.

A bundle stores each user's training interactions (movie rows, ratings, timestamps) as one CSR
table sorted by user then time; live feedback adds :class:`Interactions` of its own, and both
are read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Interactions:
    """One user's interactions, oldest first (ties in time keep arrival order).

    Attributes:
        movies: Movie rows, ``(n,)`` int64 (rows past the bundle's are registered movies).
        ratings: ``(n,)`` float32; NaN for an interaction without a rating (a click).
        timestamps: ``(n,)`` int64 seconds.
    """

    movies: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray

    @classmethod
    def empty(cls) -> Interactions:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64))

    @classmethod
    def of(cls, movies: object, ratings: object, timestamps: object) -> Interactions:
        return cls(
            np.asarray(movies, dtype=np.int64),
            np.asarray(ratings, dtype=np.float32),
            np.asarray(timestamps, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.movies)

    def then(self, later: Interactions) -> Interactions:
        """These followed by ``later``, stably re-sorted by time."""
        movies = np.concatenate([self.movies, later.movies])
        ratings = np.concatenate([self.ratings, later.ratings])
        timestamps = np.concatenate([self.timestamps, later.timestamps])
        order = np.argsort(timestamps, kind="stable")
        return Interactions(movies[order], ratings[order], timestamps[order])

    def merged(self) -> Interactions:
        """One interaction per movie: its latest time and its last rating given (a later click
        does not erase a rating), in time order. Feeding the same event twice changes nothing."""
        if len(self) == 0:
            return self
        movies, inverse = np.unique(self.movies, return_inverse=True)
        position = np.arange(len(self))
        latest = np.full(len(movies), np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(latest, inverse, self.timestamps)
        last_seen = np.full(len(movies), -1, dtype=np.int64)
        np.maximum.at(last_seen, inverse, position)
        last_rated = np.full(len(movies), -1, dtype=np.int64)
        np.maximum.at(last_rated, inverse, np.where(np.isnan(self.ratings), -1, position))
        ratings = np.where(last_rated >= 0, self.ratings[np.maximum(last_rated, 0)], np.nan)
        order = np.lexsort((last_seen, latest))
        return Interactions(movies[order], ratings[order].astype(np.float32), latest[order])


@dataclass(frozen=True)
class UserHistory:
    """Every user's training interactions as CSR over bundle user rows.

    Attributes:
        indptr: ``(num_users + 1,)``; user ``u`` owns positions ``indptr[u]:indptr[u + 1]``.
        movies, ratings, timestamps: Aligned ``(num_interactions,)`` arrays, each user's slice in
            time order (ties keep input order, as the trainers weigh them).
    """

    indptr: np.ndarray
    movies: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray

    @classmethod
    def from_interactions(
        cls,
        users: np.ndarray,
        movies: np.ndarray,
        ratings: np.ndarray,
        timestamps: np.ndarray,
        num_users: int,
    ) -> UserHistory:
        order = np.lexsort((np.arange(len(users)), timestamps, users))
        indptr = np.zeros(num_users + 1, dtype=np.int64)
        np.cumsum(np.bincount(users, minlength=num_users), out=indptr[1:])
        return cls(
            indptr=indptr,
            movies=np.asarray(movies, dtype=np.int64)[order],
            ratings=np.asarray(ratings, dtype=np.float32)[order],
            timestamps=np.asarray(timestamps, dtype=np.int64)[order],
        )

    @property
    def num_users(self) -> int:
        return len(self.indptr) - 1

    @property
    def users(self) -> np.ndarray:
        """``(num_interactions,)`` user row of each position."""
        return np.repeat(np.arange(self.num_users), np.diff(self.indptr))

    def of(self, row: int) -> Interactions:
        """User ``row``'s interactions (views, not copies)."""
        start, end = self.indptr[row], self.indptr[row + 1]
        return Interactions(
            self.movies[start:end], self.ratings[start:end], self.timestamps[start:end]
        )

    def movie_degrees(self, num_movies: int) -> np.ndarray:
        return np.bincount(self.movies, minlength=num_movies)
