"""The variable-creation experiment: argument checks, sweep summaries, a learnable sweep."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.experiments.variable_creation import (
    SweepResult,
    ablation_settings,
    check_sweep_args,
    run_ablations,
    run_screening,
    run_sweep,
    run_sweeps,
    seed_data,
    summarise_sweep,
)
from biasbook.maths.screening import fit_screening


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


def test_screening_sweep_uses_the_sweeps_data(monkeypatch):
    monkeypatch.setenv("BIASBOOK_NO_CACHE", "1")
    ms = (8, 32, 128, 512)
    res = run_screening("and", 3, (16, 64), ms, n_seeds=3, m_test=400, seed=2)
    assert res.model == "screening" and res.test_acc.shape == (2, 3, 4)
    # seed 1 at T = 64 and m = 32: refit by hand on the first 32 examples of seed_data's pool
    task, X, y, Xt, yt = seed_data("and", 64, 3, 2, 1, 512, 400)
    model = fit_screening(X[:32], y[:32], 3)
    assert res.test_acc[1, 1, 1] == np.mean(model.predict(Xt) == yt)
    assert res.train_acc[1, 1, 1] == np.mean(model.predict(X[:32]) == y[:32])
    assert np.all(res.test_acc[:, :, -1] == 1.0)  # 512 examples find the three bits
    assert task.support == fit_screening(X, y, 3).support
    with pytest.raises(ValueError, match="cannot fit"):
        run_screening("and", 9, (8,), ms, n_seeds=1)


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


def test_transformer_sweep_probes_its_attention():
    # copy bit i (s = 1) at T = 8: a trained transformer that has learned it attends to position i
    # more than uniformly (1/9 of the [CLS] query's mass), and an untrained one (0 steps) does not
    kwargs = {
        "s": 1,
        "ms": [256],
        "n_seeds": 2,
        "arch": {"d_model": 16, "n_heads": 2, "d_mlp": 16},
        "learning_rate": 1e-2,
        "batch_size": 32,
        "m_test": 200,
        "cache": False,
        "progress": False,
    }
    res = run_sweep("transformer", "and", Ts=[8], steps=400, **kwargs)
    assert res.support_mass.shape == res.qk_norm.shape == (1, 2, 1, 2)
    assert np.all(res.test_acc >= 0.99)
    assert np.all(res.support_mass.max(axis=-1) > 0.3)
    assert np.all((res.support_mass >= 0) & (res.support_mass <= 1))
    untrained = run_sweep("transformer", "and", Ts=[8], steps=1, **kwargs)
    assert np.all(untrained.support_mass.max(axis=-1) < 0.3)
    assert np.all(res.qk_norm.max(axis=-1) > untrained.qk_norm.max(axis=-1))
    assert run_sweep("mlp", "and", Ts=[8], steps=1, **{**kwargs, "arch": {}}).support_mass is None


def test_ablations_change_one_setting_each():
    variants = ablation_settings(steps=100, learning_rate=1e-3)
    assert variants["baseline"] == {}
    assert variants["4 × steps"] == {"steps": 400, "log_every": 100}
    assert variants["learning rate × 3"]["learning_rate"] == pytest.approx(3e-3)
    base = {
        "s": 1,
        "n_seeds": 1,
        "arch": {"d_model": 8, "n_heads": 1, "d_mlp": 8},
        "steps": 2,
        "learning_rate": 1e-3,
        "batch_size": 8,
        "m_test": 20,
        "seed": 0,
        "cache": False,
    }
    chosen = {k: variants[k] for k in ("baseline", "weight decay 0.1", "SGD, learning rate 0.1")}
    out = run_ablations("and", (6,), (4, 8), chosen, base, progress=False)
    assert list(out) == list(chosen)
    assert out["weight decay 0.1"].settings["weight_decay"] == 0.1
    assert out["SGD, learning rate 0.1"].settings["optimizer"] == "sgd"
    assert out["baseline"].settings["optimizer"] == "adam"
    with pytest.raises(ValueError, match="0 for sgd"):
        run_sweep(
            "transformer",
            "and",
            Ts=[6],
            ms=[4],
            optimizer="sgd",
            weight_decay=0.1,
            **{k: v for k, v in base.items() if k not in ("cache",)},
        )
