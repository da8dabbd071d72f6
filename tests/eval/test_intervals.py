"""Bootstrap intervals on data whose spread is known, and paired differences."""

import numpy as np
import pytest

from graphrec.eval.intervals import Sample, interval, paired_difference


def test_interval_of_a_mean_brackets_it_and_narrows_with_more_units() -> None:
    rng = np.random.default_rng(0)
    small = interval(Sample(rng.random(50)))
    large = interval(Sample(rng.random(5000)))
    for result in (small, large):
        assert result.low < result.value < result.high
    assert large.high - large.low < (small.high - small.low) / 5
    assert large.low < 0.5 < large.high


def test_paired_difference_sees_a_small_consistent_gap() -> None:
    rng = np.random.default_rng(1)
    base = rng.random(400)
    better = base + 0.01  # the same hard and easy units, 0.01 better on each
    apart = interval(Sample(better)), interval(Sample(base))
    assert apart[0].low < apart[1].high  # side by side, the intervals overlap
    paired = paired_difference(Sample(better), Sample(base))
    assert paired.value == pytest.approx(0.01)
    assert paired.low == pytest.approx(0.01) and paired.high == pytest.approx(0.01)


def test_coverage_interval_is_centred_on_the_figure() -> None:
    lists = np.arange(200).reshape(100, 2)  # every unit adds two distinct movies

    def share(rows: np.ndarray) -> float:
        return len(np.unique(rows)) / 200

    result = interval(Sample(lists, statistic=share))
    assert result.value == 1.0
    assert result.low <= result.value <= result.high


def test_paired_difference_needs_the_same_units() -> None:
    with pytest.raises(ValueError, match="same units"):
        paired_difference(Sample(np.ones(3)), Sample(np.ones(4)))


def test_paired_coverage_difference_is_centred_on_it() -> None:
    rng = np.random.default_rng(2)
    wide, narrow = rng.integers(0, 500, (100, 5)), rng.integers(0, 50, (100, 5))

    def share(rows: np.ndarray) -> float:
        return len(np.unique(rows)) / 500

    result = paired_difference(Sample(wide, statistic=share), Sample(narrow, statistic=share))
    assert result.low <= result.value <= result.high and result.low > 0
