"""A/B buckets: stable per user, close to the configured shares, bad settings refused."""

import pytest

from graphrec.bucketing import bucket_of, default_shares, parse_shares
from graphrec.errors import ConfigError

RANKERS = ("two_tower", "deepfm", "none")


def test_same_user_same_bucket_and_salt_reshuffles() -> None:
    shares = parse_shares("two_tower:0.5,deepfm:0.5", RANKERS)
    first = [bucket_of(u, shares, "s1") for u in range(1000)]
    assert first == [bucket_of(u, shares, "s1") for u in range(1000)]
    other = [bucket_of(u, shares, "s2") for u in range(1000)]
    assert first != other


@pytest.mark.parametrize("text", ["two_tower:0.5,deepfm:0.5", "two_tower:0.8,deepfm:0.1,none:0.1"])
def test_shares_hold_over_ten_thousand_ids(text: str) -> None:
    shares = parse_shares(text, RANKERS)
    buckets = [bucket_of(u, shares, "graphrec-ab-1") for u in range(10_000)]
    for name, share in shares.items():
        assert buckets.count(name) / 10_000 == pytest.approx(share, abs=0.02)


def test_shares_are_normalised() -> None:
    assert parse_shares("two_tower:3, deepfm:1", RANKERS) == {"two_tower": 0.75, "deepfm": 0.25}


@pytest.mark.parametrize("text", ["", "bogus:1", "two_tower:x", "two_tower:-1", "deepfm:0"])
def test_bad_shares_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="A/B shares"):
        parse_shares(text, RANKERS)


def test_default_traffic_goes_to_the_best_ranker_or_to_recall_order() -> None:
    """``None``: the bundle marks the ranker not to serve (it lost to recall order)."""
    assert default_shares({"two_tower": 0.29, "deepfm": 0.49}) == ({"deepfm": 1.0}, ["two_tower"])
    assert default_shares({"two_tower": None, "deepfm": 0.2}) == ({"deepfm": 1.0}, ["two_tower"])
    assert default_shares({"two_tower": 0.1, "deepfm": None}) == ({"two_tower": 1.0}, ["deepfm"])
    assert default_shares({"two_tower": None, "deepfm": None}) == (
        {"none": 1.0}, ["two_tower", "deepfm"],
    )  # fmt: skip
    assert default_shares({}) == ({"none": 1.0}, [])
