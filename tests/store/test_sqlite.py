"""The SQLite store: events round-trip in order, a failed transaction leaves nothing."""

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from graphrec.coldstart import Attributes
from graphrec.store import FeedbackEvent, SqliteStore


def test_events_come_back_in_arrival_order_across_reopening(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    store.add_events(
        [FeedbackEvent(7, 1, "rating", 4.5, 100), FeedbackEvent(3, 2, "click", None, 90, "req-1")]
    )
    store.add_events([FeedbackEvent(7, 5, "click", None, 101)])
    store.close()
    again = SqliteStore(tmp_path / "s.sqlite")
    events = again.events()
    assert events.users.tolist() == [7, 3, 7]
    assert events.movies.tolist() == [1, 2, 5]
    assert events.ratings[0] == 4.5 and np.isnan(events.ratings[1:]).all()
    assert events.timestamps.tolist() == [100, 90, 101]
    assert again.count_events() == 3


def test_empty_store_has_no_events(tmp_path: Path) -> None:
    events = SqliteStore(tmp_path / "s.sqlite").events()
    assert len(events) == 0 and events.users.dtype == np.int64


def test_a_failed_batch_stores_none_of_its_events(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    bad = FeedbackEvent(1, 1, "like", None, 1)  # type: ignore[arg-type]  # the CHECK refuses it
    with pytest.raises(sqlite3.IntegrityError):
        store.add_events([FeedbackEvent(1, 1, "rating", 3.0, 1), bad])
    assert store.count_events() == 0


def test_a_registration_that_fails_midway_is_rolled_back(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    with pytest.raises(RuntimeError), store.adding_movie(5, Attributes("X", ["Drama"])):
        raise RuntimeError("index refused it")
    assert store.movies() == []
    with store.adding_movie(5, Attributes("X", ["Drama"], 2001, ["t"])):
        pass
    assert store.movies() == [(5, Attributes("X", ["Drama"], 2001, ["t"]))]
