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


def test_compare_log_slopes_exact_and_against_linregress():
    from scipy import stats

    n = np.repeat([3, 4, 5, 6], 3).astype(float)
    group = np.array(["p"] * 12 + ["f"] * 12 + ["s"] * 12)
    nn = np.tile(n, 3)
    # Noise-free: slopes 0.3 (p) and 0.05 (f and s, with different levels) are recovered exactly.
    y = np.exp(np.where(group == "p", 1 + 0.3 * nn, np.where(group == "f", -2, -1) + 0.05 * nn))
    r = E.compare_log_slopes(nn, y, group, a=["p"], b=["f", "s"])
    assert r.slope_a == pytest.approx(0.3) and r.slope_b == pytest.approx(0.05)
    assert r.diff == pytest.approx(0.25)
    # One group per set with noise: the slopes equal separate linear regressions.
    rng = np.random.default_rng(0)
    y = y * np.exp(rng.normal(0, 0.3, size=y.size))
    r = E.compare_log_slopes(nn, y, group, a=["p"], b=["f"])
    for name, slope in (("p", r.slope_a), ("f", r.slope_b)):
        fit = stats.linregress(nn[group == name], np.log(y[group == name]))
        assert slope == pytest.approx(fit.slope)
    # Pooled residual variance: the difference's SE combines both slopes' SEs.
    assert r.se_diff == pytest.approx(np.hypot(r.se_a, r.se_b))
    with pytest.raises(ValueError, match="two values of n"):
        E.compare_log_slopes(
            np.full(6, 3.0), np.ones(6), np.array(["p"] * 3 + ["f"] * 3), ["p"], ["f"]
        )


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
