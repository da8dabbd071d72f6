import numpy as np
import pytest

from graphrec.data.splits import (
    ValidationCut,
    global_time_cut,
    per_user_last,
    per_user_latest,
    per_user_random,
    validation_mask,
)


def test_per_user_latest_takes_each_users_newest() -> None:
    users = np.array([0, 0, 0, 0, 0, 1, 1, 2])
    times = np.array([5, 1, 4, 2, 3, 7, 9, 1])
    mask = per_user_latest(users, times, 0.4)
    # user 0 keeps round(0.6*5)=3, holds its newest 2 (times 5, 4); user 1 keeps round(1.2)=1,
    # holds time 9; user 2 keeps its only interaction
    assert mask.tolist() == [True, False, True, False, False, False, True, False]


def test_per_user_latest_keeps_min_and_rejects_bad_fraction() -> None:
    users = np.zeros(3, dtype=np.int64)
    assert per_user_latest(users, np.arange(3), 0.99).sum() == 2
    with pytest.raises(ValueError, match="fraction"):
        per_user_latest(users, np.arange(3), 1.0)


def test_per_user_random_is_stratified_and_seeded() -> None:
    users = np.repeat(np.arange(4), 8)
    mask = per_user_random(users, 0.25, seed=3)
    assert np.bincount(users[mask]).tolist() == [2, 2, 2, 2]
    assert np.array_equal(mask, per_user_random(users, 0.25, seed=3))
    assert not np.array_equal(mask, per_user_random(users, 0.25, seed=4))


def test_per_user_last_and_global_cut() -> None:
    users = np.array([0, 0, 1, 2, 2, 2])
    times = np.array([3, 9, 5, 1, 8, 2])
    assert per_user_last(users, times).tolist() == [False, True, False, False, True, False]
    assert global_time_cut(np.arange(10), 0.8).tolist() == [False] * 8 + [True, True]


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        ("temporal", lambda u, t: per_user_latest(u, t, 0.25)),
        ("random", lambda u, t: per_user_random(u, 0.25, seed=5)),
        ("last", lambda u, t: per_user_last(u, t)),
    ],
)
def test_validation_is_cut_like_the_test(cut: ValidationCut, expected) -> None:
    users = np.repeat(np.arange(4), 8)
    times = np.random.default_rng(0).permutation(32)
    assert np.array_equal(validation_mask(users, times, 0.25, cut, seed=5), expected(users, times))


def test_an_unknown_validation_cut_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown validation cut 'sideways'"):
        validation_mask(np.zeros(3, int), np.arange(3), 0.5, "sideways")  # type: ignore[arg-type]


def test_validation_holds_out_at_most_max_users_and_leaves_the_others_whole() -> None:
    users = np.repeat(np.arange(50), 10)
    times = np.tile(np.arange(10), 50)
    full = validation_mask(users, times, 0.2, "temporal", max_users=None)
    capped = validation_mask(users, times, 0.2, "temporal", seed=3, max_users=7)
    held = np.unique(users[capped])
    assert len(held) == 7
    # A sampled user keeps exactly their uncapped slice; everyone else validates nothing.
    assert np.array_equal(capped, full & np.isin(users, held))
    again = validation_mask(users, times, 0.2, "temporal", seed=3, max_users=7)
    assert np.array_equal(capped, again)  # every trainer of one run cuts the same users
