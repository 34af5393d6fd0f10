"""Threshold search on synthetic success curves with known thresholds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.stats

from biasbook.maths.thresholds import (
    bisect_threshold,
    bootstrap_threshold,
    grid_threshold,
    success_fraction,
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


def test_bad_input():
    with pytest.raises(ValueError, match="empty"):
        grid_threshold([], [])
    with pytest.raises(ValueError, match="increasing"):
        grid_threshold([10, 5], [0, 1])


@pytest.mark.parametrize("ci", [0.5, 0.68, 0.9])
def test_bootstrap_interval_is_the_quantiles_of_the_exact_bootstrap_distribution(ci):
    # Four seeds: all 4**4 resamples, equally likely, give the exact bootstrap distribution of the
    # threshold. The interval's ends must be its (1 - ci)/2 and (1 + ci)/2 quantiles, up to the
    # Monte Carlo error of 20,000 resamples (±0.015 in probability, about 5 standard errors).
    ms = np.array([10, 20, 40, 80, 160])
    acc = np.where(ms[None, :] >= np.array([10, 20, 40, 160])[:, None], 1.0, 0.5)
    exact = np.array(
        [
            grid_threshold(ms, success_fraction(acc[list(i)], 0.95)).value
            for i in itertools.product(range(4), repeat=4)
        ]
    )
    lo, hi = bootstrap_threshold(ms, acc, 0.95, n_boot=20_000, ci=ci, seed=3)
    tol = 0.015
    for end, p in ((lo, (1 - ci) / 2), (hi, (1 + ci) / 2)):
        # `end` is a p-quantile: at least p of the mass at or below it, at most p strictly below
        assert (exact <= end).mean() >= p - tol, (ci, end)
        assert (exact < end).mean() <= p + tol, (ci, end)


def test_boundaries_count_as_reached_exactly_at_the_target_and_the_level():
    # An accuracy equal to the target is a success; a success fraction equal to the level passes.
    assert success_fraction(np.array([[0.95, 0.94]]), 0.95).tolist() == [1.0, 0.0]
    ms = [10, 20, 40]
    assert grid_threshold(ms, [0.0, 0.5, 0.5], level=0.5).value == pytest.approx(20.0)
    assert grid_threshold(ms, [1.0, 1.0, 1.0], level=1.0) == grid_threshold(ms, [1, 1, 1])
    # the last size must succeed: one that falls back below the level is censored above
    assert grid_threshold(ms, [0.0, 1.0, 0.4]).censored == "above"
    # the interpolation is linear in (log m, success): halfway in log between 10 and 40
    assert grid_threshold([10, 40], [0.0, 1.0]).value == pytest.approx(20.0)
    lo, hi = bootstrap_threshold(ms, np.array([[0.5, 0.95, 0.95]] * 4), 0.95)
    assert lo == hi == pytest.approx(14.142, abs=1e-3)  # every seed succeeds at 20 exactly


def test_bisection_stops_at_the_first_size_that_reaches_the_level_exactly():
    calls = []

    def success(m: int) -> float:
        calls.append(m)
        return 0.5 if m >= 37 else 0.4  # reaches the level 0.5 exactly at 37

    assert bisect_threshold(success, 1, 100) == 37
    assert len(calls) <= 2 + int(np.ceil(np.log2(99)))
    assert bisect_threshold(lambda m: float(m >= 2), 1, 2) == 2  # adjacent lo and hi
    with pytest.raises(ValueError, match="lower lo"):
        bisect_threshold(lambda m: 0.5, 1, 10)  # exactly the level at lo: already reached
    with pytest.raises(ValueError, match="lo < hi"):
        bisect_threshold(lambda m: 1.0, 5, 5)


def test_thresholds_of_several_groups_of_seeds():
    ms = np.array([10, 20, 40])
    acc = np.zeros((2, 3, 4, 3))  # two by three groups, four seeds each
    acc[..., 2] = 1.0
    acc[1, 2, :, 1] = 1.0  # one group already succeeds at 20
    found = thresholds(ms, acc, 0.95)
    assert len(found) == 6
    assert [t.value for t in found][:5] == pytest.approx([28.284] * 5, abs=1e-3)
    assert found[5].value == pytest.approx(14.142, abs=1e-3)


@pytest.mark.parametrize(
    ("ms", "message"),
    [
        ([], "empty"),
        ([[10, 20]], "empty"),
        ([0, 10], "positive"),
        ([10, 10], "increasing"),
        ([10, 5], "increasing"),
    ],
)
def test_grids_that_are_refused(ms, message):
    with pytest.raises(ValueError, match=message):
        grid_threshold(ms, np.zeros(np.size(ms)) if np.ndim(ms) == 1 else [0, 0])


def test_levels_and_shapes_that_are_refused():
    ms = [10, 20]
    for level in (0.0, 1.5, -0.5):
        with pytest.raises(ValueError, match="level"):
            grid_threshold(ms, [0, 1], level=level)
    with pytest.raises(ValueError, match="shape"):
        grid_threshold(ms, [0, 1, 1])
    with pytest.raises(ValueError, match="seeds, m"):
        success_fraction(np.array([0.9, 0.9]), 0.5)
    for bad in (np.zeros((2, 3)), np.zeros(2), np.zeros((1, 2, 2))):
        with pytest.raises(ValueError, match="acc must have shape"):
            bootstrap_threshold(ms, bad, 0.95)


def test_the_interpolation_is_geometric_between_any_two_sizes():
    # Halfway in success is halfway in log m: the geometric mean of the two sizes, for every
    # pair (including 2 and 8, where log 8 is a multiple of log 2).
    for lo, hi in ((2, 8), (3, 5), (10, 40), (7, 1000)):
        value = grid_threshold([lo, hi], [0.0, 1.0]).value
        assert value == pytest.approx(np.sqrt(lo * hi)), (lo, hi)
    # a quarter of the way: lo * (hi / lo) ** (1 / 4)
    assert grid_threshold([2, 32], [0.0, 0.8], level=0.2).value == pytest.approx(4.0)


@pytest.mark.parametrize("ci", [0.6, 0.68])
def test_bootstrap_interval_ends_are_exact_binomial_quantiles(ci):
    # Ten seeds, two of which succeed at m = 10 and all at m = 100: a resample's success fraction
    # at 10 is Binomial(10, 0.2) / 10, and its threshold a decreasing function g of the count
    # (10 from five successes on: the level is reached there). The exact bootstrap distribution
    # of the threshold is therefore known (scipy.stats.binom); the interval's ends must be its
    # (1 - ci)/2 and (1 + ci)/2 quantiles in the inverted-CDF sense. The design keeps both at
    # least 0.03 in probability from a jump, about 10 Monte Carlo standard errors.
    n, k, ms = 10, 2, np.array([10.0, 100.0])
    acc = np.ones((n, 2))
    acc[k:, 0] = 0.0
    counts = np.arange(n + 1)
    values = np.array(
        [grid_threshold(ms, [j / n, 1.0]).value for j in counts]
    )  # one value per count of successes in a resample
    probs = scipy.stats.binom.pmf(counts, n, k / n)
    levels = np.unique(values)  # ascending; counts of five and more share the value 10
    cdf = np.cumsum([probs[values == v].sum() for v in levels])
    q = (1.0 - ci) / 2.0
    exact = [levels[np.searchsorted(cdf, p)] for p in (q, 1.0 - q)]
    assert min(abs(cdf - p).min() for p in (q, 1.0 - q)) > 0.03  # the design's margin
    lo, hi = bootstrap_threshold(ms, acc, 0.95, n_boot=20_000, ci=ci, seed=5)
    assert (lo, hi) == pytest.approx(exact)


def test_grids_and_shapes_refused_at_their_boundaries():
    with pytest.raises(ValueError, match="empty"):
        grid_threshold(10.0, [1.0])  # a scalar is not a grid
    with pytest.raises(ValueError, match="positive"):
        grid_threshold([-1, 10], [0, 1])
    # sizes of 1 and steps of 1 are valid grids
    assert grid_threshold([1, 2, 3], [0.0, 0.0, 1.0]).value == pytest.approx(np.sqrt(6.0))
    with pytest.raises(ValueError, match="shape"):
        grid_threshold([10, 20, 40], [0, 1])  # fewer successes than sizes
    with pytest.raises(ValueError, match="acc must have shape"):
        bootstrap_threshold([10, 20], np.zeros((3, 1)), 0.95)  # fewer columns than sizes
    with pytest.raises(ValueError, match="lo < hi"):
        bisect_threshold(lambda m: float(m >= 3), 10, 5)  # brackets given the wrong way round


def test_bisection_finds_every_threshold_in_its_bracket():
    for t in range(2, 41):
        assert bisect_threshold(lambda m, t=t: float(m >= t), 1, 40) == t, t


def test_threshold_text_shows_censored_thresholds_as_intervals():
    from biasbook.maths.thresholds import threshold_text

    grid = (16, 32, 64, 512)
    assert threshold_text(37.6, "none", grid) == "38"
    assert threshold_text(np.inf, "above", grid) == "> 512"
    assert threshold_text(16.0, "below", grid) == "≤ 16"
    assert threshold_text(np.inf, "above", (256, 16384)) == "> 16384"


def test_threshold_text_reads_a_censoring_label_loaded_back_from_the_cache():
    # Cached results come back through JSON, whose strings are new objects rather than the
    # module's literals: the label must be compared by value.
    import json

    from biasbook.maths.thresholds import threshold_text

    above, below = json.loads('["above", "below"]')
    assert threshold_text(np.inf, above, (16, 512)) == "> 512"
    assert threshold_text(16.0, below, (16, 512)) == "≤ 16"


def test_a_fine_grid_of_several_hundred_sizes_is_accepted():
    # Sizes are compared by value: a 300-point grid (more than Python caches small integers
    # for) must work like a short one. Every seed succeeds from the grid's 151st size on, so
    # every resample crosses 1/2 between the 150th and 151st sizes, at their geometric mean.
    ms = np.arange(1, 301, dtype=float) * 10.0
    acc = np.tile(np.where(np.arange(300) >= 150, 1.0, 0.0), (4, 1))
    lo, hi = bootstrap_threshold(ms, acc, 0.95, n_boot=20)
    np.testing.assert_allclose([lo, hi], np.sqrt(ms[149] * ms[150]), rtol=1e-12)
