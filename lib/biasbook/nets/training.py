"""The batched training engine: many small models trained as one computation.

:func:`train_many` trains ``n_models`` models (different seeds, data sets, sample sizes, ...) of the
same architecture at once: their parameters are stacked along a leading models axis, one step of
all models is a single ``jax.vmap``-ed computation, and ``lax.scan`` runs ``log_every`` steps per
call without returning to Python. The models axis is sharded over the available devices (on a CPU,
one device per core, see :mod:`biasbook.nets.devices`) and, on each device, processed in groups
small enough to stay in cache. Each call is compiled once per shape and reused (the compiled
functions are cached across calls, also across different learning rates, step counts and stopping
thresholds, which are traced rather than static).

:func:`biasbook.nets.train_one.train_one` is the reference: the same algorithm for one model
written as a plain Python loop over jitted steps. The two agree to float tolerance for the same key
(tested), so a chapter may use either; ``train_many`` is the fast one.

Algorithm (identical in both)
-----------------------------
* ``key`` of a model is split into ``(k_init, k_data)``; parameters are ``init_fn(k_init)``.
* Step ``t`` (0-based) uses either the full training set (``batch_size=None``; loss and accuracy are
  weighted means over the real examples) or a minibatch of ``batch_size`` indices drawn uniformly
  *with replacement* among the real examples with ``jax.random.fold_in(k_data, t)``.
* The optimiser is optax AdamW (``weight_decay=0`` gives Adam) or plain SGD, optionally after
  clipping the gradient's global norm.
* Metrics are logged at steps ``0, log_every, 2 log_every, ...`` and at the last step, on the full
  training (and test) set.
* Early stopping per model (``stop_train_acc``): a model whose training accuracy reaches the
  threshold is frozen (its updates are masked) from then on. The accuracy is checked at every
  logging point and, with full-batch training, also before every step (it is a by-product of the
  step's forward pass). ``steps_run`` counts the updates a model actually received.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from dataclasses import dataclass
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from biasbook.nets.compiled import (
    _COMPILED,
    COMPILER_OPTIONS,
    INIT_COMPILER_OPTIONS,
    cached_program,
    cpu_options,
    fn_key,
)
from biasbook.nets.devices import engine_devices
from biasbook.nets.steps import (
    ApplyFn,
    InitFn,
    Params,
    as_keys,
    check_logistic,
    chunked_metrics,
    logged_steps,
    make_optimizer,
    metrics,
    prepare_targets,
    prepare_weights,
    sample_indices,
    static_key,
    traced_hyper,
)
from biasbook.store.progress import progress_bar

_LOSSES = ("logistic", "mse", "xent")
_OPTIMIZERS = ("adamw", "sgd")


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of a training run.

    Parameters
    ----------
    steps
        Number of optimiser steps.
    learning_rate
        Step size.
    batch_size
        Minibatch size (sampled with replacement from the real examples), or ``None`` for full-batch
        training.
    weight_decay
        Decoupled weight decay of AdamW (ignored by SGD); none by default.
    loss
        ``"logistic"``: targets ``±1``, one output logit, loss ``log(1 + exp(-y f))``;
        ``"mse"``: real targets, loss ``(f - y)^2`` (summed over outputs), accuracy by sign (one
        output) or argmax (several);
        ``"xent"``: integer class labels, softmax cross-entropy of ``k`` logits.
    log_every
        Steps between logged metrics (also the length of one compiled ``scan`` chunk).
        ``None``: chunks of ``ceil(steps / 20)`` steps, so at most 20 logged points after
        step 0 (exactly 20 where 20 divides ``steps``).
    stop_train_acc
        Freeze a model once its training accuracy is ``>=`` this value (``None``: never).
    grad_clip
        Clip the gradient to this global norm before the optimiser (``None``: no clipping).
    optimizer
        ``"adamw"`` or ``"sgd"``.
    b1, b2
        Adam's moment decay rates.
    """

    steps: int
    learning_rate: float
    batch_size: int | None = None
    weight_decay: float = 0.0
    loss: Literal["logistic", "mse", "xent"] = "logistic"
    log_every: int | None = None
    stop_train_acc: float | None = None
    grad_clip: float | None = None
    optimizer: Literal["adamw", "sgd"] = "adamw"
    b1: float = 0.9
    b2: float = 0.999

    def __post_init__(self) -> None:
        if int(self.steps) < 1:
            raise ValueError(f"TrainConfig.steps must be >= 1, got {self.steps}")
        if not self.learning_rate > 0:
            raise ValueError(f"TrainConfig.learning_rate must be > 0, got {self.learning_rate}")
        if self.batch_size is not None and int(self.batch_size) < 1:
            raise ValueError(f"TrainConfig.batch_size must be >= 1 or None, got {self.batch_size}")
        if self.loss not in _LOSSES:
            raise ValueError(f"TrainConfig.loss must be one of {_LOSSES}, got {self.loss!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(
                f"TrainConfig.optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}"
            )
        if self.log_every is not None and int(self.log_every) < 1:
            raise ValueError(f"TrainConfig.log_every must be >= 1, got {self.log_every}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"TrainConfig.grad_clip must be > 0 or None, got {self.grad_clip}")

    @property
    def chunk(self) -> int:
        """Steps per compiled chunk (= ``log_every``, resolved)."""
        if self.log_every is not None:
            return min(int(self.log_every), int(self.steps))
        return max(1, math.ceil(self.steps / 20))


@dataclass
class TrainResult:
    """What :func:`train_many` returns.

    Attributes
    ----------
    params
        Trained parameters, stacked along a leading models axis (``train_one``: unstacked).
    log_steps
        ``int[n_logged]``: the steps at which metrics were logged (0 = before training).
    train_loss, train_acc, test_loss, test_acc
        ``float[n_models, n_logged]`` NumPy arrays (``train_one``: ``[n_logged]``); the test
        arrays are ``None`` without a test set.
    steps_run
        ``int[n_models]``: optimiser updates each model received (fewer than ``steps`` after an
        early stop).
    """

    params: Params
    log_steps: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray | None
    test_acc: np.ndarray | None
    steps_run: np.ndarray

    def params_of(self, i: int) -> Params:
        """Parameters of model ``i`` (un-stacked)."""
        return jax.tree.map(lambda a: a[i], self.params)


#: Models are trained in groups of about this many activation rows (examples x positions) per
#: group: one group's activations stay in the CPU cache, while a group still amortises XLA's fixed
#: per-operation cost over several models. ``None`` vmaps all models at once.
GROUP_ROWS: int | None = 8192


#: Most devices to spread the models over (``None``: every local device;
#: :mod:`biasbook.nets.devices` gives the CPU one device per core). 1 runs all models on one
#: device.
DEVICES: int | None = None


#: Logged metrics are evaluated on the full training (and test) set in chunks of about this many
#: activation rows (examples x positions) per model (:func:`~biasbook.nets.steps.chunked_metrics`).
EVAL_ROWS = 1024


def _eval_rows(x: jax.Array) -> int:
    """Examples per evaluation chunk for one model's inputs ``x[m, ...]``."""
    positions = x.shape[1] if x.ndim >= 2 else 1
    return max(1, EVAL_ROWS // positions)


def _models_layout(
    n_models: int, n_devices: int, X: jax.Array, batch: int | None
) -> tuple[int, int | None, int]:
    """How ``n_models`` models are laid out: (models per device, per group, padding models).

    Every device holds the same whole number of equal groups (:func:`_group_size`); the last
    model's copies fill the gap, so ``n_models + padding = models per device * n_devices``.
    """
    per_device = math.ceil(n_models / n_devices)
    group = _group_size(per_device, X, batch)
    if group is not None:
        per_device = group * math.ceil(per_device / group)
    return per_device, group, per_device * n_devices - n_models


def _models_sharding(mesh: Mesh) -> NamedSharding:
    """Arrays whose leading models axis is split over the mesh's devices."""
    return NamedSharding(mesh, PartitionSpec("models"))


def _group_size(n_models: int, X: jax.Array, batch: int | None) -> int | None:
    """Models per group (``None``: all at once) for inputs ``X[n_models, m, ...]``.

    Groups are of equal size (the caller pads the models to a multiple of it): ``lax.map`` would
    otherwise compile the training step a second time for a smaller last group.
    """
    if GROUP_ROWS is None:
        return None
    rows = (X.shape[1] if batch is None else batch) * (X.shape[2] if X.ndim >= 3 else 1)
    g = max(1, GROUP_ROWS // max(rows, 1))
    if g >= n_models:
        return None
    return math.ceil(n_models / math.ceil(n_models / g))


# --------------------------------------------------------------------------------------------------
# train_many
# --------------------------------------------------------------------------------------------------


def _build_many(
    init_fn: InitFn,
    apply_fn: ApplyFn,
    config: TrainConfig,
    full_batch: bool,
    group: int | None = None,
    mesh: Mesh | None = None,
):
    """Compile-once functions ``(init, chunk)`` for one (model, static config) combination.

    With a ``mesh``, each device trains its own share of the models (``shard_map`` over the
    models axis): the models are independent, so this needs no communication.
    """
    loss = config.loss
    chunk = config.chunk
    batch = None if full_batch else int(config.batch_size)

    def evaluate(params, d):
        tr = chunked_metrics(apply_fn, loss, params, d["x"], d["y"], d["w"], _eval_rows(d["x"]))
        if "xt" in d:
            rows = _eval_rows(d["xt"])
            te = chunked_metrics(apply_fn, loss, params, d["xt"], d["yt"], d["wt"], rows)
        else:
            te = (jnp.float32(jnp.nan), jnp.float32(jnp.nan))
        return jnp.stack([tr[0], tr[1], te[0], te[1]])

    def init_one(key, hyper):
        k_init, _ = jax.random.split(key)
        params = init_fn(k_init)
        return params, make_optimizer(config, hyper["lr"], hyper["wd"], hyper["clip"]).init(params)

    def start_one(params, opt_state, d, hyper):
        m = evaluate(params, d)
        state = {
            "params": params,
            "opt": opt_state,
            "stopped": m[1] >= hyper["thr"],
            "steps_run": jnp.int32(0),
        }
        return state, m

    def chunk_one(state, key, d, hyper, t0):
        _, k_data = jax.random.split(key)
        tx = make_optimizer(config, hyper["lr"], hyper["wd"], hyper["clip"])

        def objective(params, x, y, w):
            return metrics(apply_fn, loss, params, x, y, w)

        grad_fn = jax.value_and_grad(objective, has_aux=True)

        def body(s, t):
            if full_batch:
                x, y, w = d["x"], d["y"], d["w"]
            else:
                idx = sample_indices(k_data, t, d["n_real"], batch)
                x, y, w = d["x"][idx], d["y"][idx], None
            (_, acc), grads = grad_fn(s["params"], x, y, w)
            stop_now = (acc >= hyper["thr"]) if full_batch else jnp.bool_(False)
            active = (t < hyper["steps"]) & ~s["stopped"] & ~stop_now
            updates, new_opt = tx.update(grads, s["opt"], s["params"])
            new_params = optax.apply_updates(s["params"], updates)
            keep = functools.partial(jnp.where, active)
            s = {
                "params": jax.tree.map(keep, new_params, s["params"]),
                "opt": jax.tree.map(keep, new_opt, s["opt"]),
                "stopped": s["stopped"] | (stop_now & (t < hyper["steps"])),
                "steps_run": s["steps_run"] + active.astype(jnp.int32),
            }
            return s, None

        state, _ = jax.lax.scan(body, state, t0 + jnp.arange(chunk, dtype=jnp.int32))
        m = evaluate(state["params"], d)
        state["stopped"] = state["stopped"] | (m[1] >= hyper["thr"])
        return state, m

    # drawing the parameters runs once: compiled cheaply; the first evaluation is a forward pass
    # over the whole training and test sets: compiled as usual
    # (sharded: outputs placed as the training program takes them, or it would compile again)
    out = {} if mesh is None else {"out_shardings": _models_sharding(mesh)}
    draw = jax.jit(
        jax.vmap(init_one, in_axes=(0, None)),
        compiler_options=cpu_options(INIT_COMPILER_OPTIONS),
        **out,
    )
    start = jax.jit(jax.vmap(start_one, in_axes=(0, 0, 0, None)), **out)

    def init(keys, d, hyper):
        return start(*draw(keys, hyper), d, hyper)

    def run_all(state, keys, d, hyper, t0):
        if group is None:
            return jax.vmap(chunk_one, in_axes=(0, 0, 0, None, None))(state, keys, d, hyper, t0)
        return jax.lax.map(lambda a: chunk_one(*a, hyper, t0), (state, keys, d), batch_size=group)

    options = cpu_options(COMPILER_OPTIONS)
    if mesh is not None:
        shard, rep = _models_sharding(mesh).spec, PartitionSpec()
        run_all = jax.shard_map(
            run_all, mesh=mesh, in_specs=(shard, shard, shard, rep, rep), out_specs=shard
        )
        if mesh.devices.flat[0].platform == "cpu":
            # one device per core already: Eigen's thread pool would only add synchronisation
            options.setdefault("xla_cpu_multi_thread_eigen", False)
    run = jax.jit(run_all, donate_argnums=(0,), compiler_options=options)
    return init, run


def _data_dict(X, y, w, X_test, y_test, w_test, full_batch: bool) -> dict[str, jax.Array]:
    """Per-model data; for minibatches the real examples are moved first (sampling by index)."""
    n, m = y.shape[:2]
    d: dict[str, jax.Array] = {"x": jnp.asarray(X), "y": y}
    if w is None:
        w_arr = jnp.ones((n, m), jnp.float32)
    else:
        w_arr = w
    if full_batch:
        d["w"] = w_arr
    else:
        if w is not None:
            # stable sort: real examples first, in their original order
            perm = jnp.argsort(-w_arr, axis=1, stable=True)
            take = jax.vmap(lambda a, p: a[p])
            d["x"], d["y"] = take(d["x"], perm), take(d["y"], perm)
        d["n_real"] = jnp.sum(w_arr, axis=1).astype(jnp.int32)
        d["w"] = w_arr if w is None else jnp.take_along_axis(w_arr, perm, axis=1)
    if X_test is not None:
        d["xt"], d["yt"] = jnp.asarray(X_test), y_test
        d["wt"] = jnp.ones(y_test.shape[:2], jnp.float32) if w_test is None else w_test
    return d


def train_many(
    init_fn: InitFn,
    apply_fn: ApplyFn,
    X: Any,
    y: Any,
    keys: Any,
    config: TrainConfig,
    weights: Any = None,
    X_test: Any = None,
    y_test: Any = None,
    weights_test: Any = None,
    progress: bool | None = None,
) -> TrainResult:
    """Train ``n_models`` models of one architecture as a single batched computation.

    Parameters
    ----------
    init_fn
        ``key -> params`` (e.g. ``functools.partial(init_transformer, cfg=cfg)``).
    apply_fn
        ``(params, X[m, ...]) -> out[m]`` or ``out[m, k]``.
    X, y
        ``X[n_models, m, ...]`` inputs and ``y[n_models, m]`` (or ``[n_models, m, k]`` for
        multi-output ``mse``) targets, one training set per model.
    keys
        ``n_models`` ``jax.random`` keys (initialisation and minibatch draws).
    config
        The hyper-parameters, shared by all models.
    weights
        Optional 0/1 mask ``[n_models, m]`` marking real examples, so that training sets of
        different sizes can be padded into one batch; padding never enters losses, accuracies or
        minibatches.
    X_test, y_test, weights_test
        Optional test sets ``[n_models, m_test, ...]`` (and mask) evaluated at every logging point.
    progress
        Show a progress bar (``None``: only if the run takes more than a few seconds).

    Returns
    -------
    TrainResult
    """
    X = jnp.asarray(X)
    y = prepare_targets(y, config.loss)
    if X.ndim < 2 or y.ndim < 2:
        raise ValueError(
            f"X and y need leading (n_models, m) axes, got X{tuple(X.shape)} y{tuple(y.shape)}"
        )
    n, m = y.shape[:2]
    if X.shape[:2] != (n, m):
        raise ValueError(f"X has leading axes {X.shape[:2]} but y has {(n, m)}")
    keys = as_keys(keys, n)
    w = prepare_weights(weights, (n, m))
    if config.loss == "logistic":
        check_logistic(y, w)
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    yt = wt = None
    if X_test is not None:
        X_test = jnp.asarray(X_test)
        yt = prepare_targets(y_test, config.loss)
        if X_test.shape[0] != n or yt.shape[0] != n or X_test.shape[1] != yt.shape[1]:
            raise ValueError(
                f"X_test{tuple(X_test.shape)} / y_test{tuple(yt.shape)} need leading axes "
                f"(n_models={n}, m_test)"
            )
        wt = prepare_weights(weights_test, tuple(yt.shape[:2]))
        if config.loss == "logistic":
            check_logistic(yt, wt)  # {0, 1} test labels would give a wrong test accuracy
    full_batch = config.batch_size is None

    # spread the models over the devices (cores) in equal groups per device; pad with copies of
    # the last model to a whole number of groups on every device
    devices = engine_devices(n, DEVICES)
    _, group, n_pad = _models_layout(n, len(devices), X, config.batch_size)
    mesh = Mesh(np.array(devices), ("models",)) if len(devices) > 1 else None
    opts = tuple(sorted(COMPILER_OPTIONS.items()))
    dev_ids = tuple(dv.id for dv in devices)
    key = (
        "many",
        fn_key(init_fn),
        fn_key(apply_fn),
        static_key(config, full_batch),
        group,
        opts,
        dev_ids,
    )
    t_start, compiled_before = time.perf_counter(), key in _COMPILED
    init, run = cached_program(
        key, lambda: _build_many(init_fn, apply_fn, config, full_batch, group, mesh)
    )

    d = _data_dict(X, y, w, X_test, yt, wt, full_batch)
    hyper = traced_hyper(config)
    if mesh is not None or n_pad:
        # pad and place each device's share in host memory (slicing or padding arrays already on
        # a device would compile a small program per array shape); init then runs sharded too
        def host_padded(a: Any) -> np.ndarray:
            a = np.asarray(a)
            return np.concatenate([a, np.repeat(a[-1:], n_pad, 0)]) if n_pad else a

        if mesh is None:
            put = jnp.asarray  # uncommitted, as without padding
        else:
            put = functools.partial(jax.device_put, device=_models_sharding(mesh))
        raw = put(host_padded(jax.random.key_data(keys)))
        keys = jax.random.wrap_key_data(raw, impl=jax.random.key_impl(keys))
        d = jax.tree.map(lambda a: put(host_padded(a)), d)
    state, m0 = init(keys, d, hyper)
    logs = [m0]
    log_steps = logged_steps(config)
    n_chunks = len(log_steps) - 1
    bar = progress_bar(
        total=int(config.steps),
        desc=f"train_many ({n} models)",
        show=progress,
        delay=0.0 if progress else 3.0,
        leave=False,
    )
    stopping = config.stop_train_acc is not None
    for c in range(n_chunks):
        state, mc = run(state, keys, d, hyper, jnp.int32(c * config.chunk))
        logs.append(mc)
        bar.update(int(log_steps[c + 1] - log_steps[c]))
        if stopping and bool(jnp.all(state["stopped"])):
            # every model is frozen: later logs would repeat the last one exactly
            logs.extend([mc] * (n_chunks - 1 - c))
            break
    bar.close()
    metrics = np.stack([np.asarray(x)[:n] for x in logs], axis=1)  # [n, n_logged, 4]
    has_test = X_test is not None
    params = state["params"]
    if mesh is not None or n_pad:
        # plain single-device arrays without the padding models, like an unsharded run returns
        params = jax.tree.map(lambda a: jax.device_put(np.asarray(a)[:n]), params)
    result = TrainResult(
        params=params,
        log_steps=log_steps,
        train_loss=metrics[..., 0],
        train_acc=metrics[..., 1],
        test_loss=metrics[..., 2] if has_test else None,
        test_acc=metrics[..., 3] if has_test else None,
        steps_run=np.asarray(state["steps_run"])[:n],
    )
    if os.environ.get(TRAIN_LOG_ENV):
        _log_call(
            os.environ[TRAIN_LOG_ENV],
            n_models=n,
            x_shape=list(X.shape[1:]),
            batch_size=config.batch_size,
            steps=int(config.steps),
            mean_steps_run=float(np.mean(result.steps_run)),
            devices=len(devices),
            group=group,
            new_program=not compiled_before,
            wall_s=time.perf_counter() - t_start,
        )
    return result


#: Environment variable naming a file to which every ``train_many`` call appends one JSON line
#: (its shapes, steps and wall time), to find out which workloads a chapter runs.
TRAIN_LOG_ENV = "BIASBOOK_TRAIN_LOG"


def _log_call(path: str, **record: Any) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
