"""Registered cold movies on disk (SQLite), so they survive a restart.

A row is written, and committed, before the API answers 201; a registration that fails midway is
rolled back, leaving no row behind.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graphrec.coldstart import Attributes

_SCHEMA = """
CREATE TABLE IF NOT EXISTS movies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    genres TEXT NOT NULL,
    year INTEGER,
    tags TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)
"""


class MovieRegistry:
    """The table of registered movies; one connection, used under a lock (SQLite, WAL mode)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def all(self) -> list[tuple[int, Attributes]]:
        """Every registered movie, in id order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, title, genres, year, tags FROM movies ORDER BY id"
            ).fetchall()
        return [
            (int(i), Attributes(title, json.loads(genres), year, json.loads(tags)))
            for i, title, genres, year, tags in rows
        ]

    @contextmanager
    def adding(self, movie_id: int, attributes: Attributes) -> Iterator[None]:
        """Insert a row; commit when the ``with`` body succeeds, roll back when it raises.

        Raises:
            sqlite3.IntegrityError: ``movie_id`` is already registered.
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO movies (id, title, genres, year, tags) VALUES (?, ?, ?, ?, ?)",
                    (movie_id, attributes.title, json.dumps(attributes.genres), attributes.year,
                     json.dumps(attributes.tags)),
                )  # fmt: skip
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
