"""Sharpness of a trained model: expected loss increase under Gaussian parameter perturbations.

For parameters ``θ`` and a training loss ``L``, the *perturbation sharpness at scale σ* is

    S_σ(θ) = E_{Δ ~ N(0, σ² I)} [ L(θ + Δ) ] - L(θ),

with ``Δ`` drawn independently for every scalar parameter. For a loss that is quadratic around
``θ`` with Hessian ``H`` the expectation is exactly ``σ²/2 · tr(H)`` (the linear term averages out);
for a smooth loss this is the small-σ limit. :func:`hessian_trace` estimates ``tr(H)`` directly
(Hutchinson's estimator) as a cross-check. The radius of the perturbation is ``‖Δ‖ ≈ σ √P`` for
``P`` parameters.

The estimator uses antithetic pairs ``(Δ, -Δ)``: ``½[L(θ+Δ) + L(θ-Δ)] - L(θ)`` has the same mean and
no contribution from the gradient, so it stays precise away from an exact minimum. Everything is
pure JAX and can be ``vmap``-ed over a stack of models (:func:`perturbation_sharpness_many`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from numpy.typing import ArrayLike

from biasbook.nets.compiled import cached_program, fn_key

Params = Any
LossFn = Callable[[Params], jax.Array]


def _check(sigmas: ArrayLike, n_samples: int) -> jax.Array:
    sigmas = jnp.atleast_1d(jnp.asarray(sigmas, dtype=jnp.float32))
    if sigmas.ndim != 1 or not bool(jnp.all(sigmas > 0)):
        raise ValueError(f"sigmas must be positive scales, got {sigmas}")
    if int(n_samples) < 2:
        raise ValueError(f"n_samples must be at least 2 (for a standard error), got {n_samples}")
    return sigmas


def n_parameters(params: Params) -> int:
    """Number of scalar parameters in a pytree."""
    return int(sum(np.size(leaf) for leaf in jax.tree_util.tree_leaves(params)))


def parameter_norm(params: Params, exclude: Sequence[str] = ()) -> jax.Array:
    """Euclidean norm of all parameters together, leaving out the top-level names in ``exclude``."""
    if exclude:
        params = {k: v for k, v in params.items() if k not in exclude}
    leaves = jax.tree_util.tree_leaves(params)
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in leaves))


def _random_like(key: jax.Array, params: Params, sampler: Callable = jax.random.normal) -> Params:
    """Independent draws of ``sampler(key, shape, dtype)`` shaped like ``params``.

    One draw of the flattened parameter vector, split back into leaves: a single random-number
    kernel instead of one per leaf, which makes the compiled program several times faster to build.
    """
    flat, unravel = ravel_pytree(params)
    return unravel(sampler(key, flat.shape, flat.dtype))


def _tree_dot(a: Params, b: Params) -> jax.Array:
    return sum(jax.tree_util.tree_leaves(jax.tree_util.tree_map(jnp.vdot, a, b)))


def _exclusion_mask(params: Params, exclude: Sequence[str]) -> jax.Array | None:
    """Flat 0/1 mask over ``ravel_pytree(params)``: 0 on the top-level entries in ``exclude``."""
    if not exclude:
        return None
    if not isinstance(params, dict):
        raise ValueError("exclude needs a dict of parameters (top-level names)")
    unknown = set(exclude) - set(params)
    if unknown:
        raise ValueError(f"cannot exclude {sorted(unknown)}: parameters are {sorted(params)}")
    mask = {
        k: jax.tree_util.tree_map(jnp.zeros_like if k in exclude else jnp.ones_like, v)
        for k, v in params.items()
    }
    return ravel_pytree(mask)[0]


def sharpness_samples(
    loss_fn: LossFn,
    params: Params,
    sigmas: ArrayLike,
    n_samples: int,
    key: jax.Array,
    exclude: Sequence[str] = (),
) -> jax.Array:
    """Antithetic samples of the loss increase, ``float[n_sigmas, n_samples]``.

    Sample ``j`` at scale ``σ`` is ``½[L(θ + σ z_j) + L(θ - σ z_j)] - L(θ)`` with ``z_j`` standard
    normal; the same ``z_j`` are used at every ``σ`` (common random numbers across scales).
    Top-level parameter entries named in ``exclude`` are not perturbed. Pure JAX: can be
    ``jit``-ed and ``vmap``-ed over models.
    """
    sigmas = jnp.atleast_1d(jnp.asarray(sigmas, dtype=jnp.float32))
    base = loss_fn(params)
    flat, unravel = ravel_pytree(params)
    mask = _exclusion_mask(params, exclude)
    keys = jax.random.split(key, n_samples)

    def one(k: jax.Array) -> jax.Array:
        z = jax.random.normal(k, flat.shape, flat.dtype)
        if mask is not None:
            z = z * mask

        def at(sigma: jax.Array) -> jax.Array:
            return 0.5 * (loss_fn(unravel(flat + sigma * z)) + loss_fn(unravel(flat - sigma * z)))

        return jax.lax.map(at, sigmas) - base

    # lax.map over samples keeps memory at one forward pass per (sample, σ) at a time.
    return jax.lax.map(one, keys).T


@dataclass(frozen=True)
class Sharpness:
    """Perturbation-sharpness estimates at several scales.

    Attributes
    ----------
    sigmas
        Per-coordinate perturbation scales ``σ`` (``[n_sigmas]``).
    mean, stderr
        Estimated ``E L(θ+Δ) - L(θ)`` and its standard error, ``[..., n_sigmas]`` (a leading models
        axis for :func:`perturbation_sharpness_many`).
    base_loss
        ``L(θ)`` (``[...]``).
    n_samples
        Antithetic pairs per scale.
    """

    sigmas: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    base_loss: np.ndarray
    n_samples: int


def perturbation_sharpness(
    loss_fn: LossFn,
    params: Params,
    sigmas: ArrayLike | Sequence[float],
    n_samples: int = 64,
    seed: int = 0,
    exclude: Sequence[str] = (),
) -> Sharpness:
    """Estimate ``E_{Δ~N(0,σ²I)} L(θ+Δ) - L(θ)`` for one model at each ``σ``.

    Parameters
    ----------
    loss_fn
        ``params -> scalar`` training loss (data closed over).
    params
        The model's parameter pytree ``θ``.
    sigmas
        Per-coordinate standard deviations of the perturbation.
    n_samples
        Number of antithetic pairs ``(Δ, -Δ)`` per scale.
    seed
        Seed of the perturbation draws.
    exclude
        Top-level parameter names left unperturbed (Hahn & Rofin leave the positional encodings
        out, ``exclude=("pos_emb",)``).
    """
    sigmas = _check(sigmas, n_samples)

    def fn(p: Params, k: jax.Array) -> tuple[jax.Array, jax.Array]:
        return sharpness_samples(loss_fn, p, sigmas, n_samples, k, exclude), loss_fn(p)

    fn = jax.jit(fn)
    samples, base = fn(params, jax.random.key(seed))
    samples = np.asarray(samples, dtype=np.float64)
    return Sharpness(
        sigmas=np.asarray(sigmas),
        mean=samples.mean(axis=-1),
        stderr=samples.std(axis=-1, ddof=1) / np.sqrt(n_samples),
        base_loss=np.asarray(base),
        n_samples=int(n_samples),
    )


def perturbation_sharpness_many(
    loss_fn: Callable[[Params, Any, Any], jax.Array],
    stacked_params: Params,
    X: ArrayLike,
    y: ArrayLike,
    sigmas: ArrayLike | Sequence[float],
    n_samples: int = 64,
    seed: int = 0,
    exclude: Sequence[str] = (),
) -> Sharpness:
    """Perturbation sharpness of a stack of models, as one vectorised computation.

    Parameters
    ----------
    loss_fn
        ``(params, X_i, y_i) -> scalar`` for one model and its own training data.
    stacked_params
        Parameter pytree with a leading models axis (e.g. ``TrainResult.params``).
    X, y
        Training data with the same leading models axis: ``X[n_models, m, ...]`` and
        ``y[n_models, m]``.
    sigmas, n_samples, seed, exclude
        As in :func:`perturbation_sharpness`; model ``i`` draws from ``fold_in(key(seed), i)``.

    Returns
    -------
    Sharpness
        With ``mean``/``stderr`` of shape ``[n_models, n_sigmas]`` and ``base_loss [n_models]``.
    """
    sigmas = _check(sigmas, n_samples)
    X, y = jnp.asarray(X), jnp.asarray(y)
    n_models = X.shape[0]
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(seed), i))(jnp.arange(n_models))

    def build() -> Callable:
        def one(p: Params, x: jax.Array, t: jax.Array, k: jax.Array, s: jax.Array) -> tuple:
            loss = lambda q: loss_fn(q, x, t)  # noqa: E731
            return sharpness_samples(loss, p, s, n_samples, k, exclude), loss(p)

        return jax.jit(jax.vmap(one, in_axes=(0, 0, 0, 0, None)))

    # one program per loss and shape, reused by later calls (the radii are traced): a sweep that
    # measures many groups of models of one shape compiles it once
    program = cached_program(
        ("sharpness_many", fn_key(loss_fn), int(n_samples), tuple(exclude)), build
    )
    samples, base = program(stacked_params, X, y, keys, sigmas)
    samples = np.asarray(samples, dtype=np.float64)
    return Sharpness(
        sigmas=np.asarray(sigmas),
        mean=samples.mean(axis=-1),
        stderr=samples.std(axis=-1, ddof=1) / np.sqrt(n_samples),
        base_loss=np.asarray(base),
        n_samples=int(n_samples),
    )


def hessian_trace(
    loss_fn: LossFn, params: Params, n_probes: int = 64, seed: int = 0
) -> tuple[float, float]:
    """Hutchinson estimate of ``tr(∇²L(θ))`` with Rademacher probes.

    Returns
    -------
    tuple of float
        ``(estimate, standard error)``; ``E[vᵀ H v] = tr H`` for ``v`` with independent ±1 entries.
    """
    if n_probes < 2:
        raise ValueError(f"n_probes must be at least 2, got {n_probes}")
    grad = jax.grad(loss_fn)

    def quad(k: jax.Array) -> jax.Array:
        v = _random_like(k, params, jax.random.rademacher)
        return _tree_dot(v, jax.jvp(grad, (params,), (v,))[1])

    vals = np.asarray(
        jax.jit(lambda k: jax.lax.map(quad, jax.random.split(k, n_probes)))(jax.random.key(seed)),
        dtype=np.float64,
    )
    return float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(n_probes))


def layernorm_input_std(params: Params, tokens: ArrayLike, cfg: Any) -> jax.Array:
    """Standard deviation (over features) of the input of every LayerNorm of a transformer.

    LayerNorm divides its input by this number, so its inverse is the *blowup* factor by which the
    normalisation amplifies small inputs (and small perturbations of them), the quantity that enters
    Hahn & Rofin's trade-off between sharpness and LayerNorm blowup.

    Parameters
    ----------
    params, cfg
        A :func:`biasbook.nets.models.init_transformer` parameter pytree and its
        ``TransformerConfig``.
    tokens
        Integer inputs ``[m, T]``.

    Returns
    -------
    jax.Array
        ``[n_layernorms, m, T']`` in the order the forward pass applies them (``ln1``, ``ln2`` of
        each block, then ``ln_f`` if there is one); ``T'`` includes the ``[CLS]`` position if
        the model has one.
        Pure JAX: usable under ``jit``/``vmap``.
    """
    from unittest import mock

    from biasbook.nets import models

    if not cfg.layernorm:
        raise ValueError("this transformer has no LayerNorm (TransformerConfig.layernorm=False)")
    records: list[jax.Array] = []
    original = models._layernorm

    def recording(p: Params, x: jax.Array, eps: float = 1e-5) -> jax.Array:
        records.append(jnp.std(x, axis=-1))
        return original(p, x, eps)

    # The model applies LayerNorm through the module-level helper; recording its inputs while the
    # forward pass runs (or is traced) gives exactly the tensors LayerNorm sees, with no second
    # implementation of the transformer that could drift from the real one.
    with mock.patch.object(models, "_layernorm", recording):
        models.apply_transformer(params, jnp.asarray(tokens), cfg, all_positions=True)
    return jnp.stack(records)
