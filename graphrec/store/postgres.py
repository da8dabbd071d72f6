"""The shared store: PostgreSQL, for several servers on several machines (psycopg 3).

The same tables as the SQLite store; one connection per server process, used under a lock,
each write one transaction. Other servers see a write once it commits; each worker's catch-up
loop (api/app.py) reads what came after the last sequence number it applied.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from graphrec.coldstart import Attributes
from graphrec.experiments.impressions import Impression
from graphrec.store.events import EventColumns, FeedbackEvent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS movies (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL,
    genres TEXT NOT NULL,
    year INTEGER,
    tags TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS events (
    seq BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    movie_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rating', 'click')),
    rating DOUBLE PRECISION,
    timestamp BIGINT NOT NULL,
    request_id TEXT
);
CREATE INDEX IF NOT EXISTS events_request ON events (request_id) WHERE request_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS impressions (
    position BIGSERIAL,
    request_id TEXT PRIMARY KEY,
    user_id BIGINT,
    timestamp DOUBLE PRECISION NOT NULL,
    arms TEXT NOT NULL,
    interleave TEXT,
    movies TEXT NOT NULL,
    teams TEXT
);
"""


class PostgresStore:
    """:class:`graphrec.store.Store` on PostgreSQL (``postgresql://user@host:port/db``)."""

    def __init__(self, url: str) -> None:
        import psycopg  # only servers that use PostgreSQL need it loaded

        self.url = url
        self._lock = threading.Lock()
        self._db: Any = psycopg.connect(url, autocommit=True)
        with self._lock, self._db.transaction():
            # Two servers starting at once must not both create the tables.
            self._db.execute("SELECT pg_advisory_xact_lock(4242)")
            self._db.execute(_SCHEMA)

    def movies(self) -> list[tuple[int, Attributes]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, title, genres, year, tags FROM movies ORDER BY id"
            ).fetchall()
        return [
            (int(i), Attributes(title, json.loads(genres), year, json.loads(tags)))
            for i, title, genres, year, tags in rows
        ]

    @contextmanager
    def adding_movie(self, movie_id: int, attributes: Attributes) -> Iterator[None]:
        """Raises:
        psycopg.errors.UniqueViolation: ``movie_id`` is already registered."""
        with self._lock, self._db.transaction():
            self._db.execute(
                "INSERT INTO movies (id, title, genres, year, tags) VALUES (%s, %s, %s, %s, %s)",
                (movie_id, attributes.title, json.dumps(attributes.genres), attributes.year,
                 json.dumps(attributes.tags)),
            )  # fmt: skip
            yield

    def add_events(self, events: Sequence[FeedbackEvent]) -> None:
        with self._lock, self._db.transaction(), self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO events (user_id, movie_id, kind, rating, timestamp, request_id) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(e.user, e.movie, e.kind, e.rating, e.timestamp, e.request_id) for e in events],
            )

    def events(self, after: int = 0) -> EventColumns:
        with self._lock:
            rows = self._db.execute(
                "SELECT user_id, movie_id, COALESCE(rating, -1.0), timestamp, seq "
                "FROM events WHERE seq > %s ORDER BY seq",
                (after,),
            ).fetchall()
        table = np.array(rows, dtype=object).reshape(-1, 5)
        ratings = table[:, 2].astype(np.float32)
        return EventColumns(
            table[:, 0].astype(np.int64), table[:, 1].astype(np.int64),
            np.where(ratings < 0, np.float32(np.nan), ratings), table[:, 3].astype(np.int64),
            int(table[-1, 4]) if len(table) else after,
        )  # fmt: skip

    def add_impressions(self, impressions: Sequence[Impression]) -> None:
        with self._lock, self._db.transaction(), self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO impressions "
                "(request_id, user_id, timestamp, arms, interleave, movies, teams) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (request_id) DO NOTHING",
                [
                    (i.request_id, i.user, i.timestamp, json.dumps(i.arms),
                     None if i.interleave is None else json.dumps(i.interleave),
                     json.dumps(i.movies), None if i.teams is None else json.dumps(i.teams))
                    for i in impressions
                ],
            )  # fmt: skip

    def impressions(self) -> list[Impression]:
        with self._lock:
            rows = self._db.execute(
                "SELECT request_id, user_id, timestamp, arms, interleave, movies, teams "
                "FROM impressions ORDER BY position"
            ).fetchall()
        return [
            Impression(
                request_id,
                user,
                timestamp,
                json.loads(arms),
                None if pair is None else tuple(json.loads(pair)),
                json.loads(movies),
                None if teams is None else json.loads(teams),
            )
            for request_id, user, timestamp, arms, pair, movies, teams in rows
        ]

    def clicks(self) -> list[tuple[str, int, int]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT request_id, user_id, movie_id FROM events "
                "WHERE kind = 'click' AND request_id IS NOT NULL ORDER BY seq"
            ).fetchall()
        return [(str(r), int(u), int(m)) for r, u, m in rows]

    def ping(self) -> None:
        with self._lock:
            self._db.execute("SELECT 1").fetchone()

    def count_events(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
