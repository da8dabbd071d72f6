"""The embedded store: one SQLite file (WAL mode, synchronous writes) in the artifacts folder.

A registration's row and a feedback request's events are committed before the API answers;
a request that fails midway is rolled back, leaving nothing behind.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    genres TEXT NOT NULL,
    year INTEGER,
    tags TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    movie_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rating', 'click')),
    rating REAL,
    timestamp INTEGER NOT NULL,
    request_id TEXT
);
CREATE TABLE IF NOT EXISTS impressions (
    request_id TEXT PRIMARY KEY,
    user_id INTEGER,
    timestamp REAL NOT NULL,
    arms TEXT NOT NULL,
    interleave TEXT,
    movies TEXT NOT NULL,
    teams TEXT
);
CREATE INDEX IF NOT EXISTS events_request ON events (request_id) WHERE request_id IS NOT NULL;
"""


class SqliteStore:
    """:class:`graphrec.store.Store` on one SQLite file; one connection, used under a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        # Several workers write to one file: wait for another's transaction instead of failing.
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)

    def movies(self) -> list[tuple[int, Attributes]]:
        with self._lock:
            rows = self._db.execute(f"SELECT {MOVIE_COLUMNS} FROM movies ORDER BY id").fetchall()
        return movies_of(rows)

    @contextmanager
    def adding_movie(self, movie_id: int, attributes: Attributes) -> Iterator[None]:
        """Raises:
        DuplicateMovie: ``movie_id`` is already registered."""
        with self._transaction():
            try:
                self._db.execute(
                    "INSERT INTO movies (id, title, genres, year, tags) VALUES (?, ?, ?, ?, ?)",
                    movie_params(movie_id, attributes),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateMovie(f"movie id {movie_id} is registered already") from exc
            yield

    def add_events(self, events: Sequence[FeedbackEvent]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT INTO events (user_id, movie_id, kind, rating, timestamp, request_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                event_params(events),
            )

    def events(self, after: int = 0) -> EventColumns:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq", (after,)
            ).fetchall()
        return event_columns(rows, after)

    def add_impressions(self, impressions: Sequence[Impression]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO impressions "
                "(request_id, user_id, timestamp, arms, interleave, movies, teams) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                impression_params(impressions),
            )  # fmt: skip

    def impressions(self) -> list[Impression]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {IMPRESSION_COLUMNS} FROM impressions ORDER BY rowid"
            ).fetchall()
        return impressions_of(rows)

    def clicks(self) -> list[tuple[str, int, int]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT request_id, user_id, movie_id FROM events "
                "WHERE kind = 'click' AND request_id IS NOT NULL ORDER BY seq"
            ).fetchall()
        return clicks_of(rows)

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self._lock:
            self._db.execute("SELECT 1").fetchone()

    def count_events(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write; a read-only or full disk raises :class:`StoreUnavailable`."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                    self._db.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT can leave the transaction open (SQLITE_BUSY) or already
                    # rolled back (a full disk): either way nothing of it may stay.
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"{self.path.name}: {exc}") from exc
