"""Least squares in one place: weighted fits with their covariance, and a log-log slope.

Every straight-line or multi-column fit of the book goes through :func:`weighted_least_squares`
(the growth laws of thresholds, the sensitivity chapter's slopes of sharpness on ``n``). SciPy's
:func:`scipy.stats.linregress` has no weights and one regressor only, so the weighted, multi-column
case is written here once; the plain slope of ``log y`` on ``log x`` is :func:`loglog_slope`, which
is SciPy's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats


@dataclass(frozen=True)
class LeastSquares:
    """A weighted least-squares fit ``y ~ X @ coef``.

    Attributes
    ----------
    coef
        ``float[p]`` coefficients.
    chi2
        Weighted residual sum of squares ``sum w (y - X coef)**2``.
    r2
        Weighted coefficient of determination (``1`` when ``y`` is constant, NaN when a
        response is NaN or infinite: such data never reads as a perfect fit).
    cov_unscaled
        ``(X^T W X)^{-1}``: the coefficients' covariance when the weights are inverse variances.
        Multiply by :attr:`residual_variance` for the usual estimate from the residuals.
    dof
        Residual degrees of freedom ``len(y) - p``.
    """

    coef: np.ndarray
    chi2: float
    r2: float
    cov_unscaled: np.ndarray
    dof: int

    @property
    def residual_variance(self) -> float:
        """``chi2 / dof``: the residual variance, for covariances estimated from the residuals."""
        return self.chi2 / self.dof if self.dof > 0 else float("nan")


def weighted_least_squares(
    X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
) -> LeastSquares:
    """Minimise ``sum w (y - X coef)**2`` (``w = None``: ordinary least squares).

    Solved by :func:`numpy.linalg.lstsq` on the rows scaled by ``sqrt(w)`` (no normal equations,
    so a badly scaled design loses no precision in the coefficients).

    Parameters
    ----------
    X
        ``float[n, p]`` design matrix (include a column of ones for an intercept).
    y
        ``float[n]`` responses.
    w
        ``float[n]`` non-negative weights, e.g. ``1 / sigma**2``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != X.shape[:1]:
        raise ValueError(f"need X[n, p] and y[n], got X{X.shape} and y{y.shape}")
    if w is None:
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ coef
        chi2 = float(resid @ resid)
        ybar = y.mean()
        tss = float(np.sum((y - ybar) ** 2))
        cov = np.linalg.inv(X.T @ X)
    else:
        w = np.asarray(w, dtype=np.float64)
        if w.shape != y.shape or np.any(w < 0):
            raise ValueError("weights must be non-negative, one per row")
        sw = np.sqrt(w)
        coef, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
        resid = y - X @ coef
        chi2 = float(np.sum(w * resid**2))
        ybar = np.sum(w * y) / np.sum(w)
        tss = float(np.sum(w * (y - ybar) ** 2))
        cov = np.linalg.inv(X.T @ (w[:, None] * X))
    if tss > 0:
        r2 = 1.0 - chi2 / tss
    elif tss == 0:
        r2 = 1.0  # a constant response, fitted exactly
    else:
        r2 = float("nan")  # a NaN or infinite response: no fit quality, never a perfect one
    return LeastSquares(coef=coef, chi2=chi2, r2=r2, cov_unscaled=cov, dof=len(y) - X.shape[1])


def line_design(x: np.ndarray) -> np.ndarray:
    """``[1, x]`` columns: the design of a straight line ``a + b x``."""
    x = np.asarray(x, dtype=np.float64)
    return np.stack([np.ones_like(x), x], axis=1)


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (:func:`scipy.stats.linregress`)."""
    return loglog_fit(x, y)[0]


def loglog_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope of ``log y`` against ``log x`` and its standard error from the residuals.

    For noise-free curves (a theory evaluated at several ``x``) the standard error measures how far
    the curve is from a straight line in log-log, i.e. how much its local exponent changes over the
    range: a systematic, not a sampling, uncertainty.
    """
    fit = scipy.stats.linregress(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)))
    return float(fit.slope), float(fit.stderr)
