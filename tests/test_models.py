"""Tests of biasbook.nets.models against independent facts: a loop-based NumPy forward,
and symmetries."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from biasbook.nets.models import (
    MLPConfig,
    TransformerConfig,
    apply_mlp,
    apply_transformer,
    init_mlp,
    init_transformer,
    one_hot_flat,
    sinusoidal_positions,
)


def _np_layernorm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _np_forward(p, tokens, cfg: TransformerConfig) -> np.ndarray:
    """Textbook forward pass, one sequence and one head at a time, in float64 NumPy."""
    p = jax.tree.map(lambda a: np.asarray(a, np.float64), p)
    outs = []
    for seq in np.asarray(tokens):
        x = np.stack([p["tok_emb"][t] for t in seq])
        if cfg.readout == "cls":
            x = np.vstack([p["cls"][None], x])
        if cfg.positional == "learned":
            x = x + p["pos_emb"][: len(x)]
        for lay in p["layers"]:
            h = _np_layernorm(x, lay["ln1"]["g"], lay["ln1"]["b"]) if cfg.layernorm else x
            att = np.zeros_like(x)
            for head in range(cfg.n_heads):
                q = h @ lay["qkv"][0][:, head]
                k = h @ lay["qkv"][1][:, head]
                v = h @ lay["qkv"][2][:, head]
                s = q @ k.T / np.sqrt(cfg.d_head)
                a = np.exp(s - s.max(1, keepdims=True))
                a /= a.sum(1, keepdims=True)
                att += (a @ v) @ lay["wo"][head]
            x = x + att
            if cfg.d_mlp:
                h = _np_layernorm(x, lay["ln2"]["g"], lay["ln2"]["b"]) if cfg.layernorm else x
                mlp = lay["mlp"]
                x = x + np.maximum(h @ mlp["w1"] + mlp["b1"], 0) @ mlp["w2"] + mlp["b2"]
        if cfg.layernorm:
            x = _np_layernorm(x, p["ln_f"]["g"], p["ln_f"]["b"])
        z = x[0] if cfg.readout == "cls" else x.mean(0)
        outs.append(z @ p["head"]["w"] + p["head"]["b"])
    return np.array(outs)


@pytest.mark.parametrize(
    "kw",
    [
        dict(readout="cls", layernorm=True, n_layers=2),
        dict(readout="mean", layernorm=False, n_layers=1, d_mlp=0),
        dict(readout="cls", layernorm=False, n_layers=1, n_outputs=3, vocab_size=5),
        dict(readout="cls", n_layers=1, attention_impl="dot"),
        dict(readout="mean", n_layers=1, attention_impl="elementwise"),
    ],
)
def test_transformer_matches_numpy_reference(kw):
    cfg = TransformerConfig(**{"max_len": 6, "d_model": 8, "n_heads": 2, "d_mlp": 12, **kw})
    params = init_transformer(jax.random.key(1), cfg)
    tokens = np.random.default_rng(0).integers(0, cfg.vocab_size, (5, 6))
    out = np.asarray(apply_transformer(params, tokens, cfg))
    assert out.shape == (5, cfg.n_outputs)
    np.testing.assert_allclose(out, _np_forward(params, tokens, cfg), rtol=2e-4, atol=2e-4)
    # computing every row of the last block (not only the read [CLS] row) changes nothing
    every = np.asarray(apply_transformer(params, tokens, cfg, all_positions=True))
    np.testing.assert_allclose(every, out, rtol=1e-5, atol=1e-5)
    # shorter sequences use the first positions only (length generalisation)
    short = tokens[:, :4]
    np.testing.assert_allclose(
        np.asarray(apply_transformer(params, short, cfg)),
        _np_forward(params, short, cfg),
        rtol=2e-4,
        atol=2e-4,
    )


def test_no_positions_mean_readout_is_permutation_invariant():
    # Without positional information self-attention is permutation-equivariant, so the mean readout
    # is invariant to reordering the tokens.
    cfg = TransformerConfig(vocab_size=3, max_len=7, d_model=8, positional="none", readout="mean")
    params = init_transformer(jax.random.key(0), cfg)
    tokens = np.random.default_rng(1).integers(0, 3, (4, 7))
    perm = np.random.default_rng(2).permutation(7)
    a = apply_transformer(params, tokens, cfg)
    b = apply_transformer(params, tokens[:, perm], cfg)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    # ...whereas learned positions break the symmetry
    cfg2 = TransformerConfig(vocab_size=3, max_len=7, d_model=8, readout="mean")
    p2 = init_transformer(jax.random.key(0), cfg2)
    assert not np.allclose(
        apply_transformer(p2, tokens, cfg2), apply_transformer(p2, tokens[:, perm], cfg2)
    )


def test_init_is_deterministic_and_key_dependent():
    cfg = TransformerConfig(max_len=4, d_model=8)
    a = init_transformer(jax.random.key(3), cfg)
    b = init_transformer(jax.random.key(3), cfg)
    c = init_transformer(jax.random.key(4), cfg)
    leaves_a, leaves_b, leaves_c = (jax.tree.leaves(t) for t in (a, b, c))
    assert all(np.array_equal(x, y) for x, y in zip(leaves_a, leaves_b, strict=True))
    assert not np.array_equal(leaves_a[0], leaves_c[0])


def test_transformer_bad_input():
    cfg = TransformerConfig(max_len=4, d_model=8)
    params = init_transformer(jax.random.key(0), cfg)
    with pytest.raises(ValueError, match="max_len"):
        apply_transformer(params, np.zeros((2, 5), int), cfg)
    with pytest.raises(ValueError, match="integers"):
        apply_transformer(params, np.zeros((2, 4)), cfg)
    with pytest.raises(ValueError, match="divisible"):
        TransformerConfig(d_model=10, n_heads=3)
    with pytest.raises(ValueError, match="readout"):
        TransformerConfig(readout="max")


def test_mlp_on_one_hot_tokens():
    cfg = MLPConfig(input_dim=4 * 3, hidden=(7, 5), n_outputs=2, vocab_size=3)
    params = init_mlp(jax.random.key(0), cfg)
    tokens = np.random.default_rng(0).integers(0, 3, (6, 4))
    out = np.asarray(apply_mlp(params, tokens, cfg))
    # independent NumPy forward on an explicitly built one-hot matrix
    x = np.zeros((6, 12))
    for i, seq in enumerate(tokens):
        for t, v in enumerate(seq):
            x[i, 3 * t + v] = 1.0
    np.testing.assert_array_equal(np.asarray(one_hot_flat(tokens, 3)), x)
    p = jax.tree.map(np.asarray, params)["layers"]
    h = np.maximum(x @ p[0]["w"] + p[0]["b"], 0)
    h = np.maximum(h @ p[1]["w"] + p[1]["b"], 0)
    np.testing.assert_allclose(out, h @ p[2]["w"] + p[2]["b"], rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="input_dim"):
        apply_mlp(params, np.zeros((2, 5), int), cfg)


def test_mlp_real_inputs_and_linear_model():
    cfg = MLPConfig(input_dim=6, hidden=())
    params = init_mlp(jax.random.key(0), cfg)
    x = np.random.default_rng(0).normal(size=(3, 2, 3)).astype(np.float32)  # flattened to 6
    w, b = (np.asarray(params["layers"][0][k]) for k in ("w", "b"))
    np.testing.assert_allclose(apply_mlp(params, x, cfg), x.reshape(3, 6) @ w + b, rtol=1e-5)


def test_sinusoidal_positions_follow_vaswani_et_al_term_by_term():
    # PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d))
    # (Vaswani et al. 2017, section 3.5), written out element by element.
    n, d = 7, 10
    ref = np.zeros((n, d))
    for pos in range(n):
        for i in range(d // 2):
            ref[pos, 2 * i] = np.sin(pos / 10000 ** (2 * i / d))
            ref[pos, 2 * i + 1] = np.cos(pos / 10000 ** (2 * i / d))
    np.testing.assert_allclose(np.asarray(sinusoidal_positions(n, d)), ref, atol=1e-6)
    assert float(sinusoidal_positions(2, 4)[1, 0]) == pytest.approx(np.sin(1.0))


def _np_torch_encoder(p, tokens, n_heads: int) -> np.ndarray:
    """Hahn & Rofin's model written as PyTorch computes it, in float64 NumPy, one sequence at a
    time: ``cat(embedding(x), positional(arange(T)))``, then per ``nn.TransformerEncoderLayer``
    (``norm_first=False``) ``x = norm1(x + self_attn(x))``, ``x = norm2(x + linear2(relu(linear1(
    x))))``, then ``linear_head(x)[-1]``."""
    p = jax.tree.map(lambda a: np.asarray(a, np.float64), p)
    outs = []
    for seq in np.asarray(tokens):
        x = np.hstack([p["tok_emb"][seq], p["pos_emb"][: len(seq)]])
        d = x.shape[1]
        e = d // n_heads
        for lay in p["layers"]:
            w_in = lay["qkv"].reshape(3, d, d)  # x @ w_in[i] is PyTorch's x @ in_proj[i].T
            b_in = lay["qkv_b"].reshape(3, d)
            q, k, v = (x @ w_in[i] + b_in[i] for i in range(3))
            heads = []
            for hd in range(n_heads):
                cols = slice(hd * e, (hd + 1) * e)
                s = q[:, cols] @ k[:, cols].T / np.sqrt(e)
                a = np.exp(s - s.max(1, keepdims=True))
                heads.append((a / a.sum(1, keepdims=True)) @ v[:, cols])
            attn = np.hstack(heads) @ lay["wo"].reshape(d, d) + lay["wo_b"]
            x = _np_layernorm(x + attn, lay["ln1"]["g"], lay["ln1"]["b"])
            ff = lay["mlp"]
            x = x + np.maximum(x @ ff["w1"] + ff["b1"], 0) @ ff["w2"] + ff["b2"]
            x = _np_layernorm(x, lay["ln2"]["g"], lay["ln2"]["b"])
        outs.append(x[-1] @ p["head"]["w"] + p["head"]["b"])
    return np.array(outs)


def _randomised(params, seed: int):
    """The parameters with every leaf redrawn (biases and LayerNorm gains start at 0 and 1, which
    would hide a bias or gain applied in the wrong place)."""
    leaves, tree = jax.tree.flatten(params)
    rng = np.random.default_rng(seed)
    return jax.tree.unflatten(
        tree, [np.float32(0.5) * rng.standard_normal(x.shape).astype(np.float32) for x in leaves]
    )


@pytest.mark.parametrize("n_layers", [1, 2])
def test_hahn_rofin_model_matches_a_numpy_pytorch_encoder(n_layers):
    from biasbook.nets.models import hahn_rofin_config

    cfg = hahn_rofin_config(max_len=7, d_model=8, n_layers=n_layers)
    params = _randomised(init_transformer(jax.random.key(2), cfg), 3)
    tokens = np.random.default_rng(4).integers(0, 2, (6, 7))
    want = _np_torch_encoder(params, tokens, cfg.n_heads)
    np.testing.assert_allclose(
        np.asarray(apply_transformer(params, tokens, cfg)), want, rtol=2e-4, atol=2e-4
    )
    # the reduced last block (the read row only) is the same function
    np.testing.assert_allclose(
        np.asarray(apply_transformer(params, tokens, cfg, all_positions=True)),
        want,
        rtol=2e-4,
        atol=2e-4,
    )
    # shorter inputs read their own last position
    np.testing.assert_allclose(
        np.asarray(apply_transformer(params, tokens[:, :5], cfg)),
        _np_torch_encoder(params, tokens[:, :5], cfg.n_heads),
        rtol=2e-4,
        atol=2e-4,
    )


def test_hahn_rofin_model_has_the_papers_parameter_count():
    # PyTorch's layer shapes at width 128, 2 layers, FFN 128, vocabulary 2 give 199,425
    # parameters besides the positional table: per layer in_proj 3*128*128 + 384, out_proj
    # 128*128 + 128, two linear layers 2 * (128*128 + 128), two LayerNorms 4 * 128; embedding
    # 2 * 64; head 128 + 1.
    from biasbook.nets.models import hahn_rofin_config
    from biasbook.nets.sharpness import n_parameters

    cfg = hahn_rofin_config(max_len=30)
    params = init_transformer(jax.random.key(0), cfg)
    assert n_parameters({k: v for k, v in params.items() if k != "pos_emb"}) == 199_425
    assert params["pos_emb"].shape == (30, 64)
    assert "ln_f" not in params and "cls" not in params


@pytest.mark.parametrize(
    "kw",
    [
        dict(norm_position="post", readout="cls", n_layers=2),
        dict(embedding="concat", readout="mean", positional="sinusoidal"),
        dict(readout="last", attention_bias=True, final_layernorm=False),
    ],
)
def test_layout_options_change_the_function(kw):
    # each option is a different function from the default layout, on the same weights
    base = TransformerConfig(max_len=5, d_model=8, n_layers=kw.get("n_layers", 1), d_mlp=8)
    cfg = TransformerConfig(**{**base.__dict__, **kw})
    params = _randomised(init_transformer(jax.random.key(0), cfg), 1)
    tokens = np.random.default_rng(0).integers(0, 2, (4, 5))
    out = np.asarray(apply_transformer(params, tokens, cfg))
    every = np.asarray(apply_transformer(params, tokens, cfg, all_positions=True))
    np.testing.assert_allclose(every, out, rtol=1e-5, atol=1e-5)
    if set(kw) <= {"norm_position", "readout", "n_layers"}:
        shared = {k: v for k, v in params.items()}
        assert not np.allclose(out, np.asarray(apply_transformer(shared, tokens, base)), atol=1e-3)


def test_layout_bad_options():
    with pytest.raises(ValueError, match="norm_position"):
        TransformerConfig(norm_position="middle")
    with pytest.raises(ValueError, match="even d_model"):
        TransformerConfig(d_model=6, n_heads=2, embedding="concat", positional="none")
    with pytest.raises(ValueError, match="embedding"):
        TransformerConfig(embedding="sum")
