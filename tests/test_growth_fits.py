"""Growth-law fits of thresholds on data of a known law: log T against T, and a power law."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.growth_fits import compare_fits, fit_power_law


def test_fits_recover_generating_law_and_pick_it():
    T = np.array([8, 16, 32, 64, 128, 256], dtype=float)
    log_data = 12.0 + 30.0 * np.log(T)
    cmp = compare_fits(T, log_data)
    assert cmp.winner == "log"
    assert cmp.log.a == pytest.approx(12.0) and cmp.log.b == pytest.approx(30.0)
    assert cmp.log.chi2 == pytest.approx(0.0, abs=1e-9)
    assert cmp.linear.chi2 > 1.0
    lin_data = 5.0 + 3.0 * T
    cmp = compare_fits(T, lin_data, sigma=0.1 * lin_data)
    assert cmp.winner == "linear"
    assert cmp.linear.b == pytest.approx(3.0)
    assert cmp.linear(T) == pytest.approx(lin_data)
    assert "log T" in cmp.log.formula()


def test_power_law_fit_recovers_known_exponent():
    T = np.array([8, 16, 32, 64, 128, 256], dtype=float)
    exact = 3.0 * T**0.5
    fit = fit_power_law(T, exact, sigma=0.1 * exact)
    assert fit.alpha == pytest.approx(0.5) and fit.c == pytest.approx(3.0)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-18)
    assert fit.per_doubling() == pytest.approx(np.sqrt(2))
    assert fit(T) == pytest.approx(exact)
    assert fit.formula() == "m* = 3 T^0.50"
    # equal relative errors of 10 %: log m* uncertain by 0.1 at each of n points, so the standard
    # error of the slope is 0.1 / sqrt(sum (log T - mean)**2)
    x = np.log(T)
    assert fit.alpha_se == pytest.approx(0.1 / np.sqrt(np.sum((x - x.mean()) ** 2)))
    # noisy linear law: exponent near 1, inside a few standard errors
    rng = np.random.default_rng(0)
    noisy = 5.0 * T * np.exp(rng.normal(0.0, 0.05, size=T.size))
    fit = fit_power_law(T, noisy, sigma=0.05 * noisy)
    assert abs(fit.alpha - 1.0) < 3 * fit.alpha_se < 0.1
    # without sigma: unweighted, no standard error
    fit = fit_power_law(T, 7.0 * T**0.25)
    assert fit.alpha == pytest.approx(0.25) and np.isnan(fit.alpha_se)
    with pytest.raises(ValueError, match="2 distinct"):
        fit_power_law([8, 8], [1, 2])
    with pytest.raises(ValueError, match="censored"):
        fit_power_law([8, 16, 32], [1, 2, np.inf])


def test_bad_input():
    with pytest.raises(ValueError, match="at least 3"):
        compare_fits([8, 16], [1, 2])
    with pytest.raises(ValueError, match="censored"):
        compare_fits([8, 16, 32], [1, 2, np.inf])
