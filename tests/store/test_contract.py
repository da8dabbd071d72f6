"""Every store passes the same contract: events round-trip in order, a failed transaction leaves
nothing, impressions and clicks come back (SQLite, and PostgreSQL on a throw-away cluster)."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from graphrec.coldstart import Attributes
from graphrec.experiments.impressions import Impression
from graphrec.store import DuplicateMovie, FeedbackEvent, Store, open_store

Opener = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the store under test (again and again: each call is a new connection)."""
    if request.param == "sqlite":
        return lambda: open_store(None, tmp_path)
    url = request.getfixturevalue("postgres_url")
    return lambda: open_store(url, tmp_path)


def test_events_come_back_in_arrival_order_across_reopening(opener: Opener) -> None:
    store = opener()
    store.add_events(
        [FeedbackEvent(7, 1, "rating", 4.5, 100), FeedbackEvent(3, 2, "click", None, 90, "req-1")]
    )
    store.add_events([FeedbackEvent(7, 5, "click", None, 101)])
    store.close()
    again = opener()
    events = again.events()
    assert events.users.tolist() == [7, 3, 7]
    assert events.movies.tolist() == [1, 2, 5]
    assert events.ratings[0] == 4.5 and np.isnan(events.ratings[1:]).all()
    assert events.timestamps.tolist() == [100, 90, 101]
    assert again.count_events() == 3
    later = again.events(after=events.last - 1)
    assert later.users.tolist() == [7] and again.events(after=events.last).last == events.last


def test_empty_store_has_no_events(opener: Opener) -> None:
    store = opener()
    events = store.events()
    assert len(events) == 0 and events.users.dtype == np.int64 and events.last == 0
    store.ping()


def test_a_failed_batch_stores_none_of_its_events(opener: Opener) -> None:
    store = opener()
    bad = FeedbackEvent(1, 1, "like", None, 1)  # type: ignore[arg-type]  # the CHECK refuses it
    with pytest.raises(Exception, match=r"(?i)check"):
        store.add_events([FeedbackEvent(1, 1, "rating", 3.0, 1), bad])
    assert store.count_events() == 0


def test_a_registration_that_fails_midway_is_rolled_back(opener: Opener) -> None:
    store = opener()
    with pytest.raises(RuntimeError), store.adding_movie(5, Attributes("X", ["Drama"])):
        raise RuntimeError("index refused it")
    assert store.movies() == []
    with store.adding_movie(5, Attributes("X", ["Drama"], 2001, ["t"])):
        pass
    assert store.movies() == [(5, Attributes("X", ["Drama"], 2001, ["t"]))]

    with (
        pytest.raises(DuplicateMovie, match="registered already"),
        store.adding_movie(5, Attributes("Y", ["Drama"])),
    ):
        pass


def test_impressions_and_clicks_round_trip(opener: Opener) -> None:
    store = opener()
    shown = Impression("r1", 3, 1.5, {"ranker": "deepfm"}, None, [10, 11])
    mixed = Impression("i1", None, 2.0, {}, ("deepfm", "none"), [10, 20], [0, 1])
    store.add_impressions([shown, mixed])
    store.add_impressions([shown])  # written twice (a retried flush): kept once
    store.add_events([FeedbackEvent(3, 11, "click", None, 5, "r1"),
                      FeedbackEvent(3, 12, "rating", 4.0, 6, "r1")])  # fmt: skip
    again = opener()
    assert again.impressions() == [shown, mixed]
    assert again.clicks() == [("r1", 3, 11)]
