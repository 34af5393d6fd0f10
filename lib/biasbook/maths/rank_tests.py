"""Rank correlation with an exact permutation p-value.

:func:`spearman` is SciPy's Spearman correlation (:func:`scipy.stats.spearmanr`) with SciPy's exact
permutation test (:func:`scipy.stats.permutation_test` over every pairing): with the handful of
points the book correlates (tasks, functions), an asymptotic p-value would be meaningless.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.stats

#: Most values the exact test enumerates (``8! = 40320`` orderings).
MAX_EXACT = 8


def spearman(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Spearman rank correlation with its exact one-sided permutation p-value.

    Ties get average ranks (``inf`` values tie with each other). The p-value is the share of all
    ``len(x)!`` orderings of ``y`` whose correlation with ``x`` is at least the observed one (the
    alternative is a positive correlation), so it is exact for small samples (at most
    :data:`MAX_EXACT` values). A constant sequence has no ranking: ``rho = 0`` and ``p = 1``.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 3:
        raise ValueError("need two sequences of equal length >= 3")
    if len(x) > MAX_EXACT:
        raise ValueError(
            f"the exact permutation test enumerates len! orderings; use <= {MAX_EXACT} values"
        )
    if np.all(x == x[0]) or np.all(y == y[0]):
        return 0.0, 1.0
    rx, ry = scipy.stats.rankdata(x), scipy.stats.rankdata(y)
    cx = rx - rx.mean()

    def rho(b: np.ndarray, axis: int = -1) -> np.ndarray:
        # Pearson correlation of the ranks: Spearman's rho (a permutation of ranks is still ranks)
        cb = b - b.mean(axis=axis, keepdims=True)
        return np.sum(cx * cb, axis=axis) / np.sqrt((cx @ cx) * np.sum(cb * cb, axis=axis))

    # one sample under 'pairings': only y's order is permuted, len! orderings in all
    res = scipy.stats.permutation_test(
        (ry,), rho, permutation_type="pairings", n_resamples=np.inf, alternative="greater"
    )
    return float(res.statistic), float(res.pvalue)
