"""Gradient descent with a fixed kernel: what a network in its linearised (lazy) regime computes.

A network whose tangent kernel stays at ``Theta`` while it trains by full-batch gradient descent
on the mean squared error ``(1/n) sum_i (f(x_i) - y_i)^2`` with step ``lr``, starting from the zero
function, moves its outputs on the training inputs by

.. math::  f_{s+1}(X) = f_s(X) - \\eta \\tfrac{2}{n}\\,\\Theta_{XX}\\,(f_s(X) - y),

and on any other input ``x`` by the same step with ``Theta_{xX}`` in place of ``Theta_{XX}``. With
the eigendecomposition ``A = (2/n) Theta_XX = sum_i a_i v_i v_i^T`` the sum over steps is a
geometric series, so the outputs after ``s`` steps are, in closed form,

.. math::  f_s(x) = \\eta \\tfrac{2}{n}\\,\\Theta_{xX} \\sum_i v_i\\,
           \\frac{1 - (1 - \\eta a_i)^s}{\\eta a_i}\\, v_i^\\top y

(the fraction is ``s`` for ``a_i = 0``). As ``s -> infinity`` (with ``0 < eta a_i < 2``) this
tends to the minimum-norm interpolant ``Theta_{xX} Theta_XX^+ y``: the ridgeless kernel
regression, i.e. the posterior mean of the GP with kernel ``Theta`` in the limit of vanishing
noise.
"""

from __future__ import annotations

import numpy as np

#: Relative size of the negative eigenvalues of ``K_train`` taken as rounding (and set to 0):
#: a Gram matrix computed in float64 is off by ~1e-16 of its largest eigenvalue.
PSD_RTOL = 1e-8


def kernel_descent(
    K_train: np.ndarray, K_test_train: np.ndarray, y: np.ndarray, lr: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Outputs after ``steps`` steps of gradient descent with the fixed kernel ``K``.

    Parameters
    ----------
    K_train
        ``[n, n]`` kernel on the training inputs (symmetric, positive semi-definite).
    K_test_train
        ``[m, n]`` kernel between test and training inputs.
    y
        ``[n]`` training targets.
    lr, steps
        Step size and number of steps of gradient descent on the mean squared error.

    Returns
    -------
    f_train, f_test
        ``[n]`` and ``[m]`` outputs after ``steps`` steps (from the zero function).

    Raises
    ------
    ValueError
        For mismatched shapes, ``lr <= 0``, ``steps`` not a whole number ``>= 0``, a ``K_train``
        with an eigenvalue below ``-PSD_RTOL`` times its largest (not a kernel), or a step size
        at which gradient descent diverges (``lr * max eigenvalue of (2/n) K_train >= 2``).
    """
    K = np.asarray(K_train, dtype=float)
    Kx = np.asarray(K_test_train, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    if K.shape != (n, n) or Kx.ndim != 2 or Kx.shape[1] != n:
        raise ValueError(f"need K_train [{n}, {n}] and K_test_train [m, {n}] for {n} targets")
    if not lr > 0 or int(steps) != steps or steps < 0:
        raise ValueError(f"lr must be > 0 and steps an integer >= 0, got {lr}, {steps}")
    a, U = np.linalg.eigh(2.0 / n * 0.5 * (K + K.T))
    if a.min() < -PSD_RTOL * max(np.abs(a).max(), np.finfo(float).tiny):
        # along a negative direction descent would grow without bound, not follow the formula
        raise ValueError(
            f"K_train is not positive semi-definite: (2/n) K has eigenvalue {a.min():.3g} "
            f"(largest {a.max():.3g})"
        )
    a = np.clip(a, 0.0, None)  # rounding only: a kernel's null directions
    if lr * a.max() >= 2:
        raise ValueError(
            f"gradient descent diverges: lr * max eigenvalue = {lr * a.max():.3g} >= 2"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        step_sum = np.where(a > 0, (1.0 - (1.0 - lr * a) ** steps) / (lr * a), float(steps))
    # Residual-weighted sum of the steps, in the eigenbasis: c = sum_s (I - lr A)^s y.
    c = U @ (step_sum * (U.T @ y))
    scale = lr * 2.0 / n
    return scale * (K @ c), scale * (Kx @ c)
