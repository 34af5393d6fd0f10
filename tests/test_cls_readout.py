"""The fast one-layer [CLS] forward equals biasbook.nets.models.apply_transformer; its attention
and query-key norms equal a NumPy transcription of the definitions."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from biasbook.nets.models import TransformerConfig, apply_transformer, init_transformer
from biasbook.nets.readouts import apply_cls_one_layer, cls_attention, qk_norms


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"layernorm": False, "d_mlp": 0},
        {"positional": "sinusoidal", "activation": "gelu"},
        {"positional": "none", "vocab_size": 3, "n_outputs": 2},
    ],
)
def test_equals_apply_transformer(kwargs):
    cfg = TransformerConfig(**{"max_len": 12, "d_model": 16, "n_heads": 2, "d_mlp": 32, **kwargs})
    params = init_transformer(jax.random.key(3), cfg)
    rng = np.random.default_rng(0)
    for T in (12, 5):  # full length and a shorter sequence
        tokens = rng.integers(0, cfg.vocab_size, size=(20, T)).astype(np.int32)
        ref = jax.jit(apply_transformer, static_argnums=2)(params, tokens, cfg)
        out = jax.jit(apply_cls_one_layer, static_argnums=2)(params, tokens, cfg)
        np.testing.assert_allclose(out, ref, rtol=2e-5, atol=2e-5)


def test_gradients_agree():
    cfg = TransformerConfig(max_len=9, d_model=8, n_heads=1, d_mlp=16)
    params = init_transformer(jax.random.key(0), cfg)
    tokens = np.random.default_rng(1).integers(0, 2, size=(16, 9)).astype(np.int32)
    g_ref = jax.jit(jax.grad(lambda p: apply_transformer(p, tokens, cfg).sum()))(params)
    g_new = jax.jit(jax.grad(lambda p: apply_cls_one_layer(p, tokens, cfg).sum()))(params)
    for a, b in zip(jax.tree.leaves(g_ref), jax.tree.leaves(g_new), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_rejects_other_architectures():
    # the architecture is checked before the parameters are touched
    with pytest.raises(ValueError, match="n_layers=1"):
        apply_cls_one_layer({}, np.zeros((1, 4), int), TransformerConfig(max_len=4, n_layers=2))
    with pytest.raises(ValueError, match="readout='cls'"):
        apply_cls_one_layer({}, np.zeros((1, 4), int), TransformerConfig(max_len=4, readout="mean"))


def _np_layernorm(p, x):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * np.asarray(p["g"]) + np.asarray(p["b"])


def test_cls_attention_and_qk_norms_follow_the_definitions():
    cfg = TransformerConfig(max_len=10, d_model=8, n_heads=2, d_mlp=16)
    params = init_transformer(jax.random.key(5), cfg)
    tokens = np.random.default_rng(2).integers(0, 2, size=(7, 10)).astype(np.int32)
    attn = np.asarray(cls_attention(params, tokens, cfg))
    assert attn.shape == (7, 11, 2)
    P = jax.tree.map(np.asarray, params)
    layer = P["layers"][0]
    pos = P["pos_emb"][:11]
    for i, seq in enumerate(tokens):
        # the residual stream of [CLS] and of each token, LayerNorm, one query against all keys
        x = np.vstack([P["cls"] + pos[0], P["tok_emb"][seq] + pos[1:]])
        hx = _np_layernorm(layer["ln1"], x)
        for head in range(2):
            q = hx[0] @ layer["qkv"][0][:, head]
            k = hx @ layer["qkv"][1][:, head]
            u = k @ q / np.sqrt(cfg.d_head)
            np.testing.assert_allclose(attn[i, :, head], np.exp(u) / np.exp(u).sum(), rtol=1e-5)
    wq, wk = layer["qkv"][0], layer["qkv"][1]
    ref = [np.linalg.norm(wq[:, h] @ wk[:, h].T) / np.sqrt(cfg.d_head) for h in range(2)]
    np.testing.assert_allclose(qk_norms(params, cfg), ref, rtol=1e-5)
