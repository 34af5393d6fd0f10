"""Correlation screening: a simple learner of sparse targets, the variable-creation chapter's
reference for what is statistically achievable.

The learner keeps the ``s`` positions whose bits correlate most strongly (in absolute value) with
the label on the training set, then fits a lookup table on their ``2**s`` patterns (the majority
label of the training examples showing each pattern; ``-1`` for a pattern never seen or a tie). It
needs no optimisation, so its sample complexity is a property of the task and the protocol alone.

Why it is log-T (the mechanism, checked by the chapter's Monte Carlo rather than assumed): a
relevant bit has a population correlation ``rho`` with the label that does not depend on ``T``
(:func:`label_correlation`), an irrelevant bit has zero, and the largest of ``T`` empirical
correlations of irrelevant bits is about ``sqrt(2 ln T / m)``. Screening therefore succeeds once
``m`` is of order ``(sqrt(2 ln T) + z)**2 / rho**2``: logarithmic in ``T`` whenever ``rho > 0``.
For PARITY ``rho = 0`` and screening fails at every ``m``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from biasbook.maths.sparse_tasks import all_inputs, check_sizes, target_function
from biasbook.maths.thresholds import check_grid


@dataclass(frozen=True)
class ScreeningModel:
    """A fitted screening learner.

    Attributes
    ----------
    support
        The ``s`` kept positions, in the order of their bits in a pattern (bit ``j`` of the pattern
        index is ``x[support[j]]``).
    table
        ``float[2**s]`` label in ``{-1, +1}`` of each pattern.
    """

    support: tuple[int, ...]
    table: np.ndarray

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels in ``{-1, +1}`` (``float[n]``) of bit sequences ``X[n, T]``."""
        X = np.asarray(X)
        return self.table[_patterns(X, self.support)]


def _patterns(X: np.ndarray, support: Sequence[int]) -> np.ndarray:
    """Index of the pattern of ``X[:, support]`` (bit ``j`` from ``support[j]``)."""
    return X[:, list(support)].astype(np.int64) @ (1 << np.arange(len(support), dtype=np.int64))


def _correlations(sx: np.ndarray, sxy: np.ndarray, sy: float, m: int) -> np.ndarray:
    """Pearson correlations of bits with ``{-1, +1}`` labels from the sums over ``m`` examples.

    ``sx = sum x``, ``sxy = sum x y``, ``sy = sum y`` (bits are 0/1 so ``sum x**2 = sum x``, and
    labels are +-1 so ``sum y**2 = m``); a constant bit or constant labels get correlation 0.
    """
    mx, my = sx / m, sy / m
    cov = sxy / m - mx * my
    var = (mx - mx**2) * (1.0 - my**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(var > 0, cov / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return r


def _fit_from(X: np.ndarray, y: np.ndarray, r: np.ndarray, s: int) -> ScreeningModel:
    # ties in |r| go to the smaller position (a stable sort), so the fit is deterministic
    support = tuple(int(i) for i in np.sort(np.argsort(-np.abs(r), kind="stable")[:s]))
    votes = np.bincount(_patterns(X, support), weights=y, minlength=2**s)
    return ScreeningModel(support=support, table=np.where(votes > 0, 1.0, -1.0))


def fit_screening(X: np.ndarray, y: np.ndarray, s: int) -> ScreeningModel:
    """Fit the screening learner on bits ``X[m, T]`` and labels ``y[m]`` in ``{-1, +1}``.

    Parameters
    ----------
    X, y
        Training inputs and labels (:func:`biasbook.maths.sparse_tasks.sample_dataset`).
    s
        Number of positions to keep (the target's sparsity), ``1 <= s <= T``.
    """
    X, y = _check_data(X, y, s)
    m = X.shape[0]
    r = _correlations(X.sum(0, dtype=np.float64), y @ X, float(y.sum()), m)
    return _fit_from(X, y, r, s)


def _check_data(X: np.ndarray, y: np.ndarray, s: int) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != X.shape[:1] or X.shape[0] == 0:
        raise ValueError(f"need X[m, T] and y[m] with m >= 1, got X{X.shape} and y{y.shape}")
    check_sizes(X.shape[1], s)
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("labels must be -1 or +1 (as sample_dataset returns them)")
    return X, y


def nested_accuracies(
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    ms: Sequence[int],
    s: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Test and training accuracy of the learner fitted on the first ``m`` examples, per ``m``.

    The same nested training sets as the chapter's sweeps (size ``m`` uses ``X[:m]``); the sums the
    correlations need are accumulated from one size to the next, so the cost is one pass over the
    pool, not one per size.

    Returns
    -------
    (test_acc, train_acc)
        ``float[len(ms)]`` each.
    """
    X, y = _check_data(X, y, s)
    ms = [int(m) for m in check_grid(ms)]  # non-empty, positive, strictly increasing
    if ms[-1] > X.shape[0]:
        raise ValueError(f"sizes must lie within the pool of {X.shape[0]} examples, got {ms}")
    y_test = np.asarray(y_test, dtype=np.float64)
    sx = np.zeros(X.shape[1])
    sxy = np.zeros(X.shape[1])
    sy, start = 0.0, 0
    test, train = [], []
    for m in ms:
        block, yb = X[start:m], y[start:m]
        sx += block.sum(0, dtype=np.float64)
        sxy += yb @ block
        sy += float(yb.sum())
        start = m
        model = _fit_from(X[:m], y[:m], _correlations(sx, sxy, sy, m), s)
        test.append(float(np.mean(model.predict(X_test) == y_test)))
        train.append(float(np.mean(model.predict(X[:m]) == y[:m])))
    return np.array(test), np.array(train)


def label_correlation(name: str, s: int, p_one: float) -> float:
    """Population correlation of one relevant bit with the ``{-1, +1}`` label, exactly.

    Enumerates the ``2**s`` patterns of i.i.d. ``Bernoulli(p_one)`` bits (all relevant bits are
    exchangeable for AND, MAJORITY and PARITY, so bit 0 stands for each). The correlation is
    the phi coefficient of the 2 x 2 table of (bit, label) probabilities,
    ``(n11 n00 - n10 n01) / sqrt(n1. n0. n.1 n.0)``: unlike ``cov / sqrt(p (1-p) (1 - E[y]^2))``
    it subtracts no nearly equal numbers, so it stays exact for a rare label (``1 - E[y]^2``
    rounds to 0, or below, when ``P(y = +1)`` is under about 1e-8). A label whose probability
    underflows to 0 gets correlation 0.
    """
    if not 0.0 < p_one < 1.0:
        raise ValueError(f"p_one must lie in (0, 1), got {p_one}")
    B = all_inputs(s)
    prob = np.prod(np.where(B == 1, p_one, 1.0 - p_one), axis=1)
    g = target_function(name, s)(B).astype(bool)
    x = B[:, 0] == 1
    n11, n10 = prob[x & g].sum(), prob[x & ~g].sum()
    n01, n00 = prob[~x & g].sum(), prob[~x & ~g].sum()
    var = (n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00)
    return float((n11 * n00 - n10 * n01) / np.sqrt(var)) if var > 0 else 0.0
