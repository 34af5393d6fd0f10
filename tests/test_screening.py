"""The correlation-screening learner against a loop-by-loop reference, closed forms and Monte
Carlo."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.screening import (
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
