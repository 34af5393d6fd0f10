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
    thresholds,
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
    support_mass, qk_norm
        Transformers only (else ``None``), ``float[len(Ts), n_seeds, len(ms), n_heads]`` after
        training: the ``[CLS]`` query's attention mass on the ``s`` relevant positions (mean over
        test inputs) and ``||W_Q W_K^T||_F / sqrt(d_head)`` of each head
        (:func:`biasbook.nets.readouts.cls_attention`, :func:`~biasbook.nets.readouts.qk_norms`).
    test_curve, log_steps
        With ``curves=True`` (else ``None``): test accuracy at every logged step,
        ``float[len(Ts), n_seeds, len(ms), n_logged]``, and those steps (0 = before training).
    """

    model: str
    target: str
    s: int
    Ts: tuple[int, ...]
    ms: tuple[int, ...]
    test_acc: np.ndarray
    train_acc: np.ndarray
    settings: dict[str, Any]
    support_mass: np.ndarray | None = None
    qk_norm: np.ndarray | None = None
    test_curve: np.ndarray | None = None
    log_steps: np.ndarray | None = None

    @property
    def n_seeds(self) -> int:
        """Seeds per grid point."""
        return self.test_acc.shape[1]


#: Test inputs per model on which the trained attention is measured (enough for a mean mass to
#: about 1 %, few enough to keep the probe's ``[inputs, T, heads]`` array small at T = 2048).
N_PROBE = 200


def _transformer_cfg(T: int, arch: dict[str, Any]):
    from biasbook.nets.models import TransformerConfig

    return TransformerConfig(vocab_size=2, max_len=T, n_layers=1, readout="cls", **arch)


def _model_fns(model: str, T: int, arch: dict[str, Any]):
    import jax  # noqa: F401  (imported lazily: the analysis part of this module needs NumPy only)

    if model == "transformer":
        from biasbook.nets.models import init_transformer
        from biasbook.nets.readouts import apply_cls_one_layer

        cfg = _transformer_cfg(T, arch)
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
    optimizer: Literal["adam", "sgd"] = "adam",
    weight_decay: float = 0.0,
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
        optimizer=optimizer,
        weight_decay=weight_decay,
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
    optimizer: Literal["adam", "sgd"] = "adam",
    weight_decay: float = 0.0,
    log_every: int | None = None,
    curves: bool = False,
) -> dict[str, SweepResult]:
    """Train every ``(target, seed, m)`` model of one ``T`` as one :func:`train_many` call.

    Seed ``i`` fixes the task (its support), one pool of ``max(ms)`` training samples and a test set
    of ``m_test`` samples; the model for size ``m`` trains on the first ``m`` samples of the pool
    (nested training sets), marked by the ``weights`` mask. All models use minibatches of
    ``batch_size`` drawn with replacement from their own ``m`` examples, so a step costs the same
    for every ``m`` and padding costs memory only. Logistic loss; Adam without weight decay unless
    ``optimizer`` and ``weight_decay`` say otherwise. Training
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
    optimizer, weight_decay
        ``"adam"`` (AdamW; ``weight_decay`` decoupled, 0 is plain Adam) or ``"sgd"`` (plain
        stochastic gradient descent, no weight decay).
    log_every
        Steps per compiled chunk (``None``: all ``steps``); the final results do not depend on it
        (the engine's), so it enters the cache key only with ``curves``.
    curves
        Also keep the test accuracy at every logged step (``SweepResult.test_curve``): the
        trade-off between samples and iterations.
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
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"unknown optimizer {optimizer!r}; choose adam or sgd")
    if weight_decay < 0 or (optimizer == "sgd" and weight_decay != 0):
        raise ValueError(
            f"weight_decay must be >= 0, and 0 for sgd; got {weight_decay} with {optimizer}"
        )
    config = TrainConfig(
        steps=steps,
        learning_rate=learning_rate,
        batch_size=batch_size,
        loss="logistic",
        # only the final accuracies are used: log before and after training, or every
        # `log_every` steps, so that a longer budget can reuse the compiled chunk of a shorter one
        log_every=int(log_every or steps),
        optimizer="adamw" if optimizer == "adam" else "sgd",
        weight_decay=float(weight_decay),
    )
    all_T = sorted({T for Ts in grids.values() for T in Ts})
    acc: dict[tuple[str, int], tuple[Any, ...]] = {}
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
            "outputs": "accuracies and attention probes",  # what an entry holds
            "optimizer": optimizer,
            "weight_decay": float(weight_decay),
        }
        if curves:  # only then, so that the entries of sweeps without curves stay valid
            args["curves"] = True
            args["log_every"] = config.chunk  # the curves' steps depend on it
        run = functools.partial(_train_at_T, args, config, arch, progress)
        test, train, probes = cached("sparse-sample-complexity", args, run) if cache else run()
        probes = probes or {}  # an MLP's entry holds no probes
        for k, target in enumerate(targets):
            acc[target, T] = (test[k], train[k]) + tuple(
                probes[name][k] if name in probes else None
                for name in ("support_mass", "qk_norm", "test_curve")
            )
        log_steps = probes.get("log_steps")  # the same at every T
    settings = {
        "arch": dict(arch),
        "steps": steps,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "m_test": m_test,
        "seed": seed,
        "optimizer": optimizer,
        "weight_decay": weight_decay,
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
            support_mass=None
            if model != "transformer"
            else np.stack([acc[target, T][2] for T in Ts]),
            qk_norm=None if model != "transformer" else np.stack([acc[target, T][3] for T in Ts]),
            test_curve=np.stack([acc[target, T][4] for T in Ts]) if curves else None,
            log_steps=log_steps if curves else None,
        )
        for target, Ts in grids.items()
    }


def seed_data(
    target: str, T: int, s: int, seed: int, i: int, m_max: int, m_test: int
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seed ``i``'s task, training pool and test set: every learner of the chapter sees these.

    Returns
    -------
    (task, X, y, X_test, y_test)
        The :class:`~biasbook.maths.sparse_tasks.SparseTask`, ``m_max`` training and ``m_test``
        test samples (:func:`~biasbook.maths.sparse_tasks.sample_dataset`).
    """
    task_seed = 1000 * seed + i
    task = make_task(target, T, s, seed=task_seed)
    X, y = sample_dataset(task, m_max, seed=2 * task_seed)
    X_test, y_test = sample_dataset(task, m_test, seed=2 * task_seed + 1)
    return task, X, y, X_test, y_test


def run_screening(
    target: str,
    s: int,
    Ts: Sequence[int],
    ms: Sequence[int],
    n_seeds: int,
    m_test: int = 1000,
    seed: int = 0,
) -> SweepResult:
    """The correlation-screening reference learner (:mod:`biasbook.maths.screening`) under the
    sweeps' protocol: the same tasks, nested training pools and test sets (:func:`seed_data`;
    seed ``i`` is the same as in :func:`run_sweeps`), the same success rule downstream.

    NumPy only (about a second per 20 seeds at ``T = 4096``); cached like the sweeps.
    """
    from biasbook.store.cache import cached

    check_sweep_args("transformer", target, s, Ts, ms)
    if n_seeds < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
    target = check_target_name(target)
    Ts, ms = tuple(int(T) for T in Ts), tuple(int(m) for m in ms)
    args = {
        "target": target,
        "s": int(s),
        "Ts": list(Ts),
        "ms": list(ms),
        "n_seeds": int(n_seeds),
        "m_test": int(m_test),
        "seed": int(seed),
    }
    test, train = cached(
        "screening-sample-complexity",
        args,
        functools.partial(_screen_all, target, s, Ts, ms, n_seeds, m_test, seed),
    )
    settings = {"m_test": m_test, "seed": seed, "learner": "correlation screening + lookup table"}
    return SweepResult("screening", target, int(s), Ts, ms, test, train, settings)


def _screen_all(
    target: str,
    s: int,
    Ts: tuple[int, ...],
    ms: tuple[int, ...],
    n_seeds: int,
    m_test: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    from biasbook.maths.screening import nested_accuracies

    test = np.zeros((len(Ts), n_seeds, len(ms)))
    train = np.zeros_like(test)
    for a, T in enumerate(Ts):
        for i in range(n_seeds):
            _, X, y, Xt, yt = seed_data(target, T, s, seed, i, max(ms), m_test)
            test[a, i], train[a, i] = nested_accuracies(X, y, Xt, yt, ms, s)
    return test, train


def _train_at_T(
    args: dict[str, Any], config: Any, arch: dict[str, Any], progress: bool | None
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Train all ``(target, seed, m)`` models at one ``T``.

    Returns final test and train accuracies, each ``[n_targets, n_seeds, n_m]``, and for a
    transformer the probes of the trained attention (``{"support_mass", "qk_norm"}``, each
    ``[n_targets, n_seeds, n_m, n_heads]``), with ``args["curves"]`` also the test accuracy at
    every logged step (``"test_curve"``, ``[n_targets, n_seeds, n_m, n_logged]``, and
    ``"log_steps"``).
    """
    import jax

    from biasbook.nets.training import train_many

    T, s, ms, n_seeds, seed = args["T"], args["s"], args["ms"], args["n_seeds"], args["seed"]
    targets = args["targets"]
    m_max, n_m = max(ms), len(ms)
    X, y, Xt, yt, keys, supports = [], [], [], [], [], []
    base = jax.random.fold_in(jax.random.key(seed), T)
    for target in targets:
        k_target = jax.random.fold_in(base, TARGET_NAMES.index(target))
        for i in range(n_seeds):
            task, xi, yi, xti, yti = seed_data(target, T, s, seed, i, m_max, args["m_test"])
            supports.append(task.support)
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
    probes: dict[str, np.ndarray] = {}  # empty for an MLP without curves
    if args["model"] == "transformer":
        mass, norms = _attention_probes(
            result, Xt[:, :N_PROBE], np.repeat(supports, n_m, axis=0), _transformer_cfg(T, arch)
        )
        probes = {"support_mass": mass.reshape(*shape, -1), "qk_norm": norms.reshape(*shape, -1)}
    if args.get("curves"):
        probes["test_curve"] = result.test_acc.reshape(*shape, -1)
        probes["log_steps"] = np.asarray(result.log_steps)
    return (
        result.test_acc[:, -1].reshape(shape),
        result.train_acc[:, -1].reshape(shape),
        probes,
    )


def _attention_probes(result: Any, X: np.ndarray, supports: np.ndarray, cfg: Any):
    """Attention mass on the support and query-key norms of every trained model, per head."""
    import jax

    from biasbook.nets.readouts import cls_attention, qk_norms

    @jax.jit
    def probe(params, x, support):
        attn = cls_attention(params, x, cfg)  # [n, T + 1, h]
        return attn[:, 1 + support, :].sum(axis=1).mean(axis=0), qk_norms(params, cfg)

    out = [probe(result.params_of(i), X[i], supports[i]) for i in range(X.shape[0])]
    return np.stack([np.asarray(a) for a, _ in out]), np.stack([np.asarray(b) for _, b in out])


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


def restrict_summary(summary: SweepSummary, Ts: Sequence[float]) -> SweepSummary:
    """The part of a series at the lengths ``Ts`` (all of them lengths of the series), fits
    recomputed: to compare two series over the same range of ``T``."""
    keep = np.isin(summary.Ts, np.asarray(Ts, float))
    if keep.sum() != len(set(float(T) for T in Ts)):
        raise ValueError(f"lengths {list(Ts)} are not all in this series' {summary.Ts.tolist()}")
    part = SweepSummary(
        summary.Ts[keep],
        summary.m_star[keep],
        summary.low[keep],
        summary.high[keep],
        tuple(c for c, k in zip(summary.censored, keep, strict=True) if k),
        summary.sigma[keep],
        None,
    )
    return merge_summaries(part)


def merge_summaries(*parts: SweepSummary) -> SweepSummary:
    """One series over the union of the parts' lengths, sorted by ``T``, the fits recomputed.

    For a series whose longest lengths were swept separately (fewer seeds, another grid of ``m``):
    each threshold keeps the uncertainty of its own sweep.
    """
    if not parts:
        raise ValueError("merge_summaries needs at least one summary")
    Ts = np.concatenate([p.Ts for p in parts])
    if np.unique(Ts).size != Ts.size:
        raise ValueError(f"the summaries share lengths {sorted(Ts.tolist())}; merge disjoint ones")
    order = np.argsort(Ts)
    cat = {
        k: np.concatenate([getattr(p, k) for p in parts])[order]
        for k in ("Ts", "m_star", "low", "high", "sigma")
    }
    censored = tuple(np.concatenate([np.array(p.censored, dtype=object) for p in parts])[order])
    ok = np.array([c == "none" for c in censored])
    fits = (
        compare_fits(cat["Ts"][ok], cat["m_star"][ok], cat["sigma"][ok]) if ok.sum() >= 3 else None
    )
    return SweepSummary(
        cat["Ts"], cat["m_star"], cat["low"], cat["high"], censored, cat["sigma"], fits
    )


def ablation_settings(steps: int, learning_rate: float) -> dict[str, dict[str, Any]]:
    """The learner ablations: name -> what differs from the chapter's training (our choices).

    Weight decay, a four times longer budget, plain SGD, and the learning rate a factor 3 either
    way (with the baseline, a small search over the step size).
    """
    return {
        "baseline": {},
        "weight decay 0.1": {"weight_decay": 0.1},
        # the chunk of the baseline's program, run four times over: no new compilation
        "4 × steps": {"steps": 4 * int(steps), "log_every": int(steps)},
        "SGD, learning rate 0.1": {"optimizer": "sgd", "learning_rate": 0.1},
        "learning rate ÷ 3": {"learning_rate": learning_rate / 3},
        "learning rate × 3": {"learning_rate": learning_rate * 3},
    }


def run_ablations(
    target: str,
    Ts: Sequence[int],
    ms: Sequence[int],
    variants: Mapping[str, Mapping[str, Any]],
    base: Mapping[str, Any],
    progress: bool | None = None,
) -> dict[str, SweepResult]:
    """The transformer's sweep once per variant of its training (:func:`ablation_settings`).

    ``base`` holds :func:`run_sweeps`' keyword arguments (``s, n_seeds, arch, steps,
    learning_rate, batch_size, m_test, seed``); each variant overrides some of them. Same tasks,
    data and initialisations for every variant.
    """
    out = {}
    for name in progress_bar(list(variants), desc="ablations", show=progress):
        kw = {**base, **variants[name]}
        out[name] = run_sweeps("transformer", {target: tuple(Ts)}, ms=ms, progress=False, **kw)[
            check_target_name(target)
        ]
    return out


def tradeoff_thresholds(
    result: SweepResult, target_acc: float, level: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds ``m*`` after every logged step of a sweep run with ``curves=True``.

    Returns
    -------
    (m_star, censored)
        ``float[len(Ts), n_logged]`` (``inf`` beyond the grid) and the matching censoring
        (``"none"``, ``"below"``, ``"above"``): the samples needed as a function of the iterations.
    """
    if result.test_curve is None:
        raise ValueError("this sweep kept no learning curves; run it with curves=True")
    n_T, _, _, n_log = result.test_curve.shape
    # [T, seeds, m, logged] -> [T, logged, seeds, m]: one threshold per (T, logged step)
    found = thresholds(result.ms, np.moveaxis(result.test_curve, -1, 1), target_acc, level)
    m_star = np.array([th.value for th in found]).reshape(n_T, n_log)
    censored = np.array([th.censored for th in found], dtype=object).reshape(n_T, n_log)
    return m_star, censored
