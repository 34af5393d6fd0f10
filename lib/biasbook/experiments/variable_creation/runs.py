"""The variable-creation chapter's experiment: sample-complexity sweeps of trained learners.

:func:`run_sweeps` trains a one-layer transformer or an MLP on s-sparse targets for every
``(seed, m)`` at once with :func:`biasbook.nets.training.train_many`, padding the different
training-set sizes into one batch with the ``weights`` mask; :func:`summarise_sweep` turns the
final accuracies into thresholds (:mod:`biasbook.maths.thresholds`) and growth-law fits
(:mod:`biasbook.maths.growth_fits`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from biasbook.maths.growth_fits import FitComparison, compare_fits
from biasbook.maths.sparse_tasks import (
    TARGET_NAMES,
    check_sizes,
    check_target_name,
    make_task,
    sample_dataset,
)
from biasbook.maths.thresholds import (
    bootstrap_threshold,
    check_grid,
    grid_threshold,
    success_fraction,
)
from biasbook.store.progress import progress_bar

MODELS = ("transformer", "mlp")


# --------------------------------------------------------------------------------------------------
# The experiment
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    """Final accuracies of every trained model of a sweep.

    Attributes
    ----------
    model, target, s
        What was trained on what.
    Ts, ms
        Sequence lengths and the training-set sizes (shared by all ``T``).
    test_acc, train_acc
        ``float[len(Ts), n_seeds, len(ms)]`` after the last step.
    settings
        The architecture and training hyper-parameters used.
    """

    model: str
    target: str
    s: int
    Ts: tuple[int, ...]
    ms: tuple[int, ...]
    test_acc: np.ndarray
    train_acc: np.ndarray
    settings: dict[str, Any]

    @property
    def n_seeds(self) -> int:
        """Seeds per grid point."""
        return self.test_acc.shape[1]


def _model_fns(model: str, T: int, arch: dict[str, Any]):
    import jax  # noqa: F401  (imported lazily: the analysis part of this module needs NumPy only)

    if model == "transformer":
        from biasbook.nets.models import TransformerConfig, init_transformer
        from biasbook.nets.readouts import apply_cls_one_layer

        cfg = TransformerConfig(vocab_size=2, max_len=T, n_layers=1, readout="cls", **arch)
        return (
            functools.partial(init_transformer, cfg=cfg),
            functools.partial(_apply_logit, apply_cls_one_layer, cfg=cfg),
        )
    from biasbook.nets.models import MLPConfig, apply_mlp, init_mlp

    cfg = MLPConfig(input_dim=2 * T, vocab_size=2, **arch)
    return functools.partial(init_mlp, cfg=cfg), functools.partial(_apply_logit, apply_mlp, cfg=cfg)


def _apply_logit(apply, params, x, cfg):
    return apply(params, x, cfg)[:, 0]


def check_sweep_args(model: str, target: str, s: int, Ts: Sequence[int], ms: Sequence[int]) -> None:
    """Raise a clear ``ValueError`` for an unknown model/target, an empty grid or ``s > T``."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    check_target_name(target)
    if len(Ts) == 0:
        raise ValueError("the grid of sequence lengths T is empty; give at least one T")
    check_grid(ms)
    if any(int(m) != m or m < 1 for m in ms):
        raise ValueError(f"training-set sizes must be positive integers, got {list(ms)}")
    for T in Ts:
        check_sizes(T, s)


def run_sweep(
    model: Literal["transformer", "mlp"],
    target: str,
    s: int,
    Ts: Sequence[int],
    ms: Sequence[int],
    n_seeds: int,
    arch: dict[str, Any],
    steps: int,
    learning_rate: float,
    batch_size: int,
    m_test: int = 1000,
    seed: int = 0,
    progress: bool | None = None,
    cache: bool = True,
) -> SweepResult:
    """:func:`run_sweeps` for one target."""
    return run_sweeps(
        model,
        {target: Ts},
        s,
        ms,
        n_seeds,
        arch,
        steps,
        learning_rate,
        batch_size,
        m_test=m_test,
        seed=seed,
        progress=progress,
        cache=cache,
    )[check_target_name(target)]


def run_sweeps(
    model: Literal["transformer", "mlp"],
    grids: Mapping[str, Sequence[int]],
    s: int,
    ms: Sequence[int],
    n_seeds: int,
    arch: dict[str, Any],
    steps: int,
    learning_rate: float,
    batch_size: int,
    m_test: int = 1000,
    seed: int = 0,
    progress: bool | None = None,
    cache: bool = True,
) -> dict[str, SweepResult]:
    """Train every ``(target, seed, m)`` model of one ``T`` as one :func:`train_many` call.

    Seed ``i`` fixes the task (its support), one pool of ``max(ms)`` training samples and a test set
    of ``m_test`` samples; the model for size ``m`` trains on the first ``m`` samples of the pool
    (nested training sets), marked by the ``weights`` mask. All models use minibatches of
    ``batch_size`` drawn with replacement from their own ``m`` examples, so a step costs the same
    for every ``m`` and padding costs memory only. Logistic loss, Adam (no weight decay). Training
    several targets together only saves compilation: every model's data and key depend on its own
    ``(T, target, seed, m)`` alone, so the results do not depend on the grouping.

    Parameters
    ----------
    model
        ``"transformer"`` (one layer, ``[CLS]`` readout; ``arch`` holds ``d_model``, ``n_heads``,
        ``d_mlp``, ...) or ``"mlp"`` (on the flattened one-hot sequence; ``arch`` holds ``hidden``).
    grids
        ``{target: sequence lengths}``, e.g. ``{"and": (8, 16, 32), "parity": (8, 16)}``.
    s
        Number of relevant bits (see :mod:`biasbook.maths.sparse_tasks`; inputs balanced).
    ms
        Training-set sizes (shared by all targets and lengths).
    n_seeds
        Independent tasks, data sets and initialisations per ``(T, m)``.
    steps, learning_rate, batch_size
        Optimisation (identical for every model).
    m_test
        Fresh test samples per seed.
    seed
        Base seed of everything random.
    progress
        Show progress bars (``None``: automatic).
    cache
        Reuse results stored by :func:`biasbook.store.cache.cached` (one entry per ``T``).

    Returns
    -------
    dict
        ``{target: SweepResult}``.
    """
    from biasbook.nets.training import TrainConfig
    from biasbook.store.cache import cached

    if not grids:
        raise ValueError("no targets given; pass e.g. {'and': (8, 16, 32)}")
    grids = {check_target_name(t): tuple(int(T) for T in Ts) for t, Ts in grids.items()}
    for target, Ts in grids.items():
        check_sweep_args(model, target, s, Ts, ms)
    if n_seeds < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
    ms = tuple(int(m) for m in ms)
    config = TrainConfig(
        steps=steps,
        learning_rate=learning_rate,
        batch_size=batch_size,
        loss="logistic",
        log_every=max(1, steps // 4),
    )
    all_T = sorted({T for Ts in grids.values() for T in Ts})
    acc: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
    label = f"{model} on {', '.join(grids)}: T"
    for T in progress_bar(all_T, desc=label, show=progress):
        targets = [t for t in grids if T in grids[t]]
        args = {
            "model": model,
            "targets": targets,
            "s": int(s),
            "T": int(T),
            "ms": list(ms),
            "n_seeds": int(n_seeds),
            "arch": {k: list(v) if isinstance(v, tuple) else v for k, v in arch.items()},
            "steps": int(steps),
            "learning_rate": float(learning_rate),
            "batch_size": int(batch_size),
            "m_test": int(m_test),
            "seed": int(seed),
        }
        run = functools.partial(_train_at_T, args, config, arch, progress)
        test, train = cached("sparse-sample-complexity", args, run) if cache else run()
        for k, target in enumerate(targets):
            acc[target, T] = (test[k], train[k])
    settings = {
        "arch": dict(arch),
        "steps": steps,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "m_test": m_test,
        "seed": seed,
        "optimizer": "adam",
        "loss": "logistic",
    }
    return {
        target: SweepResult(
            model=model,
            target=target,
            s=int(s),
            Ts=Ts,
            ms=ms,
            test_acc=np.stack([acc[target, T][0] for T in Ts]),
            train_acc=np.stack([acc[target, T][1] for T in Ts]),
            settings=settings,
        )
        for target, Ts in grids.items()
    }


def _train_at_T(
    args: dict[str, Any], config: Any, arch: dict[str, Any], progress: bool | None
) -> tuple[np.ndarray, np.ndarray]:
    """Train all ``(target, seed, m)`` models at one ``T``.

    Returns final test and train accuracies, each ``[n_targets, n_seeds, n_m]``.
    """
    import jax

    from biasbook.nets.training import train_many

    T, s, ms, n_seeds, seed = args["T"], args["s"], args["ms"], args["n_seeds"], args["seed"]
    targets = args["targets"]
    m_max, n_m = max(ms), len(ms)
    X, y, Xt, yt, keys = [], [], [], [], []
    base = jax.random.fold_in(jax.random.key(seed), T)
    for target in targets:
        k_target = jax.random.fold_in(base, TARGET_NAMES.index(target))
        for i in range(n_seeds):
            task_seed = 1000 * seed + i
            task = make_task(target, T, s, seed=task_seed)
            xi, yi = sample_dataset(task, m_max, seed=2 * task_seed)
            xti, yti = sample_dataset(task, args["m_test"], seed=2 * task_seed + 1)
            X.append(xi)
            y.append(yi)
            Xt.append(xti)
            yt.append(yti)
            keys.append(jax.random.split(jax.random.fold_in(k_target, i), n_m))
    # models ordered (target, seed, m); data repeated over m (int8 keeps the padded batch small)
    X = np.repeat(np.stack(X).astype(np.int8), n_m, axis=0)
    y = np.repeat(np.stack(y), n_m, axis=0)
    Xt = np.repeat(np.stack(Xt).astype(np.int8), n_m, axis=0)
    yt = np.repeat(np.stack(yt), n_m, axis=0)
    mask = (np.arange(m_max)[None, :] < np.array(ms)[:, None]).astype(np.float32)  # [n_m, m_max]
    w = np.tile(mask, (len(targets) * n_seeds, 1))
    init_fn, apply_fn = _model_fns(args["model"], T, arch)
    result = train_many(
        init_fn,
        apply_fn,
        X,
        y,
        jax.numpy.concatenate(keys),
        config,
        weights=w,
        X_test=Xt,
        y_test=yt,
        progress=progress,
    )
    shape = (len(targets), n_seeds, n_m)
    return result.test_acc[:, -1].reshape(shape), result.train_acc[:, -1].reshape(shape)


@dataclass(frozen=True)
class SweepSummary:
    """Thresholds of a sweep with bootstrap error bars and the two scaling fits.

    Attributes
    ----------
    Ts
        Sequence lengths.
    m_star, low, high
        Threshold (most seeds reach the target accuracy) and its bootstrap interval, per ``T``.
    censored
        :class:`Threshold` censoring per ``T``.
    sigma
        Uncertainty used to weight the fits: half the bootstrap interval, at least ``rel_floor``
        times ``m*`` (the grid resolution), ``m*`` itself if the interval is unbounded.
    fits
        :class:`FitComparison` over the uncensored ``T``, or ``None`` with fewer than 3 of them.
    """

    Ts: np.ndarray
    m_star: np.ndarray
    low: np.ndarray
    high: np.ndarray
    censored: tuple[str, ...]
    sigma: np.ndarray
    fits: FitComparison | None

    @property
    def uncensored(self) -> np.ndarray:
        """Boolean mask of the ``T`` whose threshold lies inside the grid."""
        return np.array([c == "none" for c in self.censored])

    def growth(self) -> float:
        """``m*(largest T) / m*(smallest T)`` (``inf`` if the largest ``T`` never succeeds)."""
        return float(self.m_star[-1] / self.m_star[0])


def summarise_sweep(
    result: SweepResult,
    target_acc: float,
    level: float = 0.5,
    n_boot: int = 2000,
    seed: int = 0,
    rel_floor: float = 0.1,
) -> SweepSummary:
    """Thresholds, bootstrap intervals and log-T / T fits of a :class:`SweepResult`."""
    ms = np.asarray(result.ms, dtype=np.float64)
    m_star, low, high, censored = [], [], [], []
    for acc in result.test_acc:
        th = grid_threshold(ms, success_fraction(acc, target_acc), level)
        lo, hi = bootstrap_threshold(ms, acc, target_acc, level, n_boot=n_boot, seed=seed)
        m_star.append(th.value)
        censored.append(th.censored)
        low.append(lo)
        high.append(hi)
    m_star, low, high = np.array(m_star), np.array(low), np.array(high)
    with np.errstate(invalid="ignore"):  # inf - inf where both ends are censored
        half = np.where(np.isfinite(high - low), (high - low) / 2.0, m_star)
    sigma = np.maximum(half, rel_floor * m_star)
    ok = np.array([c == "none" for c in censored])
    Ts = np.asarray(result.Ts, dtype=np.float64)
    fits = compare_fits(Ts[ok], m_star[ok], sigma[ok]) if ok.sum() >= 3 else None
    return SweepSummary(Ts, m_star, low, high, tuple(censored), sigma, fits)
