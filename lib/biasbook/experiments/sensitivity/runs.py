"""The experiments of the "Sensitivity bias" chapter (Hahn & Rofin 2024), as batched sweeps.

Three experiments, each a few :func:`biasbook.nets.training.train_many` calls (one per input shape)
whose results are plain dictionaries of NumPy arrays, so that a chapter can cache them with
:func:`biasbook.store.cache.cached`:

* :func:`sharpness_sweep`: fit Boolean functions exactly (on all ``2**n`` inputs, squared error)
  and measure, at the minima reached, the perturbation sharpness, parameter norm and LayerNorm
  blowup.
* :func:`generalisation_experiment`: train where the data do not decide between functions of low
  and high sensitivity, and measure which one the model extends to the held-out inputs.
* :func:`length_generalisation`: train PARITY and MAJORITY on short strings, test on longer ones.

All sizes and optimiser settings are arguments; the chapter states the values it uses.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from biasbook.maths import boolean
from biasbook.nets.compiled import cached_program
from biasbook.nets.models import (
    TransformerConfig,
    apply_transformer,
    hahn_rofin_config,
    init_transformer,
)
from biasbook.nets.sharpness import (
    layernorm_input_std,
    n_parameters,
    parameter_norm,
    perturbation_sharpness_many,
)
from biasbook.nets.training import TrainConfig, train_many
from biasbook.store.progress import progress_bar

#: A function to train on: a :func:`biasbook.maths.boolean.make_function` name and its
#: keyword arguments.
FunctionSpec = tuple[str, dict[str, Any]]

#: Token used to pad strings shorter than the model's context in :func:`length_generalisation`.
PAD = 2


#: The two encoder layouts the chapter trains (see :class:`ModelSize`).
ARCHITECTURES = ("hahn_rofin", "pre_ln_cls")


@dataclass(frozen=True)
class ModelSize:
    """The transformer of an experiment: its sizes and its layout.

    ``architecture="hahn_rofin"`` is the encoder of the authors' code
    (:func:`biasbook.nets.models.hahn_rofin_config`: post-LN, concatenated embeddings, last
    position read, feed-forward width ``d_mlp``, which their code sets to ``d_model``);
    ``"pre_ln_cls"`` the chapter's earlier model (pre-LN blocks, added embeddings, a final
    LayerNorm and a ``[CLS]`` read-out).
    """

    d_model: int = 16
    n_heads: int = 2
    n_layers: int = 2
    d_mlp: int = 32
    architecture: str = "pre_ln_cls"

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}"
            )

    def config(
        self, max_len: int, vocab_size: int = 2, positional: str = "learned"
    ) -> TransformerConfig:
        """The ``TransformerConfig`` for inputs of up to ``max_len`` tokens."""
        sizes = {k: v for k, v in asdict(self).items() if k != "architecture"}
        if self.architecture == "hahn_rofin":
            base = hahn_rofin_config(max_len, self.d_model, self.n_heads, self.n_layers, vocab_size)
            return dataclasses.replace(base, d_mlp=self.d_mlp, positional=positional)
        return TransformerConfig(
            vocab_size=vocab_size,
            max_len=max_len,
            positional=positional,  # type: ignore[arg-type]
            readout="cls",
            layernorm=True,
            **sizes,
        )


def _apply(cfg: TransformerConfig) -> Callable[[Any, jax.Array], jax.Array]:
    return functools.partial(_logit, cfg=cfg)


def _logit(params: Any, x: jax.Array, cfg: TransformerConfig) -> jax.Array:
    return apply_transformer(params, x, cfg)[:, 0]


def _keys(seed: int, experiment: int, group: int, count: int) -> jax.Array:
    """Independent keys for model ``0..count-1`` of ``group`` (e.g. one input length)."""
    base = jax.random.fold_in(jax.random.fold_in(jax.random.key(seed), experiment), group)
    return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.arange(count))


def _logits_many(params: Any, cfg: TransformerConfig, X: np.ndarray) -> np.ndarray:
    """Logits of every stacked model on the shared inputs ``X[m, T]`` -> ``[n_models, m]``."""
    f = cached_program(
        ("sens_logits", cfg), lambda: jax.jit(jax.vmap(_apply(cfg), in_axes=(0, None)))
    )
    # in chunks of inputs: the activations of every model on a table of 2**16 strings at once
    # would take gigabytes
    chunks = [f(params, jnp.asarray(X[i : i + 4096])) for i in range(0, len(X), 4096)]
    return np.concatenate([np.asarray(c, dtype=np.float64) for c in chunks], axis=1)


def function_label(spec: FunctionSpec) -> str:
    """Short label of a function spec, e.g. ``"sparse_parity(k=2)"``."""
    name, kw = spec
    # the support and MAJORITY's tie rule do not name a different target in the chapter
    inner = ", ".join(f"{k}={v}" for k, v in kw.items() if k not in ("support", "ties"))
    return f"{name}({inner})" if inner else name


def _valid(spec: FunctionSpec, n: int) -> bool:
    try:
        boolean.make_function(spec[0], n, **spec[1])
    except ValueError:
        return False
    return True


def _mse(cfg: TransformerConfig) -> Callable[[Any, jax.Array, jax.Array], jax.Array]:
    """The training loss of the chapter: mean squared error of the output against ±1 targets."""

    def loss(params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        return jnp.mean(jnp.square(_logit(params, x, cfg) - y))

    return loss


def mean_squared_gradient(
    params: Any, cfg: TransformerConfig, X: np.ndarray, exclude: Sequence[str] = ()
) -> np.ndarray:
    """``E_x ‖∇_θ f(x)‖²`` over the inputs ``X`` for each stacked model (``[n_models]``).

    At an interpolating minimum of the mean squared error ``E (f - y)²`` the Hessian is the
    Gauss–Newton matrix ``2 E[∇f ∇fᵀ]``, so the perturbation sharpness at small ``σ`` is
    ``σ²/2 · tr H = σ² · E ‖∇_θ f‖²``: this is its noise-free limit. Parameters named in
    ``exclude`` are held fixed.
    """

    def build() -> Callable:
        def one(p: Any, X: jax.Array) -> jax.Array:
            free = {k: v for k, v in p.items() if k not in exclude}
            fixed = {k: v for k, v in p.items() if k in exclude}

            def f(q: Any, x: jax.Array) -> jax.Array:
                return _logit({**q, **fixed}, x[None], cfg)[0]

            grads = jax.vmap(jax.grad(f), in_axes=(None, 0))(free, X)
            sq = sum(
                jnp.sum(jnp.square(g).reshape(g.shape[0], -1), axis=1)
                for g in jax.tree.leaves(grads)
            )
            return jnp.mean(sq)

        return jax.jit(lambda ps, X: jax.lax.map(lambda p: one(p, X), ps))

    # compiled once per model and exclusion, reused for every later group of models
    program = cached_program(("sens_grad_sq", cfg, tuple(exclude)), build)
    return np.asarray(program(params, jnp.asarray(X)), dtype=np.float64)


def readout_only_layernorms(cfg: TransformerConfig) -> list[bool]:
    """For each LayerNorm, in the order the forward pass applies them, whether only its output at
    the read-out position reaches the model's output.

    That holds for the LayerNorms after the last attention of the last block: its second
    LayerNorm and the final one with pre-LN (the first normalises the keys and values of every
    position), both of its LayerNorms with post-LN. With a mean readout every position is read.
    """
    if not cfg.layernorm:
        return []
    names = [(i, ln) for i in range(cfg.n_layers) for ln in ("ln1", "ln2")[: 1 + bool(cfg.d_mlp)]]
    last = cfg.n_layers - 1
    post = cfg.norm_position == "post"
    flags = [cfg.readout != "mean" and i == last and (post or ln == "ln2") for i, ln in names]
    if cfg.has_final_layernorm:
        flags.append(cfg.readout != "mean")
    return flags


def layernorm_blowup(params: Any, cfg: TransformerConfig, X: np.ndarray) -> dict[str, np.ndarray]:
    """LayerNorm blowup of each stacked model on the inputs ``X``.

    For every LayerNorm the blowup at a position is ``1 / std`` of its input there (LayerNorm
    divides by that number). Following Hahn & Rofin's measurement we take, per input, the maximum
    over positions (for the LayerNorms whose output is read at one position only, that position:
    :func:`readout_only_layernorms`), multiply over LayerNorms, and average over inputs
    (``"prod_max"``); we also report the largest per-LayerNorm mean (``"max_mean"``). Their code
    divides by PyTorch's unbiased standard deviation, we by the biased one LayerNorm uses: a
    factor ``sqrt((d - 1) / d)`` per LayerNorm.
    """
    program = cached_program(
        ("sens_ln_std", cfg),
        lambda: jax.jit(jax.vmap(lambda p, X: layernorm_input_std(p, X, cfg), in_axes=(0, None))),
    )
    stds = program(params, jnp.asarray(X))
    inv = 1.0 / np.asarray(stds, dtype=np.float64)  # [models, n_ln, m, T']
    per_ln_max = inv.max(axis=3)  # [models, n_ln, m]
    read = 0 if cfg.readout == "cls" else -1
    for j, only in enumerate(readout_only_layernorms(cfg)):
        if only:
            per_ln_max[:, j] = inv[:, j, :, read]
    return {
        "prod_max": np.prod(per_ln_max, axis=1).mean(axis=1),
        "max_mean": inv.mean(axis=(2, 3)).max(axis=1),
    }


# --------------------------------------------------------------------------------------------------
# Experiment 1: sharpness of exact fits
# --------------------------------------------------------------------------------------------------


#: Largest input length whose full table of ``2**n`` strings is the training set; beyond it a
#: pool of ``2**MAX_TABLE_N`` uniform strings is drawn once.
MAX_TABLE_N = 16


def _inputs(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """All ``2**n`` strings if there are at most ``count``, else ``count`` uniform draws."""
    if 2**n <= count:
        return boolean.all_inputs(n).astype(np.int32)
    return rng.integers(0, 2, size=(count, n), dtype=np.int32)


#: What :func:`fit_and_measure` returns per model.
_MEASURE_KEYS = (
    "converged",
    "final_loss",
    "sharpness",
    "sharpness_se",
    "grad_sq",
    "param_norm",
    "blowup",
    "blowup_max_mean",
    "init_norm",  # last: defined for every model, converged or not
)


def _initial_norms(cfg: TransformerConfig, keys: jax.Array, exclude: Sequence[str]) -> np.ndarray:
    """Norms of the parameters ``train_many`` starts from with ``keys`` (it initialises from the
    first half of each key's split), leaving out ``exclude``."""

    def norm(key: jax.Array) -> jax.Array:
        return parameter_norm(init_transformer(jax.random.split(key)[0], cfg), exclude)

    program = cached_program(
        ("sens_init_norm", cfg, tuple(exclude)), lambda: jax.jit(jax.vmap(norm))
    )
    return np.asarray(program(keys), dtype=np.float64)


def fit_and_measure(
    X: np.ndarray,
    tables: np.ndarray,
    Xm: np.ndarray,
    tables_m: np.ndarray,
    n_seeds: int,
    keys: jax.Array,
    size: ModelSize,
    train: TrainConfig,
    sigmas: Sequence[float],
    n_samples: int,
    loss_threshold: float,
    seed: int,
    exclude: Sequence[str] = ("pos_emb",),
) -> tuple[dict[str, np.ndarray], int]:
    """Fit ``n_seeds`` transformers to each target and measure the minima that fit.

    One :func:`~biasbook.nets.training.train_many` call on the strings ``X[m, n]`` with targets
    ``tables[K, m]`` (minibatches drawn from ``X`` when ``train.batch_size`` is set); a model
    *converged* if its squared error on all of ``X`` is below ``loss_threshold``. Sharpness at
    ``sigmas`` (``n_samples`` antithetic pairs), ``E_x ‖∇_θ f‖²``, parameter norm and LayerNorm
    blowup are measured on ``Xm`` (targets ``tables_m``), leaving out the entries in ``exclude``;
    ``init_norm`` is the norm of the same parameters at initialisation.

    Returns
    -------
    tuple
        Per model (``K * n_seeds``, target-major) the arrays of :data:`_MEASURE_KEYS` (``nan``
        where a model did not converge; ``sharpness`` is ``[K * n_seeds, n_sigmas]``), and the
        number of perturbed parameters of one model.
    """
    n = X.shape[1]
    Y = np.repeat(tables, n_seeds, axis=0)
    Ym = np.repeat(tables_m, n_seeds, axis=0)
    cfg = size.config(max_len=n)
    res = train_many(
        functools.partial(init_transformer, cfg=cfg),
        _apply(cfg),
        np.broadcast_to(X, (Y.shape[0], *X.shape)),
        Y,
        keys,
        train,
        progress=False,
    )
    # the engine's last log is the squared error on all of X after the last step
    final = np.asarray(res.train_loss[:, -1], dtype=np.float64)
    ok = final < loss_threshold
    sharp = perturbation_sharpness_many(
        _mse(cfg),
        res.params,
        np.broadcast_to(Xm, (Y.shape[0], *Xm.shape)),
        Ym,
        sigmas,
        n_samples,
        seed=seed,
        exclude=exclude,
    )
    blow = layernorm_blowup(res.params, cfg, Xm)
    out = {
        "converged": ok,
        "final_loss": final,
        "sharpness": np.asarray(sharp.mean, dtype=np.float64),
        "sharpness_se": np.asarray(sharp.stderr, dtype=np.float64),
        "grad_sq": mean_squared_gradient(res.params, cfg, Xm, exclude),
        "param_norm": np.asarray(
            jax.vmap(lambda p: parameter_norm(p, exclude))(res.params), dtype=np.float64
        ),
        "blowup": blow["prod_max"],
        "blowup_max_mean": blow["max_mean"],
        "init_norm": _initial_norms(cfg, keys, exclude),
    }
    for k in _MEASURE_KEYS[2:-1]:  # measurements of models that did not fit are not compared
        out[k] = np.where(ok.reshape(-1, *[1] * (out[k].ndim - 1)), out[k], np.nan)
    one = jax.tree.map(lambda a: a[0], res.params)
    return out, n_parameters({k: v for k, v in one.items() if k not in exclude})


def sharpness_sweep(
    ns: Sequence[int],
    functions: Sequence[FunctionSpec],
    n_seeds: int,
    seed: int,
    size: ModelSize,
    train: TrainConfig,
    sigmas: Sequence[float],
    n_samples: int,
    loss_threshold: float,
    exclude: Sequence[str] = ("pos_emb",),
    n_measure: int = 1024,
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """Fit each function at each ``n`` with the squared error; measure the minima that fit.

    For every input length ``n`` one :func:`fit_and_measure` call trains ``n_seeds``
    transformers per function (functions not defined at ``n``, such as MAJORITY at even ``n``
    without ``ties="false"``, are skipped); ``train.loss`` must be ``"mse"``.

    The training set is the table of all ``2**n`` strings (for ``n`` above :data:`MAX_TABLE_N`
    a pool of that many uniform strings). With ``train.batch_size`` set, every step draws its
    minibatch uniformly with replacement from it: for a full table that is exactly the
    distribution of Hahn & Rofin's fresh uniform strings. A model *converged* if its squared error
    on the whole training set after training is below ``loss_threshold``: only those minima, all
    at (nearly) zero loss, are compared, as in Hahn & Rofin's analysis. Sharpness, gradients and
    blowup are measured on ``n_measure`` strings (all of them if ``2**n <= n_measure``; otherwise
    one fixed uniform sample per ``n``).

    Returns
    -------
    dict
        One entry per trained model (arrays of length ``N``): ``function`` (label), ``name``,
        ``n``, ``seed``, ``sensitivity`` (exact, of the target), ``converged``, ``final_loss``
        (on the training set), ``sharpness`` ``[N, n_sigmas]`` (``E L(θ+Δ) - L(θ)``) and
        ``sharpness_se``, ``grad_sq`` (``E_x ‖∇_θ f‖²``, the small-σ limit of
        ``sharpness / σ²``), ``param_norm``, ``blowup`` (product over LayerNorms of the largest
        ``1/std``), ``blowup_max_mean`` and ``init_norm`` (``param_norm`` at initialisation);
        plus ``sigmas``, ``loss_threshold``, ``n_samples``, ``n_parameters`` (perturbed
        parameters per model, by ``n``: ``[len(ns)]``).
        Measurements of models that did not converge are ``nan``.
    """
    if train.loss != "mse":
        raise ValueError(
            f"sharpness_sweep compares minima of the squared error; got loss={train.loss!r}"
        )
    rows: dict[str, list] = {k: [] for k in _SWEEP_KEYS}
    n_params: list[int] = []
    for n in progress_bar(list(ns), desc="sharpness sweep (n)", show=progress):
        specs = [s for s in functions if _valid(s, n)]
        if not specs:
            n_params.append(0)
            continue
        rng = np.random.default_rng([seed, 11, n])
        fns = [boolean.make_function(name, n, **kw) for name, kw in specs]
        X1 = _inputs(n, 2**MAX_TABLE_N, rng)
        Xm = X1 if len(X1) <= n_measure else _inputs(n, n_measure, rng)
        measured, p = fit_and_measure(
            X1,
            np.stack([f(X1.astype(np.uint8)) for f in fns]),
            Xm,
            np.stack([f(Xm.astype(np.uint8)) for f in fns]),
            n_seeds,
            _keys(seed, 1, n, len(specs) * n_seeds),
            size,
            train,
            sigmas,
            n_samples,
            loss_threshold,
            seed + 7919 * n,
            exclude,
        )
        n_params.append(p)
        for j, spec in enumerate(specs):
            exact = boolean.sensitivity_closed_form(spec[0], n, **spec[1])
            for s in range(n_seeds):
                i = j * n_seeds + s
                rows["function"].append(function_label(spec))
                rows["name"].append(spec[0])
                rows["n"].append(n)
                rows["seed"].append(s)
                rows["sensitivity"].append(exact)
                for k in _MEASURE_KEYS:
                    rows[k].append(measured[k][i])
    out = {k: np.asarray(v) for k, v in rows.items()}
    out["converged"] = out["converged"].astype(bool)
    out["sigmas"] = np.asarray(sigmas, dtype=np.float64)
    out["loss_threshold"] = np.float64(loss_threshold)
    out["n_samples"] = np.int64(n_samples)
    out["n_parameters"] = np.asarray(n_params, dtype=np.int64)
    return out


def tradeoff_sweep(
    ns: Sequence[int],
    functions: Sequence[FunctionSpec],
    n_seeds: int,
    seed: int,
    size: ModelSize,
    train: TrainConfig,
    learning_rates: Sequence[float],
    weight_decays: Sequence[float],
    sigmas: Sequence[float],
    n_samples: int,
    loss_threshold: float,
    exclude: Sequence[str] = ("pos_emb",),
    n_measure: int = 1024,
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """Hahn & Rofin's Figure 2 on a grid: :func:`sharpness_sweep` at every learning rate and
    weight decay, to trace the norm–blowup trade-off of the minima.

    ``train`` gives everything but the learning rate and the weight decay. Every cell of the grid
    uses the same seeds, hence the same initial parameters and the same minibatch draws: what
    differs between cells is the optimiser alone. (The authors draw the two at random per run,
    ``weight_norm_blowup_tradeoff_*.yaml``: weight decay uniform in [0, 0.4], learning rate in
    [1e-4, 5e-4].)

    Returns
    -------
    dict
        The per-model arrays of :func:`sharpness_sweep` concatenated over the grid, with
        ``learning_rate`` and ``weight_decay`` per model; ``sigmas``, ``loss_threshold`` and
        ``n_samples`` as there, and ``n_parameters`` (by ``n``).
    """
    grid = [(float(lr), float(wd)) for lr in learning_rates for wd in weight_decays]
    if not grid:
        raise ValueError("tradeoff_sweep needs at least one learning rate and one weight decay")
    parts = []
    for lr, wd in progress_bar(grid, desc="trade-off grid (lr, wd)", show=progress):
        cell = dataclasses.replace(train, learning_rate=lr, weight_decay=wd)
        part = sharpness_sweep(
            ns,
            functions,
            n_seeds,
            seed,
            size,
            cell,
            sigmas,
            n_samples,
            loss_threshold,
            exclude,
            n_measure,
            progress=False,
        )
        part["learning_rate"] = np.full(part["n"].shape, lr)
        part["weight_decay"] = np.full(part["n"].shape, wd)
        parts.append(part)
    per_model = [*_SWEEP_KEYS, "learning_rate", "weight_decay"]
    out = {k: np.concatenate([p[k] for p in parts]) for k in per_model}
    for k in ("sigmas", "loss_threshold", "n_samples", "n_parameters"):
        out[k] = parts[0][k]
    return out


def retrained_sharpness(
    gen: dict[str, Any],
    n_seeds: int,
    seed: int,
    size: ModelSize,
    train: TrainConfig,
    sigmas: Sequence[float],
    n_samples: int,
    loss_threshold: float,
) -> dict[str, np.ndarray]:
    """The second step of Hahn & Rofin's Figure 4: fresh transformers fitted to each learned
    extension of a random function, and to a random completion of the same training labels.

    ``gen`` is a :func:`generalisation_experiment` result; its learned extensions (of the random
    functions every training input of which the model fitted) and one random completion of each
    are fitted on all ``2**n`` strings by ``n_seeds`` models each, and their minima measured as in
    :func:`sharpness_sweep` (measurements on all strings).

    Returns
    -------
    dict
        Per model: ``kind`` (``"learned"`` or ``"random"``), ``target`` (the random function),
        ``seed``, ``sensitivity`` (of the table fitted), and the arrays of :func:`fit_and_measure`;
        plus ``sigmas``.
    """
    rnd = gen["random"]
    keep = np.flatnonzero(rnd["fitted"])
    n = int(gen["n"])
    X = boolean.all_inputs(n).astype(np.int32)
    tables = np.concatenate([rnd["learned_tables"][keep], rnd["completion_tables"][keep]])
    kinds = np.repeat(["learned", "random"], len(keep))
    measured, _ = fit_and_measure(
        X,
        tables,
        X,
        tables,
        n_seeds,
        _keys(seed, 4, n, len(tables) * n_seeds),
        size,
        train,
        sigmas,
        n_samples,
        loss_threshold,
        seed + 4243,
    )
    sens = np.array([boolean.average_sensitivity(t) for t in tables])
    return {
        "kind": np.repeat(kinds, n_seeds),
        "target": np.repeat(np.tile(rnd["target"][keep], 2), n_seeds),
        "seed": np.tile(np.arange(n_seeds), len(tables)),
        "sensitivity": np.repeat(sens, n_seeds),
        **measured,
        "sigmas": np.asarray(sigmas, dtype=np.float64),
    }


_SWEEP_KEYS = ("function", "name", "n", "seed", "sensitivity", *_MEASURE_KEYS)


# --------------------------------------------------------------------------------------------------
# Experiment 2: which function consistent with the training data is learned
# --------------------------------------------------------------------------------------------------


def random_completion_sensitivity(
    table: np.ndarray, known: np.ndarray, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Sensitivities of ``n_draws`` functions equal to ``table`` on ``known``, random elsewhere."""
    draws = np.where(known, table, rng.choice([-1.0, 1.0], size=(n_draws, table.size)))
    return np.array([boolean.average_sensitivity(d) for d in draws])


def generalisation_experiment(
    n: int,
    functions: Sequence[FunctionSpec],
    n_random: int,
    random_train_size: int,
    n_seeds: int,
    seed: int,
    size: ModelSize,
    train: TrainConfig,
    n_completions: int = 100,
) -> dict[str, dict[str, np.ndarray]]:
    """Which function does a transformer learn when the training data do not decide?

    Two designs share one :func:`~biasbook.nets.training.train_many` call (all models see all
    ``2**n`` inputs, a 0/1 mask marks their training inputs):

    * ``"pairs"`` (our design): each low-sensitivity ``g`` in ``functions`` is trained on the
      even-weight inputs. There PARITY is false (``-1``), so ``g`` and ``h = -g · PARITY`` agree
      on every training input and disagree on every held-out (odd-weight) input, while
      ``as(h) = n - as(g)``. Which one the model extends to the held-out inputs is its bias.
    * ``"random"`` (Hahn & Rofin's design): ``n_random`` uniformly random functions, each trained
      on ``random_train_size`` random inputs. The learned function is compared with random
      completions of the same training data (uniform values on the held-out inputs). Each random
      function is trained once (the functions themselves are the random population).

    Returns
    -------
    dict
        ``{"pairs": {...}, "random": {...}}``. ``pairs``: per model ``function``, ``seed``,
        ``fitted`` (all training inputs correct), ``agreement_low`` (held-out fraction agreeing
        with ``g``; with ``h`` it is one minus this), ``sensitivity_low``, ``sensitivity_high``,
        ``learned_sensitivity``, ``learned_weights`` / ``low_weights`` / ``high_weights``
        (Fourier weight by degree, ``[N, n+1]``). ``random``: per model ``target``, ``fitted``,
        ``learned_sensitivity``, ``target_sensitivity``, ``completion_sensitivity`` (mean over
        ``n_completions`` random completions), ``learned_weights``, ``target_weights``,
        ``learned_tables`` (the learned function on all inputs) and ``completion_tables`` (one
        random completion of each target's training labels, for :func:`retrained_sharpness`). Also
        ``n``, ``train_size``.
    """
    if not 0 < random_train_size < 2**n:
        raise ValueError(
            f"random_train_size must be in (0, 2**n = {2**n}), got {random_train_size}"
        )
    rng = np.random.default_rng(seed)
    X_all = boolean.all_inputs(n).astype(np.int32)
    even = X_all.sum(axis=1) % 2 == 0
    minus_parity = -boolean.parity(n).table()  # +1 on even-weight inputs
    low = np.stack([boolean.make_function(name, n, **kw).table() for name, kw in functions])
    high = low * minus_parity
    assert np.array_equal(low[:, even], high[:, even])  # the candidates agree on the training set
    rand = np.stack(
        [boolean.make_function("random", n, seed=seed + 1 + r).table() for r in range(n_random)]
    )
    rand_mask = np.zeros((n_random, 2**n), dtype=bool)
    for r in range(n_random):
        rand_mask[r, rng.choice(2**n, size=random_train_size, replace=False)] = True
    targets = np.concatenate([low, rand])
    masks = np.concatenate([np.broadcast_to(even, low.shape), rand_mask])
    # Each pair function is trained with n_seeds seeds; each random function (a population of
    # functions already) once.
    reps = np.r_[np.full(len(low), n_seeds), np.ones(n_random, dtype=int)]
    Y = np.repeat(targets, reps, axis=0)
    W = np.repeat(masks, reps, axis=0)
    N = Y.shape[0]
    cfg = size.config(max_len=n)
    res = train_many(
        functools.partial(init_transformer, cfg=cfg),
        _apply(cfg),
        np.broadcast_to(X_all, (N, *X_all.shape)),
        Y,
        _keys(seed, 2, n, N),
        train,
        weights=W.astype(np.float32),
        progress=False,
    )
    learned = np.where(_logits_many(res.params, cfg, X_all) >= 0, 1.0, -1.0)
    fitted = np.all((learned == Y) | ~W, axis=1)
    sens = np.array([boolean.average_sensitivity(t) for t in learned])
    weights = np.stack([boolean.fourier_weight_by_degree(t) for t in learned])
    k = len(functions) * n_seeds
    by_degree = lambda tables: np.repeat(  # noqa: E731
        np.stack([boolean.fourier_weight_by_degree(t) for t in tables]), n_seeds, axis=0
    )
    pairs = {
        "function": np.repeat([function_label(s) for s in functions], n_seeds),
        "seed": np.tile(np.arange(n_seeds), len(functions)),
        "fitted": fitted[:k],
        "agreement_low": np.mean(learned[:k][:, ~even] == Y[:k][:, ~even], axis=1),
        "sensitivity_low": np.repeat([boolean.average_sensitivity(t) for t in low], n_seeds),
        "sensitivity_high": np.repeat([boolean.average_sensitivity(t) for t in high], n_seeds),
        "learned_sensitivity": sens[:k],
        "learned_weights": weights[:k],
        "low_weights": by_degree(low),
        "high_weights": by_degree(high),
    }
    completions = [
        random_completion_sensitivity(t, m, n_completions, rng).mean()
        for t, m in zip(rand, rand_mask, strict=True)
    ]
    one_completion = np.where(rand_mask, rand, rng.choice([-1.0, 1.0], size=rand.shape))
    random = {
        "target": np.arange(n_random),
        "learned_tables": learned[k:],
        "completion_tables": one_completion,
        "fitted": fitted[k:],
        "learned_sensitivity": sens[k:],
        "target_sensitivity": np.array([boolean.average_sensitivity(t) for t in rand]),
        "completion_sensitivity": np.array(completions),
        "learned_weights": weights[k:],
        "target_weights": np.stack([boolean.fourier_weight_by_degree(t) for t in rand]),
    }
    return {
        "pairs": pairs,
        "random": random,
        "n": np.int64(n),
        "train_size": np.int64(random_train_size),
    }


# --------------------------------------------------------------------------------------------------
# Experiment 3: length generalisation
# --------------------------------------------------------------------------------------------------

#: Targets of variable-length strings, from the number of ones and the length.
LENGTH_TASKS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "parity": lambda ones, length: np.where(ones % 2 == 1, 1.0, -1.0),
    "majority": lambda ones, length: np.where(2 * ones > length, 1.0, -1.0),
}


def variable_length_strings(
    rng: np.random.Generator, m: int, lengths: Sequence[int], max_len: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random bit strings with a length drawn uniformly from ``lengths``, right-padded with PAD.

    Returns
    -------
    tuple
        ``tokens int32[m, max_len]``, ``length int[m]``, ``ones int[m]`` (number of ones).
    """
    length = rng.choice(np.asarray(lengths), size=m)
    bits = rng.integers(0, 2, size=(m, max_len))
    real = np.arange(max_len)[None, :] < length[:, None]
    tokens = np.where(real, bits, PAD).astype(np.int32)
    return tokens, length, (bits * real).sum(axis=1)


def length_generalisation(
    tasks: Sequence[str],
    n_train: int,
    n_test: int,
    m_train: int,
    m_test_per_length: int,
    n_seeds: int,
    seed: int,
    size: ModelSize,
    train: TrainConfig,
    positional: str = "none",
) -> dict[str, np.ndarray]:
    """Train on odd lengths ``1..n_train``, test on every odd length up to ``n_test``.

    Only odd lengths are used so that MAJORITY has no ties. Strings are right-padded with the
    token :data:`PAD` to the model's context ``n_test``; with ``positional="none"`` the model sees
    only how many 0, 1 and PAD tokens there are, so PARITY and MAJORITY, both functions of the
    number of ones, are equally expressible at every length.

    Returns
    -------
    dict
        ``task`` and ``seed`` per model, ``lengths`` (tested), ``accuracy`` ``[N, n_lengths]``,
        ``train_acc`` ``[N]``, ``n_train``.
    """
    for t in tasks:
        if t not in LENGTH_TASKS:
            raise ValueError(f"unknown task {t!r}; valid: {', '.join(LENGTH_TASKS)}")
    if not 1 <= n_train < n_test:
        raise ValueError(f"need 1 <= n_train < n_test, got {n_train}, {n_test}")
    rng = np.random.default_rng(seed)
    train_lengths = np.arange(1, n_train + 1, 2)
    test_lengths = np.arange(1, n_test + 1, 2)
    X, length, ones = variable_length_strings(rng, m_train, train_lengths, n_test)
    Xt, lt, ot = variable_length_strings(
        rng, m_test_per_length * len(test_lengths), test_lengths, n_test
    )
    Y = np.repeat(np.stack([LENGTH_TASKS[t](ones, length) for t in tasks]), n_seeds, axis=0)
    Yt = np.repeat(np.stack([LENGTH_TASKS[t](ot, lt) for t in tasks]), n_seeds, axis=0)
    N = Y.shape[0]
    cfg = size.config(max_len=n_test, vocab_size=3, positional=positional)
    res = train_many(
        functools.partial(init_transformer, cfg=cfg),
        _apply(cfg),
        np.broadcast_to(X, (N, *X.shape)),
        Y,
        _keys(seed, 3, n_test, N),
        train,
        progress=False,
    )
    correct = (_logits_many(res.params, cfg, Xt) > 0) == (Yt > 0)
    acc = np.stack([correct[:, lt == ell].mean(axis=1) for ell in test_lengths], axis=1)
    return {
        "task": np.repeat(list(tasks), n_seeds),
        "seed": np.tile(np.arange(n_seeds), len(tasks)),
        "lengths": test_lengths,
        "accuracy": acc,
        "train_acc": res.train_acc[:, -1].astype(np.float64),
        "n_train": np.int64(n_train),
    }


# --------------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Exact identities (the chapter's section 1)
# --------------------------------------------------------------------------------------------------

#: name -> (keyword arguments, closed form of as(f) as a function of n, smallest n).
CLOSED_FORMS: dict[str, tuple[dict[str, Any], Callable[[int], float], int]] = {
    "parity": ({}, lambda n: float(n), 1),
    "majority": ({}, lambda n: boolean.sensitivity_closed_form("majority", n), 1),
    "first": ({}, lambda n: 1.0, 1),
    "sparse_parity": ({"k": 3}, lambda n: 3.0, 3),
}


def identity_errors(n_max: int, seed: int, n_random: int = 20) -> dict[str, float]:
    """Largest errors of the exact sensitivity identities, and of deliberately wrong versions.

    Enumerates as(f) for the functions of :data:`CLOSED_FORMS` (odd n for MAJORITY) up to
    ``n_max`` bits and for ``n_random`` random functions of 10 bits.

    Returns
    -------
    dict
        ``closed``: the largest ``|enumeration − closed form|``; ``fourier``: the largest
        ``|Σ_S |S| f̂(S)² − enumeration|`` and Parseval's ``|Σ_d W^d − 1|``; and two negative
        controls, the same errors against forms that are wrong: ``closed_wrong`` (each closed
        form times ``1 + 1/n``) and ``fourier_wrong`` (degrees weighted by ``|S|²``, not ``|S|``).
    """
    closed = closed_wrong = fourier = fourier_wrong = 0.0
    tables = []
    for name, (kw, form, n_min) in CLOSED_FORMS.items():
        for n in range(n_min, n_max + 1):
            if name == "majority" and n % 2 == 0:
                continue
            f = boolean.make_function(name, n, **kw)
            s = boolean.average_sensitivity(f)
            closed = max(closed, abs(s - form(n)))
            closed_wrong = max(closed_wrong, abs(s - form(n) * (1 + 1 / n)))
            tables.append((f, s))
    rng = np.random.default_rng(seed)
    for _ in range(n_random):  # random functions: no closed form, but both routes must agree
        t = rng.choice([-1.0, 1.0], size=2**10)
        tables.append((t, boolean.average_sensitivity(t)))
    for f, s in tables:
        w = boolean.fourier_weight_by_degree(f)
        d = np.arange(len(w))
        fourier = max(fourier, abs(boolean.sensitivity_from_fourier(f) - s), abs(w.sum() - 1))
        fourier_wrong = max(fourier_wrong, abs(float(d**2 @ w) - s))
    return {
        "closed": closed,
        "closed_wrong": closed_wrong,
        "fourier": fourier,
        "fourier_wrong": fourier_wrong,
    }
