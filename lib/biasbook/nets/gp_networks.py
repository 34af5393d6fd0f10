"""Finite-width attention networks trained by gradient descent, compared with the GP posterior.

The network is the identity-attention block of :mod:`biasbook.maths.kernels` with a trained linear
readout and all other weights frozen at their random initialisation. For identity activations the
two output maps ``W_O`` and ``u`` compose to one linear map, so the readout acts directly on the
head outputs ``z_a`` (features ``z_a / sqrt(L H d_v)``, ``P = L H d_v`` of them). With a Gaussian
prior ``N(0, I)`` on the readout and label noise ``delta``, the Bayesian posterior mean of the
readout minimises ``1/2 ||Phi w - y||^2 + delta/2 ||w||^2``; this is the objective we train by
gradient descent. As the number of heads ``H`` grows, ``Phi Phi^T`` tends to the NNGP kernel and
the trained network's outputs tend to the GP posterior mean; at finite ``H`` they differ by a random
amount of order ``H^{-1/2}`` (the kernel's fluctuation).

Gradient descent runs in the dual coordinates ``w = Phi^T alpha``: starting from ``w = 0`` every
gradient ``Phi^T (Phi w - y) + delta w`` lies in the span of the training features, so the iterates
are exactly those of gradient descent on ``w``, at cost ``O(n^2)`` per step instead of ``O(n P)``.
Training uses heavy-ball momentum with step and momentum set from the extreme eigenvalues of
``Phi Phi^T + delta I`` (the classical optimal choice for quadratics), in double precision.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from biasbook.maths.kernels import AttentionNetConfig, init_attention_net


def head_features(params: dict[str, jax.Array], X: jax.Array, cfg: AttentionNetConfig) -> jax.Array:
    """Readout features ``[m, L H d_v]``: head outputs ``z_a`` scaled by ``1 / sqrt(L H d_v)``."""
    if cfg.nonlinearity != "identity" or cfg.readout != "flatten":
        raise ValueError("head_features is the linear-activation, flatten-readout network")
    q = jnp.einsum("mad,hdk->mhak", X, params["WQ"])
    k = jnp.einsum("mad,hdk->mhak", X, params["WK"])
    v = jnp.einsum("mad,hdk->mhak", X, params["WV"])
    G = jnp.einsum("mhak,mhbk->mhab", q, k) / jnp.sqrt(cfg.d_k)
    A = G / cfg.seq_len if cfg.attention == "identity" else jax.nn.softmax(G, axis=-1)
    z = jnp.einsum("mhab,mhbv->mahv", A, v)
    m = X.shape[0]
    return z.reshape(m, -1) / jnp.sqrt(cfg.seq_len * cfg.heads * cfg.d_v)


@functools.partial(jax.jit, static_argnums=(2,))
def _grams(keys: jax.Array, X: jax.Array, cfg: AttentionNetConfig) -> jax.Array:
    """``Phi Phi^T`` over all inputs, for each random network (vmapped over keys)."""

    def one(key):
        phi = head_features(init_attention_net(key, cfg), X, cfg)
        return phi @ phi.T

    return jax.vmap(one)(keys)


def empirical_grams(X: np.ndarray, cfg: AttentionNetConfig, n_nets: int, seed: int) -> np.ndarray:
    """Finite-network feature Grams ``[n_nets, m, m]`` (float64) on inputs ``X[m, L, d]``."""
    keys = jax.random.split(jax.random.key(seed), n_nets)
    return np.asarray(_grams(keys, jnp.asarray(X, jnp.float32), cfg), dtype=np.float64)


@functools.partial(jax.jit, static_argnums=(3,))
def _heavy_ball(K, y, ridge, steps, lr, momentum):
    def one(K, y, lr, momentum):
        def body(state, _):
            alpha, prev = state
            grad = K @ alpha - y + ridge * alpha  # dual image of the primal gradient
            new = alpha - lr * grad + momentum * (alpha - prev)
            return (new, alpha), None

        zero = jnp.zeros_like(y)
        (alpha, _), _ = jax.lax.scan(body, (zero, zero), None, length=steps)
        return alpha

    return jax.vmap(one)(K, y, lr, momentum)


def train_readout_gd(
    K_train: np.ndarray, y: np.ndarray, ridge: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Train each network's readout by heavy-ball gradient descent on the ridge objective.

    Parameters
    ----------
    K_train
        ``[b, n, n]`` feature Gram matrices ``Phi Phi^T`` of ``b`` networks on their training sets.
    y
        ``[b, n]`` training targets.
    ridge
        ``delta > 0`` (the GP noise variance).
    steps
        Gradient steps.

    Returns
    -------
    alpha, rel_error
        Dual coefficients ``[b, n]`` (the network's output at ``x`` is ``k_Phi(x, D) alpha``) and,
        per network, the relative distance of the trained readout to the exact ridge minimiser
        (computed in float64), so the optimisation error can be reported.
    """
    if ridge <= 0:
        raise ValueError("train_readout_gd needs ridge > 0 (the Gaussian prior on the readout)")
    K_train = np.asarray(K_train, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    s = np.linalg.eigvalsh(K_train)
    hi, lo = s[:, -1] + ridge, np.maximum(s[:, 0], 0.0) + ridge
    # Polyak's optimal heavy-ball parameters for a quadratic with curvatures in [lo, hi].
    lr = 4.0 / (np.sqrt(hi) + np.sqrt(lo)) ** 2
    mom = ((np.sqrt(hi) - np.sqrt(lo)) / (np.sqrt(hi) + np.sqrt(lo))) ** 2
    # Double precision: with a small ridge the objective is ill-conditioned (curvatures spanning
    # n eta_max / delta ~ 1e5), beyond what float32 gradient steps resolve.
    with jax.enable_x64(True):
        alpha = _heavy_ball(
            jnp.asarray(K_train, jnp.float64),
            jnp.asarray(y, jnp.float64),
            jnp.float64(ridge),
            int(steps),
            jnp.asarray(lr, jnp.float64),
            jnp.asarray(mom, jnp.float64),
        )
        alpha = np.asarray(alpha, dtype=np.float64)
    exact = np.linalg.solve(K_train + ridge * np.eye(K_train.shape[-1]), y[..., None])[..., 0]
    # Primal distance ||w - w*|| with w = Phi^T alpha: sqrt(d^T K d) for d = alpha - alpha*.
    d = alpha - exact
    num = np.sqrt(np.maximum(np.einsum("bi,bij,bj->b", d, K_train, d), 0.0))
    den = np.sqrt(np.einsum("bi,bij,bj->b", exact, K_train, exact))
    return alpha, np.where(den > 0, num / np.where(den > 0, den, 1.0), num)


def gp_posterior_mean(
    K_train: np.ndarray, K_test_train: np.ndarray, y: np.ndarray, ridge: float
) -> np.ndarray:
    """GP posterior mean ``K_*D (K_DD + delta I)^{-1} y`` (float64 Cholesky-free solve)."""
    alpha = np.linalg.solve(K_train + ridge * np.eye(len(K_train)), y)
    return K_test_train @ alpha
