"""Users as they are now: the bundle's users, changed and joined by live feedback.

A user the bundle holds and feedback never touched is read straight from the bundle's tables.
Feedback replaces that user's :class:`UserProfile` with one recomputed from the training
interactions plus every live one (:meth:`Interactions.merged`: one interaction per movie, its
latest time and last rating), by the encoder the model was trained with. Profiles are immutable
and swapped whole in a dict, so a request reads either the old profile or the new one, and an
update costs one user's history, never a copy of the user table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from graphrec.artifacts import Bundle
from graphrec.coldstart import airbnb_embedding
from graphrec.rankers.features import unrated_movie_dense, user_dense
from graphrec.recency import recent_vector
from graphrec.users.history import Interactions
from graphrec.users.vectors import UserEncoder, encoder_for


@dataclass(frozen=True, slots=True)
class UserProfile:
    """What `/recommend` reads about one user (or one anonymous session).

    Attributes:
        row: The user's row in the bundle, ``None`` for a user it does not hold.
        interactions: Training and live interactions, one per movie, oldest first.
        rated_ids: Movie ids of ``interactions`` (never recommended back).
        live: How many of ``interactions`` came from feedback, not training.
        vector: ``(dim,)`` the recall query's user vector.
        dense: ``(3 + G,)`` the user's ranker features.
        recent: The recall query's recency part (graphrec.recency): the user's weighted latest
            movies in the movie → movie space; empty when the bundle has no such term.
    """

    row: int | None
    interactions: Interactions
    rated_ids: np.ndarray
    live: int
    vector: np.ndarray
    dense: np.ndarray
    recent: np.ndarray


@dataclass(frozen=True)
class Update:
    """Profiles recomputed from new events, and the users those events created."""

    profiles: dict[int, UserProfile]
    new_users: list[int]


class LiveUsers:
    """The users of one bundle, with feedback applied; built again for every bundle loaded.

    Writers (feedback, registrations) are serialised by the caller; readers need no lock.
    """

    def __init__(self, bundle: Bundle, encoder: UserEncoder) -> None:
        self.bundle = bundle
        self.encoder = encoder
        features = bundle.rankers.features
        self.global_mean = features.global_mean
        # Per movie row, registered movies appended: graph embedding and ranker movie row.
        self.movie_embeddings = bundle.movie_embeddings
        self.movie_dense = features.movie_dense
        self.movie_ids = bundle.movie_ids
        self.recency = bundle.recency
        # Per movie row: its index row's movie → movie columns, which the recency part meets.
        self.movie_items = _item_rows(bundle) if self.recency.active else None
        self._profiles: dict[int, UserProfile] = {}
        #: The store's sequence number of the last feedback event applied here.
        self.applied_through = 0
        self._order = np.zeros(0, dtype=np.int64)  # argsort of movie_ids, for rows_of

    @classmethod
    def for_bundle(cls, bundle: Bundle) -> LiveUsers:
        encoder = encoder_for(bundle.manifest, bundle.path, bundle.movie_embeddings, bundle.history)
        return cls(bundle, encoder)

    @property
    def kind(self) -> str:
        """How user vectors are made for this bundle (graphrec.users.vectors)."""
        return self.encoder.kind

    @property
    def live_users(self) -> int:
        """Users whose profile feedback changed (or created)."""
        return len(self._profiles)

    def add_movie(
        self, movie_id: int, sources: np.ndarray, genres: list[str], year: int | None
    ) -> None:
        """Give a registered movie (the catalogue's next row) the mean of its source rows, so
        that feedback can name it. Call in the order the catalogue adds movies."""
        columns = self.bundle.attributes.genre_column
        multi_hot = np.zeros(len(columns), dtype=np.float32)
        multi_hot[[columns[g] for g in genres if g in columns]] = 1.0
        self.encoder.add_movie(sources)
        embedding = airbnb_embedding(self.movie_embeddings, sources)
        self.movie_embeddings = np.concatenate([self.movie_embeddings, embedding[None]])
        dense = unrated_movie_dense(multi_hot, year)
        self.movie_dense = np.concatenate([self.movie_dense, dense[None]])
        self.movie_ids = np.append(self.movie_ids, movie_id)
        if self.movie_items is not None:  # as the index's cold row has it (coldstart)
            items = airbnb_embedding(self.movie_items, sources)
            self.movie_items = np.concatenate([self.movie_items, items[None]])

    def profile(self, user_id: int) -> UserProfile | None:
        """The user's current profile, or ``None`` for a user nobody has seen."""
        live = self._profiles.get(user_id)
        if live is not None:
            return live
        row = self._row(user_id)
        if row is None:
            return None
        history = self.bundle.history.of(row)
        return UserProfile(
            row=row,
            interactions=history,
            rated_ids=self.bundle.movie_ids[history.movies],
            live=0,
            vector=self.bundle.user_embeddings[row],
            dense=self.bundle.rankers.features.user_dense[row],
            recent=self._recent(history),
        )

    def session(self, movie_rows: np.ndarray) -> UserProfile:
        """An anonymous user who interacted with ``movie_rows`` in that order, without ratings."""
        n = len(movie_rows)
        interactions = Interactions.of(movie_rows, np.full(n, np.nan), np.arange(n)).merged()
        return self._computed([None], [interactions], [len(interactions)])[0]

    def rows_of(self, movie_ids: np.ndarray) -> np.ndarray:
        """Movie row of each id (registered movies included), ``-1`` where unknown."""
        movie_ids = np.asarray(movie_ids, dtype=np.int64)
        known = self.movie_ids
        if len(self._order) != len(known):  # a registration added a movie since
            self._order = np.argsort(known, kind="stable")
        order = self._order
        at = np.minimum(np.searchsorted(known, movie_ids, sorter=order), len(known) - 1)
        rows = order[at]
        return np.where(known[rows] == movie_ids, rows, -1)

    def prepare(self, events: Mapping[int, Interactions]) -> Update:
        """Each user's profile with ``events`` added, computed but not yet visible."""
        rows: list[int | None] = []
        merged: list[Interactions] = []
        live: list[int] = []
        new_users = []
        for user_id, added in events.items():
            current = self.profile(user_id)
            if current is None:
                new_users.append(user_id)
            row = None if current is None else current.row
            base = Interactions.empty() if current is None else current.interactions
            rows.append(row)
            merged.append(base.then(added).merged())
            trained = 0 if row is None else len(self.bundle.history.of(row))
            live.append(max(len(merged[-1]) - trained, 0))
        profiles = self._computed(rows, merged, live)
        return Update(dict(zip(events, profiles, strict=True)), new_users)

    def commit(self, update: Update) -> None:
        """Make ``update``'s profiles the users' own (one dict update)."""
        self._profiles.update(update.profiles)

    def apply(self, events: Mapping[int, Interactions]) -> list[int]:
        """:meth:`prepare` then :meth:`commit`; returns the users first seen."""
        update = self.prepare(events)
        self.commit(update)
        return update.new_users

    def _computed(
        self, rows: list[int | None], interactions: list[Interactions], live: list[int]
    ) -> list[UserProfile]:
        """Profiles of users from their interactions: one batch for vectors and features."""
        if not interactions:
            return []
        vectors = self.encoder.encode(interactions, rows)
        owner = np.repeat(np.arange(len(interactions)), [len(i) for i in interactions])
        movies = np.concatenate([i.movies for i in interactions])
        ratings = np.concatenate([i.ratings for i in interactions])
        dense = user_dense(self.movie_dense, owner, movies, ratings, len(interactions),
                           self.global_mean)  # fmt: skip
        return [
            UserProfile(
                row=row,
                interactions=history,
                rated_ids=self.movie_ids[history.movies],
                live=n,
                vector=vectors[i],
                dense=dense[i],
                recent=self._recent(history),
            )
            for i, (row, history, n) in enumerate(zip(rows, interactions, live, strict=True))
        ]

    def _recent(self, history: Interactions) -> np.ndarray:
        if self.movie_items is None:
            return np.zeros(0, dtype=np.float32)
        return recent_vector(self.movie_items, history.movies, self.recency)

    def _row(self, user_id: int) -> int | None:
        ids = self.bundle.user_ids
        row = int(np.searchsorted(ids, user_id))
        return row if row < len(ids) and ids[row] == user_id else None


def _item_rows(bundle: Bundle) -> np.ndarray:
    """``(num_movies, d)`` the movie → movie columns of the bundle's movies' index rows."""
    layout = bundle.layout
    return np.ascontiguousarray(bundle.index.vectors(bundle.movie_ids)[:, layout.item_start : -1])
