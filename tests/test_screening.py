"""The correlation-screening learner against a loop-by-loop reference, closed forms and Monte
Carlo."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from biasbook.maths.screening import (
    _correlations,
    fit_screening,
    label_correlation,
    nested_accuracies,
)
from biasbook.maths.sparse_tasks import make_task, sample_dataset


def _reference_fit(X, y, s):
    """The learner written out: np.corrcoef per position, a dict of votes per pattern."""
    r = []
    for t in range(X.shape[1]):
        col = X[:, t].astype(float)
        r.append(0.0 if col.std() == 0 or y.std() == 0 else np.corrcoef(col, y)[0, 1])
    r = np.abs(np.array(r))
    order = sorted(range(len(r)), key=lambda t: (-round(r[t], 12), t))
    support = tuple(sorted(order[:s]))
    votes: dict[int, float] = {}
    for x, label in zip(X, y, strict=True):
        k = sum(int(x[i]) << j for j, i in enumerate(support))
        votes[k] = votes.get(k, 0.0) + label
    table = np.array([1.0 if votes.get(k, 0.0) > 0 else -1.0 for k in range(2**s)])
    return support, table


@pytest.mark.parametrize("target,m", [("and", 40), ("majority", 25), ("parity", 60)])
def test_fit_matches_the_written_out_learner(target, m):
    task = make_task(target, 20, 3, seed=4)
    X, y = sample_dataset(task, m, seed=5)
    model = fit_screening(X, y, 3)
    support, table = _reference_fit(X, y, 3)
    assert model.support == support
    np.testing.assert_array_equal(model.table, table)
    k = (X[:, list(support)] * (1 << np.arange(3))).sum(1)
    np.testing.assert_array_equal(model.predict(X), table[k])


def test_nested_accuracies_equal_fits_on_each_prefix():
    task = make_task("and", 50, 3, seed=1)
    X, y = sample_dataset(task, 256, seed=2)
    Xt, yt = sample_dataset(task, 300, seed=3)
    ms = (4, 16, 64, 100, 256)
    test, train = nested_accuracies(X, y, Xt, yt, ms, 3)
    for i, m in enumerate(ms):
        model = fit_screening(X[:m], y[:m], 3)
        assert test[i] == np.mean(model.predict(Xt) == yt)
        assert train[i] == np.mean(model.predict(X[:m]) == y[:m])
    assert test[-1] == 1.0  # enough samples: the support is found and the table is exact


def test_label_correlation_closed_forms_and_monte_carlo():
    p = 2 ** (-1 / 3)
    # AND with P(AND = 1) = p^s: corr = sqrt(p^s (1 - p) / (p (1 - p^s)))
    assert label_correlation("and", 3, p) == pytest.approx(np.sqrt(0.5 * (1 - p) / (p * 0.5)))
    assert label_correlation("and", 2, 0.3) == pytest.approx(
        np.sqrt(0.09 * 0.7 / (0.3 * (1 - 0.09)))
    )
    # MAJORITY of 3 fair bits: E[y | x0 = 1] - E[y | x0 = 0] = 1, so corr = 1/2 * 1 / 1 = 1/2
    assert label_correlation("majority", 3, 0.5) == pytest.approx(0.5)
    assert label_correlation("parity", 3, 0.5) == pytest.approx(0.0, abs=1e-15)
    task = make_task("majority", 9, 5, seed=0)
    X, y = sample_dataset(task, 200_000, seed=0)
    mc = np.corrcoef(X[:, task.support[2]], y)[0, 1]
    assert mc == pytest.approx(label_correlation("majority", 5, 0.5), abs=4 / np.sqrt(200_000))


def test_parity_defeats_screening():
    task = make_task("parity", 16, 3, seed=0)
    X, y = sample_dataset(task, 4096, seed=0)
    Xt, yt = sample_dataset(task, 2000, seed=1)
    test, _ = nested_accuracies(X, y, Xt, yt, (4096,), 3)
    assert test[0] < 0.6  # no single bit correlates with the label: the wrong bits are kept


def test_bad_input():
    X = np.zeros((4, 8), dtype=np.int8)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        fit_screening(X, np.zeros(4), 2)
    with pytest.raises(ValueError, match="s=9"):
        fit_screening(X, np.ones(4), 9)
    with pytest.raises(ValueError, match="strictly"):
        nested_accuracies(X, np.ones(4), X, np.ones(4), (2, 2), 1)
    with pytest.raises(ValueError, match="pool"):
        nested_accuracies(X, np.ones(4), X, np.ones(4), (2, 5), 1)
    with pytest.raises(ValueError, match="p_one"):
        label_correlation("and", 3, 1.0)


def test_correlations_from_sums_are_pearsons_and_zero_for_a_constant_bit_or_label():
    # bits of very different frequencies (so that a wrong variance would reorder them), one bit
    # always 0 and one always 1; against np.corrcoef column by column
    rng = np.random.default_rng(0)
    m = 50
    X = (rng.random((m, 6)) < [0.05, 0.3, 0.5, 0.9, 0.0, 1.0]).astype(np.int8)
    X[0, 0] = 1  # the rare bit is not constant
    for y in (np.where(rng.random(m) < 0.7, 1.0, -1.0), np.ones(m), -np.ones(m)):
        got = _correlations(X.sum(0, dtype=np.float64), y @ X, float(y.sum()), m)
        want = [
            0.0 if X[:, t].std() == 0 or y.std() == 0 else np.corrcoef(X[:, t], y)[0, 1]
            for t in range(6)
        ]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        assert got[4] == got[5] == 0.0


@pytest.mark.parametrize("s", [3, 4])
def test_the_table_has_a_label_for_every_pattern_seen_or_not(s):
    # one training example (pattern 0, label +1): the other 2**s - 1 patterns were never seen
    X, y = np.zeros((1, 6), dtype=np.int8), np.ones(1)
    model = fit_screening(X, y, s)
    assert model.table.shape == (2**s,)
    np.testing.assert_array_equal(model.table, [1.0] + [-1.0] * (2**s - 1))
    every = ((np.arange(2**s)[:, None] >> np.arange(s)) & 1).astype(np.int8)
    Xs = np.zeros((2**s, 6), dtype=np.int8)
    Xs[:, list(model.support)] = every
    np.testing.assert_array_equal(model.predict(Xs), model.table)


def test_more_kept_positions_than_examples_is_fine():
    # s is bounded by the length T, not by the number of examples m
    X = np.array([[1, 0, 1, 0, 1, 0, 1, 1], [0, 0, 1, 1, 0, 0, 1, 0]], dtype=np.int8)
    model = fit_screening(X, np.array([1.0, -1.0]), 6)
    assert len(model.support) == 6
    np.testing.assert_array_equal(model.predict(X), [1.0, -1.0])


@pytest.mark.parametrize(
    ("X", "y"),
    [
        (np.zeros(8, dtype=np.int8), np.ones(8)),  # X without its examples axis
        (np.zeros((4, 8, 1), dtype=np.int8), np.ones(4)),
        (np.zeros((4, 8), dtype=np.int8), np.ones(5)),
        (np.zeros((4, 8), dtype=np.int8), np.ones(3)),
        (np.zeros((4, 8), dtype=np.int8), np.ones((4, 1))),
        (np.zeros((0, 8), dtype=np.int8), np.ones(0)),  # no examples
    ],
)
def test_inputs_of_the_wrong_shape_or_without_examples_are_refused(X, y):
    with pytest.raises(ValueError, match="need X\\[m, T\\] and y\\[m\\] with m >= 1"):
        fit_screening(X, y, 2)


def test_one_example_is_enough_to_fit_and_sizes_may_stop_short_of_the_pool():
    X = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]], dtype=np.int8)
    y = np.array([1.0, -1.0, 1.0, -1.0])
    assert fit_screening(X[:1], y[:1], 1).predict(X[:1])[0] == 1.0
    test, train = nested_accuracies(X, y, X, y, (1, 3), 1)
    for i, m in enumerate((1, 3)):
        model = fit_screening(X[:m], y[:m], 1)
        assert train[i] == np.mean(model.predict(X[:m]) == y[:m])
        assert test[i] == np.mean(model.predict(X) == y)
    X5 = np.hstack([X, X[:, :1]])  # 4 examples of 5 bits: the pool is the examples
    with pytest.raises(ValueError, match="within the pool of 4 examples"):
        nested_accuracies(X5, y, X5, y, (2, 5), 1)


def test_a_fitted_model_cannot_be_changed_afterwards():
    model = fit_screening(np.eye(4, dtype=np.int8), np.array([1.0, -1.0, 1.0, -1.0]), 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.support = (0, 1)


def test_training_accuracy_counts_wrong_labels_of_either_sign():
    # PARITY defeats screening, so the table is wrong on part of its own training set; the
    # training accuracy must count those examples as wrong, whichever label they carry
    task = make_task("parity", 12, 3, seed=2)
    X, y = sample_dataset(task, 300, seed=3)
    ms = (50, 300)
    _, train = nested_accuracies(X, y, X, y, ms, 3)
    for i, m in enumerate(ms):
        pred = fit_screening(X[:m], y[:m], 3).predict(X[:m])
        assert np.any((pred == 1) & (y[:m] == -1)) and np.any((pred == -1) & (y[:m] == 1))
        assert train[i] == np.mean(pred == y[:m]) < 1.0


@pytest.mark.parametrize("p_one", [0, 0.0, -0.5, 1.0, 1.5])
def test_a_bit_probability_outside_the_open_unit_interval_is_refused(p_one):
    with pytest.raises(ValueError, match="p_one must lie in \\(0, 1\\)"):
        label_correlation("and", 3, p_one)


@pytest.mark.parametrize("s", [1, 3, 5])
def test_the_correlation_of_a_rare_and_matches_its_closed_form_at_every_bit_probability(s):
    # sqrt(p^s (1 - p) / (p (1 - p^s))) (1 for s = 1: the label is the bit); for tiny p the
    # label is almost always -1, where 1 - E[y]^2 rounds to 0 or below (s = 3, p = 1.2e-8)
    for p in np.concatenate([np.geomspace(1e-18, 1e-6, 400), [2 ** (-1 / 3), 0.5, 1 - 1e-9]]):
        # 1 - p^s as -expm1(s log p): near p = 1 the plain difference loses digits itself
        want = np.sqrt(p**s * (1 - p) / (p * -np.expm1(s * np.log(p))))
        assert label_correlation("and", s, float(p)) == pytest.approx(want, rel=1e-9)


def test_a_label_whose_probability_underflows_has_correlation_zero():
    # AND of 16 bits of probability 1e-25: P(y = +1) = 1e-400 is 0 in float64 (the closed form,
    # p^(15/2), is 1e-187)
    assert label_correlation("and", 16, 1e-25) == 0.0
