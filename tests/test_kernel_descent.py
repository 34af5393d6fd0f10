"""Gradient descent with a fixed kernel: the closed form against the step-by-step iteration."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.kernel_descent import kernel_descent

RNG = np.random.default_rng(7)


def _kernel(n: int, m: int, rank: int) -> tuple[np.ndarray, np.ndarray]:
    F = RNG.normal(size=(n + m, rank))
    K = F @ F.T
    return K[:n, :n], K[n:, :n]


# rank < n leaves a null space that gradient descent never moves
@pytest.mark.parametrize("rank", [3, 12])
def test_closed_form_equals_the_iteration(rank):
    n, m, steps = 8, 5, 37
    K, Kx = _kernel(n, m, rank)
    y = RNG.normal(size=n)
    lr = 1.0 / np.linalg.eigvalsh(2 / n * K).max()
    f, fx = np.zeros(n), np.zeros(m)
    for _ in range(steps):  # the update written out, independently of the eigendecomposition
        r = f - y
        f, fx = f - lr * 2 / n * K @ r, fx - lr * 2 / n * Kx @ r
    got_f, got_fx = kernel_descent(K, Kx, y, lr, steps)
    np.testing.assert_allclose(got_f, f, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_fx, fx, rtol=1e-10, atol=1e-12)


def test_long_descent_reaches_the_minimum_norm_interpolant():
    n, m = 6, 4
    K, Kx = _kernel(n, m, 4)
    y = RNG.normal(size=n)
    lr = 1.0 / np.linalg.eigvalsh(2 / n * K).max()
    _, fx = kernel_descent(K, Kx, y, lr, 100_000)
    np.testing.assert_allclose(fx, Kx @ np.linalg.pinv(K) @ y, atol=1e-6)
    assert np.all(kernel_descent(K, Kx, y, lr, 0)[1] == 0)


def test_bad_input():
    K, Kx = _kernel(4, 2, 4)
    with pytest.raises(ValueError, match="diverges"):
        kernel_descent(K, Kx, np.ones(4), 1e6, 3)
    with pytest.raises(ValueError, match="K_train"):
        kernel_descent(K, Kx[:, :3], np.ones(4), 0.1, 3)
    with pytest.raises(ValueError, match="lr must be"):
        kernel_descent(K, Kx, np.ones(4), -0.1, 3)
