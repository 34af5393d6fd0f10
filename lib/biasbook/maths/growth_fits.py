"""Growth laws of a threshold ``m*(T)``: ``a + b log T`` against ``a + b T``, and a power law.

Weighted least-squares fits of thresholds measured at several sequence lengths ``T``
(:func:`compare_fits`, :func:`fit_power_law`), with the weights of the thresholds' uncertainties.
The least squares themselves are :func:`biasbook.maths.regression.weighted_least_squares`.
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
    fit = weighted_least_squares(line_design(np.log(T)), np.log(m_star), w)
    log_c, alpha = float(fit.coef[0]), float(fit.coef[1])
    # the given sigmas are absolute: the covariance is not rescaled by the residuals
    alpha_se = float("nan") if sigma is None else float(np.sqrt(fit.cov_unscaled[1, 1]))
    c = float(np.exp(log_c))
    chi2 = float(np.sum(((m_star - c * T**alpha) / sig) ** 2))
    return PowerLawFit(c=c, alpha=alpha, alpha_se=alpha_se, chi2=chi2)
