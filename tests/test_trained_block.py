"""The all-weights-trained attention block: its expected tangent kernel and one step of training,
each against an independent computation (Monte Carlo over initialisations, explicit Jacobians)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from biasbook.maths import kernels as kn
from biasbook.nets import trained_block as tb

RNG = np.random.default_rng(11)
V, L = 3, 4
X = kn.embed_tokens(RNG.integers(0, V, (6, L)), V, 1.0)


def _cfg(nonlinearity: str = "identity", heads: int = 4) -> kn.AttentionNetConfig:
    return kn.AttentionNetConfig(
        seq_len=L, d_in=V + L, heads=heads, d_k=2, d_v=2, width=3, nonlinearity=nonlinearity
    )


def test_expected_tangent_kernel_of_the_linear_block_is_five_nngps():
    # Each of the five weight groups enters linearly, so each adds E[f f'] = K; the ReLU block's
    # groups W_Q, W_K, W_V, W_O do not enter linearly, and its tangent kernel is not 5 K.
    n_nets = 600
    lin = tb.empirical_tangent_kernel(X, _cfg(), n_nets, seed=0)
    K = kn.attention_nngp(X, X)
    # Monte-Carlo error of the mean kernel: estimate it from two independent halves
    half = tb.empirical_tangent_kernel(X, _cfg(), n_nets // 2, seed=1)
    noise = np.linalg.norm(half - lin) / np.linalg.norm(5 * K)
    assert np.linalg.norm(lin - 5 * K) / np.linalg.norm(5 * K) < 3 * noise + 0.02
    relu = tb.empirical_tangent_kernel(X, _cfg("relu"), n_nets, seed=0)
    K_relu = kn.attention_nngp(X, X, "relu")
    assert np.linalg.norm(relu - 5 * K_relu) / np.linalg.norm(5 * K_relu) > 0.1


def test_one_step_of_training_is_the_tangent_kernel_step():
    # From the zero (centred) function, one gradient step on the mean squared error moves the
    # outputs by lr (2/n) J_eval J_train^T y, to first order in lr; J from jax.jacrev of the same
    # initial network (train_many initialises with the first half of each split key).
    cfg = _cfg(heads=3)
    Xtr, Xev, y = X[:4], X[4:], np.array([1.0, -0.5, 0.3, 0.8])
    lr = 1e-4
    out, _ = tb.train_all_weights(Xtr, y, Xev, cfg, n_nets=2, lr=lr, steps=1, seed=5)
    keys = jax.random.split(jax.random.key(5), 2)
    for i in range(2):
        params = kn.init_attention_net(jax.random.split(keys[i])[0], cfg)

        def jac(Xs, params=params):
            j = jax.jacrev(lambda p: kn.apply_attention_net(p, jnp.asarray(Xs, jnp.float32), cfg))(
                params
            )
            return np.concatenate(
                [np.asarray(a, np.float64).reshape(len(Xs), -1) for a in jax.tree.leaves(j)], 1
            )

        expected = lr * 2 / len(y) * jac(Xev) @ jac(Xtr).T @ y
        np.testing.assert_allclose(out[i], expected, rtol=2e-2, atol=1e-7)
    with pytest.raises(ValueError):
        tb.train_all_weights(Xtr, y, Xev, cfg, n_nets=2, lr=-1.0, steps=1, seed=5)
