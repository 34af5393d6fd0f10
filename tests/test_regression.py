"""Least squares against independent facts: SciPy's linregress, exact data, replicated rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from biasbook.maths.regression import (
    line_design,
    loglog_fit,
    loglog_slope,
    weighted_least_squares,
)


def test_ordinary_line_matches_linregress_with_its_standard_error() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 30)
    y = 1.5 - 0.7 * x + rng.standard_normal(30)
    fit = weighted_least_squares(line_design(x), y)
    ref = scipy.stats.linregress(x, y)
    assert fit.coef == pytest.approx([ref.intercept, ref.slope])
    se = np.sqrt(fit.residual_variance * np.diag(fit.cov_unscaled))
    assert se == pytest.approx([ref.intercept_stderr, ref.stderr])
    assert fit.r2 == pytest.approx(ref.rvalue**2)
    assert fit.dof == 28


def test_integer_weights_equal_replicated_rows() -> None:
    # weight w on a row is the same fit as that row repeated w times
    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(8), rng.standard_normal((8, 2))])
    y = rng.standard_normal(8)
    w = rng.integers(1, 4, 8)
    weighted = weighted_least_squares(X, y, w.astype(float))
    repeated = weighted_least_squares(np.repeat(X, w, 0), np.repeat(y, w))
    assert weighted.coef == pytest.approx(repeated.coef)
    assert weighted.chi2 == pytest.approx(repeated.chi2)
    assert weighted.cov_unscaled == pytest.approx(repeated.cov_unscaled)


def test_exact_data_and_constant_response() -> None:
    x = np.array([1.0, 2, 4, 8])
    fit = weighted_least_squares(line_design(np.log(x)), 3 + 2 * np.log(x), np.full(4, 0.5))
    assert fit.coef == pytest.approx([3, 2]) and fit.chi2 == pytest.approx(0, abs=1e-20)
    assert weighted_least_squares(line_design(x), np.ones(4)).r2 == 1.0
    assert loglog_slope(x, 5 * x**1.5) == pytest.approx(1.5)
    assert loglog_fit(x, 5 * x**1.5)[1] == pytest.approx(0, abs=1e-12)


def test_loglog_standard_error_is_the_textbook_one() -> None:
    # Residual-based SE of a least-squares slope: sqrt(RSS / (n - 2) / Sxx), written out by hand.
    x = np.array([2.0, 3, 5, 8, 13])
    y = x**0.7 * np.array([1.0, 1.1, 0.95, 1.05, 1.0])
    lx, ly = np.log(x), np.log(y)
    b = np.sum((lx - lx.mean()) * (ly - ly.mean())) / np.sum((lx - lx.mean()) ** 2)
    rss = np.sum((ly - ly.mean() - b * (lx - lx.mean())) ** 2)
    se = np.sqrt(rss / 3 / np.sum((lx - lx.mean()) ** 2))
    assert loglog_fit(x, y) == pytest.approx((b, se))


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match="X\\[n, p\\]"):
        weighted_least_squares(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        weighted_least_squares(line_design([1.0, 2, 3]), np.ones(3), np.array([1.0, -1, 1]))
