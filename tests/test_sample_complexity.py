"""Threshold search on synthetic success curves with known thresholds; log T vs T fits."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.sample_complexity import (
    SweepResult,
    bisect_threshold,
    bootstrap_threshold,
    check_sweep_args,
    compare_fits,
    fit_power_law,
    grid_threshold,
    run_sweep,
    run_sweeps,
    success_fraction,
    summarise_sweep,
    thresholds,
)

M0 = 137.0  # the known threshold of the synthetic curves


def piecewise_log_linear(m):
    """Success rising linearly in log2 m from 0 at M0/4 to 1 at 4 M0: crosses 1/2 exactly at M0."""
    return np.clip(0.5 + np.log2(np.asarray(m, dtype=float) / M0) / 4.0, 0.0, 1.0)


def test_grid_threshold_recovers_known_crossing():
    ms = 2.0 ** np.arange(3, 13)  # 8 ... 4096, M0 between grid points
    th = grid_threshold(ms, piecewise_log_linear(ms), level=0.5)
    # the curve is linear in log m between grid points, so interpolation is exact
    assert th.censored == "none"
    assert th.value == pytest.approx(M0, rel=1e-12)
    # other levels: success = level at m = M0 * 2**(4 (level - 1/2))
    for level in (0.3, 0.8):
        expected = M0 * 2 ** (4 * (level - 0.5))
        assert grid_threshold(ms, piecewise_log_linear(ms), level).value == pytest.approx(expected)


def test_grid_threshold_ignores_lucky_small_m_and_censors():
    ms = [16, 32, 64, 128, 256]
    # a lucky success at 16 followed by failures: the tail starting at 128 counts
    th = grid_threshold(ms, [0.6, 0.2, 0.4, 0.8, 1.0])
    assert th.value == pytest.approx(np.exp(np.log(64) + (0.5 - 0.4) / 0.4 * np.log(2)))
    assert grid_threshold(ms, [0.6, 0.8, 1, 1, 1]).censored == "below"
    assert grid_threshold(ms, [0.6, 0.8, 1, 1, 1]).value == 16
    above = grid_threshold(ms, [0, 0, 0.2, 0.4, 0.2])
    assert above.censored == "above" and np.isinf(above.value)


def test_seed_matrix_threshold_is_median_of_seed_thresholds():
    # 5 seeds with known step thresholds; "most seeds" = the 3rd smallest seed threshold
    ms = np.array([10, 20, 40, 80, 160, 320])
    seed_thresholds = np.array([20, 40, 40, 160, 320])
    acc = np.where(ms[None, :] >= seed_thresholds[:, None], 0.99, 0.6)
    frac = success_fraction(acc, 0.95)
    np.testing.assert_allclose(frac, [0, 0.2, 0.6, 0.6, 0.8, 1.0])
    th = grid_threshold(ms, frac)
    assert 20 < th.value <= 40  # crosses 1/2 between 20 (0.2) and 40 (0.6)
    assert th.value == pytest.approx(20 * 2 ** ((0.5 - 0.2) / 0.4))
    [again] = thresholds(ms, acc, 0.95)
    assert again == th


def test_bisection_finds_exact_integer_threshold():
    calls = []

    def success(m: int) -> float:
        calls.append(m)
        return float(m >= 137)

    assert bisect_threshold(success, 1, 5000) == 137
    assert len(calls) <= 2 + int(np.ceil(np.log2(5000))) + 1
    # a smooth monotone curve: smallest m with success >= level
    assert bisect_threshold(lambda m: piecewise_log_linear(m), 1, 10_000, 0.5) == 137


def test_bisection_bad_brackets():
    with pytest.raises(ValueError, match="lower lo"):
        bisect_threshold(lambda m: 1.0, 1, 10)
    with pytest.raises(ValueError, match="raise hi"):
        bisect_threshold(lambda m: 0.0, 1, 10)


def test_bootstrap_interval_brackets_the_threshold():
    ms = np.array([10, 20, 40, 80, 160, 320])
    seed_thresholds = np.array([20, 40, 40, 80, 160, 40, 20, 80])
    acc = np.where(ms[None, :] >= seed_thresholds[:, None], 1.0, 0.5)
    lo, hi = bootstrap_threshold(ms, acc, 0.95, seed=1)
    th = grid_threshold(ms, success_fraction(acc, 0.95)).value
    assert lo <= th <= hi
    assert 10 <= lo and hi <= 160
    # identical seeds: no spread
    same = np.tile(acc[1], (5, 1))
    lo, hi = bootstrap_threshold(ms, same, 0.95)
    assert lo == hi


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
    with pytest.raises(ValueError, match="empty"):
        grid_threshold([], [])
    with pytest.raises(ValueError, match="increasing"):
        grid_threshold([10, 5], [0, 1])
    with pytest.raises(ValueError, match="at least 3"):
        compare_fits([8, 16], [1, 2])
    with pytest.raises(ValueError, match="censored"):
        compare_fits([8, 16, 32], [1, 2, np.inf])
    with pytest.raises(ValueError, match="cannot fit"):
        check_sweep_args("transformer", "and", 5, [8, 4], [16, 32])
    with pytest.raises(ValueError, match="unknown target"):
        check_sweep_args("transformer", "xor", 3, [8], [16])
    with pytest.raises(ValueError, match="unknown model"):
        check_sweep_args("lstm", "and", 3, [8], [16])
    with pytest.raises(ValueError, match="sequence lengths T is empty"):
        check_sweep_args("mlp", "and", 3, [], [16])
    with pytest.raises(ValueError, match="training-set sizes is empty"):
        check_sweep_args("mlp", "and", 3, [8], [])
    # run_sweep validates before training anything
    with pytest.raises(ValueError, match="cannot fit"):
        run_sweep("mlp", "and", 9, [8], [16], 1, {}, steps=1, learning_rate=1e-3, batch_size=4)


def test_summarise_sweep_on_synthetic_log_law():
    # per-seed step thresholds 10 * log2(T) +- a few: the summary must pick the log law
    Ts = (8, 16, 32, 64, 128)
    ms = tuple(int(m) for m in 2 ** np.arange(3, 9))  # 8 ... 256
    rng = np.random.default_rng(0)
    acc = np.zeros((len(Ts), 5, len(ms)))
    for i, T in enumerate(Ts):
        th = 10 * np.log2(T) * rng.uniform(0.8, 1.25, size=5)
        acc[i] = np.where(np.array(ms)[None, :] >= th[:, None], 1.0, 0.6)
    res = SweepResult("mlp", "and", 3, Ts, ms, acc, acc, {})
    summ = summarise_sweep(res, 0.95)
    assert summ.censored == ("none",) * 5
    assert np.all(summ.low <= summ.m_star) and np.all(summ.m_star <= summ.high)
    assert summ.fits is not None and summ.fits.winner == "log"
    assert summ.growth() == pytest.approx(summ.m_star[-1] / summ.m_star[0])


def test_sweep_learns_one_bit_copy_and_grouping_does_not_matter():
    # s = 1 AND (and s = 1 PARITY) is "copy bit i": an MLP learns it from 256 samples in 300
    # steps and cannot from 2. Training two targets together must not change either's results.
    kwargs = {
        "s": 1,
        "ms": [2, 256],
        "n_seeds": 2,
        "arch": {"hidden": (16,)},
        "steps": 300,
        "learning_rate": 1e-2,
        "batch_size": 32,
        "m_test": 200,
        "cache": False,
        "progress": False,
    }
    together = run_sweeps("mlp", {"and": [6], "parity": [6]}, **kwargs)
    alone = run_sweep("mlp", "and", Ts=[6], **kwargs)
    np.testing.assert_array_equal(together["and"].test_acc, alone.test_acc)
    assert alone.test_acc.shape == together["parity"].test_acc.shape == (1, 2, 2)
    for res in together.values():
        assert np.all(res.test_acc[0, :, 1] >= 0.99)
        assert np.all(res.test_acc[0, :, 0] < 0.99)
    with pytest.raises(ValueError, match="no targets"):
        run_sweeps("mlp", {}, **kwargs)
