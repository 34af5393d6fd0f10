"""NNGP kernels against brute-force formulas, Gaussian integrals and random finite networks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from biasbook.maths import kernels as kn
from biasbook.maths.sequences import enumerate_sequences
from biasbook.nets import gp_networks as gn


def _random_tokens(n, L, V, seed):
    return np.random.default_rng(seed).integers(0, V, size=(n, L))


def test_onehot_fast_path_matches_general_closed_form():
    V, L = 3, 5
    T1, T2 = _random_tokens(7, L, V, 0), _random_tokens(6, L, V, 1)
    for beta in (0.0, 0.7):
        X1, X2 = kn.embed_tokens(T1, V, beta), kn.embed_tokens(T2, V, beta)
        for nl in ("identity", "relu"):
            np.testing.assert_allclose(
                kn.onehot_attention_nngp(T1, T2, V, beta, nl),
                kn.attention_nngp(X1, X2, nl),
                rtol=1e-12,
                atol=1e-14,
            )


def test_no_position_kernel_is_bag_of_words_times_agreement():
    """beta = 0: K0_ab = [t_a = t'_b], so K_f = A B / L^3 (hand derivation, brute-force loops)."""
    V, L = 3, 4
    T = _random_tokens(6, L, V, 2)
    K = kn.onehot_attention_nngp(T, T, V, beta=0.0)
    for i, j in itertools.product(range(len(T)), repeat=2):
        A = sum(T[i, a] == T[j, a] for a in range(L))
        B = sum(T[i, a] == T[j, b] for a in range(L) for b in range(L))
        assert K[i, j] == pytest.approx(A * B / L**3)


@pytest.mark.parametrize("nl", ["identity", "relu"])
def test_kernel_psd_and_symmetric(nl):
    V, L = 3, 5
    T = _random_tokens(60, L, V, 3)
    K = kn.onehot_attention_nngp(T, T, V, 1.0, nl)
    np.testing.assert_allclose(K, K.T, atol=1e-13)
    assert np.linalg.eigvalsh(K).min() > -1e-10 * np.abs(K).max()
    X = np.random.default_rng(4).normal(size=(25, L, 4))
    Kg = kn.attention_nngp(X, X, nl)
    assert np.linalg.eigvalsh(Kg).min() > -1e-10 * np.abs(Kg).max()


def test_invariant_under_simultaneous_but_not_single_permutations():
    V, L = 3, 6
    T1, T2 = _random_tokens(8, L, V, 5), _random_tokens(9, L, V, 6)
    rng = np.random.default_rng(7)
    for nl in ("identity", "relu"):
        K = kn.onehot_attention_nngp(T1, T2, V, 1.0, nl)
        for _ in range(5):
            perm = rng.permutation(L)
            np.testing.assert_allclose(
                kn.onehot_attention_nngp(T1[:, perm], T2[:, perm], V, 1.0, nl), K, atol=1e-13
            )
        # Permuting one argument only changes the flatten-readout kernel (it is not pooled).
        Kp = kn.onehot_attention_nngp(T1[:, rng.permutation(L)], T2, V, 1.0, nl)
        assert np.abs(Kp - K).max() > 1e-3
    # The pooled ("mean") readout is invariant under independent permutations.
    X1, X2 = kn.embed_tokens(T1, V, 0.0), kn.embed_tokens(T2, V, 0.0)
    Km = kn.attention_nngp(X1, X2, readout="mean")
    perm = rng.permutation(L)
    np.testing.assert_allclose(kn.attention_nngp(X1[:, perm], X2, readout="mean"), Km, atol=1e-13)


def test_relu_expectation_matches_gaussian_monte_carlo():
    rng = np.random.default_rng(8)
    q1, q2, c = 2.0, 0.5, -0.6
    cov = np.array([[q1, c], [c, q2]])
    uv = rng.multivariate_normal([0, 0], cov, size=2_000_000)
    phi = np.sqrt(2) * np.maximum(uv, 0)
    prod = phi[:, 0] * phi[:, 1]
    se = prod.std() / np.sqrt(len(prod))
    assert abs(prod.mean() - kn.relu_expectation(q1, q2, c)) < 4 * se
    # Diagonal: E[phi(u)^2] = q for sqrt(2) ReLU.
    assert kn.relu_expectation(q1, q1, q1) == pytest.approx(q1)


def test_closed_form_matches_random_finite_networks():
    """Identity attention: the closed form is exact at any width, so MC agrees within its error."""
    V, L = 3, 4
    T = _random_tokens(10, L, V, 9)
    X = kn.embed_tokens(T, V, 1.0)
    cfg = kn.AttentionNetConfig(seq_len=L, d_in=V + L, heads=2, d_k=3, d_v=3, width=2)
    K_mc, se = kn.mc_kernel(X, cfg, n_nets=8192, seed=0)
    K = kn.attention_nngp(X, X)
    # E||K_mc - K||_F^2 = sum of entry variances; allow 2x that norm (chi-like concentration).
    assert np.linalg.norm(K_mc - K) < 2 * np.sqrt(np.sum(se**2))
    # A wrong prefactor (e.g. forgetting the 1/L of identity attention) would be far outside.
    assert np.linalg.norm(K_mc - K * L) > 10 * np.sqrt(np.sum(se**2))


def test_empirical_feature_gram_is_unbiased_for_the_kernel():
    V, L = 3, 4
    T = _random_tokens(8, L, V, 10)
    X = kn.embed_tokens(T, V, 1.0)
    cfg = kn.AttentionNetConfig(seq_len=L, d_in=V + L, heads=3, d_k=2, d_v=2)
    G = gn.empirical_grams(X, cfg, n_nets=4000, seed=1)
    se = G.std(0) / np.sqrt(len(G))
    assert np.linalg.norm(G.mean(0) - kn.attention_nngp(X, X)) < 2 * np.sqrt(np.sum(se**2))


def test_readout_gradient_descent_reaches_ridge_solution():
    rng = np.random.default_rng(11)
    Phi = rng.normal(size=(3, 30, 50)) / np.sqrt(50)
    K = Phi @ Phi.transpose(0, 2, 1)
    y = rng.normal(size=(3, 30))
    alpha, err = gn.train_readout_gd(K, y, ridge=0.1, steps=400)
    assert err.max() < 1e-4
    w = np.einsum("bni,bn->bi", Phi, alpha)
    w_star = np.stack(
        [np.linalg.solve(P.T @ P + 0.1 * np.eye(50), P.T @ t) for P, t in zip(Phi, y, strict=True)]
    )
    np.testing.assert_allclose(w, w_star, atol=1e-4)
    with pytest.raises(ValueError, match="ridge"):
        gn.train_readout_gd(K, y, ridge=0.0, steps=10)


def test_network_is_position_equivariant_without_positions():
    """Lemma used in the chapter: with beta = 0 each h_a depends on t_a and the bag of words."""
    import jax

    V, L = 3, 5
    T = enumerate_sequences(V, L)[:50]
    cfg = kn.AttentionNetConfig(seq_len=L, d_in=V + L, heads=2, attention="softmax")
    params = kn.init_attention_net(jax.random.key(0), cfg)
    perm = np.array([2, 0, 1, 4, 3])
    h = np.asarray(kn.attention_features(params, kn.embed_tokens(T, V, 0.0), cfg))
    hp = np.asarray(kn.attention_features(params, kn.embed_tokens(T[:, perm], V, 0.0), cfg))
    np.testing.assert_allclose(hp, h[:, perm], atol=1e-5)


def test_bad_inputs():
    with pytest.raises(ValueError, match="tokens must lie"):
        kn.onehot_attention_nngp(np.array([[0, 3]]), np.array([[0, 1]]), V=3)
    with pytest.raises(ValueError, match="nonlinearity"):
        kn.onehot_attention_nngp(np.array([[0, 1]]), np.array([[0, 1]]), V=2, nonlinearity="tanh")
    with pytest.raises(ValueError, match="attention"):
        kn.AttentionNetConfig(seq_len=3, d_in=4, attention="linear")
    with pytest.raises(ValueError, match="beta"):
        kn.embed_tokens(np.zeros((2, 3), int), 2, beta=-1.0)
    cfg = kn.AttentionNetConfig(seq_len=3, d_in=5)
    with pytest.raises(ValueError, match="X must be"):
        kn.mc_kernel(np.zeros((4, 2, 5)), cfg, n_nets=10, seed=0)
