"""Growth-law fits of thresholds on data of a known law: log T against T, power laws, polylogs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.stats import norm

from biasbook.maths.growth_fits import (
    FitComparison,
    ScalingFit,
    classification_rates,
    classify_growth,
    compare_fits,
    fit_polylog,
    fit_power_law,
    two_point_exponent,
)

T_WIDE = 2.0 ** np.arange(3, 12)  # 8 ... 2048, the chapter's range


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


def test_polylog_fit_recovers_known_power_of_the_log():
    exact = 4.0 * np.log(T_WIDE) ** 2.5
    fit = fit_polylog(T_WIDE, exact, sigma=0.1 * exact)
    assert fit.k == pytest.approx(2.5) and fit.c == pytest.approx(4.0)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-18)
    assert fit(T_WIDE) == pytest.approx(exact)
    assert fit.formula() == "m* = 4 (ln T)^2.50"
    u = np.log(np.log(T_WIDE))  # equal log-space errors 0.1: textbook slope standard error
    assert fit.k_se == pytest.approx(0.1 / np.sqrt(np.sum((u - u.mean()) ** 2)))
    assert np.isnan(fit_polylog(T_WIDE, exact).k_se)
    with pytest.raises(ValueError, match="exceed 1"):
        fit_polylog([1, 2, 4], [1, 2, 3])


@pytest.mark.parametrize("k", [0.5, 1.0, 2.0, 3.0])
def test_every_polylog_has_zero_gap_and_a_falling_exponent(k):
    """The halves' exponents of (ln T)^k stand in a ratio that does not depend on k."""
    m = 3.0 * np.log(T_WIDE) ** k
    g = classify_growth(T_WIDE, m, 0.1 * m)
    assert g.polylog_gap == pytest.approx(0.0, abs=1e-12)
    # independently: local exponent k / ln T, so the halves' exponents fall roughly by the ratio
    # of ln T at their centres (8-64 and 128-2048: centres near 22.6 and 512)
    centres = np.log(np.sqrt(8 * 64)), np.log(np.sqrt(128 * 2048))
    assert g.ratio == pytest.approx(centres[0] / centres[1], rel=0.05)
    assert g.low.alpha == pytest.approx(k / centres[0], rel=0.05)
    assert g.drop > 0 and g.law != "power law"
    if k >= 1:  # (ln T)^0.5 falls too little to be seen with 10 % errors
        assert g.law == "log-like"
    assert g.polylog.k == pytest.approx(k)
    assert (g.T_low, g.T_high) == ((8.0, 64.0), (128.0, 2048.0))


@pytest.mark.parametrize("alpha", [0.3, 0.5, 1.0])
def test_power_laws_keep_their_exponent(alpha):
    m = 2.0 * T_WIDE**alpha
    g = classify_growth(T_WIDE, m, 0.1 * m)
    assert g.drop == pytest.approx(0.0, abs=1e-12)
    assert g.low.alpha == pytest.approx(alpha) and g.high.alpha == pytest.approx(alpha)
    assert g.polylog_gap == pytest.approx(alpha * (1 - g.ratio))
    assert g.law == "power law"
    assert "power law" in g.summary() and "2048" in g.summary()


def test_faster_than_a_power_law_and_no_power():
    m = 10.0 * np.exp(T_WIDE / 512)  # exponent rises with T
    assert classify_growth(T_WIDE, m, 0.05 * m).law == "faster than a power law"
    # T = 8 ... 256 with 30 % errors: neither (ln T)^2 nor T^0.5 can be told apart
    T = T_WIDE[:6]
    for m in (np.log(T) ** 2, T**0.5):
        assert classify_growth(T, m, 0.3 * m).law == "undecided"


def test_error_rates_are_the_gaussian_tail():
    """Under an exact power law the drop is Gaussian with the stated standard error, so calling
    it log-like happens with probability Phi(-z); ln T is hard to detect with 30 % errors."""
    m = 5.0 * T_WIDE**0.5
    n = 4000
    rates = classification_rates(T_WIDE, m, 0.2 * m, n_rep=n, seed=1)
    assert sum(rates.values()) == pytest.approx(1.0)
    p = norm.cdf(-2.0)
    assert abs(rates["log-like"] - p) < 4 * np.sqrt(p * (1 - p) / n)
    assert abs(rates["faster than a power law"] - p) < 4 * np.sqrt(p * (1 - p) / n)
    # the batched classification makes the decisions classify_growth makes replicate by replicate
    rng = np.random.default_rng(1)
    noisy = m * np.exp(rng.standard_normal((n, T_WIDE.size)) * 0.2)
    laws = [classify_growth(T_WIDE, row, 0.2 * row).law for row in noisy[:300]]
    short = classification_rates(T_WIDE, m, 0.2 * m, n_rep=300, seed=1)
    for law, rate in short.items():
        assert rate == pytest.approx(laws.count(law) / 300)
    # the same seed gives the same rates
    assert classification_rates(T_WIDE, m, 0.2 * m, n_rep=200, seed=3) == classification_rates(
        T_WIDE, m, 0.2 * m, n_rep=200, seed=3
    )


def test_classify_bad_input():
    with pytest.raises(ValueError, match="at least 4"):
        classify_growth([8, 16, 32], [1, 2, 3], [0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="2 distinct"):
        classify_growth([8, 8, 16, 32], [1, 1, 2, 3], [0.1] * 4)
    with pytest.raises(ValueError, match="censored"):
        classify_growth([8, 16, 32, 64], [1, 2, 3, np.inf], [0.1] * 4)
    with pytest.raises(ValueError, match="sigma"):
        classify_growth([8, 16, 32, 64], [1, 2, 3, 4], [0.1, 0.1, 0.0, 0.1])


def test_two_point_exponent():
    a, se = two_point_exponent((16, 256), (20.0, 80.0), (2.0, 8.0))
    assert a == pytest.approx(0.5)  # 80 / 20 = 4 = 16 ** 0.5
    assert se == pytest.approx(np.sqrt(0.1**2 + 0.1**2) / np.log(16))
    with pytest.raises(ValueError, match="censored"):
        two_point_exponent((16, 256), (20.0, np.inf), (2.0, 8.0))
    with pytest.raises(ValueError, match="T0 < T1"):
        two_point_exponent((256, 16), (20.0, 80.0), (2.0, 8.0))


# --------------------------------------------------------------------------- boundaries and input


def test_fit_text_and_forms():
    T = np.array([1.0, np.e, np.e**2])
    log_form = "".join(["lo", "g"])  # a name built at run time, not the literal
    fit = ScalingFit(log_form, 1.0, 2.0, 0.0, 1.0)
    np.testing.assert_allclose(fit(T), [1.0, 3.0, 5.0])
    assert fit.formula() == "m* = 1 + 2 log T"
    assert ScalingFit("linear", 1.0, 2.0, 0.0, 1.0)(T) == pytest.approx(1.0 + 2.0 * T)
    assert ScalingFit("linear", 1.0, 0.0, 0.0, 1.0).formula("y") == "y = 1 + 0 T"
    assert ScalingFit("linear", 1.0, -0.5, 0.0, 1.0).formula() == "m* = 1 - 0.5 T"
    assert ScalingFit("linear", 1.0, -2.0, 0.0, 1.0).formula() == "m* = 1 - 2 T"


def test_weighted_fits_match_an_independent_solver():
    # np.polyfit weights the residuals by w, i.e. by 1 / sigma.
    T = np.array([8.0, 16, 32, 64, 128])
    m = np.array([30.0, 52, 61, 95, 120])
    sigma = np.array([0.5, 2.0, 3.0, 1.5, 9.0])
    cmp = compare_fits(T, m, sigma)
    for fit, x in ((cmp.log, np.log(T)), (cmp.linear, T)):
        b, a = np.polyfit(x, m, 1, w=1 / sigma)
        assert (fit.a, fit.b) == pytest.approx((a, b))
        assert fit.chi2 == pytest.approx(np.sum(((m - a - b * x) / sigma) ** 2))
    # Log-space fits: weights (m / sigma)^2, chi2 on the original scale with sigma.
    p = fit_power_law(T, m, sigma)
    alpha, log_c = np.polyfit(np.log(T), np.log(m), 1, w=m / sigma)
    assert (p.alpha, p.c) == pytest.approx((alpha, np.exp(log_c)))
    assert p.chi2 == pytest.approx(np.sum(((m - p.c * T**p.alpha) / sigma) ** 2))
    q = fit_polylog(T, m, sigma)
    k, log_c = np.polyfit(np.log(np.log(T)), np.log(m), 1, w=m / sigma)
    assert (q.k, q.c) == pytest.approx((k, np.exp(log_c)))
    assert q.chi2 == pytest.approx(np.sum(((m - q.c * np.log(T) ** q.k) / sigma) ** 2))


def test_fit_results_are_immutable():
    T = np.array([8.0, 16, 32, 64])
    m = np.array([3.0, 4.0, 6.0, 7.0])
    for fit in (fit_power_law(T, m), fit_polylog(T, m), classify_growth(T, m, 0.1 * m)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            fit.chi2 = 0.0 if not hasattr(fit, "law") else None  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            fit.c = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("T", "m"),
    [([8, 16, 32], [1, 2, 3, 4]), ([8, 16, 32, 64], [1, 2, 3]), ([[8, 16], [32, 64]],) * 2],
)
def test_shapes_must_match(T, m):
    with pytest.raises(ValueError, match="1-d of equal length"):
        compare_fits(T, m)
    with pytest.raises(ValueError, match="1-d of equal length"):
        fit_power_law(T, m)


@pytest.mark.parametrize("sigma", [[0.1, 0.1, 0.1], [0.1] * 5, [0.1, -0.1, 0.1, 0.1]])
def test_sigma_must_match_and_be_positive(sigma):
    T, m = [8, 16, 32, 64], [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="sigma must be positive, one per point"):
        compare_fits(T, m, sigma)
    with pytest.raises(ValueError, match="sigma must be positive, one per point"):
        fit_power_law(T, m, sigma)


def test_domains_of_the_fits():
    # compare_fits and fit_power_law need T > 0; the log-log fits need T > 1; m* > 0 in log space.
    for T in ([0.0, 1, 2], [-1.0, 1, 2]):
        with pytest.raises(ValueError, match="T must be positive"):
            compare_fits(T, [1.0, 2, 3])
        with pytest.raises(ValueError, match="T must exceed 0"):
            fit_power_law(T, [1.0, 2, 3])
    with pytest.raises(ValueError, match="T must exceed 1"):
        fit_polylog([0.5, 2, 4], [1.0, 2, 3])
    for m in ([1.0, 0.0, 3.0], [1.0, -2.0, 3.0]):
        with pytest.raises(ValueError, match="m_star be positive"):
            fit_power_law([2, 4, 8], m)
    # Small but valid values: T and sigma below 1, two distinct lengths, T = 1 for a power law.
    slope = np.polyfit([0.5, 1, 2], [1.0, 2, 3], 1)[0]
    assert compare_fits([0.5, 1, 2], [1.0, 2, 3], [0.5] * 3).linear.b == pytest.approx(slope)
    assert fit_power_law([1, 2, 4], [3.0, 6.0, 12.0], [0.3, 0.6, 1.2]).alpha == pytest.approx(1.0)
    assert fit_power_law([2, 4], [3.0, 6.0]).alpha == pytest.approx(1.0)
    assert fit_polylog([np.e, np.e**2], [3.0, 12.0]).k == pytest.approx(2.0)


def test_classify_small_valid_sweeps_and_halves():
    # Four thresholds from T = 2 (just above the log-log domain) are enough; each half of the
    # sorted lengths needs two distinct ones.
    T = [2, 4, 8, 16]
    m = 3.0 * np.array(T) ** 0.5
    g = classify_growth(T, m, 0.01 * m)
    assert (g.T_low, g.T_high) == ((2.0, 4.0), (8.0, 16.0))
    assert sum(classification_rates(T, m, 0.01 * m, n_rep=10).values()) == pytest.approx(1.0)
    for bad in ([2, 2, 4, 8], [2, 4, 8, 8]):
        with pytest.raises(ValueError, match="each half"):
            classify_growth(bad, [1.0, 2, 3, 4], [0.1] * 4)
    with pytest.raises(ValueError, match="exceed 1"):
        classify_growth([1, 4, 8, 16], [1.0, 2, 3, 4], [0.1] * 4)


def test_summary_names_both_halves():
    T = [8, 16, 32, 64, 128]
    m = 2.0 * np.array(T, dtype=float) ** 0.5
    s = classify_growth(T, m, 0.01 * m).summary()
    assert s.startswith("α 0.50 ± ")
    assert "(T 8–16) → 0.50 ± " in s and "(T 32–128): power law" in s


def test_flat_thresholds_at_zero_significance_are_undecided():
    # m* = 1 (log m* = 0): both exponents, the drop and the gap are exactly 0; with z = 0 no
    # strict inequality holds, so no law is claimed.
    T = [8, 16, 32, 64]
    g = classify_growth(T, [1.0] * 4, [0.1] * 4, z=0.0)
    assert (g.drop, g.polylog_gap) == (0.0, 0.0)
    assert g.law == "undecided"


def test_classification_rates_defaults():
    # 1000 replicates from seed 0, as documented in the signature.
    T = T_WIDE[:6]
    m = 2.0 * T**0.5
    rates = classification_rates(T, m, 0.3 * m)
    assert rates == classification_rates(T, m, 0.3 * m, n_rep=1000, seed=0)
    assert rates != classification_rates(T, m, 0.3 * m, n_rep=1000, seed=1)
    assert all(abs(r * 1000 - round(r * 1000)) < 1e-9 for r in rates.values())
    assert any(0 < r < 1 for r in rates.values())


@pytest.mark.parametrize(
    ("T", "m", "s"),
    [
        ((0, 16), (1.0, 2.0), (0.1, 0.1)),
        ((-1, 16), (1.0, 2.0), (0.1, 0.1)),
        ((16, 16), (1.0, 2.0), (0.1, 0.1)),
        ((8, 16), (0.0, 2.0), (0.1, 0.1)),
        ((8, 16), (-1.0, 2.0), (0.1, 0.1)),
        ((8, 16), (1.0, 0.0), (0.1, 0.1)),
        ((8, 16), (1.0, -1.0), (0.1, 0.1)),
        ((8, 16), (1.0, 2.0), (0.0, 0.1)),
        ((8, 16), (1.0, 2.0), (-0.1, 0.1)),
        ((8, 16), (1.0, 2.0), (0.1, 0.0)),
        ((8, 16), (1.0, 2.0), (0.1, -0.1)),
    ],
)
def test_two_point_exponent_rejects(T, m, s):
    with pytest.raises(ValueError, match="0 < T0 < T1"):
        two_point_exponent(T, m, s)


def test_two_point_exponent_small_values():
    a, se = two_point_exponent((0.5, 2.0), (0.5, 1.0), (0.05, 0.1))
    assert a == pytest.approx(0.5)
    assert se == pytest.approx(np.hypot(0.1, 0.1) / np.log(4))


def test_more_growth_fit_edges():
    # Scalars are not 1-d sequences of lengths.
    with pytest.raises(ValueError, match="1-d of equal length"):
        compare_fits(8.0, 3.0)
    with pytest.raises(ValueError, match="1-d of equal length"):
        fit_power_law(8.0, 3.0)
    # A zero uncertainty would be an infinite weight.
    with pytest.raises(ValueError, match="sigma must be positive"):
        compare_fits([8, 16, 32, 64], [1.0, 2, 3, 4], [0.1, 0.0, 0.1, 0.1])
    with pytest.raises(ValueError, match="2 distinct"):
        fit_polylog([8, 8], [1.0, 2.0])
    # A tie in chi2 goes to log T (the hypothesis the variable-creation chapter tests).
    tie = FitComparison(
        log=ScalingFit("log", 0.0, 1.0, 2.5, 0.9), linear=ScalingFit("linear", 0.0, 1.0, 2.5, 0.9)
    )
    assert tie.winner == "log"
    with pytest.raises(dataclasses.FrozenInstanceError):
        tie.log.chi2 = 0.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tie.winner = "linear"  # type: ignore[misc]


def test_polylog_gap_error_and_non_integer_ratios():
    T = [8, 16, 32, 64, 128, 256]
    m = np.array([3.0, 4.1, 5.0, 6.2, 7.1, 8.3])
    g = classify_growth(T, m, 0.07 * m)
    assert g.polylog_gap_se == pytest.approx(np.hypot(g.high.alpha_se, g.ratio * g.low.alpha_se))
    assert g.drop_se == pytest.approx(np.hypot(g.low.alpha_se, g.high.alpha_se))
    # T1 / T0 = 2.5 and m1 / m0 = 7 / 3: not integers.
    a, se = two_point_exponent((10, 25), (3.0, 7.0), (0.3, 0.7))
    assert a == pytest.approx(np.log(7 / 3) / np.log(2.5))
    assert se == pytest.approx(np.hypot(0.1, 0.1) / np.log(2.5))
