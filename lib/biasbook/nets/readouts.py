"""A fast, exact forward pass of the one-layer ``[CLS]``-readout transformer on a small vocabulary.

:func:`biasbook.nets.models.apply_transformer` computes LayerNorm, keys and values at every position
of every sequence, ``O(T d^2)`` work per sequence (and, with one layer and a ``[CLS]`` readout, the
rest for the ``[CLS]`` row only). With a vocabulary of ``V`` tokens the pre-attention stream of
position ``t`` takes only ``V`` values (``tok_emb[v] + pos[t]``), so LayerNorm, keys and values can
be computed once per (position, token) pair and gathered per sequence: ``O(V T d^2)`` per batch plus
``O(T d)`` per sequence. The result equals ``apply_transformer`` to float rounding (tested), for the
same parameter pytree, so models are still built by :func:`biasbook.nets.models.init_transformer`
and trained by :func:`biasbook.nets.training.train_many`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from biasbook.nets.models import Params, TransformerConfig, sinusoidal_positions

_ACT = {"relu": jax.nn.relu, "gelu": jax.nn.gelu, "tanh": jnp.tanh}


def check_config(cfg: TransformerConfig) -> None:
    """Raise ``ValueError`` unless ``cfg`` is a one-layer transformer with a ``[CLS]`` readout
    in the layout this module computes (pre-LN, added embeddings, no attention biases)."""
    if cfg.n_layers != 1 or cfg.readout != "cls":
        raise ValueError(
            "the fast forward needs n_layers=1 and readout='cls' "
            f"(got n_layers={cfg.n_layers}, readout={cfg.readout!r}); use apply_transformer"
        )
    layout = (cfg.norm_position, cfg.embedding, cfg.attention_bias, cfg.final_layernorm)
    if layout != ("pre", "add", False, True):
        raise ValueError(
            "the fast forward computes pre-LN blocks with added embeddings, a final LayerNorm "
            f"and no attention biases (got norm_position={cfg.norm_position!r}, "
            f"embedding={cfg.embedding!r}, attention_bias={cfg.attention_bias}, "
            f"final_layernorm={cfg.final_layernorm}); use apply_transformer"
        )


def _layernorm(p: Params, x: jax.Array, eps: float = 1e-5) -> jax.Array:
    # the same normalisation as biasbook.nets.models (eps = 1e-5, biased variance)
    mu = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mu), axis=-1, keepdims=True)
    return (x - mu) * jax.lax.rsqrt(var + eps) * p["g"] + p["b"]


def _cls_attention(params: Params, tokens: jax.Array, cfg: TransformerConfig):
    """The ``[CLS]`` query's attention and what the forward pass needs after it."""
    check_config(cfg)
    tokens = jnp.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"tokens must have shape [m, T], got {tokens.shape}")
    t = tokens.shape[1]
    if t > cfg.max_len:
        raise ValueError(f"sequence length {t} exceeds max_len={cfg.max_len}")
    h, dh = cfg.n_heads, cfg.d_head
    layer = params["layers"][0]
    if cfg.positional == "learned":
        pos = params["pos_emb"][: t + 1]
    elif cfg.positional == "sinusoidal":
        pos = sinusoidal_positions(t + 1, cfg.d_model)
    else:
        pos = jnp.zeros((t + 1, cfg.d_model), jnp.float32)

    def ln(name: str, x: jax.Array) -> jax.Array:
        return _layernorm(layer[name], x) if cfg.layernorm else x

    x_cls = params["cls"] + pos[0]  # [d]
    # every (position, token) pair's residual stream before attention: [T, V, d]
    x_tok = params["tok_emb"][None, :, :] + pos[1:, None, :]
    qkv = layer["qkv"]  # [3, d, h, dh]
    h_cls = ln("ln1", x_cls)
    h_tok = ln("ln1", x_tok)
    q = jnp.einsum("d,dhe->he", h_cls, qkv[0])
    k_cls = jnp.einsum("d,dhe->he", h_cls, qkv[1])
    v_cls = jnp.einsum("d,dhe->he", h_cls, qkv[2])
    k_tab = jnp.einsum("tvd,dhe->tvhe", h_tok, qkv[1])  # [T, V, h, dh]
    v_tab = jnp.einsum("tvd,dhe->tvhe", h_tok, qkv[2])
    scale = 1.0 / dh**0.5
    # scores of the [CLS] query against every (position, token) key, then gathered per sequence
    s_tab = jnp.einsum("he,tvhe->thv", q, k_tab) * scale  # [T, h, V]
    s_cls = jnp.einsum("he,he->h", q, k_cls) * scale  # [h]
    onehot = jax.nn.one_hot(tokens, cfg.vocab_size, dtype=s_tab.dtype)  # [m, T, V]
    s_tok = jnp.einsum("mtv,thv->mth", onehot, s_tab)  # the key of token x_t at position t
    scores = jnp.concatenate(
        [jnp.broadcast_to(s_cls, (tokens.shape[0], 1, h)), s_tok], axis=1
    )  # [m, T + 1, h]
    attn = jax.nn.softmax(scores, axis=1)
    return attn, onehot, v_tab, v_cls, x_cls, layer, ln


def cls_attention(params: Params, tokens: jax.Array, cfg: TransformerConfig) -> jax.Array:
    """Attention of the ``[CLS]`` query over ``[CLS]`` and the ``T`` positions, per head.

    Returns
    -------
    jax.Array
        ``float32[m, T + 1, n_heads]``; index 0 is ``[CLS]`` itself, index ``t + 1`` position
        ``t``; each ``[i, :, head]`` sums to 1.
    """
    return _cls_attention(params, tokens, cfg)[0]


def qk_norms(params: Params, cfg: TransformerConfig) -> jax.Array:
    """``||W_Q W_K^T||_F / sqrt(d_head)`` of each head of the first layer, ``float32[n_heads]``.

    The query-key product that scores positions (with the attention's ``1/sqrt(d_head)``), the
    trained counterpart of the explicit construction's norm (LayerNorm's gains act on top).
    """
    qkv = params["layers"][0]["qkv"]  # [3, d, h, dh]
    wqk = jnp.einsum("dhe,fhe->hdf", qkv[0], qkv[1]) / cfg.d_head**0.5
    return jnp.sqrt(jnp.sum(jnp.square(wqk), axis=(1, 2)))


def apply_cls_one_layer(params: Params, tokens: jax.Array, cfg: TransformerConfig) -> jax.Array:
    """Output of ``apply_transformer(params, tokens, cfg)`` for one layer and a ``[CLS]`` readout.

    Parameters
    ----------
    params
        From :func:`biasbook.nets.models.init_transformer` with ``cfg``.
    tokens
        Integers ``[m, T]`` in ``[0, cfg.vocab_size)``, ``T <= cfg.max_len``.
    cfg
        The architecture (``n_layers == 1``, ``readout == "cls"``).

    Returns
    -------
    jax.Array
        ``float32[m, n_outputs]``.
    """
    attn, onehot, v_tab, v_cls, x_cls, layer, ln = _cls_attention(params, tokens, cfg)
    # sum_t attn[t] v[t, x_t] = sum_v (sum_{t: x_t = v} attn[t]) v_tab[t, v]: one-hot contraction
    out = jnp.einsum("mth,mtv,tvhe->mhe", attn[:, 1:], onehot, v_tab)
    out = out + attn[:, 0, :, None] * v_cls[None]
    x = x_cls[None] + jnp.einsum("mhe,hed->md", out, layer["wo"])
    if cfg.d_mlp:
        mlp = layer["mlp"]
        hid = ln("ln2", x)
        x = x + _ACT[cfg.activation](hid @ mlp["w1"] + mlp["b1"]) @ mlp["w2"] + mlp["b2"]
    if cfg.layernorm:
        x = _layernorm(params["ln_f"], x)
    return x @ params["head"]["w"] + params["head"]["b"]
