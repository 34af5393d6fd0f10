"""Small JAX models as pure functions over plain-dict parameter pytrees.

Two families are provided:

* a small encoder transformer (:class:`TransformerConfig`, :func:`init_transformer`,
  :func:`apply_transformer`): token and positional embeddings (added, or concatenated as in
  Hahn & Rofin's code), an optional ``[CLS]`` token, pre-LN or post-LN blocks of multi-head softmax
  attention and a ReLU/GELU MLP, and a linear readout of the ``[CLS]`` position, the last position
  or the mean over positions. ``TransformerConfig(norm_position="post", embedding="concat",
  readout="last", final_layernorm=False, attention_bias=True, d_mlp=d_model)`` is PyTorch's
  default ``nn.TransformerEncoder`` behind a concatenated embedding, the model of Hahn & Rofin's
  code (:func:`biasbook.experiments.sensitivity.runs.ModelSize.config` builds it);
* a multi-layer perceptron on flattened one-hot inputs (:class:`MLPConfig`, :func:`init_mlp`,
  :func:`apply_mlp`).

Parameters are nested ``dict``/``list`` pytrees of ``float32`` arrays so that
:func:`biasbook.nets.training.train_many` can stack them along a leading models axis.
Initialisation is deterministic in the ``jax.random`` key.

Initialisation (our choice; the papers do not fix it for these small models): embeddings are
standard normal (unit scale per coordinate in the residual stream), weight matrices are
``N(0, 1/fan_in)`` (``N(0, 2/fan_in)`` for layers followed by a ReLU in the MLP), biases zero and
LayerNorm gains one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import jax
import jax.numpy as jnp

Params = dict[str, Any]

#: Longest sequence for which ``attention_impl="auto"`` uses the element-wise formulation.
#: 0 (never): with JAX 0.10.2 on a 2-core CPU, batched ``dot`` trained 1.5-2.6x faster than the
#: element-wise form at T = 8, 16 and 24 (A/B of ``train_many``, 2026-11-23; see README).
_ELEMENTWISE_MAX_LEN = 0

_ACTIVATIONS = {
    "relu": jax.nn.relu,
    "gelu": jax.nn.gelu,
    "tanh": jnp.tanh,
}


def _activation(name: str):
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {sorted(_ACTIVATIONS)}"
        ) from None


def _dense_init(key: jax.Array, fan_in: int, fan_out: int, gain: float = 1.0) -> jax.Array:
    """``N(0, gain / fan_in)`` weights of shape ``(fan_in, fan_out)``."""
    std = (gain / fan_in) ** 0.5
    return std * jax.random.normal(key, (fan_in, fan_out), jnp.float32)


# --------------------------------------------------------------------------------------------------
# Transformer
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransformerConfig:
    """Shape and options of the small encoder transformer.

    Parameters
    ----------
    vocab_size
        Number of token values (tokens are integers in ``[0, vocab_size)``).
    max_len
        Longest input sequence; inputs may be shorter (length generalisation).
    d_model, n_heads, n_layers, d_mlp
        Width, attention heads (must divide ``d_model``), blocks, MLP hidden width
        (``d_mlp=0`` gives attention-only blocks).
    n_outputs
        Width of the linear readout.
    layernorm
        LayerNorm in every block if true (where: ``norm_position``); no normalisation at all if
        false.
    norm_position
        ``"pre"``: ``x + f(LN(x))`` for each sublayer ``f`` (GPT-2 style);
        ``"post"``: ``LN(x + f(x))`` (Vaswani et al., PyTorch's default encoder layer).
    final_layernorm
        A LayerNorm after the last block (with ``layernorm``); PyTorch's encoder, as used by
        Hahn & Rofin, has none.
    readout
        ``"cls"``: read the output at a learned ``[CLS]`` token prepended to the input;
        ``"last"``: read it at the last input position (Hahn & Rofin);
        ``"mean"``: read the mean of the final hidden states over positions.
    positional
        ``"learned"`` (a trained table of ``max_len`` (+1 for CLS) vectors), ``"sinusoidal"``
        (fixed) or ``"none"``.
    embedding
        ``"add"``: token and position vectors of width ``d_model`` are added;
        ``"concat"``: each has width ``d_model / 2`` and they are concatenated (Hahn & Rofin).
    attention_bias
        Biases on the query, key, value and output projections (PyTorch's
        ``nn.MultiheadAttention`` has them); none by default.
    activation
        MLP nonlinearity: ``"relu"``, ``"gelu"`` or ``"tanh"``.
    attention_impl
        How attention is computed (the same function either way, to float rounding):
        ``"dot"`` (batched matrix products), ``"elementwise"`` (broadcast-multiply-reduce; it was
        faster for short sequences with earlier XLA:CPU releases) or ``"auto"`` (the faster of the
        two as measured with the pinned JAX: currently ``"dot"`` at every length).
    """

    vocab_size: int = 2
    max_len: int = 16
    d_model: int = 32
    n_heads: int = 2
    n_layers: int = 1
    d_mlp: int = 64
    n_outputs: int = 1
    layernorm: bool = True
    readout: Literal["cls", "mean", "last"] = "cls"
    positional: Literal["learned", "sinusoidal", "none"] = "learned"
    activation: str = "relu"
    attention_impl: Literal["auto", "dot", "elementwise"] = "auto"
    norm_position: Literal["pre", "post"] = "pre"
    final_layernorm: bool = True
    embedding: Literal["add", "concat"] = "add"
    attention_bias: bool = False

    def __post_init__(self) -> None:
        if self.attention_impl not in ("auto", "dot", "elementwise"):
            raise ValueError(
                "attention_impl must be 'auto', 'dot' or 'elementwise', "
                f"got {self.attention_impl!r}"
            )
        for name in ("vocab_size", "max_len", "d_model", "n_heads", "n_outputs"):
            if int(getattr(self, name)) < 1:
                raise ValueError(
                    f"TransformerConfig.{name} must be >= 1, got {getattr(self, name)}"
                )
        if self.n_layers < 0 or self.d_mlp < 0:
            raise ValueError("TransformerConfig.n_layers and d_mlp must be >= 0")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by n_heads={self.n_heads}")
        if self.readout not in ("cls", "mean", "last"):
            raise ValueError(f"readout must be 'cls', 'last' or 'mean', got {self.readout!r}")
        if self.norm_position not in ("pre", "post"):
            raise ValueError(f"norm_position must be 'pre' or 'post', got {self.norm_position!r}")
        if self.embedding not in ("add", "concat"):
            raise ValueError(f"embedding must be 'add' or 'concat', got {self.embedding!r}")
        if self.embedding == "concat" and (self.d_model % 2 or self.positional == "none"):
            raise ValueError(
                "embedding='concat' needs an even d_model and positions (positional='learned' "
                f"or 'sinusoidal'); got d_model={self.d_model}, positional={self.positional!r}"
            )
        if self.positional not in ("learned", "sinusoidal", "none"):
            raise ValueError(
                f"positional must be 'learned', 'sinusoidal' or 'none', got {self.positional!r}"
            )
        _activation(self.activation)

    @property
    def d_head(self) -> int:
        """Width of one attention head."""
        return self.d_model // self.n_heads

    def attention_impl_for(self, length: int) -> str:
        """The attention formulation used for sequences of ``length`` positions (same maths)."""
        if self.attention_impl != "auto":
            return self.attention_impl
        # Not element-wise for the single [CLS] query row of the last block either: 3-7 % faster
        # in the training engine, but about 3x slower under XLA's default options (a plain jit).
        return "elementwise" if length <= _ELEMENTWISE_MAX_LEN else "dot"

    @property
    def d_token(self) -> int:
        """Width of the token (and of the position) embedding: ``d_model`` or ``d_model / 2``."""
        return self.d_model // 2 if self.embedding == "concat" else self.d_model

    @property
    def has_final_layernorm(self) -> bool:
        """Whether a LayerNorm follows the last block."""
        return self.layernorm and self.final_layernorm

    @property
    def n_positions(self) -> int:
        """Rows of the positional table: ``max_len`` plus one for the ``[CLS]`` token."""
        return self.max_len + (1 if self.readout == "cls" else 0)


def hahn_rofin_config(
    max_len: int, d_model: int = 128, n_heads: int = 2, n_layers: int = 2, vocab_size: int = 2
) -> TransformerConfig:
    """The encoder of Hahn & Rofin's code (``src/model.py`` of lacoco-lab/sensitivity-hardness).

    PyTorch's ``nn.TransformerEncoder`` of default ``nn.TransformerEncoderLayer`` blocks: post-LN,
    biases on the attention projections, a ReLU feed-forward layer of width ``d_model``, no
    LayerNorm after the last block; token and learned position embeddings of width
    ``d_model / 2`` concatenated; a linear head on the last position. Their defaults: width 128,
    2 heads, 2 layers. Initialisation is this module's (theirs is PyTorch's).
    """
    return TransformerConfig(
        vocab_size=vocab_size,
        max_len=max_len,
        d_model=d_model,
        n_heads=n_heads,
        n_layers=n_layers,
        d_mlp=d_model,
        readout="last",
        positional="learned",
        norm_position="post",
        final_layernorm=False,
        embedding="concat",
        attention_bias=True,
    )


def init_transformer(key: jax.Array, cfg: TransformerConfig) -> Params:
    """Initialise transformer parameters.

    Parameters
    ----------
    key
        A ``jax.random`` key; the parameters are a deterministic function of it.
    cfg
        The architecture.

    Returns
    -------
    dict
        ``{"tok_emb", ["pos_emb"], ["cls"], "layers": [...], ["ln_f"], "head"}``.
    """
    d, h, dh = cfg.d_model, cfg.n_heads, cfg.d_head
    keys = iter(jax.random.split(key, 4 + 6 * max(cfg.n_layers, 1)))
    params: Params = {
        "tok_emb": jax.random.normal(next(keys), (cfg.vocab_size, cfg.d_token), jnp.float32),
    }
    k_pos, k_cls = next(keys), next(keys)
    if cfg.positional == "learned":
        params["pos_emb"] = jax.random.normal(k_pos, (cfg.n_positions, cfg.d_token), jnp.float32)
    if cfg.readout == "cls":
        params["cls"] = jax.random.normal(k_cls, (cfg.d_token,), jnp.float32)
    layers = []
    for _ in range(cfg.n_layers):
        layer: Params = {
            # [3, d, heads, d_head]: q, k, v stacked (other modules rely on this layout)
            "qkv": jnp.stack([_dense_init(next(keys), d, d).reshape(d, h, dh) for _ in range(3)]),
            "wo": _dense_init(next(keys), d, d).reshape(h, dh, d),
        }
        if cfg.attention_bias:
            # zero, as PyTorch initialises nn.MultiheadAttention's in- and out-projection biases
            layer["qkv_b"] = jnp.zeros((3, h, dh), jnp.float32)
            layer["wo_b"] = jnp.zeros((d,), jnp.float32)
        if cfg.d_mlp:
            gain = 2.0 if cfg.activation == "relu" else 1.0
            layer["mlp"] = {
                "w1": _dense_init(next(keys), d, cfg.d_mlp, gain),
                "b1": jnp.zeros((cfg.d_mlp,), jnp.float32),
                "w2": _dense_init(next(keys), cfg.d_mlp, d),
                "b2": jnp.zeros((d,), jnp.float32),
            }
        else:
            next(keys), next(keys)
        if cfg.layernorm:
            layer["ln1"] = _ln_init(d)
            if cfg.d_mlp:
                layer["ln2"] = _ln_init(d)
        layers.append(layer)
    params["layers"] = layers
    if cfg.has_final_layernorm:
        params["ln_f"] = _ln_init(d)
    params["head"] = {
        "w": _dense_init(next(keys), d, cfg.n_outputs),
        "b": jnp.zeros((cfg.n_outputs,), jnp.float32),
    }
    return params


def _ln_init(d: int) -> Params:
    return {"g": jnp.ones((d,), jnp.float32), "b": jnp.zeros((d,), jnp.float32)}


def _layernorm(p: Params, x: jax.Array, eps: float = 1e-5) -> jax.Array:
    mu = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mu), axis=-1, keepdims=True)
    return (x - mu) * jax.lax.rsqrt(var + eps) * p["g"] + p["b"]


def sinusoidal_positions(n: int, d: int) -> jax.Array:
    """The fixed sinusoidal position table of Vaswani et al. (2017), shape ``(n, d)``."""
    pos = jnp.arange(n, dtype=jnp.float32)[:, None]
    i = jnp.arange(d, dtype=jnp.float32)[None, :]
    angle = pos / jnp.power(10000.0, (2 * (i // 2)) / d)
    return jnp.where(i % 2 == 0, jnp.sin(angle), jnp.cos(angle))


def _dense(x: jax.Array, w: jax.Array) -> jax.Array:
    # Flatten leading axes into one matrix product: XLA's CPU backward pass for a 2-D weight
    # gradient is markedly faster than for the equivalent 3-D einsum.
    return (x.reshape(-1, x.shape[-1]) @ w).reshape(*x.shape[:-1], w.shape[-1])


def _attention_core(q: jax.Array, k: jax.Array, v: jax.Array, impl: str) -> jax.Array:
    """Softmax attention of ``q: [m, Q, h, e]`` (already scaled) over ``k, v: [m, T, h, e]``
    -> ``[m, Q, h, e]``."""
    if impl == "elementwise":
        # Broadcast-multiply-reduce instead of batched matrix products (Q x e by e x T): a fused
        # element-wise loop, once faster than XLA:CPU's batched dot of tiny matrices; no longer
        # chosen by "auto" (see TransformerConfig.attention_impl_for), kept as an equivalent.
        scores = jnp.sum(q[:, :, None] * k[:, None], axis=-1)  # [m, T, S, h]
        attn = jax.nn.softmax(scores, axis=2)
        return jnp.sum(attn[..., None] * v[:, None], axis=2)
    scores = jnp.einsum("mthe,mshe->mhts", q, k)
    attn = jax.nn.softmax(scores, axis=-1)
    return jnp.einsum("mhts,mshe->mthe", attn, v)


def _attention(
    layer: Params, x: jax.Array, cfg: TransformerConfig, rows: slice | None = None
) -> jax.Array:
    """Attention output ``[m, Q, d]`` of the query positions ``x[:, rows]`` (all if None)."""
    m, t, d = x.shape
    h, e = cfg.n_heads, cfg.d_head
    bias = layer.get("qkv_b")  # [3, h, e] or None
    # one matrix product for q, k and v together, or for k and v when fewer rows ask (a slice of
    # the q, k, v output would cost a padded gradient of all three in the backward pass)
    first = 0 if rows is None else 1
    w = jnp.transpose(layer["qkv"][first:], (1, 0, 2, 3)).reshape(d, (3 - first) * d)
    proj = _dense(x, w).reshape(m, t, 3 - first, h, e)
    if bias is not None:
        proj = proj + bias[first:]
    if rows is None:
        n_q, q = t, proj[:, :, 0]
    else:
        xq = x[:, rows]
        n_q = xq.shape[1]
        q = _dense(xq, layer["qkv"][0].reshape(d, d)).reshape(m, n_q, h, e)
        if bias is not None:
            q = q + bias[0]
    q = q * (1.0 / e**0.5)
    out = _attention_core(q, proj[:, :, -2], proj[:, :, -1], cfg.attention_impl_for(t))
    out = _dense(out.reshape(m, n_q, d), layer["wo"].reshape(d, d))
    return out + layer["wo_b"] if "wo_b" in layer else out


def _mlp_block(p: Params, x: jax.Array, cfg: TransformerConfig) -> jax.Array:
    act = _activation(cfg.activation)
    return _dense(act(_dense(x, p["w1"]) + p["b1"]), p["w2"]) + p["b2"]


def apply_transformer(
    params: Params, tokens: jax.Array, cfg: TransformerConfig, *, all_positions: bool = False
) -> jax.Array:
    """Run the transformer on a batch of token sequences.

    Parameters
    ----------
    params
        From :func:`init_transformer` with the same ``cfg``.
    tokens
        Integer array ``[m, T]`` with ``T <= cfg.max_len``; shorter sequences use the first ``T``
        positional vectors.
    cfg
        The architecture.
    all_positions
        With a ``[CLS]`` or last-position readout the last block is computed for the read row
        only (the output is the same: the other rows are never read). ``True`` computes every
        row, for code that inspects the hidden states (e.g.
        :func:`biasbook.nets.sharpness.layernorm_input_std`).

    Returns
    -------
    jax.Array
        ``float32[m, n_outputs]``.
    """
    tokens = jnp.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"tokens must have shape [m, T], got {tokens.shape}")
    m, t = tokens.shape
    if t > cfg.max_len:
        raise ValueError(
            f"sequence length {t} exceeds max_len={cfg.max_len}; build the model with a larger "
            "max_len"
        )
    if not jnp.issubdtype(tokens.dtype, jnp.integer):
        raise ValueError(f"tokens must be integers, got dtype {tokens.dtype}")
    x = jnp.take(params["tok_emb"], tokens, axis=0)  # [m, T, d_token]
    if cfg.readout == "cls":
        cls = jnp.broadcast_to(params["cls"], (m, 1, cfg.d_token))
        x = jnp.concatenate([cls, x], axis=1)
    n_pos = x.shape[1]
    if cfg.positional == "learned":
        pos = params["pos_emb"][:n_pos]
    elif cfg.positional == "sinusoidal":
        pos = sinusoidal_positions(n_pos, cfg.d_token)
    else:
        pos = None
    if cfg.embedding == "concat":
        x = jnp.concatenate([x, jnp.broadcast_to(pos, x.shape)], axis=-1)
    elif pos is not None:
        x = x + pos
    # The row the readout reads: after the last block only that row is needed, so its query,
    # attention output, MLP and LayerNorms are computed for that row alone (keys and values for
    # every position): the same function with T-fold less work in those parts.
    read = {"cls": slice(0, 1), "last": slice(n_pos - 1, n_pos)}.get(cfg.readout)
    post = cfg.layernorm and cfg.norm_position == "post"
    pre = cfg.layernorm and not post
    for i, layer in enumerate(params["layers"]):
        rows = read if (read is not None and not all_positions and i == cfg.n_layers - 1) else None
        kept = x if rows is None else x[:, rows]
        x = kept + _attention(layer, _layernorm(layer["ln1"], x) if pre else x, cfg, rows)
        if post:
            x = _layernorm(layer["ln1"], x)
        if cfg.d_mlp:
            x = x + _mlp_block(layer["mlp"], _layernorm(layer["ln2"], x) if pre else x, cfg)
            if post:
                x = _layernorm(layer["ln2"], x)
    if cfg.has_final_layernorm:
        x = _layernorm(params["ln_f"], x)
    if cfg.readout == "mean":
        z = jnp.mean(x, axis=1)
    else:  # after the reduced last block x holds the read row alone, where 0 and -1 agree
        z = x[:, 0] if cfg.readout == "cls" else x[:, -1]
    return z @ params["head"]["w"] + params["head"]["b"]


# --------------------------------------------------------------------------------------------------
# MLP
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MLPConfig:
    """A fully connected network.

    Parameters
    ----------
    input_dim
        Width of the (flattened) input. With ``vocab_size`` set, inputs are integer tokens
        ``[m, T]`` that are one-hot encoded and flattened, so ``input_dim`` must be
        ``T * vocab_size``.
    hidden
        Widths of the hidden layers.
    n_outputs
        Width of the linear readout.
    activation
        ``"relu"``, ``"gelu"`` or ``"tanh"``.
    vocab_size
        If given, the inputs are tokens to one-hot encode (see ``input_dim``); if ``None`` the
        inputs are real arrays ``[m, ...]`` flattened to ``[m, input_dim]``.
    """

    input_dim: int
    hidden: tuple[int, ...] = (64,)
    n_outputs: int = 1
    activation: str = "relu"
    vocab_size: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if self.input_dim < 1 or self.n_outputs < 1 or any(h < 1 for h in self.hidden):
            raise ValueError(f"MLPConfig widths must be >= 1, got {self}")
        if self.vocab_size is not None and self.input_dim % self.vocab_size:
            raise ValueError(
                f"input_dim={self.input_dim} must be T * vocab_size (vocab_size={self.vocab_size})"
            )
        _activation(self.activation)


def one_hot_flat(tokens: jax.Array, vocab_size: int) -> jax.Array:
    """One-hot encode integer tokens ``[m, T]`` and flatten to ``float32[m, T * vocab_size]``."""
    tokens = jnp.asarray(tokens)
    return jax.nn.one_hot(tokens, vocab_size, dtype=jnp.float32).reshape(tokens.shape[0], -1)


def init_mlp(key: jax.Array, cfg: MLPConfig) -> Params:
    """Initialise MLP parameters ``{"layers": [{"w", "b"}, ...]}`` (the last is the readout)."""
    widths = (cfg.input_dim, *cfg.hidden, cfg.n_outputs)
    keys = jax.random.split(key, len(widths) - 1)
    gain = 2.0 if cfg.activation == "relu" else 1.0
    layers = []
    for i, (k, fan_in, fan_out) in enumerate(zip(keys, widths[:-1], widths[1:], strict=True)):
        last = i == len(widths) - 2
        layers.append(
            {
                "w": _dense_init(k, fan_in, fan_out, 1.0 if last else gain),
                "b": jnp.zeros((fan_out,), jnp.float32),
            }
        )
    return {"layers": layers}


def apply_mlp(params: Params, x: jax.Array, cfg: MLPConfig) -> jax.Array:
    """Run the MLP on a batch ``[m, ...]`` (or tokens ``[m, T]`` if ``cfg.vocab_size`` is set).

    Returns
    -------
    jax.Array
        ``float32[m, n_outputs]``.
    """
    x = jnp.asarray(x)
    if cfg.vocab_size is not None:
        if not jnp.issubdtype(x.dtype, jnp.integer):
            raise ValueError(f"MLP with vocab_size expects integer tokens, got {x.dtype}")
        x = one_hot_flat(x, cfg.vocab_size)
    x = x.reshape(x.shape[0], -1).astype(jnp.float32)
    if x.shape[1] != cfg.input_dim:
        raise ValueError(f"input has {x.shape[1]} features, MLPConfig.input_dim={cfg.input_dim}")
    act = _activation(cfg.activation)
    *hidden, last = params["layers"]
    for layer in hidden:
        x = act(x @ layer["w"] + layer["b"])
    return x @ last["w"] + last["b"]
