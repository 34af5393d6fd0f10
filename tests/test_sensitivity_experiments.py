"""biasbook.experiments.sensitivity: the measurement pieces against independent computations."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from biasbook.experiments import sensitivity as E
from biasbook.experiments.sensitivity import runs
from biasbook.maths import boolean
from biasbook.nets.models import apply_transformer, init_transformer
from biasbook.nets.training import TrainConfig

SIZE = E.ModelSize(d_model=8, n_heads=2, n_layers=1, d_mlp=8)


def _stacked(cfg, n_models: int, seed: int = 0):
    keys = jax.random.split(jax.random.key(seed), n_models)
    return jax.vmap(lambda k: init_transformer(k, cfg))(keys)


def test_mean_squared_gradient_matches_explicit_per_example_gradients():
    n = 3
    cfg = SIZE.config(max_len=n)
    params = _stacked(cfg, 2)
    X = boolean.all_inputs(n).astype(np.int32)
    got = E.mean_squared_gradient(params, cfg, X, exclude=("pos_emb",))

    def out(q, fixed, x):
        return apply_transformer({**q, "pos_emb": fixed}, x[None], cfg)[0, 0]

    grad = jax.jit(jax.grad(out))  # one input at a time: an independent route to E_x ‖∇f‖²
    for i in range(2):
        p = jax.tree.map(lambda a, i=i: a[i], params)
        free = {k: v for k, v in p.items() if k != "pos_emb"}
        total = 0.0
        for x in X:
            g = grad(free, p["pos_emb"], jnp.asarray(x))
            total += sum(float(jnp.sum(leaf**2)) for leaf in jax.tree.leaves(g))
        assert got[i] == pytest.approx(total / len(X), rel=1e-4)


def test_small_sigma_sharpness_equals_sigma2_times_mean_squared_gradient():
    # At an exact interpolating minimum of E (f - y)^2 the sharpness is σ² E‖∇f‖² + O(σ⁴):
    # make the model interpolate by using its own outputs as targets.
    from biasbook.nets.sharpness import perturbation_sharpness_many

    n = 3
    cfg = SIZE.config(max_len=n)
    params = _stacked(cfg, 2, seed=1)
    X1 = boolean.all_inputs(n).astype(np.int32)
    X = np.broadcast_to(X1, (2, *X1.shape))
    Y = np.asarray(jax.vmap(lambda p: apply_transformer(p, X1, cfg)[:, 0])(params))
    sigma = 1e-3
    res = perturbation_sharpness_many(
        runs._mse(cfg), params, X, Y, [sigma], n_samples=400, exclude=("pos_emb",)
    )
    expected = sigma**2 * E.mean_squared_gradient(params, cfg, X1, exclude=("pos_emb",))
    np.testing.assert_array_less(np.abs(res.mean[:, 0] - expected), 5 * res.stderr[:, 0])


def test_layernorm_blowup_by_hand():
    n = 3
    cfg = SIZE.config(max_len=n)
    params = _stacked(cfg, 1)
    X = boolean.all_inputs(n).astype(np.int32)
    from biasbook.nets.sharpness import layernorm_input_std

    stds = np.asarray(layernorm_input_std(jax.tree.map(lambda a: a[0], params), X, cfg))
    inv = 1 / stds  # [n_ln, m, T+1]: ln1, ln2, ln_f
    # ln1 normalises every position (keys and values); after the last attention only the [CLS]
    # row reaches the output, so ln2 and ln_f count there alone
    expected = (inv[0].max(axis=1) * inv[1][:, 0] * inv[2][:, 0]).mean()
    got = E.layernorm_blowup(params, cfg, X)
    assert got["prod_max"][0] == pytest.approx(expected, rel=1e-5)
    assert got["max_mean"][0] == pytest.approx(inv.mean(axis=(1, 2)).max(), rel=1e-5)


def test_random_completion_sensitivity_matches_its_expectation():
    # E as = 2^{1-n} Σ_edges P(values differ): 1[differ] if both ends known, 1/2 otherwise.
    n = 5
    rng = np.random.default_rng(0)
    table = rng.choice([-1.0, 1.0], size=2**n)
    known = rng.random(2**n) < 0.4
    expected = 0.0
    for k, i in itertools.product(range(2**n), range(n)):
        j = k ^ (1 << i)
        expected += float(table[k] != table[j]) if known[k] and known[j] else 0.5
    expected /= 2**n  # each edge counted from both ends: Σ_x Σ_i / 2^n
    draws = E.random_completion_sensitivity(table, known, 4000, rng)
    assert abs(draws.mean() - expected) < 5 * draws.std(ddof=1) / np.sqrt(draws.size)


def test_variable_length_strings():
    rng = np.random.default_rng(0)
    tokens, length, ones = E.variable_length_strings(rng, 500, [1, 3, 5], max_len=9)
    assert tokens.shape == (500, 9) and set(np.unique(length)) == {1, 3, 5}
    real = np.arange(9)[None] < length[:, None]
    assert np.all(tokens[~real] == E.PAD) and np.all(np.isin(tokens[real], [0, 1]))
    np.testing.assert_array_equal(ones, (tokens == 1).sum(axis=1))
    assert np.all(E.LENGTH_TASKS["parity"](ones, length) == np.where(ones % 2, 1, -1))
    assert np.all(E.LENGTH_TASKS["majority"](ones, length) == np.where(2 * ones > length, 1, -1))


def test_bad_input():
    cfg_logistic = TrainConfig(steps=1, learning_rate=1e-3, loss="logistic")
    with pytest.raises(ValueError, match="squared error"):
        E.sharpness_sweep([3], [("parity", {})], 1, 0, SIZE, cfg_logistic, [0.01], 2, 1e-3)
    mse = TrainConfig(steps=1, learning_rate=1e-3, loss="mse")
    with pytest.raises(ValueError, match="random_train_size"):
        E.generalisation_experiment(3, [("first", {})], 1, 8, 1, 0, SIZE, mse)
    with pytest.raises(ValueError, match="unknown task"):
        E.length_generalisation(["prity"], 3, 5, 10, 10, 1, 0, SIZE, mse)
    with pytest.raises(ValueError, match="n_train < n_test"):
        E.length_generalisation(["parity"], 5, 5, 10, 10, 1, 0, SIZE, mse)


def test_function_label_and_skipping():
    assert E.function_label(("sparse_parity", {"k": 2})) == "sparse_parity(k=2)"
    assert E.function_label(("parity", {})) == "parity"
    assert not runs._valid(("majority", {}), 4) and runs._valid(("majority", {}), 5)
    # Hahn & Rofin's MAJORITY (ties false) is defined at every n and labelled plainly
    assert runs._valid(("majority", {"ties": "false"}), 4)
    assert E.function_label(("majority", {"ties": "false"})) == "majority"


def test_readout_only_layernorms_follow_the_layout():
    from biasbook.experiments.sensitivity.runs import readout_only_layernorms
    from biasbook.nets.models import TransformerConfig, hahn_rofin_config

    # post-LN read at the last position: both LayerNorms of the last block, no final one
    assert readout_only_layernorms(hahn_rofin_config(max_len=5, d_model=8)) == [
        False,
        False,
        True,
        True,
    ]
    # pre-LN: the last block's first LayerNorm feeds every key and value
    pre = TransformerConfig(max_len=5, d_model=8, n_layers=2, d_mlp=8)
    assert readout_only_layernorms(pre) == [False, False, False, True, True]
    mean = TransformerConfig(max_len=5, d_model=8, n_layers=1, d_mlp=8, readout="mean")
    assert readout_only_layernorms(mean) == [False, False, False]


def test_sweep_on_the_authors_model_with_minibatches_and_a_real_target():
    size = E.ModelSize(d_model=8, n_heads=2, n_layers=1, d_mlp=8, architecture="hahn_rofin")
    train = TrainConfig(steps=300, learning_rate=3e-3, batch_size=16, loss="mse", log_every=300)
    sw = E.sharpness_sweep(
        [4, 5], [("first", {}), ("mean", {})], 2, 0, size, train, [0.01], 4, 1.0, n_measure=16
    )
    assert list(sw["n"]) == [4] * 4 + [5] * 4
    # exact sensitivities of the targets: FIRST 1, MEAN 1/n
    np.testing.assert_allclose(sw["sensitivity"], [1, 1, 1 / 4, 1 / 4, 1, 1, 1 / 5, 1 / 5])
    # a threshold of 1 on ±1 targets keeps any model that learned something; every kept model
    # has its measurements
    assert sw["converged"].all()
    assert np.isfinite(sw["sharpness"]).all() and np.isfinite(sw["blowup"]).all()
    # perturbed parameters: everything but the positional table (1 layer, width 8, FFN 8)
    per_layer = 3 * 8 * 8 + 3 * 8 + 8 * 8 + 8 + 2 * (8 * 8 + 8) + 4 * 8
    assert list(sw["n_parameters"]) == [per_layer + 2 * 4 + 8 + 1] * 2
    assert sw["final_loss"].max() < 1.0


def test_measurement_inputs_are_the_table_or_a_uniform_sample():
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(runs._inputs(3, 8, rng), boolean.all_inputs(3))
    sample = runs._inputs(12, 4000, rng)
    assert sample.shape == (4000, 12) and set(np.unique(sample)) == {0, 1}
    assert abs(sample.mean() - 0.5) < 0.02  # uniform bits


def test_protocol_table_states_the_papers_parameter_count_and_ours():
    from biasbook.experiments.sensitivity.protocol import PAPER_PARAMETERS, protocol_rows
    from biasbook.nets.models import hahn_rofin_config
    from biasbook.nets.sharpness import n_parameters

    params = init_transformer(jax.random.key(0), hahn_rofin_config(max_len=30))
    assert PAPER_PARAMETERS == n_parameters({k: v for k, v in params.items() if k != "pos_emb"})
    kw = dict(
        d_model=16,
        n_max=14,
        n_seeds=5,
        steps=1500,
        batch_size=64,
        learning_rate=3e-3,
        weight_decay=0.1,
        sigma=0.02,
        loss_threshold=4e-3,
        n_measure=256,
        n_samples=32,
    )
    rows = {r[0]: r for r in protocol_rows(architecture="hahn_rofin", **kw)}
    assert rows["perturbation radius σ√P"][1].startswith("8.93")
    assert rows["lengths n"][2] == "4…14, every integer"
    assert "Figure 2 grid" not in rows
    grid = dict(lengths=[5, 8], learning_rates=[1.5e-3, 3e-3], weight_decays=[0, 0.1], seeds=[5])
    row = protocol_rows(architecture="hahn_rofin", tradeoff=grid, **kw)[-1]
    assert row[0] == "Figure 2 grid" and row[2].startswith("n ∈ {5, 8}; weight decay ∈ {0, 0.1}")
    assert "lr ∈ {0.0015, 0.003}; 5 seeds" in row[2]
    other = {r[0]: r for r in protocol_rows(architecture="pre_ln_cls", **kw)}
    assert "[CLS]" in other["architecture"][2]


def test_retrained_sharpness_fits_each_learned_and_random_table():
    n = 3
    tables = np.stack([boolean.first(n).table(), boolean.parity(n).table()])
    gen = {
        "n": np.int64(n),
        "random": {
            "target": np.arange(2),
            "fitted": np.array([True, False]),  # only the first random function counts
            "learned_tables": tables,
            "completion_tables": tables[::-1],
        },
    }
    size = E.ModelSize(d_model=8, n_heads=2, n_layers=1, d_mlp=8, architecture="hahn_rofin")
    train = TrainConfig(steps=200, learning_rate=3e-3, loss="mse", log_every=200)
    r = E.retrained_sharpness(gen, 2, 0, size, train, [0.01], 4, 10.0)
    assert list(r["kind"]) == ["learned", "learned", "random", "random"]
    assert list(r["target"]) == [0, 0, 0, 0] and list(r["seed"]) == [0, 1, 0, 1]
    # the kept random function: learned FIRST (sensitivity 1), completed as PARITY (3)
    np.testing.assert_allclose(r["sensitivity"], [1, 1, 3, 3])
    assert r["converged"].all() and np.isfinite(r["sharpness"]).all()
    summary = E.retrained_summary(r, 0)
    assert [row[0] for row in summary["rows"]] == ["learned extensions", "random completions"]
    assert "ratio" in summary["glue"]["sens-retrained-reading"]


def test_initial_norms_are_where_training_starts():
    # a vanishing step leaves every parameter at its initial value: the trained norm is then the
    # initial norm train_many started from, for every model of the stack
    train = TrainConfig(steps=1, learning_rate=1e-9, loss="mse", log_every=1)
    sw = E.sharpness_sweep(
        [3], [("first", {}), ("parity", {})], 2, 0, SIZE, train, [0.01], 2, 10.0, progress=False
    )
    assert sw["converged"].all()
    np.testing.assert_allclose(sw["param_norm"], sw["init_norm"], rtol=1e-6)
    assert len(set(np.round(sw["init_norm"], 6))) == 4  # one draw per model


def test_tradeoff_grid_shares_seeds_and_each_cell_is_a_plain_sweep():
    train = TrainConfig(steps=60, learning_rate=1e-2, batch_size=8, loss="mse", log_every=60)
    specs = [("first", {}), ("parity", {})]
    args = ([3], specs, 2, 0, SIZE)
    trade = E.tradeoff_sweep(
        *args, train, [1e-2, 2e-2], [0.0, 0.5], [0.01], 2, 10.0, progress=False
    )  # fmt: skip
    assert len(trade["n"]) == 2 * 2 * 4
    assert list(trade["learning_rate"][::4]) == [1e-2, 1e-2, 2e-2, 2e-2]
    assert list(trade["weight_decay"][::4]) == [0.0, 0.5, 0.0, 0.5]
    # the same seeds in every cell: the same initial parameters
    cells = trade["init_norm"].reshape(4, 4)
    np.testing.assert_array_equal(cells, np.broadcast_to(cells[0], cells.shape))
    # a cell is the sweep with that optimiser
    import dataclasses

    one = E.sharpness_sweep(
        *args, dataclasses.replace(train, learning_rate=2e-2, weight_decay=0.5), [0.01], 2, 10.0,
        progress=False,
    )  # fmt: skip
    np.testing.assert_allclose(trade["param_norm"][12:], one["param_norm"], rtol=1e-6)
    # decoupled weight decay: 60 steps of lr 2e-2 x wd 0.5 shrink the weights by about
    # exp(-0.6) = 0.55, far beyond what the gradient steps add back at this size
    assert np.all(trade["param_norm"][12:] < 0.8 * trade["param_norm"][8:12])
    with pytest.raises(ValueError, match="at least one"):
        E.tradeoff_sweep(*args, train, [], [0.0], [0.01], 2, 10.0, progress=False)
