"""The shared store: PostgreSQL, for several servers on several machines (psycopg 3).

The same tables as the SQLite store; one connection per server process, used under a lock,
each write one transaction. A lost connection (the database stopped or restarted) makes that
call raise :class:`StoreUnavailable` and the next one connect again, so writes resume without
a restart. Other servers see a write once it commits; each worker's catch-up
loop (api/app.py) reads what came after the last sequence number it applied.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from graphrec.coldstart import Attributes
from graphrec.experiments.impressions import Impression
from graphrec.store.base import DuplicateMovie, StoreUnavailable
from graphrec.store.events import EventColumns, FeedbackEvent
from graphrec.store.rows import (
    EVENT_COLUMNS,
    IMPRESSION_COLUMNS,
    MOVIE_COLUMNS,
    clicks_of,
    event_columns,
    event_params,
    impression_params,
    impressions_of,
    movie_params,
    movies_of,
)

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
        self._connect = lambda: psycopg.connect(url, autocommit=True)
        self._lost: tuple[type[Exception], ...] = (psycopg.OperationalError, psycopg.InterfaceError)
        self._db: Any = self._connect()
        with self._connected() as db, db.transaction():
            # Two servers starting at once must not both create the tables.
            db.execute("SELECT pg_advisory_xact_lock(4242)")
            db.execute(_SCHEMA)

    @contextmanager
    def _connected(self) -> Iterator[Any]:
        """The connection, under the lock, opened again if the last one was lost; a lost
        connection raises :class:`StoreUnavailable` (a transaction in flight rolls back with
        it, so nothing of the write stays)."""
        with self._lock:
            try:
                if self._db.closed or self._db.broken:
                    self._db = self._connect()
                yield self._db
            except self._lost as exc:
                self._db.close()
                raise StoreUnavailable(
                    f"PostgreSQL: {str(exc).strip() or type(exc).__name__}"
                ) from exc

    def movies(self) -> list[tuple[int, Attributes]]:
        with self._connected() as db:
            rows = db.execute(f"SELECT {MOVIE_COLUMNS} FROM movies ORDER BY id").fetchall()
        return movies_of(rows)

    @contextmanager
    def adding_movie(self, movie_id: int, attributes: Attributes) -> Iterator[None]:
        """Raises:
        DuplicateMovie: ``movie_id`` is already registered."""
        from psycopg.errors import UniqueViolation

        with self._connected() as db, db.transaction():
            try:
                db.execute(
                    "INSERT INTO movies (id, title, genres, year, tags) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    movie_params(movie_id, attributes),
                )
            except UniqueViolation as exc:
                raise DuplicateMovie(f"movie id {movie_id} is registered already") from exc
            yield

    def add_events(self, events: Sequence[FeedbackEvent]) -> None:
        with self._connected() as db, db.transaction(), db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO events (user_id, movie_id, kind, rating, timestamp, request_id) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                event_params(events),
            )

    def events(self, after: int = 0) -> EventColumns:
        with self._connected() as db:
            rows = db.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE seq > %s ORDER BY seq", (after,)
            ).fetchall()
        return event_columns(rows, after)

    def add_impressions(self, impressions: Sequence[Impression]) -> None:
        with self._connected() as db, db.transaction(), db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO impressions "
                "(request_id, user_id, timestamp, arms, interleave, movies, teams) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (request_id) DO NOTHING",
                impression_params(impressions),
            )  # fmt: skip

    def impressions(self) -> list[Impression]:
        with self._connected() as db:
            rows = db.execute(
                f"SELECT {IMPRESSION_COLUMNS} FROM impressions ORDER BY position"
            ).fetchall()
        return impressions_of(rows)

    def clicks(self) -> list[tuple[str, int, int]]:
        with self._connected() as db:
            rows = db.execute(
                "SELECT request_id, user_id, movie_id FROM events "
                "WHERE kind = 'click' AND request_id IS NOT NULL ORDER BY seq"
            ).fetchall()
        return clicks_of(rows)

    def ping(self) -> None:
        with self._connected() as db:
            db.execute("SELECT 1").fetchone()

    def count_events(self) -> int:
        with self._connected() as db:
            return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
