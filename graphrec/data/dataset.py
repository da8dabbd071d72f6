"""The one typed object every stage consumes: interactions plus movie attributes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class MovieTable:
    """Movie attributes, row ``i`` describing contiguous movie index ``i``.

    Attributes:
        titles: Titles as published, ``(num_movies,)``.
        genre_names: Vocabulary of genres, column order of ``genres``.
        genres: Multi-hot genre matrix, ``(num_movies, num_genres)`` of ``bool``.
        years: Release year parsed from the title, ``0`` where unknown, ``(num_movies,)``.
        tag_names: Vocabulary of (lower-cased) tags, column order of ``tag_counts``.
        tag_counts: Sparse tag counts as COO triplets ``(movie, tag, count)``; empty when the
            dataset has no tags.
    """

    titles: np.ndarray
    genre_names: list[str]
    genres: np.ndarray
    years: np.ndarray
    tag_names: list[str] = field(default_factory=list)
    tag_counts: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0, np.float32),
        )
    )

    def genres_of(self, movie: int) -> list[str]:
        """Genre names of one movie, in vocabulary order."""
        return [self.genre_names[g] for g in np.flatnonzero(self.genres[movie])]


@dataclass(frozen=True)
class InteractionDataset:
    """User–movie interactions with contiguous indices and maps back to the original ids.

    Attributes:
        name: Where the data came from (a folder name such as ``ml-latest-small``).
        user_ids: Original user id of each contiguous user index, ``(num_users,)``, sorted.
        movie_ids: Original movie id of each contiguous movie index, ``(num_movies,)``, sorted.
        users: Contiguous user index of each interaction, ``(num_interactions,)``.
        movies: Contiguous movie index of each interaction, ``(num_interactions,)``.
        ratings: Rating of each interaction, ``(num_interactions,)`` of ``float32``.
        timestamps: Unix time of each interaction, ``(num_interactions,)`` of ``int64``.
        movie_table: Attributes of every movie in ``movie_ids``, rated or not.
        has_timestamps: Whether ``timestamps`` are real; a log without them has all zeros,
            and nothing may cut or order it by time.
    """

    name: str
    user_ids: np.ndarray
    movie_ids: np.ndarray
    users: np.ndarray
    movies: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray
    movie_table: MovieTable
    has_timestamps: bool = True

    @property
    def num_users(self) -> int:
        return len(self.user_ids)

    @property
    def num_movies(self) -> int:
        return len(self.movie_ids)

    @property
    def num_interactions(self) -> int:
        return len(self.users)

    def movie_index(self, movie_id: int) -> int | None:
        """Contiguous index of an original movie id, or ``None`` when it is not in the catalogue."""
        pos = int(np.searchsorted(self.movie_ids, movie_id))
        if pos < len(self.movie_ids) and self.movie_ids[pos] == movie_id:
            return pos
        return None

    def subset(self, mask: np.ndarray) -> InteractionDataset:
        """The same catalogue and users with only the interactions where ``mask`` is true."""
        return InteractionDataset(
            name=self.name,
            user_ids=self.user_ids,
            movie_ids=self.movie_ids,
            users=self.users[mask],
            movies=self.movies[mask],
            ratings=self.ratings[mask],
            timestamps=self.timestamps[mask],
            movie_table=self.movie_table,
            has_timestamps=self.has_timestamps,
        )

    def describe(self) -> dict[str, str | int]:
        """Name, checksum and counts: how bundles and evaluation reports name their data."""
        return {
            "name": self.name,
            "checksum": self.checksum(),
            "num_users": self.num_users,
            "num_movies": self.num_movies,
            "num_interactions": self.num_interactions,
        }

    def checksum(self) -> str:
        """sha256 of the interactions and catalogue ids: names the training data in a bundle."""
        digest = hashlib.sha256()
        for array in (
            self.user_ids,
            self.movie_ids,
            self.users,
            self.movies,
            self.ratings,
            self.timestamps,
        ):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()
