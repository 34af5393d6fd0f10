"""Sample-complexity thresholds: the smallest training-set size at which learning succeeds.

From test accuracies on a grid of training-set sizes ``m`` and seeds, find the smallest ``m`` at
which most seeds reach a target accuracy (:func:`grid_threshold`, with interpolation in ``log m``;
:func:`bisect_threshold` for a callable success curve), and its bootstrap interval over seeds
(:func:`bootstrap_threshold`). Pure NumPy, tested on synthetic curves; the variable-creation and
synthesis chapters both use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Censoring = Literal["none", "below", "above"]


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


def check_grid(ms: Sequence[float]) -> np.ndarray:
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
    ms = check_grid(ms)
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


def threshold_text(value: float, censored: Censoring, grid: Sequence[float]) -> str:
    """A threshold as text: its value, or for a censored one the interval it lies in.

    ``"> 512"`` beyond the grid's largest size, ``"≤ 16"`` at or below its smallest, else the
    value rounded to a whole number of examples.
    """
    if censored == "above":
        return f"> {max(grid):g}"
    if censored == "below":
        return f"≤ {min(grid):g}"
    return f"{value:.0f}"


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
    ms = check_grid(ms)
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
