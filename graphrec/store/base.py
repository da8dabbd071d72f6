"""The store: what must outlive the process (registered movies, feedback events), behind one
small interface so that callers never know which database holds it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from graphrec.coldstart import Attributes
from graphrec.experiments.impressions import Impression
from graphrec.store.events import EventColumns, FeedbackEvent


class DuplicateMovie(ValueError):
    """A registration names a movie id the store already holds."""


class StoreUnavailable(RuntimeError):
    """The store cannot take a write now (a read-only or full disk, a lost connection):
    nothing of the write was applied, and the same write may succeed later."""


class Store(Protocol):
    """Durable state shared by every worker serving the same artifacts."""

    def movies(self) -> list[tuple[int, Attributes]]:
        """Every registered movie, in id order."""
        ...

    def adding_movie(self, movie_id: int, attributes: Attributes) -> AbstractContextManager[None]:
        """Insert a registered movie; committed when the ``with`` body succeeds, rolled back
        when it raises. Raises :class:`DuplicateMovie` on an id already registered."""
        ...

    def add_events(self, events: Sequence[FeedbackEvent]) -> None:
        """Store all ``events`` in one transaction, durable when this returns."""
        ...

    def events(self, after: int = 0) -> EventColumns:
        """Every stored event accepted after sequence number ``after``, in order (its
        ``last`` is the newest one's number: pass it back to read only what came since)."""
        ...

    def add_impressions(self, impressions: Sequence[Impression]) -> None:
        """Store answers as shown (one transaction); an id already stored is kept as it was."""
        ...

    def impressions(self) -> list[Impression]:
        """Every stored impression, in the order written."""
        ...

    def clicks(self) -> list[tuple[str, int, int]]:
        """``(request_id, user, movie)`` of every click event that names a request."""
        ...

    def ping(self) -> None:
        """Raise if the store does not answer (readiness)."""
        ...

    def count_events(self) -> int: ...

    def close(self) -> None: ...
