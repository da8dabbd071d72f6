"""Layers split users independently of each other, at their configured shares."""

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from graphrec.bucketing import bucket_of
from graphrec.errors import ConfigError
from graphrec.experiments.layers import Layer, layer_salt, parse_interleave, parse_layers


def test_two_layers_are_independent_and_at_their_shares() -> None:
    ranker = {"deepfm": 0.5, "two_tower": 0.3, "none": 0.2}
    (candidates,) = parse_layers("candidates=200:0.7,100:0.3", "salt")
    ids = range(100_000)
    first = [bucket_of(i, ranker, layer_salt("salt", "ranker")) for i in ids]
    second = [candidates.arm(i) for i in ids]
    names_a, names_b = sorted(ranker), sorted(candidates.shares)
    table = np.zeros((len(names_a), len(names_b)))
    for a, b in zip(first, second, strict=True):
        table[names_a.index(a), names_b.index(b)] += 1
    assert chi2_contingency(table).pvalue > 0.01
    for name, share in ranker.items():
        assert abs(table[names_a.index(name)].sum() / 100_000 - share) < 0.01
    for name, share in candidates.shares.items():
        assert abs(table[:, names_b.index(name)].sum() / 100_000 - share) < 0.01


def test_the_same_salt_would_correlate_layers() -> None:
    """Why each layer has its own salt: with one salt, arms line up."""
    shares = {"a": 0.5, "b": 0.5}
    same = Layer("x", shares, "s"), Layer("y", shares, "s")
    assert all(same[0].arm(i) == same[1].arm(i) for i in range(1000))


def test_interleave_share_and_parsing() -> None:
    pair = parse_interleave("deepfm,none:0.1", ("deepfm", "two_tower", "none"), "salt")
    assert (pair.first, pair.second) == ("deepfm", "none")
    share = np.mean([pair.applies(i) for i in range(100_000)])
    assert abs(share - 0.1) < 0.01


@pytest.mark.parametrize(
    ("text", "match"),
    [("colour=red:1", "layers:"), ("candidates=abc:1", "positive integers"),
     ("candidates=100:1;candidates=50:1", "named twice"), ("candidates", "name=arm")],
)  # fmt: skip
def test_bad_layers(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_layers(text, "salt")


@pytest.mark.parametrize("text", ["deepfm", "deepfm,deepfm", "deepfm,bogus", "deepfm,none:2"])
def test_bad_interleave(text: str) -> None:
    with pytest.raises(ConfigError, match="interleave"):
        parse_interleave(text, ("deepfm", "two_tower", "none"), "salt")
