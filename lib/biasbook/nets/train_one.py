"""``train_one``: the reference trainer, one model by a plain Python loop over jitted steps.

It runs the algorithm of :mod:`biasbook.nets.training` for one model, built from the same pieces
(:mod:`biasbook.nets.steps`), so that :func:`~biasbook.nets.training.train_many` can be tested
against it (the two agree to float tolerance for the same key) and benchmarked against it.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from biasbook.nets.compiled import INIT_COMPILER_OPTIONS, cached_program, cpu_options, fn_key
from biasbook.nets.steps import (
    ApplyFn,
    InitFn,
    as_keys,
    check_logistic,
    is_typed_key,
    logged_steps,
    make_optimizer,
    metrics,
    prepare_targets,
    prepare_weights,
    sample_indices,
    static_key,
    traced_hyper,
)
from biasbook.nets.training import TrainConfig, TrainResult


def _build_one(init_fn: InitFn, apply_fn: ApplyFn, config: TrainConfig, full_batch: bool):
    loss = config.loss
    batch = None if full_batch else int(config.batch_size)

    @functools.partial(jax.jit, compiler_options=cpu_options(INIT_COMPILER_OPTIONS))
    def init(key, hyper):
        k_init, k_data = jax.random.split(key)
        params = init_fn(k_init)
        return (
            params,
            make_optimizer(config, hyper["lr"], hyper["wd"], hyper["clip"]).init(params),
            k_data,
        )

    @jax.jit
    def evaluate(params, x, y, w):
        return jnp.stack(metrics(apply_fn, loss, params, x, y, w))

    @jax.jit
    def step(params, opt_state, k_data, t, x, y, w, n_real, hyper):
        if not full_batch:
            idx = sample_indices(k_data, t, n_real, batch)
            x, y, w = x[idx], y[idx], None

        def objective(p):
            return metrics(apply_fn, loss, p, x, y, w)

        (_, acc), grads = jax.value_and_grad(objective, has_aux=True)(params)
        tx = make_optimizer(config, hyper["lr"], hyper["wd"], hyper["clip"])
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, acc

    return init, evaluate, step


def train_one(
    init_fn: InitFn,
    apply_fn: ApplyFn,
    X: Any,
    y: Any,
    key: Any,
    config: TrainConfig,
    weights: Any = None,
    X_test: Any = None,
    y_test: Any = None,
    weights_test: Any = None,
) -> TrainResult:
    """Train one model by a plain Python loop over jitted steps (reference for ``train_many``).

    Same arguments as :func:`train_many` without the models axis (``X[m, ...]``, ``y[m]``, one
    ``key``). The result's arrays have no models axis (``train_loss[n_logged]``, ``steps_run``
    a 0-d array) and ``params`` are unstacked. For the same key and data the numbers equal those
    of the corresponding model in ``train_many`` to float tolerance.
    """
    X = jnp.asarray(X)
    y = prepare_targets(y, config.loss)
    if X.shape[:1] != y.shape[:1]:
        raise ValueError(f"X{tuple(X.shape)} and y{tuple(y.shape)} need the same number of rows")
    key = as_keys(jnp.asarray(key)[None])[0] if not is_typed_key(key) else key
    m = y.shape[0]
    w = prepare_weights(weights, (m,))
    if config.loss == "logistic":
        check_logistic(y, w)
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    full_batch = config.batch_size is None
    init, evaluate, step = cached_program(
        ("one", fn_key(init_fn), fn_key(apply_fn), static_key(config, full_batch)),
        lambda: _build_one(init_fn, apply_fn, config, full_batch),
    )
    hyper = traced_hyper(config)
    thr = np.inf if config.stop_train_acc is None else config.stop_train_acc
    w_full = jnp.ones((m,), jnp.float32) if w is None else w
    if not full_batch and w is not None:
        perm = jnp.argsort(-w_full, stable=True)
        X, y, w_full = X[perm], y[perm], w_full[perm]
    n_real = jnp.int32(int(np.asarray(w_full).sum()))
    if X_test is not None:
        X_test = jnp.asarray(X_test)
        yt = prepare_targets(y_test, config.loss)
        wt = prepare_weights(weights_test, (yt.shape[0],))
        if config.loss == "logistic":
            check_logistic(yt, wt)
        wt = jnp.ones((yt.shape[0],), jnp.float32) if wt is None else wt

    params, opt_state, k_data = init(key, hyper)
    logs: list[np.ndarray] = []

    def log() -> bool:
        tr = np.asarray(evaluate(params, X, y, w_full))
        te = (
            np.asarray(evaluate(params, X_test, yt, wt))
            if X_test is not None
            else np.array([np.nan, np.nan], np.float32)
        )
        logs.append(np.concatenate([tr, te]))
        return bool(tr[1] >= thr)

    stopped = log()
    steps_run = 0
    log_steps = logged_steps(config)
    for t in range(config.steps):
        if not stopped:
            new_params, new_opt, acc = step(
                params, opt_state, k_data, jnp.int32(t), X, y, w_full, n_real, hyper
            )
            if full_batch and float(acc) >= thr:
                stopped = True  # already good before this step: do not apply it
            else:
                params, opt_state = new_params, new_opt
                steps_run += 1
        if t + 1 in log_steps:
            stopped = log() or stopped
    metrics = np.stack(logs)
    has_test = X_test is not None
    return TrainResult(
        params=params,
        log_steps=log_steps,
        train_loss=metrics[:, 0],
        train_acc=metrics[:, 1],
        test_loss=metrics[:, 2] if has_test else None,
        test_acc=metrics[:, 3] if has_test else None,
        steps_run=np.asarray(steps_run),
    )
