"""Interactions in time order, merged per movie; the bundle's CSR history."""

import numpy as np

from graphrec.users.history import Interactions, UserHistory

NAN = np.nan


def test_merged_keeps_one_interaction_per_movie_latest_time_last_rating() -> None:
    events = Interactions.of([5, 7, 5, 9, 7], [4.0, 3.0, NAN, 2.0, 5.0], [10, 20, 30, 15, 20])
    merged = events.merged()
    # 5: rated at 10, clicked at 30 → rating 4 kept, time 30; 7: rated twice at 20 → last (5).
    assert merged.movies.tolist() == [9, 7, 5]
    assert merged.timestamps.tolist() == [15, 20, 30]
    assert merged.ratings.tolist() == [2.0, 5.0, 4.0]


def test_merged_click_only_movie_has_no_rating() -> None:
    merged = Interactions.of([3], [NAN], [1]).merged()
    assert np.isnan(merged.ratings[0])


def test_merging_the_same_events_again_changes_nothing() -> None:
    first = Interactions.of([1, 2, 3], [4.0, 3.5, 5.0], [100, 200, 200])
    again = first.then(first).merged()
    for name in ("movies", "ratings", "timestamps"):
        assert getattr(again, name).tolist() == getattr(first.merged(), name).tolist()


def test_then_sorts_by_time_and_keeps_earlier_first_on_ties() -> None:
    trained = Interactions.of([1, 2], [4.0, 4.0], [100, 300])
    live = Interactions.of([3, 4], [NAN, 5.0], [300, 200])
    both = trained.then(live)
    assert both.movies.tolist() == [1, 4, 2, 3]


def test_user_history_is_csr_in_time_order_ties_in_input_order() -> None:
    history = UserHistory.from_interactions(
        users=np.array([1, 0, 1, 1, 0]),
        movies=np.array([10, 11, 12, 13, 14]),
        ratings=np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
        timestamps=np.array([50, 9, 40, 40, 1]),
        num_users=3,
    )
    assert history.indptr.tolist() == [0, 2, 5, 5]
    assert history.of(0).movies.tolist() == [14, 11]
    assert history.of(1).movies.tolist() == [12, 13, 10]
    assert history.of(1).ratings.tolist() == [3.0, 4.0, 1.0]
    assert len(history.of(2)) == 0
    assert history.users.tolist() == [0, 0, 1, 1, 1]
