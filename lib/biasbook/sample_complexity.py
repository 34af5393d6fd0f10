"""Sample-complexity thresholds: the smallest training-set size at which learning succeeds.

Two layers:

* **analysis** (pure NumPy, tested on synthetic curves): from test accuracies on a grid of sizes
  ``m`` and seeds, find the smallest ``m`` at which most seeds reach a target accuracy
  (:func:`grid_threshold`, with interpolation in ``log m``; :func:`bisect_threshold` for a callable
  success curve), bootstrap error bars over seeds (:func:`bootstrap_threshold`), and compare the
  fits ``m* = a + b log T`` and ``m* = a + b T`` (:func:`compare_fits`), and measure the
  exponent of a power law ``m* = c T**alpha`` (:func:`fit_power_law`);
* **experiment** (:func:`run_sweep`): train a one-layer transformer or an MLP on s-sparse targets
  for every ``(seed, m)`` at once with :func:`biasbook.training.train_many`, padding the different
  training-set sizes into one batch with the ``weights`` mask.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from biasbook.sparse_tasks import (
    TARGET_NAMES,
    check_sizes,
    check_target_name,
    make_task,
    sample_dataset,
)

Censoring = Literal["none", "below", "above"]
MODELS = ("transformer", "mlp")


# --------------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A sample-complexity threshold found on a grid.

    Attributes
    ----------
    value
        The threshold ``m*``; ``inf`` if no grid size succeeds.
    censored
        ``"none"``; ``"below"`` if already the smallest grid size succeeds (``m* <= value``);
        ``"above"`` if none does (``m* > largest grid size``).
    """

    value: float
    censored: Censoring = "none"


def _check_grid(ms: Sequence[float]) -> np.ndarray:
    ms = np.asarray(ms, dtype=np.float64)
    if ms.ndim != 1 or ms.size == 0:
        raise ValueError("the grid of training-set sizes is empty; give at least one size m")
    if np.any(ms <= 0) or np.any(np.diff(ms) <= 0):
        raise ValueError(f"grid sizes must be positive and strictly increasing, got {ms.tolist()}")
    return ms


def success_fraction(acc: np.ndarray, target_acc: float) -> np.ndarray:
    """Fraction of seeds (axis ``-2`` of ``acc[..., seeds, m]``) with accuracy ``>= target_acc``."""
    acc = np.asarray(acc, dtype=np.float64)
    if acc.ndim < 2:
        raise ValueError(f"accuracies need axes [..., seeds, m], got shape {acc.shape}")
    return np.mean(acc >= target_acc, axis=-2)


def grid_threshold(ms: Sequence[float], success: Sequence[float], level: float = 0.5) -> Threshold:
    """Smallest ``m`` at which the success fraction reaches ``level`` and stays there.

    The first grid index ``i`` such that ``success[j] >= level`` for every ``j >= i`` (so one lucky
    small ``m`` followed by failures does not count) is interpolated against the failing point
    before it, linearly in ``(log m, success)``.

    Parameters
    ----------
    ms
        Increasing grid of training-set sizes.
    success
        Success fraction at each size (e.g. from :func:`success_fraction`).
    level
        Required fraction; ``0.5`` means "in most seeds".
    """
    ms = _check_grid(ms)
    success = np.asarray(success, dtype=np.float64)
    if success.shape != ms.shape:
        raise ValueError(f"success has shape {success.shape}, grid has {ms.shape}")
    if not 0.0 < level <= 1.0:
        raise ValueError(f"level must lie in (0, 1], got {level}")
    ok = success >= level
    if not ok[-1]:
        return Threshold(np.inf, "above")
    # first index of the all-succeeding tail
    fails = np.flatnonzero(~ok)
    i = 0 if fails.size == 0 else int(fails[-1]) + 1
    if i == 0:
        return Threshold(float(ms[0]), "below")
    f0, f1 = success[i - 1], success[i]
    frac = (level - f0) / (f1 - f0)
    log_m = np.log(ms[i - 1]) + frac * (np.log(ms[i]) - np.log(ms[i - 1]))
    return Threshold(float(np.exp(log_m)), "none")


def bisect_threshold(
    success_fn: Callable[[int], float], lo: int, hi: int, level: float = 0.5
) -> int:
    """Smallest integer ``m`` in ``(lo, hi]`` with ``success_fn(m) >= level`` (monotone curve).

    Raises ``ValueError`` unless ``success_fn(lo) < level <= success_fn(hi)``; calls ``success_fn``
    ``O(log(hi - lo))`` times.
    """
    lo, hi = int(lo), int(hi)
    if not lo < hi:
        raise ValueError(f"need lo < hi, got lo={lo}, hi={hi}")
    if success_fn(lo) >= level:
        raise ValueError(f"success at lo={lo} already reaches {level}; lower lo")
    if success_fn(hi) < level:
        raise ValueError(f"success at hi={hi} is below {level}; raise hi")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if success_fn(mid) >= level:
            hi = mid
        else:
            lo = mid
    return hi


def thresholds(
    ms: Sequence[float], acc: np.ndarray, target_acc: float, level: float = 0.5
) -> list[Threshold]:
    """:func:`grid_threshold` of every leading index of ``acc[..., seeds, m]`` (flattened)."""
    frac = success_fraction(acc, target_acc).reshape(-1, len(ms))
    return [grid_threshold(ms, f, level) for f in frac]


def bootstrap_threshold(
    ms: Sequence[float],
    acc: np.ndarray,
    target_acc: float,
    level: float = 0.5,
    n_boot: int = 2000,
    ci: float = 0.68,
    seed: int = 0,
) -> tuple[float, float]:
    """Bootstrap interval of the grid threshold, resampling seeds with replacement.

    Parameters
    ----------
    acc
        ``[seeds, m]`` test accuracies.
    ci
        Central coverage of the interval (0.68: about one standard error each side).

    Returns
    -------
    (low, high)
        Quantiles of the resampled thresholds (``inf`` where resamples never succeed).
    """
    ms = _check_grid(ms)
    acc = np.asarray(acc, dtype=np.float64)
    if acc.ndim != 2 or acc.shape[1] != ms.size:
        raise ValueError(f"acc must have shape [seeds, {ms.size}], got {acc.shape}")
    rng = np.random.default_rng(seed)
    n_seeds = acc.shape[0]
    hits = acc >= target_acc
    idx = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    frac = hits[idx].mean(axis=1)  # [n_boot, m]
    values = np.array([grid_threshold(ms, f, level).value for f in frac])
    q = (1.0 - ci) / 2.0
    # inverted_cdf never interpolates between a finite value and inf
    low, high = np.quantile(values, [q, 1.0 - q], method="inverted_cdf")
    return float(low), float(high)


# --------------------------------------------------------------------------------------------------
# log T versus T
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScalingFit:
    """Weighted least-squares fit ``m* = a + b * feature(T)``.

    Attributes
    ----------
    form
        ``"log"`` (feature ``log T``) or ``"linear"`` (feature ``T``).
    a, b
        Intercept and slope.
    chi2
        Weighted residual sum of squares ``sum ((m - fit) / sigma)**2``.
    r2
        Weighted coefficient of determination.
    """

    form: Literal["log", "linear"]
    a: float
    b: float
    chi2: float
    r2: float

    def __call__(self, T: np.ndarray | float) -> np.ndarray:
        """Predicted ``m*`` at ``T``."""
        T = np.asarray(T, dtype=np.float64)
        return self.a + self.b * (np.log(T) if self.form == "log" else T)

    def formula(self, lhs: str = "m*") -> str:
        """The fit as text, e.g. ``"m* = 12.3 + 45.6 log T"``; ``lhs`` names the fitted quantity."""
        x = "log T" if self.form == "log" else "T"
        return f"{lhs} = {self.a:.3g} {'+' if self.b >= 0 else '-'} {abs(self.b):.3g} {x}"


@dataclass(frozen=True)
class FitComparison:
    """Both fits of ``m*(T)`` and which describes the data better (smaller weighted chi2)."""

    log: ScalingFit
    linear: ScalingFit
    winner: Literal["log", "linear"] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "winner", "log" if self.log.chi2 <= self.linear.chi2 else "linear")


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float]:
    A = np.stack([np.ones_like(x), x], axis=1) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)
    resid = y - (coef[0] + coef[1] * x)
    chi2 = float(np.sum(w * resid**2))
    ybar = np.sum(w * y) / np.sum(w)
    tss = float(np.sum(w * (y - ybar) ** 2))
    r2 = 1.0 - chi2 / tss if tss > 0 else 1.0
    return float(coef[0]), float(coef[1]), chi2, r2


def compare_fits(
    T: Sequence[float], m_star: Sequence[float], sigma: Sequence[float] | None = None
) -> FitComparison:
    """Fit ``m* = a + b log T`` and ``m* = a + b T`` by weighted least squares.

    Parameters
    ----------
    T, m_star
        Sequence lengths and finite thresholds (drop censored points before calling).
    sigma
        Uncertainty of each ``m*`` (weights ``1 / sigma**2``); ``None`` for equal weights.
    """
    T = np.asarray(T, dtype=np.float64)
    m_star = np.asarray(m_star, dtype=np.float64)
    if T.shape != m_star.shape or T.ndim != 1:
        raise ValueError(f"T and m_star must be 1-d of equal length, got {T.shape}, {m_star.shape}")
    if T.size < 3:
        raise ValueError(f"comparing two 2-parameter fits needs at least 3 points, got {T.size}")
    if not (np.all(np.isfinite(m_star)) and np.all(T > 0)):
        raise ValueError("T must be positive and m_star finite (leave out censored thresholds)")
    if sigma is None:
        w = np.ones_like(T)
    else:
        sigma = np.asarray(sigma, dtype=np.float64)
        if sigma.shape != T.shape or np.any(~(sigma > 0)):
            raise ValueError("sigma must be positive, one per point")
        w = 1.0 / sigma**2
    log_fit = ScalingFit("log", *_wls(np.log(T), m_star, w))
    lin_fit = ScalingFit("linear", *_wls(T, m_star, w))
    return FitComparison(log=log_fit, linear=lin_fit)


@dataclass(frozen=True)
class PowerLawFit:
    """Weighted least-squares fit ``log m* = log c + alpha log T``, i.e. ``m* = c * T**alpha``.

    Attributes
    ----------
    c, alpha
        Prefactor and exponent.
    alpha_se
        Standard error of ``alpha`` from the given uncertainties (taken as absolute, not rescaled
        by the residuals); ``nan`` if no uncertainties were given.
    chi2
        ``sum ((m - c T**alpha) / sigma)**2`` on the original scale, with the same ``sigma`` as
        :func:`compare_fits` (``1`` if none), so it can be set beside that function's ``chi2``.
    """

    c: float
    alpha: float
    alpha_se: float
    chi2: float

    def __call__(self, T: np.ndarray | float) -> np.ndarray:
        """Predicted ``m*`` at ``T``."""
        return self.c * np.asarray(T, dtype=np.float64) ** self.alpha

    def per_doubling(self) -> float:
        """Factor by which ``m*`` grows when ``T`` doubles: ``2**alpha``."""
        return float(2.0**self.alpha)

    def formula(self) -> str:
        """The fit as text, e.g. ``"m* = 4.2 T^0.51"``."""
        return f"m* = {self.c:.3g} T^{self.alpha:.2f}"


def fit_power_law(
    T: Sequence[float], m_star: Sequence[float], sigma: Sequence[float] | None = None
) -> PowerLawFit:
    """Fit ``m* = c T**alpha`` by weighted least squares on ``log m*`` against ``log T``.

    A threshold with uncertainty ``sigma`` has ``log m*`` uncertain by about ``sigma / m*``, so each
    point gets the weight ``(m* / sigma)**2``.

    Parameters
    ----------
    T, m_star
        Sequence lengths and finite, positive thresholds (drop censored points before calling).
    sigma
        Uncertainty of each ``m*``; ``None`` for equal weights in log space.

    Returns
    -------
    PowerLawFit
        ``alpha = 1`` is linear growth; growth like ``log T`` looks like a small ``alpha`` that
        shrinks as the range of ``T`` moves up.
    """
    T = np.asarray(T, dtype=np.float64)
    m_star = np.asarray(m_star, dtype=np.float64)
    if T.shape != m_star.shape or T.ndim != 1:
        raise ValueError(f"T and m_star must be 1-d of equal length, got {T.shape}, {m_star.shape}")
    if T.size < 2 or np.unique(T).size < 2:
        raise ValueError(f"a power-law fit needs at least 2 distinct T, got {T.tolist()}")
    if not (np.all(np.isfinite(m_star)) and np.all(m_star > 0) and np.all(T > 0)):
        raise ValueError("T and m_star must be positive and finite (leave out censored thresholds)")
    if sigma is None:
        sig = np.ones_like(T)
        w = np.ones_like(T)
    else:
        sig = np.asarray(sigma, dtype=np.float64)
        if sig.shape != T.shape or np.any(~(sig > 0)):
            raise ValueError("sigma must be positive, one per point")
        w = (m_star / sig) ** 2
    log_c, alpha, _, _ = _wls(np.log(T), np.log(m_star), w)
    if sigma is None:
        alpha_se = float("nan")
    else:
        A = np.stack([np.ones_like(T), np.log(T)], axis=1)
        alpha_se = float(np.sqrt(np.linalg.inv(A.T @ (w[:, None] * A))[1, 1]))
    c = float(np.exp(log_c))
    chi2 = float(np.sum(((m_star - c * T**alpha) / sig) ** 2))
    return PowerLawFit(c=c, alpha=alpha, alpha_se=alpha_se, chi2=chi2)


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
        from biasbook.cls_readout import apply_cls_one_layer
        from biasbook.models import TransformerConfig, init_transformer

        cfg = TransformerConfig(vocab_size=2, max_len=T, n_layers=1, readout="cls", **arch)
        return (
            functools.partial(init_transformer, cfg=cfg),
            functools.partial(_apply_logit, apply_cls_one_layer, cfg=cfg),
        )
    from biasbook.models import MLPConfig, apply_mlp, init_mlp

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
    _check_grid(ms)
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
        Number of relevant bits (see :mod:`biasbook.sparse_tasks`; inputs balanced).
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
        Reuse results stored by :func:`biasbook.cache.cached` (one entry per ``T``).

    Returns
    -------
    dict
        ``{target: SweepResult}``.
    """
    from tqdm import tqdm  # text bars: tqdm.auto warns without ipywidgets in notebooks

    from biasbook.cache import cached
    from biasbook.training import TrainConfig

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
    for T in tqdm(all_T, desc=label, disable=progress is False):
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

    from biasbook.training import train_many

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
