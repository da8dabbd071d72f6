"""Impressions: what each `/recommend` answer showed, and to whom, under which arms.

Answers must not wait for a disk: :class:`ImpressionLog` buffers impressions in memory and a
background thread writes them to the store in one transaction every ``interval`` seconds (or as
soon as ``batch`` are waiting). A clean shutdown flushes what is left; a kill -9 loses at most
the impressions of the last interval (their clicks, which are durable events, then count for no
experiment).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Impression:
    """One answer as shown.

    Attributes:
        request_id: The answer's id; clicks name it in `POST /feedback`.
        user: The user, ``None`` for an anonymous session.
        timestamp: Seconds since 1970.
        arms: Per layer, the arm that chose this answer (``{"ranker": "deepfm",
            "candidates": "200"}``); empty when the caller chose the ranker (no experiment).
        interleave: The two interleaved arms (team 0, team 1), or ``None``.
        movies: Ids shown, in order.
        teams: For an interleaved answer, the team of each shown movie.
    """

    request_id: str
    user: int | None
    timestamp: float
    arms: dict[str, str]
    interleave: tuple[str, str] | None
    movies: list[int]
    teams: list[int] | None = None


class ImpressionLog:
    """A write-behind buffer of impressions, flushed by a daemon thread."""

    def __init__(
        self,
        write: Callable[[Sequence[Impression]], None],
        interval: float = 0.2,
        batch: int = 1000,
    ) -> None:
        self._write = write
        self._interval = interval
        self._batch = batch
        self._pending: list[Impression] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flushing = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="impressions", daemon=True)
        self._thread.start()

    @property
    def interval(self) -> float:
        """Seconds between the thread's writes: how old an unwritten impression can be."""
        return self._interval

    def add(self, impression: Impression) -> None:
        with self._lock:
            self._pending.append(impression)
            full = len(self._pending) >= self._batch
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Write everything buffered now; returns how many impressions were written."""
        with self._flushing:  # one writer at a time keeps the store's order
            with self._lock:
                pending, self._pending = self._pending, []
            if pending:
                try:
                    self._write(pending)
                except Exception:
                    with self._lock:  # keep them for the next try
                        self._pending[:0] = pending
                    raise
            return len(pending)

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # a full disk must not kill the thread; the next flush retries
                logger.exception("writing impressions failed; kept for the next flush")
