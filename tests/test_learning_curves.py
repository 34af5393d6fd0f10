"""Eigenlearning against closed forms, Canatar et al.'s form, and exact kernel regression."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from biasbook.maths import kernels as kn
from biasbook.maths import learning_curves as lc
from biasbook.maths import spectra as sp
from biasbook.maths.sequences import enumerate_sequences


def test_kappa_for_a_flat_spectrum_matches_the_quadratic_root():
    # M modes of eigenvalue eta: n k (eta + k) = M eta k + delta (eta + k).
    M, eta, delta = 50, 0.3, 0.02
    for n in (1, 10, 49, 80):
        b = n * eta - M * eta - delta
        expected = (-b + np.sqrt(b * b + 4 * n * delta * eta)) / (2 * n)
        assert lc.solve_kappa(np.array([eta]), n, delta, np.array([M])) == pytest.approx(
            expected, rel=1e-10
        )


@pytest.mark.parametrize("ridge", [1e-4, 0.1, 3.0])
def test_conservation_law(ridge):
    rng = np.random.default_rng(0)
    eta = np.sort(rng.exponential(size=40))[::-1] ** 3
    mult = rng.integers(1, 20, size=40)
    v2 = rng.random(40)
    for n in (3, 30, 300):
        pred = lc.eigenlearning(eta, v2, n, ridge, mult)
        total = float(np.sum(mult * pred.mode_learnability[0]))
        assert total == pytest.approx(n - ridge / pred.kappa[0], rel=1e-9)
        assert total <= n
        # Partners of a level share one learnability, so m L <= n for every level.
        assert np.all(mult * pred.mode_learnability[0] <= n + 1e-9)


def test_ridgeless_above_rank_learns_everything_in_the_span():
    eta = np.array([1.0, 0.5, 0.0])
    mult = np.array([2, 3, 4])
    pred = lc.eigenlearning(eta, np.array([1.0, 1.0, 1.0]), 8, 0.0, mult)
    assert pred.kappa[0] == 0.0
    np.testing.assert_allclose(pred.mode_learnability[0], [1.0, 1.0, 0.0])
    assert pred.learnability[0] == pytest.approx(2 / 3)


def test_matches_canatar_bordelon_pehlevan_form():
    """Canatar et al. (2021): E_g = 1/(1-g) sum k^2 eta w^2 / (p eta + k)^2, k = lam + k sum
    eta/(p eta + k), g = sum p eta^2/(p eta + k)^2 -- solved independently by fixed point."""
    rng = np.random.default_rng(1)
    eta = np.sort(rng.exponential(size=30))[::-1] ** 2
    v2 = rng.random(30)
    lam, p = 0.05, 12
    k = 1.0
    for _ in range(10_000):
        k = lam + k * np.sum(eta / (p * eta + k))
    gamma = np.sum(p * eta**2 / (p * eta + k) ** 2)
    w2 = v2 / eta  # v^2 = eta wbar^2
    Eg = np.sum(k**2 * eta * w2 / (p * eta + k) ** 2) / (1 - gamma)
    pred = lc.eigenlearning(eta, v2, p, lam)
    assert pred.kappa[0] * p == pytest.approx(k, rel=1e-8)
    assert pred.test_mse[0] == pytest.approx(Eg, rel=1e-8)


def test_finite_n_conservation_identity_by_brute_force():
    """Simon et al.: for any data set, sum over all eigenfunctions of the empirical learnability
    <phi_i, f_hat[phi_i]> equals tr(K_DD (K_DD + delta)^{-1}) <= n."""
    V, L = 2, 6
    T = enumerate_sequences(V, L)
    mu = np.full(len(T), 1 / len(T))
    K = kn.onehot_attention_nngp(T, T, V, 1.0, "relu")
    spec = sp.dense_spectrum(K, mu, V, L, label=False)
    phi = spec.eigenvectors / np.sqrt(mu)[:, None]  # L^2(mu)-orthonormal eigenfunctions
    rng = np.random.default_rng(2)
    idx = rng.choice(len(T), size=15, replace=False)
    delta = 0.01
    Kdd = K[np.ix_(idx, idx)]
    f_hat = K[:, idx] @ np.linalg.solve(Kdd + delta * np.eye(15), phi[idx])  # all targets at once
    learn = np.sum(mu[:, None] * phi * f_hat, axis=0)
    s = np.linalg.eigvalsh(Kdd)
    assert learn.sum() == pytest.approx(np.sum(s / (s + delta)), rel=1e-8)
    assert learn.sum() <= 15


def test_bad_inputs():
    with pytest.raises(ValueError, match="n must be"):
        lc.solve_kappa(np.array([1.0]), 0, 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        lc.solve_kappa(np.array([1.0, -0.5]), 3, 0.1)
    with pytest.raises(ValueError, match="ridge"):
        lc.solve_kappa(np.array([1.0]), 3, -0.1)
    with pytest.raises(ValueError, match="one entry per level"):
        lc.eigenlearning(np.array([1.0, 0.5]), np.array([1.0]), 3, 0.1)
    for negative in (-2.0, -0.25):  # v^2 cannot be negative
        with pytest.raises(ValueError, match=">= 0"):
            lc.eigenlearning(np.array([1.0, 0.5]), np.array([1.0, negative]), 3, 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        lc.eigenlearning(np.array([1.0, 0.5]), np.array([1.0, np.nan]), 3, 0.1)


def test_universal_curve_matches_eigenlearning_for_one_level_plus_a_deep_tail():
    """The chapter's single-level reduction x = l + r l / (1 - l), checked against the full theory
    on a synthetic spectrum: f modes at eta, a tail of many tiny eigenvalues of total weight C."""
    from biasbook.experiments.gp_limit import universal_learnability

    f, eta, C, delta = 2000, 1e-3, 0.5, 1e-2
    tail = 10**7
    eig = np.array([eta, C / tail])
    mult = np.array([f, tail])
    x = np.array([0.1, 0.5, 1.0, 2.0])
    pred = lc.eigenlearning(eig, np.array([1.0, 0.0]), x * f, delta, mult)
    r = (C + delta) / (f * eta)
    np.testing.assert_allclose(pred.learnability, universal_learnability(x, r), rtol=1e-3)
    np.testing.assert_allclose(universal_learnability(x, 0.0), np.minimum(1, x), atol=1e-12)


def test_a_level_of_multiplicity_m_predicts_what_m_repeated_eigenvalues_predict():
    # An eigenvalue of multiplicity m is m modes of that eigenvalue (the target's weight on the
    # level shared among them): spelling the modes out must change no prediction.
    eta = np.array([1.0, 0.3, 0.05, 0.004])
    mult = np.array([1, 3, 6, 10])
    v2 = np.array([0.5, 0.9, 0.3, 0.2])
    n = np.array([1, 4, 12, 30, 80])
    ridge = 1e-3
    levels = lc.eigenlearning(eta, v2, n, ridge, mult, noise=0.01)
    modes = lc.eigenlearning(
        np.repeat(eta, mult), np.repeat(v2 / mult, mult), n, ridge, None, noise=0.01
    )
    np.testing.assert_allclose(levels.kappa, modes.kappa, rtol=1e-10)
    np.testing.assert_allclose(levels.learnability, modes.learnability, rtol=1e-10)
    np.testing.assert_allclose(levels.test_mse, modes.test_mse, rtol=1e-10)
    # and the multiplicities matter: ignoring them gives another curve
    ignored = lc.eigenlearning(eta, v2, n, ridge, None, noise=0.01)
    assert not np.allclose(ignored.test_mse, levels.test_mse, rtol=1e-3)


def test_samples_to_learn_for_one_level_is_the_closed_form():
    # One level (eigenvalue eta, m partners) holding the whole target: learnability eta/(eta+kappa)
    # = theta gives kappa = eta (1-theta)/theta, so n = m theta + ridge theta / (eta (1 - theta)).
    eta, m, ridge = 0.02, 50, 1e-3
    for theta in (0.1, 0.25, 0.5, 0.9):
        n = lc.samples_to_learn(np.array([eta]), np.array([1.0]), theta, ridge, np.array([m]))
        assert n == pytest.approx(m * theta + ridge * theta / (eta * (1 - theta)), rel=1e-9)


def test_samples_to_learn_inverts_the_universal_curve_and_eigenlearning():
    # f modes at eta plus a deep tail of total weight C: n/f = theta + r theta / (1 - theta) with
    # r = (C + ridge) / (f eta) (the chapter's universal curve solved for x), and the forward
    # theory at n_theta returns theta.
    f, eta, C, delta, tail = 2000, 1e-3, 0.5, 1e-2, 10**7
    eig, mult, w = np.array([eta, C / tail]), np.array([f, tail]), np.array([1.0, 0.0])
    r = (C + delta) / (f * eta)
    for theta in (0.25, 0.5):
        n = lc.samples_to_learn(eig, w, theta, delta, mult)
        assert n / f == pytest.approx(theta + r * theta / (1 - theta), rel=1e-3)
        back = lc.eigenlearning(eig, w, n, delta, mult).learnability[0]
        assert back == pytest.approx(theta, abs=1e-9)


def test_samples_to_learn_is_infinite_beyond_the_kernels_reach_and_rejects_bad_input():
    eig, w = np.array([1.0, 0.0]), np.array([0.3, 0.7])  # 70 % of the target in the null space
    assert lc.samples_to_learn(eig, w, 0.25, 1e-3) < np.inf
    assert lc.samples_to_learn(eig, w, 0.5, 1e-3) == np.inf
    # a round-off eigenvalue (1e-18 of the top) is a zero too
    assert lc.samples_to_learn(np.array([1.0, 1e-18]), w, 0.5, 1e-3) == np.inf
    with pytest.raises(ValueError, match="theta"):
        lc.samples_to_learn(eig, w, 1.0, 1e-3)
    with pytest.raises(ValueError, match="target_weights"):
        lc.samples_to_learn(eig, np.zeros(2), 0.5, 1e-3)
    with pytest.raises(ValueError, match="ridge"):
        lc.samples_to_learn(eig, w, 0.5, -1.0)


# --- from a mutation probe (issue #23): references, boundaries and invariances ------------------


def _kappa_by_bisection(eta, mult, n, ridge):
    """kappa from its defining equation by plain bisection on a log scale (independent of brentq
    and of the library's bracket): sum_i m_i eta_i / (eta_i + kappa) + ridge / kappa = n."""
    lo, hi = -200.0, 200.0
    for _ in range(400):
        mid = (lo + hi) / 2
        k = np.exp(mid)
        if np.sum(mult * eta / (eta + k)) + ridge / k > n:
            lo = mid
        else:
            hi = mid
    return float(np.exp((lo + hi) / 2))


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
@pytest.mark.parametrize("ridge", [1e-6, 1.0, 1e3])
def test_kappa_matches_bisection_over_many_scales(scale, ridge):
    # eigenvalues from 1e-8 to 1e8 times the scale, n from 1/2 to far above the rank
    eta = scale * np.array([3.0, 1.0, 0.2, 1e-3])
    mult = np.array([1.0, 4.0, 9.0, 30.0])
    for n in (0.5, 3.0, 40.0, 1e4):
        expected = _kappa_by_bisection(eta, mult, n, ridge * scale)
        assert lc.solve_kappa(eta, n, ridge * scale, mult) == pytest.approx(expected, rel=1e-9)


def test_ridgeless_kappa_is_zero_exactly_from_the_rank_on():
    eta, mult = np.array([2.0, 0.5, 0.0]), np.array([1.0, 3.0, 5.0])  # rank 4: the zero level
    assert lc.solve_kappa(eta, 4.0, 0.0, mult) == 0.0  # does not count
    assert lc.solve_kappa(eta, 5.0, 0.0, mult) == 0.0
    below = lc.solve_kappa(eta, 3.5, 0.0, mult)
    assert below > 0 and below == pytest.approx(_kappa_by_bisection(eta, mult, 3.5, 0.0), rel=1e-9)
    with pytest.raises(ValueError, match="n must be"):
        lc.solve_kappa(eta, -1.0, 0.1, mult)


def test_level_validation():
    # round-off below zero (up to 1e-12 of the largest eigenvalue, or of 1) is a zero eigenvalue
    one_level = lc.solve_kappa(np.array([1.0, 0.0]), 1.5, 0.1)
    assert lc.solve_kappa(np.array([1.0, -1e-12]), 1.5, 0.1) == one_level
    with pytest.raises(ValueError, match="negative"):
        lc.solve_kappa(np.array([1.0, -2e-12]), 1.5, 0.1)
    for not_1d in (np.ones((2, 2)), np.float64(1.0)):
        with pytest.raises(ValueError, match="1-d arrays"):
            lc.solve_kappa(not_1d, 1.0, 0.1)
    for mult in ([1.0], [1.0, 1.0, 1.0]):
        with pytest.raises(ValueError, match="equal length"):
            lc.solve_kappa(np.array([1.0, 0.5]), 1.0, 0.1, np.array(mult))
    for mult in (-1.0, -0.5):
        with pytest.raises(ValueError, match="multiplicities must be"):
            lc.solve_kappa(np.array([1.0, 0.5]), 1.0, 0.1, np.array([1.0, mult]))
    # a level of multiplicity 0 is no level at all
    with_zero = lc.solve_kappa(np.array([1.0, 0.5, 0.3]), 2.0, 0.1, np.array([2.0, 0.0, 3.0]))
    assert with_zero == pytest.approx(lc.solve_kappa(np.array([1.0, 0.3]), 2.0, 0.1, [2.0, 3.0]))
    # negative eigenvalues: round-off (relative 1e-12 of the largest, or absolute for small
    # spectra) is accepted, anything beyond refused
    for eta in ([1e6, -1e-7], [1e-3, -5e-13]):
        lc.solve_kappa(np.array(eta), 1.0, 0.1)
    for eta in ([1e6, -1e-5], [1e-3, -1.5e-12], [1.0, -1e-3]):
        with pytest.raises(ValueError, match="must be >= 0"):
            lc.solve_kappa(np.array(eta), 1.0, 0.1)


def test_eigenlearning_bookkeeping_against_closed_forms():
    eta, mult = np.array([1.0, 0.25]), np.array([2.0, 3.0])
    with pytest.raises(ValueError, match="one entry per level"):
        lc.eigenlearning(eta, np.array([1.0]), 10, 0.1, mult)
    with pytest.raises(ValueError, match="one entry per level"):
        lc.eigenlearning(eta, np.array([1.0, 1.0, 1.0]), 10, 0.1, mult)
    # ridgeless beyond the rank (5) every level is learned (L = 1) and the error is the noise
    # amplified by E_0 = n / (n - rank), least squares' variance factor
    pred = lc.eigenlearning(eta, np.array([0.3, 0.7]), np.array([8.0, 20.0]), 0.0, mult, noise=0.1)
    np.testing.assert_allclose(pred.mode_learnability, 1.0)
    np.testing.assert_allclose(pred.overfitting, [8 / 3, 20 / 15])
    np.testing.assert_allclose(pred.test_mse, [0.1 * 8 / 3, 0.1 * 20 / 15])
    # E_0 = n / (n - sum_i m_i L_i^2) at a ridge, from the mode learnabilities
    pred = lc.eigenlearning(eta, np.array([0.3, 0.7]), np.array([3.0]), 0.5, mult)
    L = pred.mode_learnability[0]
    assert pred.overfitting[0] == pytest.approx(3.0 / (3.0 - (mult * L**2).sum()))
    # a target with no weight anywhere: learnability 0 (not 0/0)
    zero = lc.eigenlearning(eta, np.zeros(2), np.array([3.0]), 0.5, mult)
    assert zero.learnability.tolist() == [0.0]


def test_samples_to_learn_validation_and_boundaries():
    eta, v2 = np.array([1.0, 0.1]), np.array([0.6, 0.4])
    for bad in ([0.5], [0.5, 0.5, 0.1], [1.0, -0.1], [0.0, 0.0], [np.nan, 0.5]):
        with pytest.raises(ValueError, match="target_weights"):
            lc.samples_to_learn(eta, np.array(bad), 0.5, 0.1)
    for theta in (0, 0.0, 1.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="theta"):
            lc.samples_to_learn(eta, v2, theta, 0.1)
    assert np.isfinite(lc.samples_to_learn(eta, v2, 0.5, 0.0))  # ridgeless is allowed
    with pytest.raises(ValueError, match="ridge"):
        lc.samples_to_learn(eta, v2, 0.5, -0.1)
    # only the weights' proportions matter
    assert lc.samples_to_learn(eta, 7 * v2, 0.5, 0.1) == pytest.approx(
        lc.samples_to_learn(eta, v2, 0.5, 0.1), rel=1e-12
    )
    # exactly theta of the weight on learnable levels: never reached
    assert lc.samples_to_learn(np.array([1.0, 0.0]), np.array([0.5, 0.5]), 0.5, 0.1) == np.inf


def test_samples_to_learn_treats_round_off_eigenvalues_as_zeros():
    # 1e-8 next to 1e6 is relative 1e-14: a zero of the kernel. With one learnable level
    # eta = 1e6 carrying share 0.9, 0.9 eta / (eta + kappa) = theta gives n = theta / 0.9.
    eta = np.array([1e6, 1e-8])
    assert lc.samples_to_learn(eta, np.array([0.5, 0.5]), 0.6, 0.0) == np.inf
    n = lc.samples_to_learn(eta, np.array([0.9, 0.1]), 0.5, 0.0)
    assert n == pytest.approx(0.5 / 0.9, rel=1e-12)
    # The threshold itself is round-off: relative exactly 1e-12 is dropped.
    assert lc.samples_to_learn(np.array([1.0, 1e-12]), np.array([0.5, 0.5]), 0.75, 0.0) == np.inf


def test_levels_without_eigenvalue_or_weight_change_nothing_wherever_they_stand():
    # A zero eigenvalue adds nothing to sum m eta / (eta + kappa), and a level the target does not
    # weigh adds nothing to its learnability: the answer is the one without them.
    eta, v2, mult = np.array([1.0, 0.5]), np.array([1.0, 1.0]), np.array([1.0, 3.0])
    want = lc.samples_to_learn(eta, v2, 0.5, 0.1, mult)
    for pad in ([0, 1], [0, 1, 2], [2]):  # zero levels first, around, last
        eta_p, v2_p, m_p = (np.insert(a, pad, 0.0) for a in (eta, v2, mult))
        m_p = np.where(m_p == 0, 5.0, m_p)
        assert lc.samples_to_learn(eta_p, v2_p, 0.5, 0.1, m_p) == pytest.approx(want, rel=1e-10)


def test_krr_fit_predict_is_the_ridge_regression_formula():
    rng = np.random.default_rng(0)
    b, n, m = 3, 5, 4  # batch differs from n: the shapes cannot be confused
    X, Xt = rng.normal(size=(b, n, 2)), rng.normal(size=(b, m, 2))
    K = np.exp(-((X[:, :, None] - X[:, None]) ** 2).sum(-1))
    Kt = np.exp(-((Xt[:, :, None] - X[:, None]) ** 2).sum(-1))
    y = rng.normal(size=(b, n))
    expected = [Kt[i] @ np.linalg.inv(K[i] + 0.3 * np.eye(n)) @ y[i] for i in range(b)]
    np.testing.assert_allclose(lc.krr_fit_predict(K, Kt, y, 0.3), expected, rtol=1e-10)


def _reference_curve(K, measure, targets, n_grid, n_seeds, ridge, seed):
    """Kernel ridge regression one fit at a time with an explicit solve, on the same draws (the
    documented protocol: one ``rng.choice`` of ``[n_seeds, n]`` indices per size, in order)."""
    mu = measure / measure.sum()
    rng = np.random.default_rng(seed)
    learn = np.zeros((n_seeds, len(n_grid), targets.shape[1]))
    mse, cons = np.zeros_like(learn), np.zeros((n_seeds, len(n_grid)))
    for c, n in enumerate(n_grid):
        idx = rng.choice(len(mu), size=(n_seeds, n), p=mu)
        for s in range(n_seeds):
            Kdd = K[np.ix_(idx[s], idx[s])]
            inv = np.linalg.inv(Kdd + ridge * np.eye(n))
            f_hat = K[:, idx[s]] @ inv @ targets[idx[s]]
            learn[s, c] = (mu[:, None] * f_hat * targets).sum(0) / (mu[:, None] * targets**2).sum(0)
            mse[s, c] = (mu[:, None] * (f_hat - targets) ** 2).sum(0)
            cons[s, c] = np.trace(Kdd @ inv)
    return learn, mse, cons


def test_empirical_curve_matches_one_fit_at_a_time_in_any_chunking(monkeypatch):
    rng = np.random.default_rng(1)
    N = 300  # beyond the integers Python caches, so sizes are compared by value
    X = rng.normal(size=(N, 3))
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / 4)
    measure = rng.uniform(0.5, 1.5, size=N)  # not normalised: the function normalises it
    targets = np.stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]], axis=1)
    n_grid, n_seeds, ridge = np.array([3, 7, 20]), 5, 0.05
    ref = _reference_curve(K, measure, targets, n_grid, n_seeds, ridge, seed=3)
    for budget in (lc.CHUNK_ENTRIES, 2 * N * 20, 1):  # one chunk, two seeds a chunk, one each
        monkeypatch.setattr(lc, "CHUNK_ENTRIES", budget)
        both = lc.empirical_learning_curve(K, measure, targets, n_grid, n_seeds, ridge, seed=3)
        assert both.learnability.shape == (n_seeds, len(n_grid), 2)
        np.testing.assert_allclose(both.learnability, ref[0], rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(both.test_mse, ref[1], rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(both.sum_learnabilities, ref[2], rtol=1e-8)
        one = lc.empirical_learning_curve(K, measure, targets[:, 1], n_grid, n_seeds, ridge, 3)
        assert one.learnability.shape == (n_seeds, len(n_grid))
        np.testing.assert_allclose(one.learnability, ref[0][..., 1], rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(one.test_mse, ref[1][..., 1], rtol=1e-8, atol=1e-10)


def test_a_training_set_as_large_as_the_pool_is_one_fit_like_any_other():
    # Draws are with replacement, so n = N is an ordinary size (not the whole pool once each).
    rng = np.random.default_rng(2)
    N = 20
    X = rng.normal(size=(N, 2))
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / 2)
    measure, targets = np.full(N, 1.0), np.stack([X[:, 0], X[:, 0] * X[:, 1]], axis=1)
    ref = _reference_curve(K, measure, targets, np.array([N]), 3, 0.1, seed=4)
    got = lc.empirical_learning_curve(K, measure, targets, np.array([N]), 3, 0.1, seed=4)
    np.testing.assert_allclose(got.learnability, ref[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(got.test_mse, ref[1], rtol=1e-8, atol=1e-10)


def test_empirical_curve_validation():
    N = 8
    K, mu, g = np.eye(N), np.full(N, 1 / N), np.ones(N)
    bad_kernels = [np.eye(N + 1), np.ones((N, N + 1)), np.eye(N - 1)]
    bad_targets = [np.ones(N + 1), np.ones(N - 1), np.ones((N, 2, 2)), np.float64(1.0)]
    for args in [(k, mu, g) for k in bad_kernels] + [(K, mu, t) for t in bad_targets]:
        with pytest.raises(ValueError, match="match the measure"):
            lc.empirical_learning_curve(*args, np.array([2]), 2, 0.1, 0)
    for ridge in (0.0, -0.1, -1.0):
        with pytest.raises(ValueError, match="ridge > 0"):
            lc.empirical_learning_curve(K, mu, g, np.array([2]), 2, ridge, 0)


# The slowest test (a GP kernel on all 256 sequences, then 24 fits a size), kept last: mutation
# testing runs this file with -x, so a mutant that a fast test kills never waits for it.
def test_theory_matches_empirical_kernel_regression():
    V, L = 2, 8
    T = enumerate_sequences(V, L)
    mu = np.full(len(T), 1 / len(T))
    kernel = functools.partial(kn.onehot_attention_nngp, V=2, beta=1.0, nonlinearity="relu")
    spec = sp.binary_spectrum(kernel, L)
    K = kernel(T, T)
    s = 1 - 2 * T
    n_grid = np.array([16, 48, 128])
    for k in (1, 2):
        g = np.prod([(s[:, 2 * i] - s[:, 2 * i + 1]) / np.sqrt(2) for i in range(k)], axis=0)
        pred = lc.eigenlearning(
            spec.eigenvalues, sp.specht_weights(spec, k), n_grid, 1e-3, spec.multiplicities
        )
        emp = lc.empirical_learning_curve(K, mu, g, n_grid, n_seeds=24, ridge=1e-3, seed=k)
        se = emp.learnability.std(0) / np.sqrt(24)
        # Eigenlearning is an asymptotic theory: allow 0.05 absolute plus 3 standard errors.
        assert np.all(np.abs(emp.learnability.mean(0) - pred.learnability) < 0.05 + 3 * se)


@pytest.mark.parametrize("ridge", [0.0, 1e-260])
def test_kappa_is_found_for_eigenvalues_five_hundred_decades_apart(ridge):
    # Two modes, a = 1e250 and b = 1e-250, n = 1.5: a / (a + kappa) is 1 to within 1e-500, so the
    # equation is b / (b + kappa) + ridge / kappa = 1/2, the quadratic
    # kappa^2 - (b + 2 ridge) kappa - 2 ridge b = 0 (kappa = b without a ridge).
    a, b = 1e250, 1e-250
    root = ((b + 2 * ridge) + np.sqrt((b + 2 * ridge) ** 2 + 8 * ridge * b)) / 2
    assert lc.solve_kappa(np.array([a, b]), 1.5, ridge) == pytest.approx(root, rel=1e-9)
