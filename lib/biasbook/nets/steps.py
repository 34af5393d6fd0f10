"""The pieces of a training step that both trainers share, so that they run one algorithm.

:func:`biasbook.nets.training.train_many` (many models as one computation) and
:func:`biasbook.nets.train_one.train_one` (the per-model reference loop) build their steps from
these: the per-example losses and their masked means, the minibatch draw, the optimiser, the
traced and static parts of a :class:`~biasbook.nets.training.TrainConfig`, and the checks of the
inputs. The algorithm itself is described in :mod:`biasbook.nets.training`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

if TYPE_CHECKING:  # only for annotations: training.py imports this module
    from biasbook.nets.training import TrainConfig

Params = Any
InitFn = Callable[[jax.Array], Params]
ApplyFn = Callable[[Params, jax.Array], jax.Array]


# --------------------------------------------------------------------------------------------------
# Losses, sampling, optimiser
# --------------------------------------------------------------------------------------------------


def per_example(out: jax.Array, y: jax.Array, loss: str) -> tuple[jax.Array, jax.Array]:
    """Per-example loss and correctness (both ``float32[m]``)."""
    if loss == "xent":
        if out.ndim != 2:
            raise ValueError(f"loss='xent' needs outputs [m, k], got shape {out.shape}")
        logp = jax.nn.log_softmax(out, axis=-1)
        ell = -jnp.take_along_axis(logp, y[:, None].astype(jnp.int32), axis=-1)[:, 0]
        correct = jnp.argmax(out, axis=-1) == y
        return ell, correct.astype(jnp.float32)
    if out.ndim == 2 and out.shape[-1] == 1 and y.ndim == 1:
        out = out[:, 0]
    if out.shape != y.shape:
        raise ValueError(f"model output shape {out.shape} does not match targets {y.shape}")
    if loss == "logistic":
        if out.ndim != 1:
            raise ValueError("loss='logistic' needs one logit per example")
        ell = jax.nn.softplus(-y * out)
        correct = (out > 0) == (y > 0)
    else:  # mse
        sq = jnp.square(out - y)
        if out.ndim == 1:
            ell = sq
            correct = (out > 0) == (y > 0)
        else:
            ell = jnp.sum(sq, axis=-1)
            correct = jnp.argmax(out, axis=-1) == jnp.argmax(y, axis=-1)
    return ell, correct.astype(jnp.float32)


def weighted_mean(v: jax.Array, w: jax.Array | None) -> jax.Array:
    if w is None:
        return jnp.mean(v)
    return jnp.sum(v * w) / jnp.maximum(jnp.sum(w), 1.0)


def metrics(apply_fn: ApplyFn, loss: str, params: Params, x, y, w) -> tuple[jax.Array, jax.Array]:
    ell, correct = per_example(apply_fn(params, x), y, loss)
    return weighted_mean(ell, w), weighted_mean(correct, w)


def chunked_metrics(
    apply_fn: ApplyFn, loss: str, params: Params, x, y, w, rows: int
) -> tuple[jax.Array, jax.Array]:
    """:func:`metrics` over ``x[m, ...]`` in chunks of ``rows`` examples (``lax.map``).

    The same weighted means up to the order of float summation. Why: a forward pass over a whole
    table (say 2**14 strings of 14 tokens for several models at once) has activations of hundreds
    of megabytes, and on a CPU is bound by memory traffic; chunks whose activations stay in cache
    run several times faster. ``rows >= m`` is exactly :func:`metrics`.
    """
    m = x.shape[0]
    if rows >= m:
        return metrics(apply_fn, loss, params, x, y, w)
    k = -(-m // rows)
    pad = k * rows - m
    w_all = jnp.ones((m,), jnp.float32) if w is None else w

    def padded(a: jax.Array) -> jax.Array:
        # padding rows repeat example 0 (a valid input) and get weight 0 below
        a = jnp.concatenate([a, jnp.repeat(a[:1], pad, axis=0)]) if pad else a
        return a.reshape(k, rows, *a.shape[1:])

    ws = jnp.concatenate([w_all, jnp.zeros((pad,), jnp.float32)]).reshape(k, rows)

    def one(a: tuple[jax.Array, jax.Array, jax.Array]) -> jax.Array:
        ell, correct = per_example(apply_fn(params, a[0]), a[1], loss)
        return jnp.stack([jnp.sum(ell * a[2]), jnp.sum(correct * a[2])])

    sums = jnp.sum(jax.lax.map(one, (padded(x), padded(y), ws)), axis=0)
    total = jnp.maximum(jnp.sum(w_all), 1.0)
    return sums[0] / total, sums[1] / total


def sample_indices(k_data: jax.Array, t: jax.Array, n_real: jax.Array, batch: int) -> jax.Array:
    """Minibatch indices for step ``t``: uniform with replacement in ``[0, n_real)``."""
    return jax.random.randint(jax.random.fold_in(k_data, t), (batch,), 0, n_real)


def make_optimizer(config: TrainConfig, lr, wd, clip) -> optax.GradientTransformation:
    """The optimiser; ``lr``, ``wd`` and ``clip`` may be traced scalars (no recompilation)."""
    if config.optimizer == "adamw":
        tx = optax.adamw(lr, b1=config.b1, b2=config.b2, weight_decay=wd)
    else:
        tx = optax.sgd(lr)
    if config.grad_clip is not None:
        tx = optax.chain(optax.clip_by_global_norm(clip), tx)
    return tx


def traced_hyper(config: TrainConfig) -> dict[str, jax.Array]:
    """The traced hyper-parameters (changing them does not recompile)."""
    thr = config.stop_train_acc
    return {
        "lr": jnp.float32(config.learning_rate),
        "wd": jnp.float32(config.weight_decay),
        "clip": jnp.float32(config.grad_clip or 1.0),
        "steps": jnp.int32(config.steps),
        # +inf disables stopping; accuracies are <= 1.
        "thr": jnp.float32(np.inf if thr is None else thr),
    }


def static_key(config: TrainConfig, full_batch: bool) -> tuple:
    """The parts of the config that change the compiled program."""
    return (
        config.loss,
        None if full_batch else int(config.batch_size),
        config.chunk,
        config.grad_clip is not None,
        config.optimizer,
        config.b1,
        config.b2,
    )


# --------------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------------


def as_keys(keys: Any, n: int | None = None) -> jax.Array:
    keys = jnp.asarray(keys) if not isinstance(keys, jax.Array) else keys
    if not jnp.issubdtype(keys.dtype, jax.dtypes.prng_key):
        if keys.dtype != jnp.uint32 or keys.shape[-1:] != (2,):
            raise ValueError(
                "keys must be jax.random keys, e.g. jax.random.split(jax.random.key(seed), n)"
            )
        keys = jax.random.wrap_key_data(keys)
    if n is not None and keys.shape != (n,):
        raise ValueError(f"expected {n} keys (one per model), got key array of shape {keys.shape}")
    return keys


def prepare_targets(y: Any, loss: str) -> jax.Array:
    y = np.asarray(y)
    if loss == "xent":
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"loss='xent' needs integer class labels, got dtype {y.dtype}")
        return jnp.asarray(y, jnp.int32)
    return jnp.asarray(y, jnp.float32)


def check_logistic(y: np.ndarray, w: np.ndarray | None) -> None:
    real = np.asarray(y) if w is None else np.asarray(y)[np.asarray(w) > 0]
    if real.size and not np.all(np.isin(real, (-1.0, 1.0))):
        raise ValueError("loss='logistic' needs targets in {-1, +1}; map {0, 1} labels by 2y - 1")


def prepare_weights(weights: Any, shape: tuple[int, ...]) -> jax.Array | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float32)
    if w.shape != shape:
        raise ValueError(f"weights must have shape {shape} (models, examples), got {w.shape}")
    if not np.all((w == 0) | (w == 1)):
        raise ValueError("weights must be a 0/1 mask marking the real (non-padding) examples")
    if np.any(w.reshape(-1, shape[-1]).sum(axis=-1) == 0):
        raise ValueError("every model needs at least one real training example (weights all 0)")
    return jnp.asarray(w)


def logged_steps(config: TrainConfig) -> np.ndarray:
    n_chunks = math.ceil(config.steps / config.chunk)
    return np.minimum(np.arange(n_chunks + 1) * config.chunk, config.steps)


def is_typed_key(key: Any) -> bool:
    return isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
