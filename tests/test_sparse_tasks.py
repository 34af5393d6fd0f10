"""Sparse targets and their data: labels against hand-written truth, balance by Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.sparse_tasks import (
    TARGET_NAMES,
    SparseTask,
    all_inputs,
    balanced_bit_probability,
    check_sizes,
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


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_targets_act_on_the_last_axis_of_any_stack_of_patterns(name):
    # a [2, 8, 3] stack (say two models' tables) gives, slice by slice, the 2-d result
    g = target_function(name, 3)
    stack = np.stack([all_inputs(3), all_inputs(3)[::-1]])
    np.testing.assert_array_equal(g(stack), np.stack([g(stack[0]), g(stack[1])]))
    np.testing.assert_array_equal(g(stack[0]), truth_table(name, 3))


def test_several_hundred_relevant_bits_and_positions_are_compared_by_value():
    # beyond the integers Python caches: s = 300 bits, T = 300 positions
    g = target_function("parity", 300)
    assert g(np.ones((1, 300), dtype=np.int8))[0] == 0
    task = SparseTask("parity", 300, 3, (0, 1, 299), 0.5)
    assert task.labels(np.ones((2, 300), dtype=np.int8)).tolist() == [1, 1]


def test_sizes_that_are_not_whole_numbers_are_refused_whichever_it_is():
    for T, s in ((7.5, 3), (7, 2.5)):
        with pytest.raises(ValueError, match="T and s must be integers"):
            check_sizes(T, s)
    check_sizes(7.0, 3.0)  # whole numbers written as floats are fine


@pytest.mark.parametrize(
    ("support", "p_one", "message"),
    [
        ((1, 5), 0.5, "lie in \\[0, 5\\)"),  # position T is past the end
        ((-1, 2), 0.5, "lie in \\[0, 5\\)"),
        ((1, 2), 0.0, "p_one must lie in \\(0, 1\\)"),
        ((1, 2), 1.0, "p_one must lie in \\(0, 1\\)"),
        ((1, 2), 1.5, "p_one must lie in \\(0, 1\\)"),
    ],
)
def test_a_task_with_a_position_or_a_bit_probability_out_of_range_is_refused(
    support, p_one, message
):
    with pytest.raises(ValueError, match=message):
        SparseTask("and", 5, 2, support, p_one)


def test_inputs_shorter_than_the_task_are_refused_even_when_the_support_fits():
    task = SparseTask("and", 5, 2, (0, 1), 0.5)
    with pytest.raises(ValueError, match="inputs must have length T=5"):
        task.labels(np.ones((3, 4), dtype=np.int8))


def test_a_negative_number_of_samples_is_refused_and_zero_gives_no_rows():
    task = make_task("and", 8, 2)
    with pytest.raises(ValueError, match="number of samples must be >= 0"):
        sample_dataset(task, -1, seed=0)
    X, y = sample_dataset(task, 0, seed=0)
    assert X.shape == (0, 8) and y.shape == (0,)


def test_enumeration_covers_zero_to_22_positions():
    # T = 0: the one empty sequence; above 22 positions (2**23 sequences, over a GB while being
    # built) it is refused
    assert all_inputs(0).shape == (1, 0)
    assert all_inputs(1).tolist() == [[0], [1]]
    with pytest.raises(ValueError, match="0 <= T <= 22, got 23"):
        all_inputs(23)
    with pytest.raises(ValueError, match="0 <= T <= 22, got -1"):
        all_inputs(-1)
