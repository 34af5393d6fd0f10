"""Sparse Boolean targets on bit sequences: the learning problems of the variable-creation chapter.

An *s-sparse* target on length-``T`` bit sequences is ``y = g(x[i_1], ..., x[i_s])``: a Boolean
function ``g`` of ``s`` bits applied to a hidden set of positions (the *support*). This module
names the ``g`` we use (AND, MAJORITY, PARITY), draws supports and input distributions from
explicit seeds, and samples labelled data sets for :mod:`biasbook.nets.training`.

Input distribution (our choice; Edelman et al. 2022 leave it open): bits are i.i.d.
``Bernoulli(p)``. For PARITY and MAJORITY (odd ``s``) ``p = 1/2`` already balances the labels.
For AND with uniform bits only a fraction ``2**-s`` of the labels would be 1, so a constant
predictor would score ``1 - 2**-s``; we therefore use ``p = 2**(-1/s)``, for which
``P(AND = 1) = p**s = 1/2`` exactly, and every target's constant baseline is 50 % accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Names of the sparse targets, in the order the chapter uses them.
TARGET_NAMES: tuple[str, ...] = ("and", "majority", "parity")

#: Largest ``T`` for which :func:`all_inputs` enumerates ``2**T`` sequences.
MAX_ENUMERATE_T = 22


def _g_and(bits: np.ndarray) -> np.ndarray:
    return np.all(bits == 1, axis=-1).astype(np.int8)


def _g_majority(bits: np.ndarray) -> np.ndarray:
    return (2 * np.sum(bits, axis=-1) > bits.shape[-1]).astype(np.int8)


def _g_parity(bits: np.ndarray) -> np.ndarray:
    return (np.sum(bits, axis=-1) % 2).astype(np.int8)


_TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "and": _g_and,
    "majority": _g_majority,
    "parity": _g_parity,
}


def check_target_name(name: str) -> str:
    """Return ``name`` lower-cased if it names a target, else raise ``ValueError`` listing them."""
    key = str(name).lower()
    if key not in _TARGETS:
        raise ValueError(f"unknown target {name!r}; choose one of {', '.join(TARGET_NAMES)}")
    return key


def check_sizes(T: int, s: int) -> None:
    """Raise ``ValueError`` unless ``1 <= s <= T`` (an s-sparse function needs s positions)."""
    if int(T) != T or int(s) != s:
        raise ValueError(f"T and s must be integers, got T={T!r}, s={s!r}")
    if T < 1:
        raise ValueError(f"sequence length T must be >= 1, got T={T}")
    if s < 1:
        raise ValueError(f"sparsity s must be >= 1, got s={s}")
    if s > T:
        raise ValueError(
            f"s={s} relevant bits cannot fit in a sequence of length T={T}; choose s <= T"
        )


def target_function(name: str, s: int) -> Callable[[np.ndarray], np.ndarray]:
    """Return the Boolean function ``g: {0,1}^s -> {0,1}`` called ``name``.

    Parameters
    ----------
    name
        ``"and"``, ``"majority"`` or ``"parity"``.
    s
        Number of input bits (``majority`` needs odd ``s`` so that there are no ties).

    Returns
    -------
    callable
        Maps an integer array ``[..., s]`` of bits to ``int8[...]`` values in ``{0, 1}``.
    """
    key = check_target_name(name)
    if s < 1:
        raise ValueError(f"sparsity s must be >= 1, got s={s}")
    if key == "majority" and s % 2 == 0:
        raise ValueError(f"majority of an even number of bits (s={s}) has ties; use an odd s")
    g = _TARGETS[key]

    def fn(bits: np.ndarray) -> np.ndarray:
        bits = np.asarray(bits)
        if bits.shape[-1] != s:
            raise ValueError(f"expected {s} bits in the last axis, got shape {bits.shape}")
        return g(bits)

    return fn


def truth_table(name: str, s: int) -> np.ndarray:
    """Values of target ``name`` on all ``2**s`` patterns (bit ``j`` of pattern ``k`` is
    ``(k >> j) & 1``), ``int8[2**s]``."""
    return target_function(name, s)(all_inputs(s))


def balanced_bit_probability(name: str, s: int) -> float:
    """The probability ``p`` for which ``name`` of ``s`` i.i.d. Bernoulli(p) bits is balanced.

    ``2**(-1/s)`` for AND (so ``P(AND = 1) = 1/2``); ``1/2`` for PARITY and MAJORITY (odd ``s``).
    """
    key = check_target_name(name)
    target_function(key, s)  # validates s
    return float(2.0 ** (-1.0 / s)) if key == "and" else 0.5


@dataclass(frozen=True)
class SparseTask:
    """An s-sparse target on length-``T`` bit sequences with its input distribution.

    Attributes
    ----------
    name
        Target name (see :data:`TARGET_NAMES`).
    T, s
        Sequence length and number of relevant bits.
    support
        The ``s`` relevant positions (0-based, increasing).
    p_one
        Probability that an input bit is 1.
    """

    name: str
    T: int
    s: int
    support: tuple[int, ...]
    p_one: float

    def __post_init__(self) -> None:
        check_target_name(self.name)
        check_sizes(self.T, self.s)
        if len(self.support) != self.s or len(set(self.support)) != self.s:
            raise ValueError(f"support must hold {self.s} distinct positions, got {self.support}")
        if min(self.support) < 0 or max(self.support) >= self.T:
            raise ValueError(f"support positions must lie in [0, {self.T}), got {self.support}")
        if not 0.0 < self.p_one < 1.0:
            raise ValueError(f"p_one must lie in (0, 1), got {self.p_one}")

    def labels(self, X: np.ndarray) -> np.ndarray:
        """Target values in ``{0, 1}`` (``int8[n]``) of input sequences ``X[n, T]``."""
        X = np.asarray(X)
        if X.shape[-1] != self.T:
            raise ValueError(f"inputs must have length T={self.T}, got shape {X.shape}")
        return target_function(self.name, self.s)(X[..., list(self.support)])


def make_task(name: str, T: int, s: int, seed: int = 0, balanced: bool = True) -> SparseTask:
    """Draw the support of an s-sparse task uniformly from the ``T`` positions.

    Parameters
    ----------
    name
        ``"and"``, ``"majority"`` or ``"parity"``.
    T, s
        Sequence length and number of relevant bits, ``1 <= s <= T``.
    seed
        Seeds the support.
    balanced
        Use :func:`balanced_bit_probability` (default) instead of uniform bits.
    """
    key = check_target_name(name)
    check_sizes(T, s)
    p = balanced_bit_probability(key, s) if balanced else 0.5
    rng = np.random.default_rng([seed, T, s, 0x5A])
    support = tuple(int(i) for i in np.sort(rng.choice(T, size=s, replace=False)))
    return SparseTask(name=key, T=int(T), s=int(s), support=support, p_one=p)


def sample_inputs(task: SparseTask, n: int, seed: int) -> np.ndarray:
    """``n`` i.i.d. input sequences, ``int32[n, T]`` with bits ``Bernoulli(task.p_one)``."""
    if n < 0:
        raise ValueError(f"number of samples must be >= 0, got {n}")
    rng = np.random.default_rng([seed, task.T, task.s, 0xB17])
    return (rng.random((n, task.T)) < task.p_one).astype(np.int32)


def sample_dataset(task: SparseTask, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` labelled samples: inputs ``int32[n, T]`` and labels ``float32[n]`` in ``{-1, +1}``."""
    X = sample_inputs(task, n, seed)
    y = 2.0 * task.labels(X).astype(np.float32) - 1.0
    return X, y.astype(np.float32)


def all_inputs(T: int) -> np.ndarray:
    """All ``2**T`` bit sequences, ``int8[2**T, T]``; row ``k`` has bit ``j`` = ``(k >> j) & 1``."""
    if T < 0 or T > MAX_ENUMERATE_T:
        raise ValueError(f"can enumerate 2**T inputs only for 0 <= T <= {MAX_ENUMERATE_T}, got {T}")
    k = np.arange(2**T, dtype=np.int64)[:, None]
    return ((k >> np.arange(T)) & 1).astype(np.int8)
