"""The variable-creation experiment: argument checks, sweep summaries, a learnable sweep."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.experiments.variable_creation import (
    SweepResult,
    check_sweep_args,
    run_sweep,
    run_sweeps,
    summarise_sweep,
)


def test_bad_input():
    with pytest.raises(ValueError, match="cannot fit"):
        check_sweep_args("transformer", "and", 5, [8, 4], [16, 32])
    with pytest.raises(ValueError, match="unknown target"):
        check_sweep_args("transformer", "xor", 3, [8], [16])
    with pytest.raises(ValueError, match="unknown model"):
        check_sweep_args("lstm", "and", 3, [8], [16])
    with pytest.raises(ValueError, match="sequence lengths T is empty"):
        check_sweep_args("mlp", "and", 3, [], [16])
    with pytest.raises(ValueError, match="training-set sizes is empty"):
        check_sweep_args("mlp", "and", 3, [8], [])
    # run_sweep validates before training anything
    with pytest.raises(ValueError, match="cannot fit"):
        run_sweep("mlp", "and", 9, [8], [16], 1, {}, steps=1, learning_rate=1e-3, batch_size=4)


def test_summarise_sweep_on_synthetic_log_law():
    # per-seed step thresholds 10 * log2(T) +- a few: the summary must pick the log law
    Ts = (8, 16, 32, 64, 128)
    ms = tuple(int(m) for m in 2 ** np.arange(3, 9))  # 8 ... 256
    rng = np.random.default_rng(0)
    acc = np.zeros((len(Ts), 5, len(ms)))
    for i, T in enumerate(Ts):
        th = 10 * np.log2(T) * rng.uniform(0.8, 1.25, size=5)
        acc[i] = np.where(np.array(ms)[None, :] >= th[:, None], 1.0, 0.6)
    res = SweepResult("mlp", "and", 3, Ts, ms, acc, acc, {})
    summ = summarise_sweep(res, 0.95)
    assert summ.censored == ("none",) * 5
    assert np.all(summ.low <= summ.m_star) and np.all(summ.m_star <= summ.high)
    assert summ.fits is not None and summ.fits.winner == "log"
    assert summ.growth() == pytest.approx(summ.m_star[-1] / summ.m_star[0])


def test_sweep_learns_one_bit_copy_and_grouping_does_not_matter():
    # s = 1 AND (and s = 1 PARITY) is "copy bit i": an MLP learns it from 256 samples in 300
    # steps and cannot from 2. Training two targets together must not change either's results.
    kwargs = {
        "s": 1,
        "ms": [2, 256],
        "n_seeds": 2,
        "arch": {"hidden": (16,)},
        "steps": 300,
        "learning_rate": 1e-2,
        "batch_size": 32,
        "m_test": 200,
        "cache": False,
        "progress": False,
    }
    together = run_sweeps("mlp", {"and": [6], "parity": [6]}, **kwargs)
    alone = run_sweep("mlp", "and", Ts=[6], **kwargs)
    np.testing.assert_array_equal(together["and"].test_acc, alone.test_acc)
    assert alone.test_acc.shape == together["parity"].test_acc.shape == (1, 2, 2)
    for res in together.values():
        assert np.all(res.test_acc[0, :, 1] >= 0.99)
        assert np.all(res.test_acc[0, :, 0] < 0.99)
    with pytest.raises(ValueError, match="no targets"):
        run_sweeps("mlp", {}, **kwargs)
