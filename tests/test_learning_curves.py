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


def test_bad_inputs():
    with pytest.raises(ValueError, match="n must be"):
        lc.solve_kappa(np.array([1.0]), 0, 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        lc.solve_kappa(np.array([1.0, -0.5]), 3, 0.1)
    with pytest.raises(ValueError, match="ridge"):
        lc.solve_kappa(np.array([1.0]), 3, -0.1)
    with pytest.raises(ValueError, match="one entry per level"):
        lc.eigenlearning(np.array([1.0, 0.5]), np.array([1.0]), 3, 0.1)


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
