"""Growth laws of a threshold ``m*(T)``: ``a + b log T`` against ``a + b T``, power laws, polylogs.

Weighted least-squares fits of thresholds measured at several sequence lengths ``T``
(:func:`compare_fits`, :func:`fit_power_law`, :func:`fit_polylog`), with the weights of the
thresholds' uncertainties, and a test that tells a polylog ``(ln T)**k`` from a power law
``T**alpha`` by whether the local exponent ``d ln m* / d ln T`` falls (:func:`classify_growth`;
over a short range of ``T`` the two look alike, see the variable-creation chapter). The least
squares themselves are :func:`biasbook.maths.regression.weighted_least_squares`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from biasbook.maths.regression import line_design, weighted_least_squares


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
    log_fit = ScalingFit("log", *_line_fit(np.log(T), m_star, w))
    lin_fit = ScalingFit("linear", *_line_fit(T, m_star, w))
    return FitComparison(log=log_fit, linear=lin_fit)


def _line_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float]:
    """``(a, b, chi2, r2)`` of the weighted straight line ``y = a + b x``."""
    fit = weighted_least_squares(line_design(x), y, w)
    return float(fit.coef[0]), float(fit.coef[1]), fit.chi2, fit.r2


def _log_weights(
    T: Sequence[float], m_star: Sequence[float], sigma: Sequence[float] | None, min_T: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``T, m, sigma`` and the log-space weights ``(m / sigma)**2``."""
    T = np.asarray(T, dtype=np.float64)
    m = np.asarray(m_star, dtype=np.float64)
    if T.shape != m.shape or T.ndim != 1:
        raise ValueError(f"T and m_star must be 1-d of equal length, got {T.shape}, {m.shape}")
    if not (np.all(np.isfinite(m)) and np.all(m > 0) and np.all(T > min_T)):
        raise ValueError(
            f"T must exceed {min_T:g} and m_star be positive and finite "
            "(leave out censored thresholds)"
        )
    if sigma is None:
        sig = np.ones_like(T)
        return T, m, sig, np.ones_like(T)
    sig = np.asarray(sigma, dtype=np.float64)
    if sig.shape != T.shape or np.any(~(sig > 0)):
        raise ValueError("sigma must be positive, one per point")
    return T, m, sig, (m / sig) ** 2


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
    T, m_star, sig, w = _log_weights(T, m_star, sigma, min_T=0.0)
    if np.unique(T).size < 2:
        raise ValueError(f"a power-law fit needs at least 2 distinct T, got {T.tolist()}")
    fit = weighted_least_squares(line_design(np.log(T)), np.log(m_star), w)
    log_c, alpha = float(fit.coef[0]), float(fit.coef[1])
    # the given sigmas are absolute: the covariance is not rescaled by the residuals
    alpha_se = float("nan") if sigma is None else float(np.sqrt(fit.cov_unscaled[1, 1]))
    c = float(np.exp(log_c))
    chi2 = float(np.sum(((m_star - c * T**alpha) / sig) ** 2))
    return PowerLawFit(c=c, alpha=alpha, alpha_se=alpha_se, chi2=chi2)


# --------------------------------------------------------------------------------------------------
# Polylog against power law: the local exponent
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolylogFit:
    """Weighted least-squares fit ``log m* = log c + k log log T``, i.e. ``m* = c (ln T)**k``.

    Attributes
    ----------
    c, k
        Prefactor and power of the logarithm.
    k_se
        Standard error of ``k`` from the given (absolute) uncertainties; ``nan`` without them.
    chi2
        ``sum ((m - c (ln T)**k) / sigma)**2`` on the original scale, comparable with
        :attr:`PowerLawFit.chi2` on the same data.
    """

    c: float
    k: float
    k_se: float
    chi2: float

    def __call__(self, T: np.ndarray | float) -> np.ndarray:
        """Predicted ``m*`` at ``T``."""
        return self.c * np.log(np.asarray(T, dtype=np.float64)) ** self.k

    def formula(self) -> str:
        """The fit as text, e.g. ``"m* = 3.1 (ln T)^2.0"``."""
        return f"m* = {self.c:.3g} (ln T)^{self.k:.2f}"


def fit_polylog(
    T: Sequence[float], m_star: Sequence[float], sigma: Sequence[float] | None = None
) -> PolylogFit:
    """Fit ``m* = c (ln T)**k`` by weighted least squares on ``log m*`` against ``log log T``.

    Weights as in :func:`fit_power_law`; ``T`` must exceed 1 (so that ``ln T > 0``).
    """
    T, m, sig, w = _log_weights(T, m_star, sigma, min_T=1.0)
    if np.unique(T).size < 2:
        raise ValueError(f"a polylog fit needs at least 2 distinct T, got {T.tolist()}")
    fit = weighted_least_squares(line_design(np.log(np.log(T))), np.log(m), w)
    c, k = float(np.exp(fit.coef[0])), float(fit.coef[1])
    k_se = float("nan") if sigma is None else float(np.sqrt(fit.cov_unscaled[1, 1]))
    chi2 = float(np.sum(((m - c * np.log(T) ** k) / sig) ** 2))
    return PolylogFit(c=c, k=k, k_se=k_se, chi2=chi2)


GrowthLawName = Literal["log-like", "power law", "faster than a power law", "undecided"]


@dataclass(frozen=True)
class GrowthLaw:
    """Which growth law the local exponent of ``m*(T)`` points to (:func:`classify_growth`).

    The local exponent ``d ln m* / d ln T`` is constant for a power law ``c T**alpha`` and falls
    like ``k / ln T`` for a polylog ``c (ln T)**k`` (``k = 1``: logarithmic growth). It is measured
    as the power-law exponent of the lower and of the upper half of the ``T`` range.

    Attributes
    ----------
    law
        ``"log-like"`` (the exponent falls significantly, as for any polylog), ``"power law"``
        (it does not, and the fall every polylog would show is excluded), ``"faster than a power
        law"`` (it rises significantly) or ``"undecided"`` (the data cannot tell).
    low, high
        :class:`PowerLawFit` of the lower and upper halves (disjoint, so independent).
    T_low, T_high
        The halves' ranges, ``(first T, last T)``.
    drop, drop_se
        ``alpha_low - alpha_high`` and its standard error: ``0`` for a power law.
    ratio
        ``alpha_high / alpha_low`` that every polylog ``c (ln T)**k`` has on these ``T`` and
        weights, whatever its ``k`` (the ratio of the halves' weighted slopes of ``ln ln T``).
    polylog_gap, polylog_gap_se
        ``alpha_high - ratio * alpha_low`` and its standard error: ``0`` for a polylog.
    z
        The number of standard errors that counts as significant.
    polylog, power
        :func:`fit_polylog` and :func:`fit_power_law` over all points.
    """

    law: GrowthLawName
    low: PowerLawFit
    high: PowerLawFit
    T_low: tuple[float, float]
    T_high: tuple[float, float]
    drop: float
    drop_se: float
    ratio: float
    polylog_gap: float
    polylog_gap_se: float
    z: float
    polylog: PolylogFit
    power: PowerLawFit

    def summary(self) -> str:
        """One line: the two local exponents and the decision, e.g. for a status table."""
        return (
            f"α {self.low.alpha:.2f} ± {self.low.alpha_se:.2f} (T {self.T_low[0]:g}–"
            f"{self.T_low[1]:g}) → {self.high.alpha:.2f} ± {self.high.alpha_se:.2f} "
            f"(T {self.T_high[0]:g}–{self.T_high[1]:g}): {self.law}"
        )


def classify_growth(
    T: Sequence[float], m_star: Sequence[float], sigma: Sequence[float], z: float = 2.0
) -> GrowthLaw:
    """Tell a polylog from a power law by whether the local exponent of ``m*(T)`` falls.

    The points (sorted by ``T``) are split into a lower and an upper half (the upper one takes the
    odd point), each fitted by :func:`fit_power_law` with the given ``sigma``. With
    ``drop = alpha_low - alpha_high`` and ``gap = alpha_high - ratio * alpha_low`` (zero for every
    polylog, see :class:`GrowthLaw`):

    * ``drop > z se``: **log-like** (a power law is rejected; the exponent falls);
    * ``drop < -z se``: **faster than a power law**;
    * otherwise ``gap > z se``: **power law** (the exponent holds up where any polylog's falls);
    * otherwise **undecided**.

    Parameters
    ----------
    T, m_star, sigma
        At least 4 thresholds (2 per half) with their uncertainties, ``T > 1``, finite ``m*``.
    z
        Significance in standard errors (2: about 95 % two-sided), fixed before measuring.
    """
    T, m, sig, w = _log_weights(T, m_star, sigma, min_T=1.0)
    if T.size < 4:
        raise ValueError(f"classifying a growth law needs at least 4 thresholds, got {T.size}")
    order = np.argsort(T)
    T, m, sig, w = T[order], m[order], sig[order], w[order]
    half = T.size // 2
    lo, hi = slice(0, half), slice(half, None)
    if np.unique(T[lo]).size < 2 or np.unique(T[hi]).size < 2:
        raise ValueError(f"each half of the T range needs 2 distinct lengths, got {T.tolist()}")
    low, high = fit_power_law(T[lo], m[lo], sig[lo]), fit_power_law(T[hi], m[hi], sig[hi])
    # the slope of ln ln T on ln T in each half, with that half's log-space weights: a polylog's
    # fitted exponent is k times it, so the ratio of the halves' exponents is k-free
    beta = [
        weighted_least_squares(line_design(np.log(T[s])), np.log(np.log(T[s])), w[s]).coef[1]
        for s in (lo, hi)
    ]
    ratio = float(beta[1] / beta[0])
    drop = low.alpha - high.alpha
    drop_se = float(np.hypot(low.alpha_se, high.alpha_se))
    gap = high.alpha - ratio * low.alpha
    gap_se = float(np.hypot(high.alpha_se, ratio * low.alpha_se))
    law: GrowthLawName
    if drop > z * drop_se:
        law = "log-like"
    elif drop < -z * drop_se:
        law = "faster than a power law"
    elif gap > z * gap_se:
        law = "power law"
    else:
        law = "undecided"
    return GrowthLaw(
        law=law,
        low=low,
        high=high,
        T_low=(float(T[lo][0]), float(T[lo][-1])),
        T_high=(float(T[hi][0]), float(T[hi][-1])),
        drop=float(drop),
        drop_se=drop_se,
        ratio=ratio,
        polylog_gap=float(gap),
        polylog_gap_se=gap_se,
        z=float(z),
        polylog=fit_polylog(T, m, sig),
        power=fit_power_law(T, m, sig),
    )


def classification_rates(
    T: Sequence[float],
    m_true: Sequence[float],
    sigma: Sequence[float],
    n_rep: int = 1000,
    seed: int = 0,
    z: float = 2.0,
) -> dict[str, float]:
    """How often :func:`classify_growth` returns each law on noisy copies of known thresholds.

    Each replicate multiplies ``m_true`` by ``exp(N(0, (sigma / m_true)**2))`` (log-normal noise of
    the given relative size, as the log-space fits assume) and is classified with the same
    *relative* uncertainties: the test's error rates at a sweep's noise level.

    Because the relative uncertainties, hence the log-space weights, are the same in every
    replicate, every fitted exponent is a fixed linear function of ``log m`` and every standard
    error a constant: the replicates are classified all at once (the same decisions as calling
    :func:`classify_growth` on each, tested).

    Returns
    -------
    dict
        ``{law: fraction of replicates}`` over every law of :class:`GrowthLaw` (summing to 1).
    """
    T, m, sig, w = _log_weights(T, m_true, sigma, min_T=1.0)
    ref = classify_growth(T, m, sig, z=z)  # the constants: standard errors and the ratio
    order = np.argsort(T)
    x, w = np.log(T[order]), w[order]
    half = T.size // 2

    def slope_weights(sl: slice) -> np.ndarray:
        # alpha = c @ log m over the half: the weighted least-squares slope, written out
        xs, ws = x[sl], w[sl]
        dx = xs - np.sum(ws * xs) / np.sum(ws)
        c = np.zeros(T.size)
        c[sl] = ws * dx / np.sum(ws * dx**2)
        return c

    rng = np.random.default_rng(seed)
    log_m = np.log(m[order]) + rng.standard_normal((n_rep, T.size)) * (sig / m)[order]
    a_low = log_m @ slope_weights(slice(0, half))
    a_high = log_m @ slope_weights(slice(half, None))
    drop, gap = a_low - a_high, a_high - ref.ratio * a_low
    law = np.where(
        drop > z * ref.drop_se,
        "log-like",
        np.where(
            drop < -z * ref.drop_se,
            "faster than a power law",
            np.where(gap > z * ref.polylog_gap_se, "power law", "undecided"),
        ),
    )
    names = ("log-like", "power law", "faster than a power law", "undecided")
    return {k: float(np.mean(law == k)) for k in names}


def two_point_exponent(
    T: tuple[float, float], m_star: tuple[float, float], sigma: tuple[float, float]
) -> tuple[float, float]:
    """The exponent ``ln(m1 / m0) / ln(T1 / T0)`` between two thresholds, and its standard error.

    The error propagates the relative uncertainties ``sigma / m*`` of the two (independent)
    thresholds: ``sqrt((s0/m0)**2 + (s1/m1)**2) / ln(T1 / T0)``.
    """
    (T0, T1), (m0, m1), (s0, s1) = T, m_star, sigma
    if not (T1 > T0 > 0 and m0 > 0 and m1 > 0 and s0 > 0 and s1 > 0):
        raise ValueError(
            "need 0 < T0 < T1 and positive, finite thresholds and uncertainties "
            f"(got T={T}, m*={m_star}, sigma={sigma}; leave out censored thresholds)"
        )
    if not (np.isfinite(m0) and np.isfinite(m1)):
        raise ValueError("thresholds must be finite (leave out censored thresholds)")
    span = float(np.log(T1 / T0))
    return float(np.log(m1 / m0) / span), float(np.hypot(s0 / m0, s1 / m1) / span)
