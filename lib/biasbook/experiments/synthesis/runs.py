"""Glue of the synthesis chapter: three views of one inductive bias on the same Boolean tasks.

Every view looks at the same targets ``f: {0,1}^n -> {±1}`` under the uniform input distribution,
with the bit string ``x`` read as a length-``n`` token sequence over ``V = 2`` tokens:

1. **Fourier / sensitivity** (Hahn & Rofin 2024; O'Donnell 2014): degree, average sensitivity and
   Fourier weight by degree, from :mod:`biasbook.maths.boolean`.
2. **The GP kernel** (Lavie, Gur-Ari & Ringel 2024): the attention NNGP kernel of
   :mod:`biasbook.maths.kernels` on all ``2^n`` sequences, its eigen-decomposition labelled by
   irreps of ``S_n`` (:mod:`biasbook.maths.spectra`), each target's power by level and by irrep,
   eigenlearning predictions (:mod:`biasbook.maths.learning_curves`), the irrep-dimension bound,
   and kernel regression (the GP posterior mean) used as a classifier.
3. **Trained transformers** (Edelman et al. 2022; Hahn & Rofin 2024): held-out accuracy of small
   transformers trained with :func:`biasbook.nets.training.train_many` on ``m`` examples.

Views 2 and 3 are scored on the *same* training sets (drawn without replacement from the cube,
tested on the held-out rest), so that their sample complexities can be compared task by task.
The orderings the views predict are compared by :func:`pairwise_agreement`.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from biasbook.maths import boolean, thresholds
from biasbook.maths import kernels as kn
from biasbook.maths import learning_curves as lc
from biasbook.maths import sequences as sq
from biasbook.maths import spectra as sp
from biasbook.maths import symmetric_group as sg
from biasbook.nets.models import TransformerConfig, apply_transformer, init_transformer
from biasbook.nets.readouts import apply_cls_one_layer
from biasbook.nets.training import TrainConfig, train_many

#: Largest input length the synthesis enumerates (the dense kernel spectrum is ``2^n x 2^n``).
MAX_N = 12


# --------------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A Boolean target: a :func:`biasbook.maths.boolean.make_function` name + kwargs.

    Attributes
    ----------
    key
        Short identifier used in tables and caches (e.g. ``"sparse_and"``).
    label
        Name shown to readers (e.g. ``"sparse AND (k=3)"``).
    name, kwargs
        Arguments of :func:`biasbook.maths.boolean.make_function`.
    """

    key: str
    label: str
    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def function(self, n: int) -> boolean.BooleanFunction:
        """The target as a function of ``n`` bits."""
        return boolean.make_function(self.name, n, **self.kwargs)


def default_tasks(k: int = 3, sparse_parity: bool = True) -> list[Task]:
    """PARITY, sparse AND of ``k`` bits, MAJORITY, FIRST and (optionally) ``k``-sparse parity.

    The sparse functions read the first ``k`` positions (any ``k`` positions give the same numbers
    in every view: all three are invariant under relabelling positions).
    """
    if k < 1:
        raise ValueError(f"k (the sparsity) must be >= 1, got {k}")
    tasks = [
        Task("parity", "PARITY", "parity"),
        Task("sparse_and", f"sparse AND (k={k})", "sparse_and", {"k": k}),
        Task("majority", "MAJORITY", "majority"),
        Task("first", "FIRST", "first"),
    ]
    if sparse_parity:
        tasks.append(Task("sparse_parity", f"sparse parity (k={k})", "sparse_parity", {"k": k}))
    return tasks


def check_n(n: int, tasks: Sequence[Task]) -> None:
    """Raise ``ValueError`` unless every task is defined at ``n`` and ``n`` can be enumerated."""
    if not isinstance(n, (int, np.integer)) or not 3 <= n <= MAX_N:
        raise ValueError(
            f"n must be an integer in [3, {MAX_N}] (the GP view diagonalises a 2^n x 2^n kernel), "
            f"got {n!r}"
        )
    for task in tasks:
        task.function(int(n))  # raises a ValueError naming the problem (e.g. even n for MAJORITY)


def task_tables(tasks: Sequence[Task], n: int) -> np.ndarray:
    """Targets on all ``2^n`` sequences, in the order of
    :func:`biasbook.maths.sequences.enumerate_sequences`.

    Returns ``float64[len(tasks), 2^n]`` with values ±1. (The sequence order is lexicographic,
    ``t_0`` most significant; truth tables of :mod:`biasbook.maths.boolean` use the opposite order,
    so we evaluate the functions on the enumerated sequences directly.)
    """
    check_n(n, tasks)
    T = sq.enumerate_sequences(2, n).astype(np.uint8)
    return np.stack([task.function(n)(T) for task in tasks])


def constant_accuracy(tables: np.ndarray) -> np.ndarray:
    """Accuracy of the best constant prediction of each target, ``max(P(f=1), P(f=-1))``."""
    p = np.mean(np.asarray(tables) > 0, axis=-1)
    return np.maximum(p, 1.0 - p)


def relative_error(accuracy: np.ndarray, const_accuracy: np.ndarray) -> np.ndarray:
    """Classification error relative to the best constant's: ``(1 - acc) / (1 - acc_const)``.

    0 is perfect, 1 is no better than always answering the majority label; this puts balanced
    targets (PARITY) and unbalanced ones (sparse AND) on one scale. ``const_accuracy`` broadcasts
    against the leading (task) axis of ``accuracy``.
    """
    acc = np.asarray(accuracy, dtype=float)
    c = np.asarray(const_accuracy, dtype=float).reshape((-1,) + (1,) * (acc.ndim - 1))
    if np.any(c >= 1.0):
        raise ValueError("a constant target has no relative error (its constant error is 0)")
    return (1.0 - acc) / (1.0 - c)


# --------------------------------------------------------------------------------------------------
# View 1: Fourier degree and sensitivity
# --------------------------------------------------------------------------------------------------


def boolean_view(tasks: Sequence[Task], n: int) -> dict[str, np.ndarray]:
    """Degree, average sensitivity (enumerated and closed form) and Fourier weight by degree.

    Returns
    -------
    dict
        ``degree[T]``, ``sensitivity[T]`` (enumeration), ``sensitivity_closed_form[T]``,
        ``weight_by_degree[T, n+1]``.
    """
    check_n(n, tasks)
    fs = [task.function(n) for task in tasks]
    return {
        "degree": np.array([boolean.degree(f) for f in fs]),
        "sensitivity": np.array([boolean.average_sensitivity(f) for f in fs]),
        "sensitivity_closed_form": np.array(
            [boolean.sensitivity_closed_form(t.name, n, **t.kwargs) for t in tasks]
        ),
        "weight_by_degree": np.stack([boolean.fourier_weight_by_degree(f) for f in fs]),
    }


# --------------------------------------------------------------------------------------------------
# View 2: the GP kernel
# --------------------------------------------------------------------------------------------------


def nngp_kernel_matrix(n: int, beta: float = 1.0, nonlinearity: str = "relu") -> np.ndarray:
    """The attention NNGP kernel on all ``2^n`` binary sequences (:mod:`biasbook.maths.kernels`)."""
    T = sq.enumerate_sequences(2, n)
    return kn.onehot_attention_nngp(T, T, 2, beta, nonlinearity)  # type: ignore[arg-type]


def irrep_bound(level_weights: np.ndarray, multiplicities: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Largest learnability the conservation law allows: ``sum_l w_l min(1, m / mult_l) / sum w``.

    Every partner of an eigen-level of multiplicity ``f`` (an irrep's dimension) has the same
    learnability ``L`` and the learnabilities sum to at most ``m``, so ``L <= m / f``.

    Parameters
    ----------
    level_weights
        ``[..., levels]`` power of a target on each level.
    multiplicities
        ``[levels]``.
    m
        Training-set sizes; returns ``[..., len(m)]``.
    """
    w = np.asarray(level_weights, dtype=float)
    cap = np.minimum(1.0, np.asarray(m, float)[:, None] / np.asarray(multiplicities, float)[None])
    return np.einsum("...l,ml->...m", w, cap) / w.sum(axis=-1, keepdims=True)


def gp_view(
    tables: np.ndarray,
    n: int,
    m_curve: Sequence[float],
    ridge: float,
    beta: float = 1.0,
    nonlinearity: str = "relu",
) -> dict[str, Any]:
    """Spectrum of the attention NNGP kernel on ``{0,1}^n`` and each target's place in it.

    Parameters
    ----------
    tables
        ``[T, 2^n]`` targets (:func:`task_tables`).
    m_curve
        Training-set sizes at which eigenlearning is evaluated.
    ridge
        Ridge (GP noise variance) of eigenlearning.
    beta, nonlinearity
        The kernel (:func:`biasbook.maths.kernels.onehot_attention_nngp`).

    Returns
    -------
    dict
        ``eigenvalues``, ``multiplicities``, ``irreps`` and ``depth`` (boxes below the first row)
        of the levels; ``level_weights[T, levels]``; ``irrep_weights[T, depths]`` (fraction of the
        target's power at each depth ``0..n//2``); ``mean_eigenvalue[T]`` (power-weighted mean
        eigenvalue of the target); ``null_weight[T]``; ``m``; eigenlearning ``learnability[T, M]``
        and ``test_mse[T, M]``; ``bound[T, M]`` (:func:`irrep_bound`); ``variance[T]``.
    """
    tables = np.asarray(tables, dtype=float)
    N = 2**n
    if tables.ndim != 2 or tables.shape[1] != N:
        raise ValueError(f"tables must be [T, 2^n = {N}], got {tables.shape}")
    if ridge <= 0:
        raise ValueError(f"ridge must be > 0, got {ridge}")
    mu = np.full(N, 1.0 / N)
    spec = sp.dense_spectrum(nngp_kernel_matrix(n, beta, nonlinearity), mu, 2, n)
    W = np.stack([sp.dense_target_weights(spec, g, mu, 2, n) for g in tables])
    depth = np.array([sg.boxes_below_first_row(lam) for lam in spec.irreps])
    by_depth = np.stack([W[:, depth == d].sum(axis=1) for d in range(n // 2 + 1)], axis=1)
    m = np.asarray(m_curve, dtype=float)
    pred = [lc.eigenlearning(spec.eigenvalues, w, m, ridge, spec.multiplicities) for w in W]
    total = W.sum(axis=1)
    return {
        "eigenvalues": spec.eigenvalues,
        "multiplicities": spec.multiplicities,
        "irreps": spec.irreps,
        "depth": depth,
        "trace": spec.trace,
        "level_weights": W,
        "irrep_weights": by_depth / total[:, None],
        "mean_eigenvalue": W @ spec.eigenvalues / total,
        "null_weight": W[:, spec.eigenvalues == 0].sum(axis=1) / total,
        "m": m,
        "kappa": pred[0].kappa,
        "learnability": np.stack([p.learnability for p in pred]),
        "test_mse": np.stack([p.test_mse for p in pred]),
        "bound": irrep_bound(W, spec.multiplicities, m),
        "variance": tables.var(axis=1),
    }


def first_crossing(x: np.ndarray, y: np.ndarray, level: float, above: bool = True) -> float:
    """Smallest ``x`` where the curve ``y(x)`` reaches ``level`` (linear interpolation in log x).

    ``above=True`` looks for ``y >= level`` (learnability), ``False`` for ``y <= level`` (error).
    Returns ``inf`` if the curve never reaches it and ``x[0]`` if it starts there.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = y >= level if above else y <= level
    if not ok.any():
        return math.inf
    i = int(np.argmax(ok))
    if i == 0:
        return float(x[0])
    x0, x1, y0, y1 = np.log(x[i - 1]), np.log(x[i]), y[i - 1], y[i]
    frac = (level - y0) / (y1 - y0) if y1 != y0 else 1.0
    return float(np.exp(x0 + frac * (x1 - x0)))


@dataclass(frozen=True)
class SampleComplexity:
    """Sample complexities ``m*`` of several tasks, with bootstrap intervals over seeds.

    Attributes
    ----------
    m_star
        ``[T]`` threshold (``inf``: not reached on the grid; the smallest grid size if reached
        there already, see ``censored``).
    censored
        ``"none"``, ``"below"`` (``m* <= m_star``) or ``"above"`` (``m* >`` largest size).
    low, high
        ``[T]`` bootstrap interval (resampling seeds).
    target_accuracy
        ``[T]`` held-out accuracy a seed must reach: relative error ``<= eps``.
    """

    m_star: np.ndarray
    censored: list[str]
    low: np.ndarray
    high: np.ndarray
    target_accuracy: np.ndarray


def sample_complexities(
    accuracy: np.ndarray,
    m_grid: Sequence[int],
    const_accuracy: np.ndarray,
    eps: float,
    level: float = 0.5,
    n_boot: int = 2000,
    seed: int = 0,
) -> SampleComplexity:
    """Smallest ``m`` at which a share ``level`` of seeds reach relative error ``<= eps``.

    The threshold search and its bootstrap are :func:`biasbook.maths.thresholds.grid_threshold`
    and :func:`~biasbook.maths.thresholds.bootstrap_threshold`; the success criterion is
    accuracy ``>= 1 - eps (1 - acc_const)`` (:func:`relative_error` ``<= eps``).

    Parameters
    ----------
    accuracy
        ``[T, M, S]`` held-out accuracies.
    """
    acc = np.asarray(accuracy, dtype=float)
    if acc.ndim != 3 or acc.shape[1] != len(m_grid):
        raise ValueError(f"accuracy must be [T, len(m_grid)={len(m_grid)}, seeds], got {acc.shape}")
    if not 0 < eps < 1:
        raise ValueError(f"eps (the relative error to reach) must lie in (0, 1), got {eps}")
    target = 1.0 - eps * (1.0 - np.asarray(const_accuracy, dtype=float))
    m_star, cens, low, high = [], [], [], []
    for t in range(acc.shape[0]):
        per_seed = acc[t].T  # [S, M], the layout of biasbook.maths.thresholds
        th = thresholds.grid_threshold(
            m_grid, thresholds.success_fraction(per_seed, target[t]), level
        )
        lo, hi = thresholds.bootstrap_threshold(
            m_grid, per_seed, target[t], level, n_boot, seed=seed
        )
        m_star.append(th.value)
        cens.append(th.censored)
        low.append(lo)
        high.append(hi)
    return SampleComplexity(np.array(m_star), cens, np.array(low), np.array(high), target)


def curve_threshold(m: np.ndarray, values: np.ndarray, level: float) -> np.ndarray:
    """First ``m`` where each row of ``values[T, M]`` reaches ``level`` (:func:`first_crossing`)."""
    return np.array([first_crossing(m, v, level, above=True) for v in np.asarray(values)])


# --------------------------------------------------------------------------------------------------
# Shared training sets, GP classifier and transformers
# --------------------------------------------------------------------------------------------------


def training_sets(N: int, m: int, n_seeds: int, seed: int) -> np.ndarray:
    """``int[n_seeds, m]`` training inputs, drawn without replacement from ``0..N-1``.

    Deterministic in ``(seed, m, repetition)``; the kernel classifier and the transformers use the
    same sets, so their accuracies are paired.
    """
    if not 0 < m < N:
        raise ValueError(f"m must be in [1, {N - 1}] so that held-out inputs remain, got {m}")
    if n_seeds < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
    return np.stack(
        [np.random.default_rng([seed, m, s]).permutation(N)[:m] for s in range(n_seeds)]
    )


def held_out_mask(idx: np.ndarray, N: int) -> np.ndarray:
    """``bool[n_sets, N]``: true on the inputs outside each training set ``idx[n_sets, m]``."""
    mask = np.ones((idx.shape[0], N), dtype=bool)
    np.put_along_axis(mask, idx, False, axis=1)
    return mask


def krr_held_out_accuracy(
    K: np.ndarray,
    tables: np.ndarray,
    m_grid: Sequence[int],
    n_seeds: int,
    ridge: float,
    seed: int,
) -> np.ndarray:
    """Held-out accuracy of ``sign`` of kernel regression (the GP posterior mean) on ±1 labels.

    Returns ``float[T, len(m_grid), n_seeds]``; every task is fitted on the same training sets
    (:func:`training_sets`).
    """
    tables = np.asarray(tables, dtype=float)
    N = K.shape[0]
    out = np.zeros((tables.shape[0], len(m_grid), n_seeds))
    for c, m in enumerate(m_grid):
        idx = training_sets(N, int(m), n_seeds, seed)
        Kdd = K[idx[:, :, None], idx[:, None, :]] + ridge * np.eye(int(m))  # [S, m, m]
        Y = np.moveaxis(tables[:, idx], 0, -1)  # [S, m, T]: all tasks share one solve per set
        alpha = np.linalg.solve(Kdd, Y)
        f_hat = np.einsum("snm,smt->tsn", K[idx].transpose(0, 2, 1), alpha)  # [T, S, N]
        held = held_out_mask(idx, N)
        right = (np.where(f_hat >= 0, 1.0, -1.0) == tables[:, None, :]) & held[None]
        out[:, c] = right.sum(axis=-1) / held.sum(axis=-1)[None]
    return out


def _logit(params: Any, x: jax.Array, cfg: TransformerConfig) -> jax.Array:
    return apply_transformer(params, x, cfg)[:, 0]


def _logit_fast(params: Any, x: jax.Array, cfg: TransformerConfig) -> jax.Array:
    # Exact fast forward of a one-layer [CLS]-readout transformer (equal to _logit to rounding).
    return apply_cls_one_layer(params, x, cfg)[:, 0]


def transformer_held_out_accuracy(
    tables: np.ndarray,
    n: int,
    m_grid: Sequence[int],
    n_seeds: int,
    model: TransformerConfig,
    train: TrainConfig,
    seed: int,
    progress: Callable[[Any], Any] | None = None,
) -> dict[str, np.ndarray]:
    """Train transformers on ``m`` examples of each target and score them on the held-out inputs.

    One :func:`~biasbook.nets.training.train_many` call per (task, training-set size) trains the
    ``n_seeds`` repetitions together; calls of the same size share one compiled computation, and
    with ``train.stop_train_acc`` set a call ends as soon as all its models fit their training
    sets, so easy tasks cost few steps. Tasks share the training inputs of a repetition
    (:func:`training_sets`), and each model's initialisation key depends on
    ``(seed, m, task, repetition)``.

    Returns
    -------
    dict
        ``accuracy[T, M, S]`` (held-out), ``train_accuracy[T, M, S]`` (final, on the training
        set), ``steps_run[T, M, S]``, ``m``.
    """
    tables = np.asarray(tables, dtype=float)
    N = 2**n
    if tables.ndim != 2 or tables.shape[1] != N:
        raise ValueError(f"tables must be [T, 2^n = {N}], got {tables.shape}")
    if model.max_len < n or model.vocab_size != 2 or model.n_outputs != 1:
        raise ValueError("the model must read binary tokens (vocab_size=2), max_len >= n, 1 output")
    if train.loss != "logistic":
        raise ValueError("train with loss='logistic' (±1 targets, one logit)")
    X_all = sq.enumerate_sequences(2, n)
    fast = model.n_layers == 1 and model.readout == "cls"
    apply = functools.partial(_logit_fast if fast else _logit, cfg=model)
    init = functools.partial(init_transformer, cfg=model)
    evaluate = jax.jit(jax.vmap(apply, in_axes=(0, None)))
    T = tables.shape[0]
    acc = np.zeros((T, len(m_grid), n_seeds))
    train_acc = np.zeros_like(acc)
    steps_run = np.zeros(acc.shape, dtype=np.int64)
    base = jax.random.key(seed)
    jobs = [(c, int(m), t) for c, m in enumerate(m_grid) for t in range(T)]
    for c, m, t in progress(jobs) if progress else jobs:
        idx = training_sets(N, m, n_seeds, seed)  # [S, m]
        held = held_out_mask(idx, N)
        key = jax.random.fold_in(jax.random.fold_in(base, m), t)
        keys = jax.vmap(lambda i, key=key: jax.random.fold_in(key, i))(jnp.arange(n_seeds))
        res = train_many(init, apply, X_all[idx], tables[t][idx], keys, train, progress=False)
        logits = np.asarray(evaluate(res.params, jnp.asarray(X_all)))  # [S, N]
        right = np.where(logits >= 0, 1.0, -1.0) == tables[t][None]
        acc[t, c] = (right & held).sum(axis=1) / held.sum(axis=1)
        train_acc[t, c] = res.train_acc[:, -1]
        steps_run[t, c] = res.steps_run
    return {
        "accuracy": acc,
        "train_accuracy": train_acc,
        "steps_run": steps_run,
        "m": np.asarray(m_grid),
    }


# --------------------------------------------------------------------------------------------------
# Comparing orderings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairwiseAgreement:
    """Which task pairs a predictor separates, and whether an outcome orders them the same way.

    Attributes
    ----------
    pairs
        ``(i, j)`` with finite ``predictor[i]`` and ``predictor[j] >= min_ratio * predictor[i]``
        (``j`` predicted harder; two infinite predictions are not separated).
    concordant
        ``outcome[j] > outcome[i]`` for each pair (ties, e.g. two censored outcomes, count as not
        concordant).
    """

    pairs: list[tuple[int, int]]
    concordant: list[bool]

    @property
    def all_concordant(self) -> bool:
        """Whether every separated pair is ordered the same way (false if no pair is separated)."""
        return bool(self.pairs) and all(self.concordant)

    @property
    def fraction(self) -> float:
        """Share of separated pairs that are concordant (``nan`` without pairs)."""
        return float(np.mean(self.concordant)) if self.pairs else math.nan


def pairwise_agreement(
    predictor: Sequence[float], outcome: Sequence[float], min_ratio: float = 2.0
) -> PairwiseAgreement:
    """Compare two hardness scores on the pairs the predictor separates by ``min_ratio``.

    Both scores are "larger = harder" and positive (``inf`` marks a censored outcome, e.g. a
    threshold not reached within the largest training set). Only pairs whose predicted hardness
    differs by at least ``min_ratio`` are tested: a coarse predictor is not expected to order
    tasks it rates nearly alike.
    """
    p = np.asarray(predictor, dtype=float)
    o = np.asarray(outcome, dtype=float)
    if p.shape != o.shape or p.ndim != 1:
        raise ValueError("predictor and outcome must be 1-d arrays of equal length")
    if np.any(p <= 0) or np.any(o <= 0):
        raise ValueError("hardness scores must be positive (use inf for censored values)")
    if min_ratio < 1:
        raise ValueError(f"min_ratio must be >= 1, got {min_ratio}")
    pairs, conc = [], []
    for i, j in itertools.permutations(range(len(p)), 2):
        if np.isfinite(p[i]) and p[j] >= min_ratio * p[i]:
            pairs.append((i, j))
            conc.append(bool(o[j] > o[i]))
    return PairwiseAgreement(pairs, conc)
