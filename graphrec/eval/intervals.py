"""95 % bootstrap intervals of evaluation figures, and of paired differences between models.

Every figure is made of units (users for the user metrics, query movies for the item-to-item
judges): a :class:`Sample` holds each unit's value and the statistic that turns a set of
units into the figure (a mean, a median, a coverage). Resampling the units with replacement
gives the interval; resampling two models' units with the *same* draws gives the interval of
their difference, far narrower than the two intervals side by side, because both models meet
the same easy and hard units in every draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Bootstrap draws per figure.
DRAWS = 1000
#: Two-sided confidence of every interval.
CONFIDENCE = 0.95

Statistic = Callable[[np.ndarray], float]


def mean(values: np.ndarray) -> float:
    return float(np.mean(values))


@dataclass(frozen=True)
class Sample:
    """The units of one figure.

    Attributes:
        values: One row per unit, ``(n,)`` or ``(n, …)`` (a query's whole list, for coverage).
        statistic: The figure of a set of rows; the mean unless told otherwise.
    """

    values: np.ndarray
    statistic: Statistic = mean

    def figure(self) -> float:
        return self.statistic(self.values) if len(self.values) else 0.0


@dataclass(frozen=True)
class Interval:
    """A figure and its percentile bootstrap interval."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"value": round(self.value, 6), "low": round(self.low, 6),
                "high": round(self.high, 6)}  # fmt: skip


def draws(n: int, seed: int, count: int = DRAWS) -> np.ndarray:
    """``(count, n)`` unit indices drawn with replacement; the same seed gives the same draws,
    which is what pairs two models' resamples."""
    return np.random.default_rng(seed).integers(0, n, size=(count, n))


def interval(sample: Sample, seed: int = 0) -> Interval:
    """The figure of ``sample`` with its 95 % percentile bootstrap interval."""
    value = sample.figure()
    if len(sample.values) < 2:
        return Interval(value, value, value)
    stats = _resampled(sample, draws(len(sample.values), seed))
    return _centred(value, stats, sample.statistic is mean)


def paired_difference(sample: Sample, baseline: Sample, seed: int = 0) -> Interval:
    """``sample``'s figure minus ``baseline``'s, with the interval of the difference when
    both are resampled with the same draws.

    Raises:
        ValueError: The two samples are not over the same units.
    """
    if len(sample.values) != len(baseline.values):
        raise ValueError(
            f"paired samples need the same units, got {len(sample.values)} and "
            f"{len(baseline.values)}"
        )
    value = sample.figure() - baseline.figure()
    if len(sample.values) < 2:
        return Interval(value, value, value)
    indices = draws(len(sample.values), seed)
    stats = _resampled(sample, indices) - _resampled(baseline, indices)
    return _centred(value, stats, sample.statistic is mean and baseline.statistic is mean)


def _resampled(sample: Sample, indices: np.ndarray) -> np.ndarray:
    """The statistic over each draw, ``(draws,)``; means in one vectorised pass."""
    if sample.statistic is mean:
        return np.asarray(sample.values, dtype=np.float64)[indices].mean(axis=1)
    return np.array([sample.statistic(sample.values[row]) for row in indices])


def _centred(value: float, stats: np.ndarray, of_means: bool) -> Interval:
    """The percentile interval of ``stats``; for a statistic other than a mean, shifted by the
    draws' bias. A resample repeats units, so a count of distinct things (coverage) shrinks in
    every draw; the shift keeps the interval's width and centres it on the figure."""
    tail = (1.0 - CONFIDENCE) / 2 * 100
    low, high = (float(bound) for bound in np.percentile(stats, [tail, 100 - tail]))
    if not of_means:
        shift = value - float(np.mean(stats))
        low, high = low + shift, high + shift
    return Interval(value, low, high)
