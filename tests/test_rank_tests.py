"""Spearman's rho and its exact p-value against scipy's rho and a brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.stats

from biasbook.maths.rank_tests import spearman


def brute_force_p(x: list[float], y: list[float]) -> float:
    """Share of all orderings of y whose rank correlation with x reaches the observed one."""
    rx, ry = scipy.stats.rankdata(x), scipy.stats.rankdata(y)

    def rho(a, b):
        a, b = a - a.mean(), b - b.mean()
        return float(a @ b / np.sqrt((a @ a) * (b @ b)))

    r = rho(rx, ry)
    null = [rho(rx, np.array(p)) for p in itertools.permutations(ry)]
    return float(np.mean(np.array(null) >= r - 1e-12))


def test_spearman_matches_scipy_and_exact_p() -> None:
    x, y = [1.0, 2, 3, 4, 5], [2.0, 1, 3, 4, 5]
    r, p = spearman(x, y)
    assert r == pytest.approx(scipy.stats.spearmanr(x, y).statistic)
    # rho >= 0.9 for 5 items: identity + 4 adjacent swaps = 5 of 120 orderings.
    assert p == pytest.approx(5 / 120)
    assert spearman(x, x)[1] == pytest.approx(1 / 120)


@pytest.mark.parametrize("seed", range(4))
def test_p_value_equals_enumeration_also_with_ties_and_inf(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=6).astype(float)  # ties
    y = rng.standard_normal(6)
    y[seed % 6] = np.inf  # an infinite (censored) value ranks last
    if np.all(x == x[0]):
        x[0] += 1
    r, p = spearman(x, y)
    assert p == pytest.approx(brute_force_p(list(x), list(y)))
    assert -1 <= r <= 1


def test_constant_input_and_bad_sizes() -> None:
    assert spearman([1.0, 1, 1], [1.0, 2, 3]) == (0.0, 1.0)
    with pytest.raises(ValueError, match="equal length"):
        spearman([1.0, 2], [1.0, 2])
    with pytest.raises(ValueError, match="orderings"):
        spearman(list(range(9)), list(range(9)))


def test_every_constant_or_malformed_input_is_handled() -> None:
    # A constant y has no ranking either (the docstring's rule, for both arguments).
    assert spearman([1.0, 2, 3], [5.0, 5, 5]) == (0.0, 1.0)
    assert spearman([1.0, 2, 3, 4], [2.0, 2, 2, 2]) == (0.0, 1.0)
    for x, y in (
        ([1.0, 2, 3, 4], [1.0, 2, 3]),  # unequal lengths, either way round
        ([1.0, 2, 3], [1.0, 2, 3, 4]),
        ([[1.0, 2, 3]], [[1.0, 2, 3]]),  # not sequences of numbers
        (np.arange(6.0).reshape(3, 2), np.arange(6.0).reshape(3, 2)),  # three rows of two
        (5.0, 5.0),
    ):
        with pytest.raises(ValueError, match="equal length"):
            spearman(x, y)


def test_the_exact_test_runs_up_to_its_limit() -> None:
    # Eight values, the most enumerated: the identity is the only ordering with rho = 1.
    r, p = spearman(list(range(8)), list(range(8)))
    assert r == pytest.approx(1.0) and p == pytest.approx(1 / 40320)
