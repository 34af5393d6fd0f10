"""Each chapter's reproduction tests, on data where the answer is known: every kind of negative
control really fails them, exact data pass them, censored or underpowered data leave them undecided.

The chapters run these tests on their own measurements (``reproduction_claims`` in each
``biasbook.experiments`` module); here they run on synthetic or closed-form data instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from biasbook.checks.verdicts import INCONCLUSIVE, PASSED
from biasbook.experiments import gp_limit as gp
from biasbook.experiments import sensitivity as se
from biasbook.experiments import synthesis as sy
from biasbook.experiments import variable_creation as vc
from biasbook.experiments import wikitext_symmetry as wt
from biasbook.experiments.sensitivity import checks as se_checks
from biasbook.experiments.sensitivity import summaries as se_summaries
from biasbook.maths import symmetric_group as sg

RNG = np.random.default_rng(0)


# --- sensitivity ------------------------------------------------------------------------------


def test_identity_errors_vanish_and_their_wrong_forms_do_not() -> None:
    e = se.identity_errors(8, seed=0, n_random=3)
    assert e["closed"] < 1e-12 and e["fourier"] < 1e-12
    # PARITY at n = 8: the wrong closed form is off by exactly n/n = 1
    assert e["closed_wrong"] == pytest.approx(1.0)
    assert e["fourier_wrong"] > 1  # Σ|S|² f̂² of PARITY(8) is 64, not 8


def test_greater_and_slope_tests_fail_on_nulls_and_reversals() -> None:
    a, b = np.exp(RNG.normal(2, 0.1, 12)), np.exp(RNG.normal(0, 0.1, 12))
    assert se.check_greater((a, b)).holds is True
    assert se.check_greater((b, a)).holds is False  # the claim reversed: significantly false
    null = se_checks._no_gap(a, b)  # the effect removed: undecided, not passed
    assert se.check_greater(null).holds is None


def test_linear_trend_of_an_exact_line_and_its_standard_error() -> None:
    # y = 2 + 0.5 n exactly: slope 0.5 with zero error; with noise the slope's SE is the
    # textbook sigma / sqrt(sum (n - mean n)^2), estimated from the residuals
    n = np.repeat(np.arange(4, 11), 5).astype(float)
    t = se_summaries.linear_trend(n, 2 + 0.5 * n)
    assert t.slope == pytest.approx(0.5) and t.se == pytest.approx(0, abs=1e-12)
    assert t.lengths == tuple(range(4, 11)) and t.n_runs == n.size
    y = 2 + 0.5 * n + RNG.normal(0, 0.3, n.size)
    resid = y - np.polyval(np.polyfit(n, y, 1), n)
    want = np.sqrt(resid @ resid / (n.size - 2) / ((n - n.mean()) ** 2).sum())
    assert se_summaries.linear_trend(n, y).se == pytest.approx(want, rel=1e-9)
    assert np.isnan(se_summaries.linear_trend(np.array([5.0, 5.0]), np.ones(2)).slope)


def test_figure_1_tests_fail_on_their_controls() -> None:
    n = np.repeat(np.arange(4, 10), 5).astype(float)
    parity = (n, 0.1 * n + RNG.normal(0, 0.05, n.size))
    flat = (n, 0.02 + RNG.normal(0, 0.002, n.size))
    rising = (n, 0.05 * n + RNG.normal(0, 0.01, n.size))  # half PARITY's slope: not flat
    assert se_checks.check_linear_slope(parity).holds is True
    assert se_checks.check_linear_slope(se_checks._slope_removed(parity)).holds is None
    assert se_checks.check_slope_exceeds((parity, flat)).holds is True
    assert se_checks.check_slope_exceeds((flat, parity)).holds is False
    same = (se_checks._slope_removed(parity, to=0.05), rising)
    assert se_checks.check_slope_exceeds(same).holds is None
    assert se_checks.check_flat((parity, flat)).holds is True
    assert se_checks.check_flat((parity, rising)).holds is False
    assert se_checks.check_flat((parity, parity)).holds is False


def _tradeoff(parity_scale: float, anti: bool) -> dict:
    """A synthetic Figure 2 grid: 3 weight decays x 6 seeds of PARITY and FIRST at n = 5 and 8.

    FIRST's minima have norm ~ 10 and blowup ~ 1; PARITY's have ``parity_scale`` times FIRST's
    norm x blowup, traded along a curve (norm down, blowup up with weight decay) if ``anti``.
    """
    rng = np.random.default_rng(3)
    rows = []
    for n in (5, 8):
        for f in ("parity", "first"):
            for wd in (0.0, 0.1, 0.3):
                for _ in range(6):
                    norm = 10 * np.exp(-wd * 2 if anti else 0.0) * np.exp(rng.normal(0, 0.05))
                    blow = np.exp(rng.normal(0, 0.05)) * (np.exp(wd * 2) if anti else 1.0)
                    if f == "parity":
                        blow *= parity_scale
                    rows.append((f, n, wd, norm, blow, 12.0))
    f, n, wd, norm, blow, init = (np.array(c) for c in zip(*rows, strict=True))
    return {
        "function": f, "n": n, "weight_decay": wd, "param_norm": norm, "blowup": blow,
        "init_norm": init, "converged": np.ones(f.size, bool),
    }  # fmt: skip


def test_tradeoff_rows_pass_on_a_trade_off_and_fail_on_their_controls() -> None:
    rng = np.random.default_rng(0)
    beyond, curve = se_checks.tradeoff_claims(_tradeoff(4.0, anti=True), rng)
    assert beyond.verdict == "passed" and curve.verdict == "passed"
    assert [i.item for i in beyond.items] == ["vs first, n=5", "vs first, n=8"]
    assert all(r.holds is not True for c in beyond.controls for r in c.results)
    assert all(r.holds is not True for c in curve.controls for r in c.results)
    # PARITY inside FIRST's cloud, and no curve: both rows say no
    beyond, curve = se_checks.tradeoff_claims(_tradeoff(0.5, anti=False), rng)
    assert beyond.verdict != "passed" and curve.verdict != "passed"
    assert all(i.holds is False for i in beyond.items)


def test_tradeoff_summary_reads_the_grid() -> None:
    s = se_summaries.tradeoff_summary(_tradeoff(4.0, anti=True))
    assert [r[:2] for r in s["rows"]] == [("parity", 5), ("first", 5), ("parity", 8), ("first", 8)]
    # norm 10 e^{-2 wd} against the initial 12: 0.83 at wd 0, 0.46 at wd 0.3
    assert s["shrink"][0.0] == pytest.approx(10 / 12, rel=0.05)
    assert s["shrink"][0.3] == pytest.approx(10 * np.exp(-0.6) / 12, rel=0.05)
    assert s["glue"]["sens-tradeoff-shrink"].startswith("Weight decay moves")
    assert "At every length" in s["glue"]["sens-tradeoff-reading"]
    # FIRST's minima in the synthetic grid trade norm for blowup as PARITY's do
    assert s["curve"]["first"] > 0.5 and "whatever the target" in s["glue"]["sens-tradeoff-curves"]
    s = se_summaries.tradeoff_summary(_tradeoff(0.5, anti=False))
    assert s["glue"]["sens-tradeoff-shrink"].startswith("Weight decay hardly moves")
    assert "n = 5, 8" in s["glue"]["sens-tradeoff-reading"]


def test_agreement_test_fails_for_chance_and_for_the_other_candidate() -> None:
    good = {"agreement": np.full(6, 0.98), "learned": 1.0, "low": 1.0, "high": 6.0}
    chance = {**good, "agreement": np.array([0.4, 0.7, 0.5, 0.75, 0.45, 0.68]), "learned": 1.2}
    other = {**good, "agreement": 1 - good["agreement"], "low": 6.0, "high": 1.0}
    assert se.check_prefers_low(good).holds is True
    assert se.check_prefers_low(chance).holds is False  # at chance is no preference
    assert se.check_prefers_low(other).holds is False


def test_length_test_is_undecided_near_its_cut() -> None:
    d = {
        "parity": np.array([0.52, 0.93, 0.8, 0.75, 0.9, 0.7]),
        "majority": np.full(6, 0.99),
        "train_parity": 1.0,
        "train_majority": 1.0,
    }
    assert se.check_length_generalisation(d).holds is None  # 0.77 ± 0.06 against 0.75
    d["parity"] = np.full(6, 0.5) + RNG.normal(0, 0.01, 6)
    assert se.check_length_generalisation(d).holds is True
    d["parity"] = d["majority"]  # the MAJORITY control in PARITY's place
    assert se.check_length_generalisation(d).holds is False


# --- variable creation ------------------------------------------------------------------------


def _data(T, m, rel=0.1, censored=None):
    T = np.asarray(T, float)
    return {"T": T, "m": m, "sigma": rel * m, "censored": censored or ("none",) * T.size}


def test_growth_law_test_on_exact_laws() -> None:
    T = 2.0 ** np.arange(3, 12)
    base = _data(T, 10 * np.log(T) ** 2)
    assert vc.check_log_like(base).holds is True
    for law, want in [("ln T", True), ("(ln T)^2", True), ("T^0.5", False), ("T", False)]:
        syn = vc.synthetic_law(base, law)
        assert syn["m"][0] == base["m"][0]  # through the first point
        np.testing.assert_allclose(syn["sigma"] / syn["m"], 0.1)  # the measured relative noise
        assert vc.check_log_like(syn).holds is want, law
    np.testing.assert_allclose(vc.synthetic_law(base, "(ln T)^2")["m"], base["m"])
    # four thresholds over a short range with 30 % errors: no power, undecided
    short = _data(T[:4], 5 * T[:4] ** 0.5, rel=0.3)
    assert vc.check_log_like(short).holds is None
    assert vc.check_log_like(_data(T[:3], T[:3])).holds is None  # too few thresholds
    with pytest.raises(ValueError, match="unknown law"):
        vc.synthetic_law(base, "T^2")


def test_growth_law_test_with_censored_thresholds() -> None:
    T = 2.0 ** np.arange(3, 12)
    cens = ("none",) * 8 + ("above",)
    m = 10 * np.log(T) ** 2
    # a censored top point contradicts a log-like reading of the others: undecided
    out = vc.check_log_like(_data(T, np.where(np.arange(9) < 8, m, np.inf), censored=cens))
    assert out.holds is None and "2048" in out.reason
    # ... but is consistent with a power law: the row fails
    p = 3 * T**0.7
    out = vc.check_log_like(_data(T, np.where(np.arange(9) < 8, p, np.inf), censored=cens))
    assert out.holds is False and "beyond the grid at T = 2048" in out.value
    below = ("below",) + ("none",) * 8
    assert vc.check_log_like(_data(T, m, censored=below)).holds is None
    # synthetic controls use the uncensored lengths only
    assert vc.synthetic_law(_data(T, p, censored=cens), "T")["T"].size == 8


def test_merged_summaries_keep_each_sweeps_thresholds() -> None:
    def summ(Ts, m):
        Ts, m = np.asarray(Ts, float), np.asarray(m, float)
        return vc.SweepSummary(Ts, m, 0.9 * m, 1.1 * m, ("none",) * Ts.size, 0.1 * m, None)

    merged = vc.merge_summaries(summ([512, 1024], [300, 400]), summ([8, 16, 32], [20, 30, 45]))
    assert merged.Ts.tolist() == [8, 16, 32, 512, 1024]
    assert merged.m_star.tolist() == [20, 30, 45, 300, 400]
    assert merged.fits is not None and merged.fits.winner in ("log", "linear")
    with pytest.raises(ValueError, match="share"):
        vc.merge_summaries(summ([8], [1]), summ([8], [2]))
    part = vc.restrict_summary(merged, [16, 512])
    assert part.Ts.tolist() == [16, 512] and part.growth() == 10.0 and part.fits is None
    with pytest.raises(ValueError, match="not all in"):
        vc.restrict_summary(merged, [64])


def test_censored_thresholds_leave_the_comparisons_undecided() -> None:
    fits = type("F", (), {"winner": "linear"})()
    assert vc.check_much_faster({"growth": math.inf, "growth_tf": 4.0, "fits": fits}).holds is None
    assert vc.check_much_faster({"growth": 4.0, "growth_tf": 4.0, "fits": fits}).holds is False


def test_tradeoff_test_reads_censored_thresholds_as_bounds() -> None:
    def d(base, long):
        return {"base": base, "long": long, "grid": (256, 4096)}

    inf = math.inf
    assert vc.check_tradeoff(d((2000.0, "none"), (900.0, "none"))).holds is True
    assert vc.check_tradeoff(d((2000.0, "none"), (1500.0, "none"))).holds is False
    assert vc.check_tradeoff(d((inf, "above"), (1024.0, "none"))).holds is True  # > 4096 → 1024
    assert vc.check_tradeoff(d((inf, "above"), (3000.0, "none"))).holds is None  # > 4096 → 3000?
    assert vc.check_tradeoff(d((inf, "above"), (inf, "above"))).holds is None  # never learned
    assert vc.check_tradeoff(d((256.0, "below"), (256.0, "below"))).holds is None  # no room
    assert vc.check_tradeoff(d((1000.0, "none"), (256.0, "below"))).holds is True
    assert vc.check_tradeoff(d((400.0, "none"), (256.0, "below"))).holds is None
    out = vc.check_tradeoff(d((inf, "above"), (256.0, "below")))
    assert out.holds is True and out.value == "m* > 4096 → ≤ 256"
    # the budgets swapped: a fall becomes a rise and fails, or stays undecided
    assert vc.check_tradeoff(d((900.0, "none"), (2000.0, "none"))).holds is False
    assert vc.check_tradeoff(d((1024.0, "none"), (inf, "above"))).holds is None


def test_tradeoff_thresholds_follow_the_logged_curves() -> None:
    ms = (256, 1024, 4096)
    curve = np.zeros((1, 3, 3, 3))  # [T, seeds, m, logged steps]
    curve[..., 0] = 0.5  # before training: nothing learned
    curve[0, :, 2, 1] = 1.0  # after the chapter's budget only m = 4096 succeeds
    curve[0, :, 1:, 2] = 1.0  # after the longer one m = 1024 does too
    res = vc.SweepResult(
        "transformer",
        "parity",
        3,
        (16,),
        ms,
        curve[..., -1],
        curve[..., -1],
        {},
        test_curve=curve,
        log_steps=np.array([0, 800, 1600]),
    )
    m, c = vc.tradeoff_thresholds(res, 0.95)
    assert c.tolist() == [["above", "none", "none"]]
    assert m[0, 0] == math.inf and 1024 < m[0, 1] <= 4096 and 256 < m[0, 2] <= 1024
    with pytest.raises(ValueError, match="curves=True"):
        vc.tradeoff_thresholds(
            vc.SweepResult("mlp", "and", 3, (16,), ms, curve[..., -1], curve[..., -1], {}), 0.95
        )


def test_the_construction_with_half_its_score_scale_is_wrong() -> None:
    assert vc.wrong_scale_error(8, 3, seed=0) > 0.1


def test_norm_test_tells_log_from_linear_growth() -> None:
    T = 2.0 ** np.arange(3, 15)
    assert vc.check_norm_growth((T, np.sqrt(3) * np.log(T))).holds is True
    assert vc.check_norm_growth((T, T / 8)).holds is False


# --- GP limit ---------------------------------------------------------------------------------


def test_mlp_kernel_closed_form_values() -> None:
    T = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 1, 1]])
    K = gp.mlp_nngp(T, T)
    np.testing.assert_allclose(np.diag(K), 1.0)  # E[2 ReLU(u)²] = 1 for unit variance
    assert K[0, 1] == pytest.approx(1 / np.pi)  # orthogonal inputs: the arc-cosine kernel at 0
    # Monte Carlo over a wide random ReLU layer on the flattened one-hot inputs
    X = np.eye(2)[T].reshape(3, -1) / 2.0
    W = RNG.normal(size=(X.shape[1], 200_000))
    H = np.sqrt(2) * np.maximum(X @ W, 0)
    np.testing.assert_allclose(H @ H.T / W.shape[1], K, atol=0.01)


def _n_theta_result(k: int, law) -> dict:
    """A scaling-law result whose n_theta(L) is law(L), for L = 8, 10, …, 20."""
    return {"theory": {(L, k): {"n_theta": float(law(L))} for L in range(8, 21, 2)}}


def test_collapse_test_picks_the_normalisation_that_makes_n_theta_constant() -> None:
    k = 2
    # n_theta exactly proportional to the irrep dimension: the law collapses, nothing else does.
    res = _n_theta_result(k, lambda L: 0.4 * sg.irrep_dimension((L - k, k)))
    drifts = gp.collapse_drifts(res, k)
    assert drifts[gp.LAW][0] == pytest.approx(0.0, abs=1e-12)
    assert gp.check_collapses_best((drifts, gp.LAW)).holds is True
    for wrong in gp.wrong_normalisations(8, k):
        assert gp.check_collapses_best((drifts, wrong)).holds is False
    # n_theta growing like L^(k−1): the normalisation a power too low now wins.
    res = _n_theta_result(k, lambda L: 3.0 * L)
    drifts = gp.collapse_drifts(res, k)
    assert gp.check_collapses_best((drifts, gp.LAW)).holds is False
    assert gp.check_collapses_best((drifts, "n/L^(k−1)")).holds is True
    # a target never learned at some length: no law, the test fails
    res["theory"][(20, k)]["n_theta"] = np.inf
    assert gp.collapse_drifts(res, k) == {}
    assert gp.check_collapses_best(({}, gp.LAW)).holds is False


def test_growth_exponents_of_an_exact_power_law() -> None:
    res = _n_theta_result(1, lambda L: 5.0 * L**1.5)
    e = gp.growth_exponents(res, 1)
    assert e["L"] == pytest.approx((1.5, 0.0), abs=1e-9)
    assert e["local"][0] == pytest.approx(1.5)
    # against f = L - 1 the exponent is a little below 1.5 (f grows a little faster than L)
    assert 1.3 < e["f"][0] < 1.5


def test_tail_shares_and_the_comparison_with_a_reference_by_hand() -> None:
    spectrum = {
        "eigenvalues": np.array([4.0, 1.0, 0.5, 0.1]),
        "multiplicities": np.array([1, 2, 4, 5]),
        "irreps": [(4,), (3, 1), (2, 2), (2, 1, 1)],
    }
    # trace 4 + 2 + 2 + 0.5 = 8.5; k >= 1: 4.5, k >= 2: 2.5
    assert gp.tail_shares(spectrum) == pytest.approx([4.5 / 8.5, 2.5 / 8.5])
    assert gp.check_less_tail(([0.1, 0.01], [0.2, 0.05])).holds is True
    assert gp.check_less_tail(([0.1, 0.06], [0.2, 0.05])).holds is False
    assert gp.check_less_tail(([0.1, 0.0], [0.2, 0.0])).holds is True  # zero reference: skipped


def test_flat_spectrum_weights_every_function_equally() -> None:
    flat = gp.flat_spectrum(3, 5)
    assert flat["trace"] == 3**5  # the identity operator on all 3^5 functions
    # its share beyond the trivial irrep is everything but the symmetric functions (C(7, 5) of them)
    assert gp.tail_shares(flat)[0] == pytest.approx(1 - math.comb(7, 5) / 3**5)


def test_specht_targets_on_three_tokens_lie_in_their_irrep() -> None:
    # Independent route: the character projectors of biasbook.maths.symmetric_group, under an
    # exchangeable non-uniform measure (the symmetrised HMM mixture of the chapter).
    from biasbook.maths import sequences as sq

    V, L = 3, 5
    T = sq.enumerate_sequences(V, L)
    mix = sq.random_hmm_mixture(V, seed=3)
    mu = sq.symmetrized_probabilities(mix.probabilities(T), V, L)
    for k in (1, 2):
        w = sg.isotypic_weights(gp.specht_target(T, k), V, L, measure=mu)
        assert w[(L - k, k)] == pytest.approx(1.0, abs=1e-10)
    assert gp.token_contrast(np.array([0, 1, 2])).tolist() == [1.0, -1.0, 0.0]


def test_hmm_curves_follow_eigenlearning_and_report_n_theta() -> None:
    out = gp.hmm_learning_curves(
        V=3, L=4, beta=1.0, ridge=1e-3, n_grid=[4, 16, 64], n_seeds=24, seed=0, lengths=[4, 5]
    )
    d = out["identity"]
    emp, th = d["emp_learnability"]["g1"], d["theory_learnability"]["g1"]
    assert np.all(np.abs(emp.mean(0) - th) < 0.05 + 3 * emp.std(0) / np.sqrt(24))
    n = out["scaling"]["identity"]["theory"][(5, 1)]["n_theta"]
    assert 0.25 * 4 <= n < np.inf  # at least theta f^(4,1) by the bound


def test_ordering_tests() -> None:
    assert gp.check_ordered([1.0, 0.1, 0.01, 0.0]).holds is True
    assert gp.check_ordered([1.0, 0.01, 0.1]).holds is False
    assert list(gp.wrong_normalisations(10, 2).values()) == pytest.approx(
        [10.0, 1000.0, 100 * np.log(10)]
    )
    assert gp.tops_by_k({(5,): 2.0, (4, 1): 0.5, (3, 2): 0.1, (3, 1, 1): 0.2}) == [2.0, 0.5, 0.2]


def test_irrep_spectra_controls_break_the_symmetry() -> None:
    out = gp.irrep_spectra(V=2, L=4, beta=1.0, seed=0)
    for nl in ("identity", "relu"):
        assert out[nl]["invariance_error"] < 1e-12
        broken = out[nl]["broken"]
        assert broken["invariance_error"] > 1e-3
        assert np.nanmin(broken["spectrum"]["purity"]) < 1 - 1e-8
        s = out[nl]["spectrum"]
        nz = s["eigenvalues"] > 0
        dims = [sg.irrep_dimension(lam) for lam in s["irreps"]]
        assert np.all(np.asarray(s["multiplicities"])[nz] == np.asarray(dims)[nz])


# --- WikiText ---------------------------------------------------------------------------------


def test_energy_share_is_corrected_for_the_noise_floor() -> None:
    # The exactly symmetric shuffled windows define the floor: their corrected share is 1.
    assert wt.check_energy_share((0.17, 0.003, 0.17, 0.003)).value.endswith(
        "1.0000 ± 0.0007"
    )  # ± 1 SE
    assert wt.check_energy_share((0.33, 0.003, 0.17, 0.003)).holds is True  # 1 − 0.109 + 0.029
    assert wt.check_energy_share((0.6, 0.003, 0.17, 0.003)).holds is False
    assert wt.check_energy_share((0.36, 0.01, 0.17, 0.003)).holds is None  # 0.9 inside ± 0.007


def test_purity_and_ordering_tests() -> None:
    assert wt.check_purity(np.array([0.99, 0.02, 0.95])).holds is True
    assert wt.check_purity(np.array([0.99, 0.5])).holds is False
    d = {
        "shuffled": (0.02, 0.001),
        "iid": (0.02, 0.001),
        "sorted": (0.9, 0.01),
        "wikitext": (0.25, 0.01),
    }
    assert wt.check_between(d).holds is True
    assert wt.check_between({**d, "wikitext": d["shuffled"]}).holds is False


# --- synthesis --------------------------------------------------------------------------------


def test_pair_rows_control_the_reverse_ordering_whatever_was_measured() -> None:
    labels = ["PARITY", "sparse AND", "MAJORITY", "FIRST", "sparse parity"]
    fourier = {
        "sensitivity": np.array([9.0, 0.75, 2.5, 1.0, 3.0]),
        "sensitivity_closed_form": np.array([9.0, 0.75, 2.5, 1.0, 3.0]),
        "degree": np.array([9, 3, 9, 1, 3]),
    }

    def rows_for(m: np.ndarray) -> list:  # the same thresholds for the GP and the transformer
        power, m_sym = np.array([1, 0.3, 1, 0, 0]), np.array([1, 11, 1, 3, 30.0])
        return sy.reproduction_claims(labels, fourier, [9, 3, 9, 1, 3], power, m_sym, m, m)

    rows = rows_for(np.array([math.inf, 40.0, 60.0, 16.0, 200.0]))  # ordered like the sensitivity
    sens_tf = "Sensitivity predicts the sample-complexity ordering of trained transformers"
    assert next(r for r in rows if r.claim == sens_tf).verdict == PASSED
    assert rows[0].verdict == PASSED and rows[1].verdict == PASSED
    # Both thresholds censored: the pair is undecided, and so is the row.
    assert sy.check_harder((math.inf, math.inf)).holds is None
    rows = rows_for(np.array([math.inf, math.inf, 60.0, 16.0, 200.0]))
    assert rows[3].verdict == INCONCLUSIVE  # PARITY's "most samples" cannot be decided


# --- what the chapters show: sentences chosen from the numbers --------------------------------


def test_mc_sentences_follow_the_error_to_noise_ratios() -> None:
    params = {"n_inputs": 16, "L": 6, "V": 4, "n_nets": 4096}
    mc = {
        "identity": {"rel_error": 0.01, "rel_noise": 0.01},
        "relu": [
            {"heads": h, "rel_error": r, "rel_noise": 1.0}
            for h, r in ((1, 3.0), (4, 1.5), (16, 1.2))
        ],
    }
    g = gp.mc_summary(mc, params)["glue"]
    assert g["gp-mc-verdict"].startswith("agrees")
    assert "at H = 1 its error is 3.0 times" in g["gp-mc-relu-text"]
    assert "from H = 4 heads on it is within twice" in g["gp-mc-relu-text"]
    mc["identity"]["rel_error"] = 0.03
    assert gp.mc_summary(mc, params)["glue"]["gp-mc-verdict"].startswith("does not agree")


def test_length_reading_names_the_lengths_per_task() -> None:
    acc = np.array(
        [
            [1, 1, 0.5, 0.9],
            [1, 1, 0.52, 0.6],
            [1, 1, 0.5, 0.8],  # PARITY, 3 seeds
            [1, 1, 0.99, 0.98],
            [1, 1, 0.97, 0.99],
            [1, 1, 0.98, 0.97],
        ]
    )
    lg = {
        "lengths": np.array([1, 3, 5, 7]),
        "n_train": 3,
        "accuracy": acc,
        "task": np.repeat(["parity", "majority"], 3),
    }
    s = se.length_summary(lg, ["parity", "majority"])
    assert s["glue"]["sens-length-reading"] == (
        "Length by length, PARITY's accuracy is clearly closer to chance than to 1 at 5, but not "
        "at 7; MAJORITY's is above it at each."
    )
    assert s["glue"]["sens-ood-parity"] == pytest.approx(acc[:3, 2:].mean())


def test_log_mean_is_the_geometric_mean() -> None:
    from scipy.stats import gmean

    x = np.array([0.1, 1.0, 10.0, 3.0])
    assert se.log_mean(x)[0] == pytest.approx(gmean(x))
    assert se.mean_se(x)[1] == pytest.approx(x.std(ddof=1) / 2)


def _study(r_text: float, r_floor: float, r_chain: float = 0.3) -> dict:
    point = {
        "wikitext": r_text,
        "shuffled": r_floor,
        "iid": r_floor,
        "markov": r_chain,
        "sorted": 0.9,
    }
    return {
        8: {
            "one-hot": {
                ds: {
                    "point": {"ratio": r, "offdiag_ratio": r},
                    "t_crit": 2.0,
                    "se": {"ratio": 0.001, "offdiag_ratio": 0.001},
                }
                for ds, r in point.items()
            }
        }
    }


def test_text_place_sentence_between_the_controls() -> None:
    near = wt.ratio_summary(_study(0.2, 0.05), [8], ["one-hot"])
    assert near["place"][8, "one-hot"] == pytest.approx(0.15 / 0.85)
    assert "stays below one half" in near["glue"]["wt-place"]
    assert "agree with each other" in near["glue"]["wt-floor"]
    far = wt.ratio_summary(_study(0.7, 0.05), [8], ["one-hot"])
    assert "reaches one half or more at L = 8 (one-hot)" in far["glue"]["wt-place"]


def test_the_text_against_its_bigram_chain() -> None:
    # intervals ± 0.002: a chain at 0.3 is less symmetric than text at 0.2; one at 0.2 is not
    apart = wt.markov_summary(_study(0.2, 0.05, r_chain=0.3), [8], ["one-hot"])
    assert apart["rows"][0][5] == "text more symmetric"
    assert "The text is more symmetric than the chain" in apart["glue"]["wt-markov"]
    assert "167%" in apart["glue"]["wt-markov"]  # (0.3 − 0.05) / (0.2 − 0.05)
    same = wt.markov_summary(_study(0.2, 0.05, r_chain=0.2), [8], ["one-hot"])
    assert same["rows"][0][5] == "indistinguishable"
    assert "Nowhere is the text more symmetric" in same["glue"]["wt-markov"]


def test_principal_cross_threshold_is_the_largest_null_draw_plus_the_tolerance() -> None:
    null = np.array([0.01, 0.03, 0.02])
    assert wt.check_principal_cross((0.12, null)).holds is True  # 0.12 ≤ 0.03 + 0.1
    assert wt.check_principal_cross((0.14, null)).holds is False
    assert wt.check_principal_cross((0.0, null)).holds is True


def test_bound_excess_by_hand() -> None:
    n, f = np.array([1, 2, 4, 8]), 4
    res = {
        "theory": {(6, 1): {"n": n, "f": f, "learnability": np.minimum(1, n / f)}},
        "empirical": {
            (6, 1): {"n": n, "f": f, "mean": np.minimum(1, n / f) + 0.01, "se": np.full(4, 0.01)}
        },
    }
    assert gp.bound_excess(res) == pytest.approx(0.0)  # on the bound, within 3 SE
    assert gp.bound_excess(res, 2.0) == pytest.approx(0.5)  # n = 4: learnability 1, bound 4/8


def test_toeplitz_sentence_follows_the_numbers() -> None:
    levels = np.array([1.0, 2.0])
    assert "reproduces the measured range" in wt.toeplitz_reading(
        levels, levels * 1.05, (0.3, 0.32)
    )
    assert "only in part" in wt.toeplitz_reading(levels, levels * 1.5, (0.3, 0.32))
    assert "misses the frequency" in wt.toeplitz_reading(levels, levels, (0.3, 0.1))


def test_attention_test_and_its_position_blind_control() -> None:
    assert vc.check_attends_to_support(np.array([0.9, 0.8, 0.2])).holds is True
    assert vc.check_attends_to_support(np.full(3, 3 / 9)).holds is False
    assert vc.check_attends_to_support(np.array([])).holds is None


def _fake_sweep(parity_slope: float, parity_lengths: int = 5) -> dict:
    """A sweep record with PARITY's sharpness rising at ``parity_slope`` per bit (fitted at the
    first ``parity_lengths`` lengths only) and FIRST's flat, five seeds each."""
    ns = np.arange(4, 11)
    rows = {k: [] for k in ("function", "n", "converged", "sharpness", "grad_sq", "sensitivity")}
    rng = np.random.default_rng(1)
    for fn in ("parity", "first"):
        for n in ns:
            for _ in range(5):
                fitted = fn == "first" or n < 4 + parity_lengths
                s = (0.05 + parity_slope * n if fn == "parity" else 0.01) + rng.normal(0, 0.002)
                rows["function"].append(fn)
                rows["n"].append(n)
                rows["converged"].append(fitted)
                rows["sharpness"].append([s / 4, s, 2.5 * s] if fitted else [np.nan] * 3)
                rows["grad_sq"].append(s / 4e-4 if fitted else np.nan)
                rows["sensitivity"].append(float(n) if fn == "parity" else 1.0)
    sweep = {k: np.asarray(v) for k, v in rows.items()}
    sweep["sigmas"] = np.array([0.01, 0.02, 0.05])
    sweep["n_parameters"] = np.full(ns.size, 2500)
    return sweep


def test_scaling_summary_reads_the_trends_it_fits() -> None:
    rising = se_summaries.scaling_summary(_fake_sweep(0.01), 1, learning_rate=3e-4)
    assert rising["common"] == [4, 5, 6, 7, 8]
    assert rising["trends"]["parity", "S_σ"].slope == pytest.approx(0.01, rel=0.1)
    text = rising["glue"]["sens-fig1-growth"]
    assert "PARITY's rises" in text and "FIRST's shows no trend" in text
    assert "do not get sharper" not in text
    assert "n ≤ 8 only" in rising["glue"]["sens-fig1-parity"]
    assert rising["glue"]["sens-fig1-radius-max"] == pytest.approx(0.02 * 50)
    flat = se_summaries.scaling_summary(_fake_sweep(0.0), 1, learning_rate=3e-3)
    text = flat["glue"]["sens-fig1-growth"]
    assert "do not get sharper" in text and "10 times the paper's" in text
    # the checks on the same records: PARITY's slope exceeds FIRST's only when it rises
    for sweep, want in ((_fake_sweep(0.01), True), (_fake_sweep(0.0), None)):
        pair = tuple(
            se_summaries.trend_data(sweep, t, "S_σ", 1, [4, 5, 6, 7, 8])
            for t in ("parity", "first")
        )
        assert se_checks.check_slope_exceeds(pair).holds is want
