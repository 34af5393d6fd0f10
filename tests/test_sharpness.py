"""biasbook.nets.sharpness against losses whose curvature is known in closed form."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from biasbook.nets import sharpness as S
from biasbook.nets.models import TransformerConfig, apply_transformer, init_transformer


def _quadratic(n: int, seed: int):
    """L(θ) = ½ (θ-θ0)ᵀ H (θ-θ0) + 3 over a two-leaf pytree, with a dense PSD H."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    h = jnp.asarray(a @ a.T / n, dtype=jnp.float32)
    theta0 = jnp.asarray(rng.normal(size=n), dtype=jnp.float32)

    def loss(p):
        d = jnp.concatenate([p["a"], p["b"].ravel()]) - theta0
        return 0.5 * d @ h @ d + 3.0

    return loss, float(jnp.trace(h)), theta0


def test_quadratic_exact_for_any_sigma_even_away_from_the_minimum():
    loss, tr_h, theta0 = _quadratic(12, seed=0)
    # θ is not the minimum: the gradient is non-zero, and antithetic pairs must cancel it.
    params = {"a": theta0[:4] + 1.0, "b": (theta0[4:] - 0.5).reshape(2, 4)}
    sigmas = [0.01, 0.1, 1.0]
    res = S.perturbation_sharpness(loss, params, sigmas, n_samples=2000, seed=1)
    expected = 0.5 * np.square(sigmas) * tr_h
    np.testing.assert_array_less(np.abs(res.mean - expected), 5 * res.stderr + 1e-6 * expected)
    np.testing.assert_allclose(res.mean, expected, rtol=0.1)
    assert res.base_loss == pytest.approx(float(loss(params)), rel=1e-6)


def test_cosine_loss_exact_and_small_sigma_limit():
    # L(θ) = Σ a_i (1 - cos θ_i) at θ = 0: H = diag(a) and E[1 - cos(σz)] = 1 - exp(-σ²/2) exactly.
    a = jnp.array([0.5, 1.0, 2.0, 4.0])
    loss = lambda p: jnp.sum(a * (1 - jnp.cos(p)))  # noqa: E731
    sigmas = np.array([0.05, 0.5, 2.0])
    res = S.perturbation_sharpness(loss, jnp.zeros(4), sigmas, n_samples=4000, seed=2)
    exact = float(a.sum()) * (1 - np.exp(-(sigmas**2) / 2))
    np.testing.assert_array_less(np.abs(res.mean - exact), 5 * res.stderr)
    # Small σ: the quadratic prediction σ²/2 · tr H; its bias is O(σ⁴) (0.06% at σ = 0.05), far
    # below the Monte-Carlo error, so it must agree within 5 standard errors.
    quadratic = 0.5 * sigmas[0] ** 2 * float(a.sum())
    assert abs(res.mean[0] - quadratic) < 5 * res.stderr[0]


def test_many_models_match_their_own_curvature():
    # Model i: L_i(θ) = ½ c_i |θ - x_i|² over 5 coordinates (data x_i), tr H_i = 5 c_i.
    c = jnp.array([0.5, 1.0, 3.0])
    X = jnp.arange(15.0).reshape(3, 5) / 10
    y = jnp.broadcast_to(c[:, None], (3, 5))
    loss = lambda p, x, t: 0.5 * t[0] * jnp.sum((p["w"] - x) ** 2)  # noqa: E731
    params = {"w": jnp.zeros((3, 5))}
    res = S.perturbation_sharpness_many(loss, params, X, y, sigmas=[0.1, 0.3], n_samples=1000)
    expected = 0.5 * np.outer(5 * np.asarray(c), [0.01, 0.09])
    assert res.mean.shape == (3, 2)
    np.testing.assert_array_less(np.abs(res.mean - expected), 5 * res.stderr + 1e-7)
    np.testing.assert_allclose(res.base_loss, 0.5 * np.asarray(c) * np.sum(np.asarray(X) ** 2, 1))


def test_hessian_trace_on_dense_quadratic():
    loss, tr_h, theta0 = _quadratic(10, seed=3)
    params = {"a": theta0[:2], "b": theta0[2:].reshape(4, 2)}
    est, err = S.hessian_trace(loss, params, n_probes=3000, seed=0)
    assert abs(est - tr_h) < 5 * err
    assert est == pytest.approx(tr_h, rel=0.1)


def test_norms_and_counts():
    params = {"a": jnp.array([3.0, 0.0]), "b": [jnp.array([[4.0]])]}
    assert float(S.parameter_norm(params)) == pytest.approx(5.0)
    assert S.n_parameters(params) == 3


def test_exclude_leaves_parameters_unperturbed():
    # L = ½ a |p_a|² + ½ b |p_b|²: leaving p_b out keeps only σ²/2 · a · dim(p_a).
    loss = lambda p: 0.5 * 2.0 * jnp.sum(p["a"] ** 2) + 0.5 * 50.0 * jnp.sum(p["b"] ** 2)  # noqa: E731
    params = {"a": jnp.zeros(3), "b": jnp.zeros(4)}
    res = S.perturbation_sharpness(loss, params, [0.1], n_samples=500, exclude=("b",))
    # Each antithetic sample is exactly σ²/2 · 2 · |z_a|², so compare within 5 standard errors.
    assert abs(res.mean[0] - 0.5 * 0.01 * 2.0 * 3) < 5 * res.stderr[0]
    assert float(S.parameter_norm({"a": jnp.ones(4), "b": jnp.ones(9)}, exclude=("b",))) == 2.0
    with pytest.raises(ValueError, match="cannot exclude"):
        S.perturbation_sharpness(loss, params, [0.1], exclude=("c",))


def test_bad_arguments():
    loss = lambda p: jnp.sum(p**2)  # noqa: E731
    with pytest.raises(ValueError, match="positive"):
        S.perturbation_sharpness(loss, jnp.zeros(2), [0.1, -1.0])
    with pytest.raises(ValueError, match="at least 2"):
        S.perturbation_sharpness(loss, jnp.zeros(2), [0.1], n_samples=1)


def test_layernorm_input_std_first_layer_by_hand():
    cfg = TransformerConfig(vocab_size=2, max_len=5, d_model=8, n_heads=2, n_layers=2, d_mlp=16)
    params = init_transformer(jax.random.key(0), cfg)
    tokens = jnp.array([[0, 1, 1, 0, 1], [1, 1, 1, 0, 0]])
    stds = S.layernorm_input_std(params, tokens, cfg)
    assert stds.shape == (2 * 2 + 1, 2, 6)  # ln1, ln2 per block + ln_f; CLS + 5 positions
    # The first LayerNorm sees the embeddings: [CLS; token embeddings] + positions.
    emb = jnp.concatenate(
        [jnp.broadcast_to(params["cls"], (2, 1, 8)), params["tok_emb"][tokens]], axis=1
    )
    emb = emb + params["pos_emb"][:6]
    np.testing.assert_allclose(stds[0], np.std(np.asarray(emb), axis=-1), rtol=1e-5)
    # Under jit and vmap too.
    stacked = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), params)
    f = jax.jit(jax.vmap(lambda p: S.layernorm_input_std(p, tokens, cfg)))
    np.testing.assert_allclose(f(stacked)[1], stds, rtol=1e-5)
    # The recorder is removed afterwards: the model still runs normally.
    assert apply_transformer(params, tokens, cfg).shape == (2, 1)
