"""Learning-curve theory of kernel ridge regression, and empirical kernel regression to test it.

Eigenlearning (Simon, Dickens, Karkada & DeWeese 2021; equivalent to Canatar, Bordelon & Pehlevan
2021 under ``kappa_C = n kappa``). Given the eigenvalues ``eta_i`` of the kernel operator under the
input measure, ``n`` i.i.d. samples and ridge ``delta`` (the GP noise variance; the estimator is
``f_hat(x) = k_x^T (K_DD + delta I)^{-1} y``, ridge *not* scaled with ``n``), the effective
regulariser ``kappa`` solves

.. math::  n = \\sum_i \\frac{\\eta_i}{\\eta_i + \\kappa} + \\frac{\\delta}{\\kappa},

mode ``i`` has learnability ``L_i = eta_i / (eta_i + kappa)`` (``E f_hat = sum_i L_i v_i phi_i``),
a target with weights ``v_i^2`` has learnability ``sum_i L_i v_i^2 / sum_i v_i^2``, and the test
error is ``E_0 (sum_i (1 - L_i)^2 v_i^2 + eps^2)`` with ``E_0 = n / (n - sum_i L_i^2)``. Summing the
first equation gives the conservation law ``sum_i L_i = n - delta / kappa <= n``.

Modes come in levels: an eigenvalue with multiplicity ``m`` (e.g. an irrep's dimension) counts
``m`` times, so all partners of a level share one learnability and ``m L <= n``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize


def _levels(eigenvalues: np.ndarray, multiplicities: np.ndarray | None) -> tuple[np.ndarray, ...]:
    eta = np.asarray(eigenvalues, dtype=float)
    mult = np.ones_like(eta) if multiplicities is None else np.asarray(multiplicities, float)
    if eta.ndim != 1 or mult.shape != eta.shape:
        raise ValueError("eigenvalues and multiplicities must be 1-d arrays of equal length")
    if np.any(eta < -1e-12 * max(1.0, float(np.max(np.abs(eta))))):
        raise ValueError("a kernel operator's eigenvalues must be >= 0 (got a negative one)")
    if np.any(mult < 0):
        raise ValueError("multiplicities must be >= 0")
    return np.clip(eta, 0.0, None), mult


def solve_kappa(
    eigenvalues: np.ndarray,
    n: float,
    ridge: float,
    multiplicities: np.ndarray | None = None,
) -> float:
    """Effective regulariser ``kappa`` of eigenlearning (0 if ``ridge = 0`` and ``n >= rank``).

    Raises
    ------
    ValueError
        For ``n <= 0``, a negative ridge, or negative eigenvalues.
    """
    eta, mult = _levels(eigenvalues, multiplicities)
    if not n > 0:
        raise ValueError(f"n must be > 0, got {n}")
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge}")
    rank = float(np.sum(mult[eta > 0]))
    if ridge == 0 and n >= rank:
        return 0.0

    def excess(log_kappa: float) -> float:
        kappa = np.exp(log_kappa)
        return float(np.sum(mult * eta / (eta + kappa)) + ridge / kappa - n)

    # excess is decreasing in kappa; bracket its root on a log scale with bounds read off the
    # equation, so any spectrum the floats hold is bracketed (a walk down from the top in fixed
    # steps gave up on eigenvalues spread over more than ~430 decades). Above: at
    # kappa = 2 (sum m eta + ridge) / n the sum is below sum m eta / kappa, so excess < -n / 2.
    hi = np.log((np.sum(mult * eta) + ridge) / n * 2 + 1e-300)
    if ridge > 0:
        # ridge / kappa alone reaches n at kappa = ridge / n
        lower = ridge / n
    else:
        # n < rank here; m eta / (eta + kappa) >= m (1 - kappa / eta), so the sum is still
        # >= n at kappa = (rank - n) / sum(m / eta)
        pos = eta > 0
        lower = (rank - n) / np.sum(mult[pos] / eta[pos])
    lo = np.log(lower)
    return float(np.exp(scipy.optimize.brentq(excess, lo, hi, xtol=1e-14, rtol=1e-13)))


@dataclass
class EigenlearningPrediction:
    """Eigenlearning predictions over a grid of training-set sizes.

    Attributes
    ----------
    n
        Training-set sizes.
    kappa
        ``[len(n)]`` effective regulariser.
    mode_learnability
        ``[len(n), n_levels]`` learnability ``L_i`` of each level.
    learnability
        ``[len(n)]`` learnability of the target.
    test_mse
        ``[len(n)]`` predicted test mean-squared error.
    overfitting
        ``[len(n)]`` the factor ``E_0 = n / (n - sum_i L_i^2)``.
    """

    n: np.ndarray
    kappa: np.ndarray
    mode_learnability: np.ndarray
    learnability: np.ndarray
    test_mse: np.ndarray
    overfitting: np.ndarray


def eigenlearning(
    eigenvalues: np.ndarray,
    target_weights: np.ndarray,
    n: np.ndarray,
    ridge: float,
    multiplicities: np.ndarray | None = None,
    noise: float = 0.0,
) -> EigenlearningPrediction:
    """Predicted learnability and test error of kernel ridge regression vs ``n``.

    Parameters
    ----------
    eigenvalues, multiplicities
        Levels of the kernel operator under the input measure.
    target_weights
        ``v^2`` of the target on each level (summed over the level's partners).
    n
        Training-set sizes (scalar or array).
    ridge
        Ridge ``delta``.
    noise
        Label-noise variance ``eps^2``.
    """
    eta, mult = _levels(eigenvalues, multiplicities)
    v2 = np.asarray(target_weights, dtype=float)
    if v2.shape != eta.shape or not np.all(v2 >= 0):  # squared coefficients (NaN fails too)
        raise ValueError("target_weights must be >= 0, one entry per level")
    ns = np.atleast_1d(np.asarray(n, dtype=float))
    kappas = np.array([solve_kappa(eta, m, ridge, mult) for m in ns])
    with np.errstate(divide="ignore", invalid="ignore"):
        Lm = np.where(
            kappas[:, None] > 0,
            eta[None, :] / (eta[None, :] + kappas[:, None]),
            (eta[None, :] > 0).astype(float),
        )
        overfit = ns / (ns - (Lm**2 * mult[None, :]).sum(axis=1))
    total = v2.sum()
    learn = (Lm * v2[None, :]).sum(axis=1) / total if total > 0 else np.zeros_like(ns)
    mse = overfit * (((1 - Lm) ** 2 * v2[None, :]).sum(axis=1) + noise)
    return EigenlearningPrediction(ns, kappas, Lm, learn, mse, overfit)


def samples_to_learn(
    eigenvalues: np.ndarray,
    target_weights: np.ndarray,
    theta: float,
    ridge: float,
    multiplicities: np.ndarray | None = None,
) -> float:
    """The (continuous) training-set size ``n_theta`` at which eigenlearning's learnability of a
    target reaches ``theta``.

    The target's learnability ``sum_i v_i^2 eta_i / (eta_i + kappa) / sum_i v_i^2`` falls with
    ``kappa``, so ``kappa_theta`` is one root, and eigenlearning's equation then gives
    ``n_theta = sum_i m_i eta_i / (eta_i + kappa_theta) + ridge / kappa_theta`` directly (no root
    in ``n``). Returns ``inf`` when the target's weight on nonzero eigenvalues (above ``1e-12`` of
    the largest: smaller ones are round-off) is below ``theta`` (the kernel never learns that much
    of it).

    Raises
    ------
    ValueError
        For ``theta`` outside ``(0, 1)``, a negative ridge, or weights that do not match the levels.
    """
    eta, mult = _levels(eigenvalues, multiplicities)
    v2 = np.asarray(target_weights, dtype=float)
    if v2.shape != eta.shape or np.any(v2 < 0) or not v2.sum() > 0:
        raise ValueError("target_weights must be >= 0, one per level, and not all zero")
    if not 0 < theta < 1:
        raise ValueError(f"theta must lie in (0, 1), got {theta}")
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge}")
    share = v2 / v2.sum()
    # Eigenvalues at round-off level (relative 1e-12, far above double precision's 1e-16 times a
    # few thousand levels) are zeros of the kernel, not modes it learns with 10^15 samples.
    eta = np.where(eta > 1e-12 * float(np.max(eta)), eta, 0.0)
    if share[eta > 0].sum() <= theta:
        return float("inf")

    def excess(log_kappa: float) -> float:
        kappa = np.exp(log_kappa)
        return float(np.sum(share * eta / (eta + kappa)) - theta)

    # Bracket on a log scale around the eigenvalues that carry the target.
    top = float(np.max(eta[(share > 0) & (eta > 0)]))
    lo, hi = np.log(top) - 2.0, np.log(top) + 2.0
    while excess(lo) < 0:
        lo -= 2.0
    while excess(hi) > 0:
        hi += 2.0
    kappa = float(np.exp(scipy.optimize.brentq(excess, lo, hi, xtol=1e-14, rtol=1e-13)))
    return float(np.sum(mult * eta / (eta + kappa)) + ridge / kappa)


# --------------------------------------------------------------------------- empirical KRR

#: Entries of the ``[chunk, N, n]`` test-train kernel block that one chunk of seeds may hold
#: (about 160 MB of float64).
CHUNK_ENTRIES = 20_000_000


@dataclass
class EmpiricalCurve:
    """Empirical kernel-regression results.

    ``learnability`` and ``test_mse`` are ``[n_seeds, len(n)]`` for one target, or
    ``[n_seeds, len(n), n_targets]`` for several; ``sum_learnabilities`` is ``[n_seeds, len(n)]``.
    """

    n: np.ndarray
    learnability: np.ndarray
    test_mse: np.ndarray
    sum_learnabilities: np.ndarray


def krr_fit_predict(
    K_train: np.ndarray, K_test_train: np.ndarray, y: np.ndarray, ridge: float
) -> np.ndarray:
    """Batched kernel ridge regression: ``K_test_train (K_train + ridge I)^{-1} y``.

    Shapes ``[b, n, n]``, ``[b, m, n]``, ``[b, n]`` -> ``[b, m]`` (LAPACK's batched solve).
    """
    n = K_train.shape[-1]
    alpha = np.linalg.solve(K_train + ridge * np.eye(n), y[..., None])[..., 0]
    return np.einsum("bmn,bn->bm", K_test_train, alpha)


def empirical_learning_curve(
    K: np.ndarray,
    measure: np.ndarray,
    target: np.ndarray,
    n_grid: np.ndarray,
    n_seeds: int,
    ridge: float,
    seed: int,
) -> EmpiricalCurve:
    """Kernel regression on i.i.d. samples from an enumerated input space, exact test metrics.

    Parameters
    ----------
    K
        ``[N, N]`` kernel on every input.
    measure
        ``[N]`` input distribution, normalised here (training points are drawn from it, with
        replacement, as in the theory; test metrics are exact expectations under it).
    target
        ``[N]`` target function (noise-free labels), or ``[N, k]`` for ``k`` targets fitted on the
        same training sets.
    n_grid, n_seeds, ridge, seed
        Training-set sizes, repetitions per size (batched), ridge and the seed of the draws.

    Returns
    -------
    EmpiricalCurve
        Learnability ``<g, f_hat>_mu / <g, g>_mu``, test MSE, and the exact finite-``n``
        conservation sum ``tr(K_DD (K_DD + delta)^{-1})``.
    """
    K = np.asarray(K, dtype=float)
    measure = np.asarray(measure, dtype=float)
    measure = measure / measure.sum()  # a distribution: draws and test expectations alike
    g = np.asarray(target, dtype=float)
    single = g.ndim == 1
    g = g[:, None] if single else g
    N = len(measure)
    if K.shape != (N, N) or g.ndim != 2 or g.shape[0] != N:  # a 0-d target too
        raise ValueError(f"K must be [{N}, {N}] and target [{N}] or [{N}, k] to match the measure")
    if ridge <= 0:
        raise ValueError("empirical curves draw with replacement; use ridge > 0")
    rng = np.random.default_rng(seed)
    gg = np.einsum("n,nk,nk->k", measure, g, g)
    ns = np.asarray(n_grid, dtype=int)
    learn = np.zeros((n_seeds, len(ns), g.shape[1]))
    mse = np.zeros_like(learn)
    cons = np.zeros((n_seeds, len(ns)))
    for c, n in enumerate(ns):  # one batched solve over seeds (and targets) per training-set size
        idx = rng.choice(N, size=(n_seeds, n), p=measure)
        # Seeds in chunks so that the [chunk, N, n] block of test-train kernels stays within
        # CHUNK_ENTRIES (the chunking changes no number: tested).
        step = max(1, int(CHUNK_ENTRIES // (N * n)))
        for b0 in range(0, n_seeds, step):
            ib = idx[b0 : b0 + step]
            Kdd = K[ib[:, :, None], ib[:, None, :]]
            s, Q = np.linalg.eigh(Kdd)  # one factorisation gives the fit and the conservation sum
            coef = np.einsum(
                "bij,bj,bjk->bik", Q, 1.0 / (s + ridge), np.einsum("bji,bjk->bik", Q, g[ib])
            )
            f_hat = np.einsum("nbi,bik->bnk", K[:, ib], coef)  # [chunk, N, targets]
            learn[b0 : b0 + step, c] = np.einsum("n,bnk,nk->bk", measure, f_hat, g) / gg
            mse[b0 : b0 + step, c] = np.einsum("n,bnk->bk", measure, (f_hat - g) ** 2)
            cons[b0 : b0 + step, c] = (s / (s + ridge)).sum(axis=1)
    if single:
        learn, mse = learn[..., 0], mse[..., 0]
    return EmpiricalCurve(ns, learn, mse, cons)
