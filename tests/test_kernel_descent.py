"""Gradient descent with a fixed kernel: the closed form against the step-by-step iteration."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.kernel_descent import PSD_RTOL, kernel_descent

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


@pytest.mark.parametrize(
    ("K", "Kx", "message"),
    [
        (np.eye(3), np.ones((2, 4)), "K_train"),  # K smaller than the 4 targets
        (np.eye(5), np.ones((2, 4)), "K_train"),  # K larger
        (np.eye(4)[:, :3], np.ones((2, 4)), "K_train"),  # K not square
        (np.eye(4), np.ones(4), "K_test_train"),  # one test input without its axis
        (np.eye(4), np.ones((2, 4, 1)), "K_test_train"),
        (np.eye(4), np.ones((2, 3)), "K_test_train"),
        (np.eye(4), np.ones((2, 5)), "K_test_train"),
        (np.diag([1.0, 1.0, 1.0, -0.5]), np.ones((2, 4)), "not positive semi-definite"),
    ],
)
def test_kernels_of_the_wrong_shape_or_not_positive_semi_definite_are_refused(K, Kx, message):
    with pytest.raises(ValueError, match=message):
        kernel_descent(K, Kx, np.ones(4), 0.1, 3)


@pytest.mark.parametrize(("lr", "steps"), [(0.0, 3), (0.1, -1), (0.1, 2.5), (0.1, -2.5)])
def test_a_step_size_at_or_below_zero_or_a_step_count_not_a_whole_number_is_refused(lr, steps):
    with pytest.raises(ValueError, match="lr must be > 0 and steps an integer >= 0"):
        kernel_descent(np.eye(4), np.ones((2, 4)), np.ones(4), lr, steps)


def test_a_whole_float_step_count_counts_like_the_integer():
    K, Kx = _kernel(5, 2, 5)
    lr = 0.5 / np.linalg.eigvalsh(2 / 5 * K).max()
    y = np.arange(5.0)
    np.testing.assert_array_equal(
        kernel_descent(K, Kx, y, lr, 3.0)[1], kernel_descent(K, Kx, y, lr, 3)[1]
    )


@pytest.mark.parametrize(
    ("lr", "refused"), [(0.25, False), (0.4999, False), (0.5, True), (0.625, True)]
)
def test_descent_is_refused_exactly_from_lr_times_the_largest_eigenvalue_2(lr, refused):
    # (2/n) K = diag(4, 1) exactly (n = 2): lr * 4 reaches 2 at lr = 0.5, where the largest
    # direction no longer converges (|1 - lr a| = 1); below it, the iteration is followed.
    K, Kx, y = np.diag([4.0, 1.0]), np.array([[1.0, 2.0]]), np.array([1.0, -1.0])
    if refused:
        with pytest.raises(ValueError, match=f"lr \\* max eigenvalue = {4 * lr:.3g} >= 2"):
            kernel_descent(K, Kx, y, lr, 4)
        return
    f = np.zeros(2)
    fx = np.zeros(1)
    for _ in range(4):
        r = f - y
        f, fx = f - lr * K @ r, fx - lr * Kx @ r
    got_f, got_fx = kernel_descent(K, Kx, y, lr, 4)
    np.testing.assert_allclose(got_f, f, rtol=1e-12)
    np.testing.assert_allclose(got_fx, fx, rtol=1e-12)


def test_several_hundred_training_inputs_are_accepted():
    # shapes are compared by value (beyond the integers Python caches): n = 300 works
    K = np.eye(300)
    f, fx = kernel_descent(K, np.zeros((1, 300)), np.ones(300), 10.0, 1)
    np.testing.assert_allclose(f, 2 * 10.0 / 300 * np.ones(300))


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_the_tolerance_for_negative_eigenvalues_is_relative_to_the_largest(scale):
    # (2/n) K = scale * diag(1, e) with n = 2: e = -PSD_RTOL exactly, or rounding (-1e-12), is
    # taken as 0 at every scale; e = -1e-6 is refused at every scale
    def run(e):
        return kernel_descent(
            scale * np.diag([1.0, e]), np.ones((1, 2)), np.ones(2), 0.5 / scale, 3
        )

    for e in (-PSD_RTOL, -1e-12):
        run(e)
    with pytest.raises(ValueError, match="not positive semi-definite"):
        run(-1e-6)


def test_an_eigenvalue_within_rounding_of_zero_is_a_null_direction():
    # (2/n) K = diag(1, -1e-9): the second direction is a null direction of the kernel up to
    # rounding, so the residual there is never reduced and each step adds the same amount: a test
    # input seeing only that direction (K_xX = [0, 1]) moves by lr * 1 per step, 10**9 steps in
    # all (treating -1e-9 as a real eigenvalue would give (e - 1) * 10**9 instead)
    _, fx = kernel_descent(
        np.diag([1.0, -1e-9]), np.array([[0.0, 1.0]]), np.array([0.0, 1.0]), 1.0, 10**9
    )
    assert fx[0] == pytest.approx(1e9, rel=1e-9)
