"""Live users: a recomputed profile is the bundle's own until feedback changes it."""

from pathlib import Path

import numpy as np
import pytest

from graphrec.artifacts import load_bundle
from graphrec.users.history import Interactions
from graphrec.users.live import LiveUsers


@pytest.fixture(scope="module")
def users(small_bundle: Path) -> LiveUsers:
    return LiveUsers.for_bundle(load_bundle(small_bundle))


def test_recomputing_a_user_from_their_training_interactions_changes_nothing(
    users: LiveUsers,
) -> None:
    """Replaying what the bundle was trained on (same movies, times, ratings) is not counted
    twice: the profile stays the bundle's."""
    bundle = users.bundle
    for row in (0, 5, 11):
        user_id = int(bundle.user_ids[row])
        before = users.profile(user_id)
        assert before is not None and before.live == 0
        update = users.prepare({user_id: bundle.history.of(row)})
        after = update.profiles[user_id]
        assert update.new_users == [] and after.live == 0
        assert len(after.interactions) == len(before.interactions)
        assert np.allclose(after.vector, before.vector, atol=1e-4)
        assert np.allclose(after.dense, before.dense, atol=1e-5)


def test_feedback_changes_history_vector_and_features_at_once(small_bundle: Path) -> None:
    users = LiveUsers.for_bundle(load_bundle(small_bundle))
    bundle = users.bundle
    user_id = int(bundle.user_ids[0])
    before = users.profile(user_id)
    assert before is not None
    unseen = np.setdiff1d(np.arange(len(bundle.movie_ids)), before.interactions.movies)[:3]
    later = int(before.interactions.timestamps.max()) + 1
    added = Interactions.of(unseen, [5.0, np.nan, 1.0], [later, later + 1, later + 2])
    assert users.apply({user_id: added}) == []
    after = users.profile(user_id)
    assert after is not None and after.live == 3
    assert len(after.interactions) == len(before.interactions) + 3
    assert set(bundle.movie_ids[unseen].tolist()) <= set(after.rated_ids.tolist())
    assert not np.allclose(after.vector, before.vector)
    assert after.dense[0] == pytest.approx(np.log1p(len(after.interactions)) / 5.0)
    # The recall query's recency part is the latest movies': now the three just added.
    recency, items = users.recency, users.movie_items
    assert recency.active and items is not None
    latest = recency.factors(np.arange(3)) @ items[unseen[::-1]]
    older = before.interactions.movies[::-1][: max(recency.count - 3, 0)]
    expected = latest + recency.factors(np.arange(3, 3 + len(older))) @ items[older]
    assert np.allclose(after.recent, expected, atol=1e-5)


def test_a_user_first_seen_in_feedback_exists_from_that_event(users: LiveUsers) -> None:
    new_id = int(users.bundle.user_ids.max()) + 100
    assert users.profile(new_id) is None
    assert users.apply({new_id: Interactions.of([1, 2], [4.0, 4.5], [10, 20])}) == [new_id]
    profile = users.profile(new_id)
    assert profile is not None and profile.row is None and profile.live == 2
    assert np.linalg.norm(profile.vector) == pytest.approx(1.0, abs=1e-5)
    # The mean rating feature is centred on the training mean: (4.25 - mean) / 2.
    assert profile.dense[1] == pytest.approx((4.25 - users.global_mean) / 2.0, abs=1e-5)


def test_a_session_is_a_transient_user(users: LiveUsers) -> None:
    before = users.live_users
    session = users.session(np.array([3, 4, 3]))
    assert session.row is None and len(session.interactions) == 2
    # Movie 3 came last: it is the latest, as the visitor left it.
    assert users.movie_items is not None
    expected = users.recency.factors(np.arange(2)) @ users.movie_items[[3, 4]]
    assert np.allclose(session.recent, expected, atol=1e-5)
    assert users.live_users == before


def test_rows_of_maps_ids_and_marks_unknown(users: LiveUsers) -> None:
    ids = users.bundle.movie_ids
    rows = users.rows_of(np.array([ids[5], -3, ids[0], 10**12]))
    assert rows.tolist() == [5, -1, 0, -1]
