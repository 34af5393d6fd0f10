"""NNGP kernels of a simplified attention block, and Monte-Carlo kernels of finite random networks.

The model is a reconstruction: we could not read Lavie et al.'s (2024) definition of their block;
the infinite-attention NNGP is that of Hron et al. (2020), as in neural-tangents'
``GlobalSelfAttention`` with ``attention_mechanism='IDENTITY'``. For an input ``X in R^{L x d}``
with rows ``x_a``:

.. math::

    q^h_a = W_Q^{h\\top} x_a,\\quad k^h_a = W_K^{h\\top} x_a,\\quad v^h_a = W_V^{h\\top} x_a,\\qquad
    G^h_{ab} = q^h_a\\cdot k^h_b/\\sqrt{d_k},

    A^h = G^h / L\\ (\\text{identity attention})\\ \\text{or}\\ \\mathrm{softmax}_b(G^h),\\qquad
    z^h_a = \\sum_b A^h_{ab} v^h_b,

    h_a = W_O^\\top [z^1_a;\\dots;z^H_a]/\\sqrt{H d_v},\\qquad
    f(X) = \\frac{1}{\\sqrt{L N}}\\sum_a u_a\\cdot\\phi(h_a)\\quad(\\text{"flatten" readout}),

with every weight i.i.d. ``N(0, 1)`` and ``phi`` the identity or ``sqrt(2) ReLU``. The ``1/L`` of
identity attention (our choice) keeps outputs of order one for every context length.

With ``K0_ab(x, x') = x_a . x'_b`` the input Gram blocks, the second moment of the block is exactly
(for any widths, since it is a product of independent bilinear Gaussian forms)

.. math::  K^{(1)}_{ab}(x, x') = K^0_{ab}(x, x')\\,\\frac{1}{L^2}\\sum_{c,c'} K^0_{cc'}(x, x')^2,

and the flatten readout gives ``K_f = (1/L) sum_a k_phi(K1_aa)``. For ``phi = sqrt(2) ReLU`` the
block output must be Gaussian, which holds as the number of heads ``H -> infinity``; then
``k_phi`` is the arc-cosine kernel of degree one. Softmax attention has no closed form and is
estimated by Monte Carlo (:func:`mc_kernel`).

Tokens are embedded as ``x_a = [e_{t_a}; sqrt(beta) e_a]``: a one-hot token and a scaled one-hot
position (equivalently, learned positional embeddings initialised i.i.d. with the other weights).
Without the position part every permutation-equivariant block with a flatten readout can only
express functions in the irreps ``[L]`` and ``[L-1, 1]`` (see the chapter), so ``beta > 0`` is what
lets deeper irreps appear. The kernel stays invariant under simultaneous position permutations
because the weights acting on the position coordinates are i.i.d.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np

from biasbook.maths.sequences import token_counts

Nonlinearity = Literal["identity", "relu"]
Attention = Literal["identity", "softmax"]
Readout = Literal["flatten", "mean"]

_NONLINEARITIES = ("identity", "relu")
_ATTENTIONS = ("identity", "softmax")
_READOUTS = ("flatten", "mean")


def _check_choice(name: str, value: str, options: tuple[str, ...]) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")


# --------------------------------------------------------------------------- embeddings


def embed_tokens(tokens: np.ndarray, V: int, beta: float = 1.0) -> np.ndarray:
    """Embed ``tokens[n, L]`` as ``X[n, L, V + L]``: one-hot token, sqrt(beta) one-hot position."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"tokens must be an int array [n, L], got shape {tokens.shape}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= V):
        raise ValueError(f"tokens must lie in 0..{V - 1}")
    if beta < 0:
        raise ValueError(f"beta (positional scale) must be >= 0, got {beta}")
    n, L = tokens.shape
    tok = np.eye(V)[tokens]
    pos = np.broadcast_to(np.sqrt(beta) * np.eye(L), (n, L, L))
    return np.concatenate([tok, pos], axis=-1)


def input_gram(X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
    """Input Gram blocks ``K0[i, j, a, b] = X1[i, a] . X2[j, b]``."""
    return np.einsum("iad,jbd->ijab", np.asarray(X1, float), np.asarray(X2, float))


# --------------------------------------------------------------------------- closed forms


def relu_expectation(q1: np.ndarray, q2: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``E[phi(u) phi(v)]`` for ``phi = sqrt(2) ReLU`` and centred Gaussian ``(u, v)`` with
    variances ``q1, q2`` and covariance ``c`` (Cho & Saul's arc-cosine kernel of degree one)."""
    norm = np.sqrt(np.maximum(q1 * q2, 0.0))
    cos = np.clip(np.divide(c, norm, out=np.zeros_like(norm), where=norm > 0), -1.0, 1.0)
    theta = np.arccos(cos)
    return norm / np.pi * (np.sin(theta) + (np.pi - theta) * cos)


def block_kernel(K0: np.ndarray) -> np.ndarray:
    """Second moment ``K1`` of the identity-attention block from Gram blocks ``K0[..., L, L]``."""
    L = K0.shape[-1]
    return K0 * (np.sum(K0**2, axis=(-2, -1))[..., None, None] / L**2)


def attention_nngp(
    X1: np.ndarray,
    X2: np.ndarray,
    nonlinearity: Nonlinearity = "identity",
    readout: Readout = "flatten",
) -> np.ndarray:
    """Closed-form NNGP kernel ``K[i, j] = E[f(X1_i) f(X2_j)]`` of the identity-attention network.

    Works for any real inputs ``X[n, L, d]`` (memory ``n1 n2 L^2``); use
    :func:`onehot_attention_nngp` for one-hot tokens on large sets.
    """
    _check_choice("nonlinearity", nonlinearity, _NONLINEARITIES)
    _check_choice("readout", readout, _READOUTS)
    X1, X2 = np.asarray(X1, float), np.asarray(X2, float)
    if X1.ndim != 3 or X2.ndim != 3 or X1.shape[1:] != X2.shape[1:]:
        raise ValueError(f"inputs must be [n, L, d] with equal L, d; got {X1.shape}, {X2.shape}")
    L = X1.shape[1]
    K12 = block_kernel(input_gram(X1, X2))  # [n1, n2, L, L]
    if nonlinearity == "identity":
        cross = K12
    else:
        d1 = np.diagonal(
            block_kernel(np.einsum("iad,ibd->iab", X1, X1)[:, None]), axis1=-2, axis2=-1
        )
        d2 = np.diagonal(
            block_kernel(np.einsum("iad,ibd->iab", X2, X2)[:, None]), axis1=-2, axis2=-1
        )
        q1 = d1[:, 0][:, None, :, None]  # [n1, 1, L, 1] variance of h_a(x)
        q2 = d2[:, 0][None, :, None, :]  # [1, n2, 1, L] variance of h_b(x')
        cross = relu_expectation(q1, q2, K12)
    if readout == "flatten":
        return np.trace(cross, axis1=-2, axis2=-1) / L
    return cross.sum(axis=(-2, -1)) / L**2


def onehot_attention_nngp(
    T1: np.ndarray,
    T2: np.ndarray,
    V: int,
    beta: float = 1.0,
    nonlinearity: Nonlinearity = "identity",
) -> np.ndarray:
    """The flatten-readout NNGP kernel for one-hot tokens (:func:`embed_tokens`), fast.

    With ``x_a = [e_{t_a}; sqrt(beta) e_a]``, ``K0_ab = [t_a = t'_b] + beta [a = b]``, so the kernel
    depends on the pair only through the positionwise agreement ``A = #{a : t_a = t'_a}`` and the
    bag-of-words overlap ``B = sum_v n_v(t) n_v(t')``:
    ``sum_{cc'} K0_cc'^2 = B + 2 beta A + beta^2 L`` and ``K1_aa = ([t_a = t'_a] + beta) S / L^2``.
    Cost ``O(n1 n2 (L + V))``.
    """
    _check_choice("nonlinearity", nonlinearity, _NONLINEARITIES)
    T1, T2 = np.asarray(T1), np.asarray(T2)
    if T1.ndim != 2 or T2.ndim != 2 or T1.shape[1] != T2.shape[1]:
        raise ValueError(f"tokens must be [n, L] with equal L; got {T1.shape}, {T2.shape}")
    L = T1.shape[1]
    for T in (T1, T2):
        if T.size and (T.min() < 0 or T.max() >= V):
            raise ValueError(f"tokens must lie in 0..{V - 1}")
    # A via one-hot dot products (BLAS), B via counts.
    oh1 = (T1[:, :, None] == np.arange(V)).reshape(len(T1), -1).astype(float)
    oh2 = (T2[:, :, None] == np.arange(V)).reshape(len(T2), -1).astype(float)
    A = oh1 @ oh2.T
    c1, c2 = token_counts(T1, V).astype(float), token_counts(T2, V).astype(float)
    S = c1 @ c2.T + 2 * beta * A + beta**2 * L
    if nonlinearity == "identity":
        return (A + beta * L) * S / L**3
    s1 = (c1**2).sum(1) + 2 * beta * L + beta**2 * L
    s2 = (c2**2).sum(1) + 2 * beta * L + beta**2 * L
    q1 = ((1 + beta) * s1 / L**2)[:, None]
    q2 = ((1 + beta) * s2 / L**2)[None, :]
    agree = relu_expectation(q1, q2, (1 + beta) * S / L**2)
    differ = relu_expectation(q1, q2, beta * S / L**2)
    return (A / L) * agree + (1 - A / L) * differ


# --------------------------------------------------------------------------- finite networks


@dataclass(frozen=True)
class AttentionNetConfig:
    """A finite simplified attention network (see the module docstring).

    Attributes
    ----------
    seq_len, d_in
        Context length ``L`` and input dimension ``d``.
    heads, d_k, d_v
        Number of heads and their key / value widths; the GP limit is ``heads -> infinity``.
    width
        Channels ``N`` of each position's block output ``h_a``.
    attention, nonlinearity, readout
        ``"identity"`` or ``"softmax"``; ``"identity"`` or ``"relu"`` (``sqrt(2) ReLU``);
        ``"flatten"`` (per-position readout weights) or ``"mean"`` (pooled).
    """

    seq_len: int
    d_in: int
    heads: int = 8
    d_k: int = 8
    d_v: int = 8
    width: int = 8
    attention: Attention = "identity"
    nonlinearity: Nonlinearity = "identity"
    readout: Readout = "flatten"

    def __post_init__(self) -> None:
        for name in ("seq_len", "d_in", "heads", "d_k", "d_v", "width"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"AttentionNetConfig.{name} must be >= 1")
        _check_choice("attention", self.attention, _ATTENTIONS)
        _check_choice("nonlinearity", self.nonlinearity, _NONLINEARITIES)
        _check_choice("readout", self.readout, _READOUTS)


def init_attention_net(key: jax.Array, cfg: AttentionNetConfig) -> dict[str, jax.Array]:
    """i.i.d. ``N(0, 1)`` weights (the ``1/sqrt(fan-in)`` factors live in the forward pass)."""
    kq, kk, kv, ko, ku = jax.random.split(key, 5)
    H, d = cfg.heads, cfg.d_in
    normal = functools.partial(jax.random.normal, dtype=jnp.float32)
    return {
        "WQ": normal(kq, (H, d, cfg.d_k)),
        "WK": normal(kk, (H, d, cfg.d_k)),
        "WV": normal(kv, (H, d, cfg.d_v)),
        "WO": normal(ko, (H, cfg.d_v, cfg.width)),
        "u": normal(ku, (cfg.seq_len, cfg.width)),
    }


def attention_features(
    params: dict[str, jax.Array], X: jax.Array, cfg: AttentionNetConfig
) -> jax.Array:
    """Post-nonlinearity block outputs ``phi(h_a)``, shape ``[m, L, N]``."""
    q = jnp.einsum("mad,hdk->mhak", X, params["WQ"])
    k = jnp.einsum("mad,hdk->mhak", X, params["WK"])
    v = jnp.einsum("mad,hdk->mhak", X, params["WV"])
    G = jnp.einsum("mhak,mhbk->mhab", q, k) / jnp.sqrt(cfg.d_k)
    A = G / cfg.seq_len if cfg.attention == "identity" else jax.nn.softmax(G, axis=-1)
    z = jnp.einsum("mhab,mhbv->mhav", A, v)
    h = jnp.einsum("mhav,hvn->man", z, params["WO"]) / jnp.sqrt(cfg.heads * cfg.d_v)
    return h if cfg.nonlinearity == "identity" else jnp.sqrt(2.0) * jax.nn.relu(h)


def readout(u: jax.Array, feats: jax.Array, cfg: AttentionNetConfig) -> jax.Array:
    """``f = sum_a u_a . phi(h_a) / sqrt(L N)`` (flatten) or the pooled ``mean`` readout."""
    if cfg.readout == "flatten":
        return jnp.einsum("man,an->m", feats, u) / jnp.sqrt(cfg.seq_len * cfg.width)
    return jnp.einsum("man,n->m", feats, u[0]) / (cfg.seq_len * jnp.sqrt(cfg.width))


def apply_attention_net(
    params: dict[str, jax.Array], X: jax.Array, cfg: AttentionNetConfig
) -> jax.Array:
    """Network output ``f(X[m]) -> [m]``."""
    return readout(params["u"], attention_features(params, X, cfg), cfg)


@functools.partial(jax.jit, static_argnums=(2,))
def _outputs_many(keys: jax.Array, X: jax.Array, cfg: AttentionNetConfig) -> jax.Array:
    def one(key):
        return apply_attention_net(init_attention_net(key, cfg), X, cfg)

    return jax.vmap(one)(keys)


def mc_kernel(
    X: np.ndarray,
    cfg: AttentionNetConfig,
    n_nets: int,
    seed: int,
    chunk: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Monte-Carlo kernel ``E[f(x_i) f(x_j)]`` over ``n_nets`` random networks (vmapped in chunks).

    Returns
    -------
    K, se
        The estimate ``[n, n]`` and the standard error of each entry (``std / sqrt(n_nets)``).
    """
    if n_nets < 2:
        raise ValueError("n_nets must be >= 2 to estimate a standard error")
    X = jnp.asarray(X, jnp.float32)
    if X.ndim != 3 or X.shape[1:] != (cfg.seq_len, cfg.d_in):
        raise ValueError(f"X must be [n, {cfg.seq_len}, {cfg.d_in}], got {tuple(X.shape)}")
    keys = jax.random.split(jax.random.key(seed), n_nets)
    s1 = np.zeros((X.shape[0], X.shape[0]))
    s2 = np.zeros_like(s1)
    for start in range(0, n_nets, chunk):
        F = np.asarray(_outputs_many(keys[start : start + chunk], X, cfg), dtype=float)
        s1 += F.T @ F
        s2 += np.einsum("ki,kj->ij", F**2, F**2)
    K = s1 / n_nets
    var = np.maximum(s2 / n_nets - K**2, 0.0) * n_nets / (n_nets - 1)
    return K, np.sqrt(var / n_nets)


def symmetrize_over_positions(K: np.ndarray, V: int, L: int) -> np.ndarray:
    """Reynolds average ``mean_pi K(pi x, pi x')`` of a kernel matrix on all ``V^L`` sequences.

    For a kernel known to be invariant under simultaneous permutations (e.g. a Monte-Carlo estimate
    of one), averaging removes the non-invariant part of the sampling noise.
    """
    from biasbook.maths.symmetric_group import all_permutations, permutation_index_map

    out = np.zeros_like(K)
    perms = all_permutations(L)
    for perm in perms:
        idx = permutation_index_map(perm, V)
        out += K[np.ix_(idx, idx)]
    return out / len(perms)
