"""The report's statistics: Wilson intervals for CTRs, a bootstrap over users for interleaving
preference, and the two-sided sign test."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

#: z of a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion; ``(0, 0)`` without trials. Unlike the normal
    approximation it stays inside [0, 1] and is sane for a CTR of a few clicks."""
    if trials == 0:
        return 0.0, 0.0
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def preference(wins_a: np.ndarray, wins_b: np.ndarray, ties: np.ndarray) -> float:
    """``(Σ wins_A − Σ wins_B) / (Σ wins_A + Σ wins_B + Σ ties)``, 0 with no decided impression."""
    total = wins_a.sum() + wins_b.sum() + ties.sum()
    return float((wins_a.sum() - wins_b.sum()) / total) if total else 0.0


def bootstrap_preference(
    wins_a: np.ndarray,
    wins_b: np.ndarray,
    ties: np.ndarray,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """95 % percentile interval of :func:`preference`, resampling users with replacement.

    Args:
        wins_a, wins_b, ties: Per user, their impressions won by A, by B, and tied.
    """
    n = len(wins_a)
    if n == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, (resamples, n))
    a, b, t = wins_a[draws].sum(1), wins_b[draws].sum(1), ties[draws].sum(1)
    total = a + b + t
    values = np.divide(a - b, total, out=np.zeros(resamples), where=total > 0)
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def sign_test(wins_a: int, wins_b: int) -> float:
    """Two-sided p-value that A and B win equally often (ties left out)."""
    if wins_a + wins_b == 0:
        return 1.0
    return float(binomtest(wins_a, wins_a + wins_b, 0.5).pvalue)
