"""Tests of the synthesis glue against independent facts (closed forms, brute force, hand cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from biasbook.experiments import synthesis as sy
from biasbook.maths import sequences as sq
from biasbook.nets.models import TransformerConfig
from biasbook.nets.training import TrainConfig

N_BITS = 5


@pytest.fixture(scope="module")
def tasks() -> list[sy.Task]:
    return sy.default_tasks(k=2)


@pytest.fixture(scope="module")
def tables(tasks: list[sy.Task]) -> np.ndarray:
    return sy.task_tables(tasks, N_BITS)


@pytest.fixture(scope="module")
def gp(tables: np.ndarray) -> dict:
    return sy.gp_view(tables, N_BITS, m_curve=[1, 4, 16, 31], ridge=1e-3)


def test_task_tables_follow_sequence_order(tasks: list[sy.Task], tables: np.ndarray) -> None:
    T = sq.enumerate_sequences(2, N_BITS)
    keys = [t.key for t in tasks]
    # FIRST is the first token; PARITY counts ones; AND of the first two tokens.
    assert np.array_equal(tables[keys.index("first")], np.where(T[:, 0] == 1, 1.0, -1.0))
    assert np.array_equal(tables[keys.index("parity")], np.where(T.sum(1) % 2, 1.0, -1.0))
    sparse_and = np.where((T[:, 0] == 1) & (T[:, 1] == 1), 1.0, -1.0)
    assert np.array_equal(tables[keys.index("sparse_and")], sparse_and)


def test_bad_inputs_raise_clear_errors(tasks: list[sy.Task]) -> None:
    with pytest.raises(ValueError, match="MAJORITY|odd"):
        sy.task_tables(tasks, 6)  # MAJORITY needs odd n
    with pytest.raises(ValueError, match="n must be an integer"):
        sy.task_tables(tasks, 40)
    with pytest.raises(ValueError, match="held-out"):
        sy.training_sets(8, 8, 2, 0)
    with pytest.raises(ValueError, match="constant"):
        sy.relative_error(np.array([[1.0]]), np.array([1.0]))


def test_boolean_view_closed_forms(tasks: list[sy.Task]) -> None:
    view = sy.boolean_view(tasks, N_BITS)
    np.testing.assert_allclose(view["sensitivity"], view["sensitivity_closed_form"], atol=1e-12)
    expected_degree = {"parity": 5, "sparse_and": 2, "majority": 5, "first": 1, "sparse_parity": 2}
    assert list(view["degree"]) == [expected_degree[t.key] for t in tasks]
    np.testing.assert_allclose(view["weight_by_degree"].sum(1), 1.0, atol=1e-12)  # Parseval


def test_relative_error_hand_values() -> None:
    acc = np.array([[0.75, 1.0], [0.5, 0.9375]])
    const = np.array([0.5, 0.875])
    np.testing.assert_allclose(sy.relative_error(acc, const), [[0.5, 0.0], [4.0, 0.5]])
    np.testing.assert_allclose(sy.constant_accuracy(np.array([[1, -1, -1, -1.0]])), [0.75])


def test_gp_power_by_irrep_matches_closed_forms(tasks: list[sy.Task], gp: dict) -> None:
    keys = [t.key for t in tasks]
    w = gp["irrep_weights"]
    # Symmetric functions (of the Hamming weight only) lie in the trivial irrep [n].
    for key in ("parity", "majority"):
        assert w[keys.index(key), 0] == pytest.approx(1.0, abs=1e-9)
    # FIRST: s_0 = mean_a s_a + (s_0 - mean_a s_a); the first part has squared norm 1/n.
    assert w[keys.index("first"), 0] == pytest.approx(1 / N_BITS, abs=1e-9)
    assert w[keys.index("first"), 1] == pytest.approx(1 - 1 / N_BITS, abs=1e-9)
    # A function of k = 2 positions has no power below depth 2.
    for key in ("sparse_and", "sparse_parity"):
        assert w[keys.index(key), 3:].sum() == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(w.sum(1), 1.0, atol=1e-9)
    # Level weights of a ±1 target add up to E f^2 = 1 (the eigenvectors are complete).
    np.testing.assert_allclose(gp["level_weights"].sum(1), 1.0, atol=1e-9)


def test_linear_block_kernel_cannot_see_parity(tables: np.ndarray, tasks) -> None:
    # The identity-attention kernel is a polynomial of Fourier degree <= 2 in each argument, so
    # PARITY (degree n >= 3) is orthogonal to its range: all its power is in the null space.
    lin = sy.gp_view(tables, N_BITS, m_curve=[4], ridge=1e-3, nonlinearity="identity")
    keys = [t.key for t in tasks]
    assert lin["null_weight"][keys.index("parity")] == pytest.approx(1.0, abs=1e-9)
    assert lin["null_weight"][keys.index("first")] == pytest.approx(0.0, abs=1e-9)


def test_irrep_bound_closed_form_and_respected(gp: dict) -> None:
    # One level of multiplicity f: bound min(1, m / f).
    b = sy.irrep_bound(np.array([[0.0, 1.0]]), np.array([1, 10]), np.array([1, 5, 10, 20]))
    np.testing.assert_allclose(b, [[0.1, 0.5, 1.0, 1.0]])
    # Eigenlearning's learnability never exceeds the conservation-law bound.
    assert np.all(gp["learnability"] <= gp["bound"] + 1e-9)


def test_krr_delta_kernel_predicts_nothing_off_the_training_set(tables: np.ndarray) -> None:
    # With K = I the fit is zero on held-out inputs, sign(0) = +1: accuracy = share of +1 there.
    N = tables.shape[1]
    acc = sy.krr_held_out_accuracy(np.eye(N), tables, [5, 20], n_seeds=3, ridge=0.1, seed=1)
    for c, m in enumerate([5, 20]):
        idx = sy.training_sets(N, m, 3, 1)
        held = sy.held_out_mask(idx, N)
        expected = np.array([[np.mean(g[h] > 0) for h in held] for g in tables])
        np.testing.assert_allclose(acc[:, c], expected, atol=1e-12)


def test_krr_rank_one_kernel_learns_its_target_from_one_example(tables: np.ndarray) -> None:
    g = tables[0]
    acc = sy.krr_held_out_accuracy(np.outer(g, g), g[None], [1, 7], n_seeds=4, ridge=1e-6, seed=0)
    np.testing.assert_allclose(acc, 1.0)


def test_krr_matches_a_direct_solve(tables: np.ndarray) -> None:
    K = sy.nngp_kernel_matrix(N_BITS)
    acc = sy.krr_held_out_accuracy(K, tables, [9], n_seeds=2, ridge=1e-3, seed=3)
    idx = sy.training_sets(2**N_BITS, 9, 2, 3)
    for s, i in enumerate(idx):
        held = np.setdiff1d(np.arange(2**N_BITS), i)
        for t, g in enumerate(tables):
            alpha = np.linalg.solve(K[np.ix_(i, i)] + 1e-3 * np.eye(9), g[i])
            pred = np.where(K[np.ix_(held, i)] @ alpha >= 0, 1.0, -1.0)
            assert acc[t, 0, s] == pytest.approx(np.mean(pred == g[held]))


def test_training_sets_are_deterministic_and_without_replacement() -> None:
    a, b = sy.training_sets(64, 20, 5, 7), sy.training_sets(64, 20, 5, 7)
    assert np.array_equal(a, b)
    assert all(len(set(row)) == 20 for row in a)
    assert not np.array_equal(a, sy.training_sets(64, 20, 5, 8))
    mask = sy.held_out_mask(a, 64)
    assert np.all(mask.sum(1) == 44) and not mask[0, a[0]].any()


def test_first_crossing_interpolates_in_log_m() -> None:
    x = np.array([10.0, 100.0, 1000.0])
    assert sy.first_crossing(x, np.array([1.0, 0.5, 0.0]), 0.25, above=False) == pytest.approx(
        10**2.5
    )
    assert sy.first_crossing(x, np.array([0.0, 0.2, 0.4]), 0.9) == math.inf
    assert sy.first_crossing(x, np.array([0.95, 1.0, 1.0]), 0.9) == 10.0


def test_pairwise_agreement_hand_cases() -> None:
    # Predictor separates (0<2), (1<2) by >= 2x; (0, 1) differ by 1.5x and are not tested.
    agree = sy.pairwise_agreement([1.0, 1.5, 4.0], [10.0, 5.0, 50.0])
    assert agree.pairs == [(0, 2), (1, 2)] and agree.all_concordant
    flipped = sy.pairwise_agreement([1.0, 1.5, 4.0], [60.0, 5.0, 50.0])
    assert flipped.concordant == [False, True] and flipped.fraction == 0.5
    censored = sy.pairwise_agreement([1.0, 4.0, 9.0], [10.0, math.inf, math.inf])
    assert censored.concordant == [True, True, False]  # two censored outcomes do not order
    assert not sy.pairwise_agreement([1.0, 1.0], [1.0, 2.0]).all_concordant  # no pair: no claim
    # Two infinite (censored) predictions are not a separated pair; finite vs infinite is.
    assert sy.pairwise_agreement([1.0, math.inf, math.inf], [1.0, 2.0, 3.0]).pairs == [
        (0, 1),
        (0, 2),
    ]


def test_transformer_accuracies_have_the_right_shape_and_range(tables: np.ndarray) -> None:
    model = TransformerConfig(vocab_size=2, max_len=N_BITS, d_model=8, n_heads=2, d_mlp=8)
    out = sy.transformer_held_out_accuracy(
        tables[:2],
        N_BITS,
        [6],
        n_seeds=2,
        model=model,
        train=TrainConfig(steps=3, learning_rate=1e-2),
        seed=0,
    )
    assert out["accuracy"].shape == (2, 1, 2) == out["train_accuracy"].shape
    assert np.all((out["accuracy"] >= 0) & (out["accuracy"] <= 1))


def test_sample_complexities_on_a_synthetic_step() -> None:
    # Task 0 (balanced): every seed succeeds from m = 64 on, so m* is interpolated half-way (in
    # log m) between 32 and 64. Task 1 (const accuracy 0.875) needs 1 - 0.1 * 0.125 = 0.9875.
    ms = [16, 32, 64]
    acc = np.zeros((2, 3, 4))
    acc[0] = [[0.6] * 4, [0.9] * 4, [0.96] * 4]
    acc[1] = [[0.98] * 4, [0.98] * 4, [0.98] * 4]
    out = sy.sample_complexities(acc, ms, np.array([0.5, 0.875]), eps=0.1, n_boot=50)
    np.testing.assert_allclose(out.target_accuracy, [0.95, 0.9875])
    assert out.m_star[0] == pytest.approx(np.sqrt(32 * 64)) and out.censored[0] == "none"
    assert out.m_star[1] == math.inf and out.censored[1] == "above"
    assert out.low[0] == pytest.approx(out.m_star[0]) == pytest.approx(out.high[0])
    with pytest.raises(ValueError, match="eps"):
        sy.sample_complexities(acc, ms, np.array([0.5, 0.875]), eps=1.5)
