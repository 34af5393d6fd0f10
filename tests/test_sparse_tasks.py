"""Sparse targets and their data: labels against hand-written truth, balance by Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.sparse_tasks import (
    SparseTask,
    all_inputs,
    balanced_bit_probability,
    make_task,
    sample_dataset,
    target_function,
    truth_table,
)


def test_truth_tables_by_hand():
    np.testing.assert_array_equal(truth_table("and", 2), [0, 0, 0, 1])
    np.testing.assert_array_equal(truth_table("parity", 3), [0, 1, 1, 0, 1, 0, 0, 1])
    np.testing.assert_array_equal(truth_table("majority", 3), [0, 0, 0, 1, 0, 1, 1, 1])


def test_all_inputs_enumerates_binary_numbers():
    X = all_inputs(4)
    assert X.shape == (16, 4)
    np.testing.assert_array_equal(X @ (1 << np.arange(4)), np.arange(16))


@pytest.mark.parametrize("name", ["and", "majority", "parity"])
def test_balanced_labels_monte_carlo(name):
    task = make_task(name, T=20, s=3, seed=1)
    n = 40_000
    _, y = sample_dataset(task, n, seed=2)
    # P(y = +1) = 1/2 exactly; 5 standard errors of a Bernoulli(1/2) mean
    assert abs((y > 0).mean() - 0.5) < 5 * 0.5 / np.sqrt(n)


def test_and_bit_probability():
    assert balanced_bit_probability("and", 3) ** 3 == pytest.approx(0.5)
    assert balanced_bit_probability("parity", 3) == 0.5


def test_labels_use_the_support_only():
    task = SparseTask("and", T=6, s=2, support=(1, 4), p_one=0.5)
    X = np.array([[0, 1, 0, 0, 1, 0], [1, 1, 1, 1, 0, 1], [0, 1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(task.labels(X), [1, 0, 1])


def test_determinism_and_seeds():
    a = make_task("parity", 50, 3, seed=4)
    assert a == make_task("parity", 50, 3, seed=4)
    assert a.support != make_task("parity", 50, 3, seed=5).support
    X1, y1 = sample_dataset(a, 30, seed=0)
    X2, y2 = sample_dataset(a, 30, seed=0)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert set(np.unique(y1)) <= {-1.0, 1.0}
    assert X1.dtype == np.int32


def test_bad_input():
    with pytest.raises(ValueError, match="cannot fit"):
        make_task("and", T=2, s=3)
    with pytest.raises(ValueError, match="unknown target"):
        make_task("xor", T=8, s=3)
    with pytest.raises(ValueError, match="ties"):
        target_function("majority", 4)
    with pytest.raises(ValueError, match="s must be >= 1"):
        make_task("and", T=8, s=0)
    with pytest.raises(ValueError, match="enumerate"):
        all_inputs(40)
