"""Wilson intervals, the sign test and the bootstrap, on numbers worked by hand."""

import numpy as np
import pytest

from graphrec.experiments.stats import bootstrap_preference, preference, sign_test, wilson


def test_wilson_matches_the_textbook_value() -> None:
    low, high = wilson(10, 100)  # p = 0.1, n = 100: (0.0552, 0.1744)
    assert low == pytest.approx(0.0552, abs=1e-4) and high == pytest.approx(0.1744, abs=1e-4)
    assert wilson(0, 0) == (0.0, 0.0)
    low, high = wilson(0, 20)
    assert low == 0.0 and 0 < high < 0.2


def test_sign_test() -> None:
    assert sign_test(10, 0) == pytest.approx(2 * 0.5**10)
    assert sign_test(5, 5) == pytest.approx(1.0)
    assert sign_test(0, 0) == 1.0


def test_preference_and_its_bootstrap_interval() -> None:
    wins_a, wins_b, ties = np.array([3, 2, 4, 0]), np.array([1, 1, 0, 2]), np.array([1, 0, 0, 1])
    assert preference(wins_a, wins_b, ties) == pytest.approx((9 - 4) / 15)
    low, high = bootstrap_preference(wins_a, wins_b, ties)
    assert low <= preference(wins_a, wins_b, ties) <= high
    assert bootstrap_preference(np.zeros(0), np.zeros(0), np.zeros(0)) == (0.0, 0.0)
