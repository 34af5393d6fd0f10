"""Least squares against independent facts: SciPy's linregress, exact data, replicated rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.stats

from biasbook.maths.regression import (
    LeastSquares,
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
    assert weighted.r2 == pytest.approx(repeated.r2)
    assert weighted.dof == 5  # rows of the data, not of the replication: 8 - 3


def test_weighted_r2_is_one_minus_the_weighted_residual_share() -> None:
    # R^2 written out: 1 - sum w r^2 / sum w (y - ybar_w)^2 with the weighted mean, on responses
    # small enough that the total sum of squares is far below 1 (R^2 does not depend on the scale).
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, 12)
    y = 1e-3 * (2.0 + x + 0.3 * rng.standard_normal(12))
    w = rng.uniform(0.5, 2.0, 12)
    fit = weighted_least_squares(line_design(x), y, w)
    ybar = np.dot(w, y) / w.sum()
    resid = y - line_design(x) @ fit.coef
    assert fit.r2 == pytest.approx(1 - np.dot(w, resid**2) / np.dot(w, (y - ybar) ** 2))
    assert weighted_least_squares(line_design(x), 1e3 * y, w).r2 == pytest.approx(fit.r2)
    assert 0 < fit.r2 < 1


def test_a_zero_weight_drops_its_row() -> None:
    rng = np.random.default_rng(5)
    X = np.column_stack([np.ones(7), rng.standard_normal(7)])
    y = rng.standard_normal(7)
    w = np.array([1.0, 2, 0, 1, 3, 1, 0])
    keep = w > 0
    fit = weighted_least_squares(X, y, w)
    ref = weighted_least_squares(X[keep], y[keep], w[keep])
    assert fit.coef == pytest.approx(ref.coef) and fit.chi2 == pytest.approx(ref.chi2)


def test_residual_variance_needs_residual_degrees_of_freedom() -> None:
    x = np.array([1.0, 2.0, 4.0])
    one_left = weighted_least_squares(line_design(x), np.array([1.0, 3.0, 2.0]))
    assert one_left.dof == 1 and one_left.residual_variance == pytest.approx(one_left.chi2)
    exact = weighted_least_squares(line_design(x[:2]), np.array([1.0, 3.0]))
    assert exact.dof == 0 and np.isnan(exact.residual_variance)
    over = LeastSquares(coef=np.zeros(3), chi2=0.0, r2=1.0, cov_unscaled=np.eye(3), dof=-1)
    assert np.isnan(over.residual_variance)


def test_fits_are_immutable() -> None:
    fit = weighted_least_squares(line_design([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 2.0]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.chi2 = 0.0  # type: ignore[misc]


def test_exact_data_and_constant_response() -> None:
    x = np.array([1.0, 2, 4, 8])
    fit = weighted_least_squares(line_design(np.log(x)), 3 + 2 * np.log(x), np.full(4, 0.5))
    assert fit.coef == pytest.approx([3, 2]) and fit.chi2 == pytest.approx(0, abs=1e-20)
    assert weighted_least_squares(line_design(x), np.ones(4)).r2 == 1.0
    assert loglog_slope(x, 5 * x**1.5) == pytest.approx(1.5)
    assert loglog_fit(x, 5 * x**1.5)[1] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("weighted", [False, True])
def test_a_non_finite_response_is_never_a_perfect_fit(bad: float, weighted: bool) -> None:
    # A check such as "log-fit R² > 0.99" must not pass on data holding a NaN.
    x = np.arange(1.0, 5.0)
    y = np.array([1.0, 2.0, bad, 3.0])
    fit = weighted_least_squares(line_design(x), y, np.ones(4) if weighted else None)
    assert np.isnan(fit.r2)


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
    with pytest.raises(ValueError, match="X\\[n, p\\]"):
        weighted_least_squares(np.ones((3, 2, 1)), np.ones(3))
    for n in (2, 4):  # responses fewer or more than the rows of X
        with pytest.raises(ValueError, match="X\\[n, p\\]"):
            weighted_least_squares(line_design([1.0, 2, 3]), np.ones(n))
        with pytest.raises(ValueError, match="one per row"):
            weighted_least_squares(line_design([1.0, 2, 3]), np.ones(3), np.ones(n))
    with pytest.raises(ValueError, match="non-negative"):
        weighted_least_squares(line_design([1.0, 2, 3]), np.ones(3), np.array([1.0, -1, 1]))
