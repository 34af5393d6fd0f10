"""Boolean functions on n bits: truth tables, Fourier (Walsh–Hadamard) spectra, sensitivity, degree.

Conventions (used by every chapter)
-----------------------------------
* An input is a bit string ``x = (x_0, ..., x_{n-1})`` with ``x_i in {0, 1}``. The truth table of a
  function lists its values at the ``2**n`` inputs in index order: **index k <-> x_i = bit i of k**
  (``x_i = (k >> i) & 1``), so ``x_0`` is the least significant bit.
* Values are **±1**: ``+1`` means *true* / ``1`` and ``-1`` means *false* / ``0``. (Fourier analysts
  often use the opposite sign; every quantity here that matters, weights ``f̂(S)²``, sensitivity,
  degree, is unchanged by a global sign.)
* A subset ``S ⊆ {0..n-1}`` is also a bitmask (``i in S`` <-> bit ``i`` of the mask). The
  character is ``χ_S(x) = (-1)^{Σ_{i∈S} x_i}`` and ``f̂(S) = 2^{-n} Σ_x f(x) χ_S(x)``, so
  ``f = Σ_S f̂(S) χ_S``.

The functions that a chapter trains on are :class:`BooleanFunction` objects built by name through
:func:`make_function` (``"parity"``, ``"majority"``, ``"first"``, ``"sparse_parity"``, ...). They
can be evaluated on any batch of bit strings, at any ``n``; their truth table exists only up to
:data:`MAX_ENUMERATE_N` bits. Beyond that, use :func:`monte_carlo_sensitivity`, which also measures
the sensitivity of a trained model's predictions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Largest n whose truth table (2**n values) is built; 2**20 float64 values are 8 MiB.
MAX_ENUMERATE_N = 20

Predict = Callable[[NDArray[np.uint8]], ArrayLike]
"""A vectorised function: bits ``uint8[m, n]`` -> values ``[m]`` (±1, or real scores)."""


# --------------------------------------------------------------------------------------------------
# Inputs and tables
# --------------------------------------------------------------------------------------------------


def _check_enumerable(n: int) -> None:
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if n > MAX_ENUMERATE_N:
        raise ValueError(
            f"n = {n} is too large to enumerate all 2**n inputs (limit MAX_ENUMERATE_N = "
            f"{MAX_ENUMERATE_N}); estimate the sensitivity by sampling instead with "
            "biasbook.maths.boolean.monte_carlo_sensitivity(f, n, n_samples, seed)"
        )


def all_inputs(n: int) -> NDArray[np.uint8]:
    """Return every input of length ``n`` in truth-table order.

    Parameters
    ----------
    n
        Number of bits, at most :data:`MAX_ENUMERATE_N`.

    Returns
    -------
    numpy.ndarray
        ``uint8[2**n, n]`` with ``out[k, i] = (k >> i) & 1``.
    """
    _check_enumerable(n)
    k = np.arange(2**n, dtype=np.int64)[:, None]
    return ((k >> np.arange(n, dtype=np.int64)) & 1).astype(np.uint8)


def input_index(bits: ArrayLike) -> NDArray[np.int64]:
    """Return the truth-table index ``k = Σ_i x_i 2^i`` of each row of ``bits`` (``[..., n]``)."""
    bits = np.asarray(bits)
    n = bits.shape[-1]
    return (bits.astype(np.int64) << np.arange(n, dtype=np.int64)).sum(axis=-1)


def n_bits(table: ArrayLike) -> int:
    """Return ``n`` for a truth table of length ``2**n``; raise ``ValueError`` otherwise."""
    table = np.asarray(table)
    if table.ndim != 1 or table.size == 0 or table.size & (table.size - 1):
        raise ValueError(
            f"a truth table is a 1-D array of length 2**n, got shape {table.shape}; "
            "build one with make_function(name, n).table() or truth_table(predict, n)"
        )
    return int(table.size).bit_length() - 1


def popcount(k: ArrayLike) -> NDArray[np.int64]:
    """Number of one bits of each integer in ``k`` (``|S|`` for a subset mask ``S``)."""
    k = np.asarray(k, dtype=np.uint64)
    # np.bitwise_count exists from NumPy 2.0 and is exact for unsigned integers.
    return np.bitwise_count(k).astype(np.int64)


def truth_table(predict: Predict, n: int, binarize: bool = True) -> NDArray[np.float64]:
    """Evaluate ``predict`` on all ``2**n`` inputs.

    Parameters
    ----------
    predict
        Vectorised function, bits ``uint8[m, n]`` -> values ``[m]`` (e.g. a model's logits).
    n
        Number of bits, at most :data:`MAX_ENUMERATE_N`.
    binarize
        If true, return ``sign(values)`` with ``sign(0) = +1``, i.e. the ±1 function the scores
        define; if false, return the raw (real) values.
    """
    values = np.asarray(predict(all_inputs(n)), dtype=np.float64).reshape(-1)
    if values.shape != (2**n,):
        raise ValueError(f"predict returned {values.size} values for {2**n} inputs")
    return _sign(values) if binarize else values


def _sign(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(values >= 0, 1.0, -1.0)


# --------------------------------------------------------------------------------------------------
# Named functions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BooleanFunction:
    """A named function of ``n`` bits, ±1-valued (or real-valued, such as MEAN).

    Call it on bits ``uint8[m, n]`` to get ``float64[m]`` values in ``{-1, +1}`` (real values in
    ``[-1, 1]`` for a real-valued function); :meth:`table` returns its truth table when
    ``n <= MAX_ENUMERATE_N``. ``fn`` returns booleans (true -> +1) or real values on the ±1 scale.
    """

    name: str
    n: int
    fn: Callable[[NDArray[np.uint8]], NDArray[np.bool_]] = field(repr=False, compare=False)
    params: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, bits: ArrayLike) -> NDArray[np.float64]:
        bits = np.asarray(bits)
        if bits.ndim != 2 or bits.shape[1] != self.n:
            raise ValueError(f"{self.name} takes bits of shape [m, {self.n}], got {bits.shape}")
        values = np.asarray(self.fn(bits.astype(np.uint8)))
        if values.dtype == np.bool_:
            return np.where(values, 1.0, -1.0)
        return values.astype(np.float64)

    @property
    def real_valued(self) -> bool:
        """Whether the function takes values other than ±1 (e.g. MEAN)."""
        return self.name in _REAL_VALUED

    def table(self) -> NDArray[np.float64]:
        """Truth table ``float64[2**n]`` (raises ``ValueError`` above :data:`MAX_ENUMERATE_N`)."""
        return self(all_inputs(self.n))

    @property
    def label(self) -> str:
        """Short label for plots, e.g. ``"sparse_parity(k=3)"``."""
        shown = {k: v for k, v in self.params.items() if k != "support"}
        inner = ", ".join(f"{k}={v}" for k, v in shown.items())
        return f"{self.name}({inner})" if inner else self.name


def _support(n: int, k: int, support: Sequence[int] | None) -> tuple[int, ...]:
    if support is None:
        if not 0 <= k <= n:
            raise ValueError(f"k must satisfy 0 <= k <= n = {n}, got k = {k}")
        return tuple(range(k))
    support = tuple(int(i) for i in support)
    if len(support) != k or len(set(support)) != k or any(not 0 <= i < n for i in support):
        raise ValueError(f"support must be {k} distinct positions in [0, {n}), got {support}")
    return support


def _parity_of(bits: NDArray[np.uint8]) -> NDArray[np.bool_]:
    return (bits.sum(axis=1) % 2).astype(bool)


def _majority_of(bits: NDArray[np.uint8]) -> NDArray[np.bool_]:
    return 2 * bits.sum(axis=1) > bits.shape[1]


def _odd(name: str, k: int) -> None:
    if k % 2 == 0:
        raise ValueError(
            f"{name} needs an odd number of bits so that there are no ties, got {k}; "
            "use an odd n (e.g. n + 1)"
        )


def _make_constant(n: int) -> Callable:
    return lambda bits: np.ones(bits.shape[0], dtype=bool)


def _make_first(n: int) -> Callable:
    if n < 1:
        raise ValueError("first needs n >= 1")
    return lambda bits: bits[:, 0].astype(bool)


def _make_parity(n: int) -> Callable:
    return _parity_of


def _make_sparse_parity(n: int, k: int, support: Sequence[int] | None = None) -> Callable:
    s = list(_support(n, k, support))
    return lambda bits: _parity_of(bits[:, s])


def _make_majority(n: int, ties: str = "error") -> Callable:
    if ties == "false":
        # Hahn & Rofin's convention (their src/targets.py: sum(x) > sum(1 - x)): any n, and a
        # string with as many ones as zeros is false.
        return _majority_of
    if ties != "error":
        raise ValueError(f"majority: ties must be 'error' (odd n only) or 'false', got {ties!r}")
    _odd("majority", n)
    return _majority_of


def _make_mean(n: int) -> Callable:
    if n < 1:
        raise ValueError("mean needs n >= 1")
    # the fraction of ones, a value in [0, 1], on the ±1 scale: 2 * mean - 1 = mean of (-1)^(1-x_i)
    return lambda bits: 2.0 * bits.mean(axis=1) - 1.0


def _make_sparse_majority(n: int, k: int, support: Sequence[int] | None = None) -> Callable:
    _odd("sparse_majority", k)
    s = list(_support(n, k, support))
    return lambda bits: _majority_of(bits[:, s])


def _make_and(n: int) -> Callable:
    return lambda bits: bits.all(axis=1)


def _make_sparse_and(n: int, k: int, support: Sequence[int] | None = None) -> Callable:
    s = list(_support(n, k, support))
    return lambda bits: bits[:, s].all(axis=1)


def _make_or(n: int) -> Callable:
    return lambda bits: bits.any(axis=1)


def _make_random(n: int, seed: int) -> Callable:
    _check_enumerable(n)
    values = np.random.default_rng(seed).integers(0, 2, size=2**n).astype(bool)
    return lambda bits: values[input_index(bits)]


_REGISTRY: dict[str, tuple[Callable[..., Callable], str]] = {
    "constant": (_make_constant, "always true"),
    "first": (_make_first, "x_0 (a dictator); sensitivity 1"),
    "parity": (_make_parity, "odd number of ones; sensitivity n"),
    "sparse_parity": (_make_sparse_parity, "parity of k bits (kw: k, support); sensitivity k"),
    "majority": (
        _make_majority,
        "more ones than zeros (odd n; kw ties='false': any n, a tie is false); "
        "sensitivity ~ sqrt(2n/pi)",
    ),
    "mean": (_make_mean, "real-valued: fraction of ones, as 2 * mean - 1; sensitivity 1/n"),
    "sparse_majority": (_make_sparse_majority, "majority of k bits (odd k; kw: k, support)"),
    "and": (_make_and, "all bits one; sensitivity n / 2**(n-1)"),
    "sparse_and": (_make_sparse_and, "AND of k bits (kw: k, support); sensitivity k / 2**(k-1)"),
    "or": (_make_or, "some bit one; sensitivity n / 2**(n-1)"),
    "random": (_make_random, "uniformly random table (kw: seed); sensitivity ~ n/2"),
}

#: The functions whose values are real rather than ±1.
_REAL_VALUED = frozenset({"mean"})

#: Names accepted by :func:`make_function`, each with a one-line description.
FUNCTIONS: dict[str, str] = {name: doc for name, (_, doc) in _REGISTRY.items()}


def make_function(name: str, n: int, **kw: Any) -> BooleanFunction:
    """Build a named Boolean function of ``n`` bits.

    Parameters
    ----------
    name
        One of :data:`FUNCTIONS` (``"parity"``, ``"majority"``, ``"first"``, ``"sparse_parity"``,
        ``"sparse_and"``, ...).
    n
        Number of input bits.
    **kw
        The function's own parameters: ``k`` and optionally ``support`` (the ``k`` positions it
        reads, default ``0..k-1``) for the sparse functions, ``seed`` for ``"random"``,
        ``ties="false"`` for ``"majority"`` at any ``n`` (Hahn & Rofin's convention).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or invalid parameters.
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown Boolean function {name!r}; valid names: {', '.join(FUNCTIONS)}")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    factory, _ = _REGISTRY[name]
    try:
        fn = factory(int(n), **kw)
    except TypeError as err:
        raise ValueError(f"bad parameters {kw} for {name!r} ({FUNCTIONS[name]}): {err}") from err
    params = {k: (tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in kw.items()}
    return BooleanFunction(name=name, n=int(n), params=params, fn=fn)


def parity(n: int) -> BooleanFunction:
    """PARITY of ``n`` bits (true iff an odd number of ones)."""
    return make_function("parity", n)


def majority(n: int, ties: str = "error") -> BooleanFunction:
    """MAJORITY of ``n`` bits (true iff more ones than zeros): ``n`` odd, or any ``n`` with
    ``ties="false"``."""
    return make_function("majority", n, **({} if ties == "error" else {"ties": ties}))


def mean(n: int) -> BooleanFunction:
    """MEAN of ``n`` bits, the real-valued fraction of ones (as ``2 * mean - 1``)."""
    return make_function("mean", n)


def first(n: int) -> BooleanFunction:
    """FIRST (dictator) ``x_0`` of ``n`` bits."""
    return make_function("first", n)


def sparse_parity(n: int, k: int, support: Sequence[int] | None = None) -> BooleanFunction:
    """Parity of the ``k`` bits in ``support`` (default ``0..k-1``) of ``n`` bits."""
    return make_function("sparse_parity", n, k=k, support=support)


def sparse_and(n: int, k: int, support: Sequence[int] | None = None) -> BooleanFunction:
    """AND of the ``k`` bits in ``support`` (default ``0..k-1``) of ``n`` bits."""
    return make_function("sparse_and", n, k=k, support=support)


def sensitivity_closed_form(name: str, n: int, **kw: Any) -> float:
    """Exact average sensitivity of a named function, from its closed form (any ``n``).

    PARITY ``n``; sparse parity ``k``; FIRST 1; constant 0; MAJORITY (odd ``n``)
    ``n·C(n-1, (n-1)/2) / 2^(n-1)``, and with ties false at even ``n`` ``n·C(n, n/2) / 2^n`` (only
    the edges between weights ``n/2`` and ``n/2 + 1`` are sensitive; the same number as
    ``n·C(n-1, ⌊(n-1)/2⌋) / 2^(n-1)``, since ``C(n, n/2) = 2·C(n-1, n/2-1)``); sparse majority
    as MAJORITY with ``k``; AND/OR ``n / 2^(n-1)``; sparse AND ``k / 2^(k-1)``; MEAN ``1/n``
    (influence form: each bit moves ``2 * mean - 1`` by ``2/n``). ``"random"`` has no closed form
    (its expectation is ``n/2``).
    """
    if name == "random":
        raise ValueError("'random' has no closed-form sensitivity (its expectation is n/2)")
    make_function(name, n, **kw)  # validates the name and the parameters
    k = int(kw.get("k", n))  # a NumPy integer would overflow in 2 ** (k - 1)
    if name == "constant":
        return 0.0
    if name == "first":
        return 1.0
    if name in ("parity", "sparse_parity"):
        return float(k)
    if name == "mean":
        return 1.0 / n
    if name in ("majority", "sparse_majority"):
        # One formula for odd k and (ties false) even k: at even k, C(k, k/2) = 2 C(k-1, k/2-1).
        # Integer numerator and denominator: exact rational, correctly rounded even for k > 1024.
        return k * math.comb(k - 1, (k - 1) // 2) / 2 ** (k - 1)
    # AND / OR / sparse AND: only the all-ones (all-zeros) input and its k neighbours are sensitive.
    return k / 2 ** (k - 1) if k > 0 else 0.0


# --------------------------------------------------------------------------------------------------
# Fourier analysis
# --------------------------------------------------------------------------------------------------


def _as_table(f: ArrayLike | BooleanFunction) -> NDArray[np.float64]:
    if isinstance(f, BooleanFunction):
        return f.table()
    table = np.asarray(f, dtype=np.float64)
    n_bits(table)
    return table


def fourier_coefficients(f: ArrayLike | BooleanFunction) -> NDArray[np.float64]:
    """Fourier (Walsh–Hadamard) coefficients ``f̂(S)`` indexed by the subset mask ``S``.

    Uses the fast Walsh–Hadamard transform: ``n`` vectorised butterfly passes, ``O(n 2^n)``.

    Parameters
    ----------
    f
        Truth table ``[2**n]`` (±1 or real-valued) or a :class:`BooleanFunction`.

    Returns
    -------
    numpy.ndarray
        ``float64[2**n]`` with ``out[S] = 2^{-n} Σ_x f(x) (-1)^{Σ_{i∈S} x_i}``.
    """
    a = _as_table(f).copy()
    n = n_bits(a)
    for i in range(n):
        # View the index as (high bits, bit i, low bits); combine the x_i = 0 and x_i = 1 halves.
        v = a.reshape(-1, 2, 2**i)
        lo, hi = v[:, 0, :].copy(), v[:, 1, :]
        v[:, 0, :] += hi
        v[:, 1, :] = lo - hi
    return a / 2**n


def inverse_fourier(coefficients: ArrayLike) -> NDArray[np.float64]:
    """Truth table ``f = Σ_S f̂(S) χ_S`` from its coefficients (inverse of the forward transform)."""
    c = np.asarray(coefficients, dtype=np.float64)
    return fourier_coefficients(c) * c.size  # the transform is its own inverse up to 2**n


def fourier_weight_by_degree(f: ArrayLike | BooleanFunction) -> NDArray[np.float64]:
    """Fourier weight at each degree: ``W[d] = Σ_{|S|=d} f̂(S)²`` for ``d = 0..n``.

    For a ±1 function the weights sum to 1 (Parseval).
    """
    c = fourier_coefficients(f)
    n = n_bits(c)
    return np.bincount(popcount(np.arange(c.size)), weights=c**2, minlength=n + 1)


def degree(f: ArrayLike | BooleanFunction, tol: float = 1e-9) -> int:
    """Fourier degree: the largest ``|S|`` with ``|f̂(S)| > tol`` (``-1`` for the zero function)."""
    c = fourier_coefficients(f)
    sizes = popcount(np.flatnonzero(np.abs(c) > tol))
    return int(sizes.max()) if sizes.size else -1


def sensitivity_from_fourier(f: ArrayLike | BooleanFunction) -> float:
    """Average sensitivity from the spectrum: ``Σ_S |S| f̂(S)² = Σ_d d · W[d]``."""
    w = fourier_weight_by_degree(f)
    return float(np.arange(w.size) @ w)


# --------------------------------------------------------------------------------------------------
# Sensitivity by enumeration
# --------------------------------------------------------------------------------------------------


def influences(f: ArrayLike | BooleanFunction) -> NDArray[np.float64]:
    """Influence of each bit, by enumeration: ``Inf_i = E_x [((f(x) - f(x ⊕ e_i)) / 2)²]``.

    For a ±1 function this is the probability that flipping bit ``i`` changes the value.
    """
    table = _as_table(f)
    n = n_bits(table)
    k = np.arange(table.size)
    return np.array([np.mean(((table - table[k ^ (1 << i)]) / 2) ** 2) for i in range(n)])


def pointwise_sensitivity(f: ArrayLike | BooleanFunction) -> NDArray[np.int64]:
    """Sensitivity at each input: ``s(f, x) = #{i : f(x) != f(x ⊕ e_i)}`` (``int[2**n]``)."""
    table = _as_table(f)
    n = n_bits(table)
    k = np.arange(table.size)
    out = np.zeros(table.size, dtype=np.int64)
    for i in range(n):
        out += table != table[k ^ (1 << i)]
    return out


def average_sensitivity(f: ArrayLike | BooleanFunction) -> float:
    """Average sensitivity ``as(f) = E_x Σ_i 1[f(x) != f(x ⊕ e_i)]``, by enumeration.

    Equals the total influence ``Σ_i Inf_i`` and the Fourier form ``Σ_S |S| f̂(S)²``
    (:func:`sensitivity_from_fourier`). Real-valued tables use the influence form.
    """
    return float(influences(f).sum())


# --------------------------------------------------------------------------------------------------
# Monte-Carlo sensitivity (any n; also for trained models)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonteCarloEstimate:
    """A Monte-Carlo mean with its standard error."""

    mean: float
    stderr: float
    n_samples: int


def monte_carlo_sensitivity(
    predict: Predict | BooleanFunction,
    n: int,
    n_samples: int = 2000,
    seed: int = 0,
    batch_size: int = 4096,
    binarize: bool = True,
) -> MonteCarloEstimate:
    """Estimate the average sensitivity of ``predict`` by sampling inputs uniformly.

    For each sampled ``x`` it evaluates ``predict`` at ``x`` and at its ``n`` one-bit neighbours and
    counts how many neighbours change the (sign of the) output.

    Parameters
    ----------
    predict
        Vectorised function bits ``uint8[m, n]`` -> scores ``[m]``, e.g. a :class:`BooleanFunction`
        or a trained model's logits.
    n
        Number of bits (no upper limit).
    n_samples
        Number of uniformly random inputs.
    seed
        Seed of the input draws.
    batch_size
        Inputs evaluated per call of ``predict`` (each sample costs ``n + 1`` evaluations).
    binarize
        If true, a flip counts when ``sign(score)`` changes (``sign(0) = +1``); if false, each
        neighbour contributes ``((f(x) - f(x ⊕ e_i)) / 2)²`` (the influence form for real scores).

    Returns
    -------
    MonteCarloEstimate
        Mean sensitivity and its standard error ``std / sqrt(n_samples)``.
    """
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    per_call = max(1, batch_size // (n + 1))
    eye = np.eye(n, dtype=np.uint8)
    per_sample = []
    for start in range(0, n_samples, per_call):
        m = min(per_call, n_samples - start)
        x = rng.integers(0, 2, size=(m, n), dtype=np.uint8)
        # Row block 0 is x itself; block i+1 is x with bit i flipped.
        neighbours = np.concatenate([x[None], x[None] ^ eye[:, None, :]], axis=0)
        values = np.asarray(predict(neighbours.reshape(-1, n)), dtype=np.float64).reshape(n + 1, m)
        if binarize:
            values = _sign(values)
            changes = (values[1:] != values[0]).sum(axis=0)
        else:
            changes = (((values[1:] - values[0]) / 2) ** 2).sum(axis=0)
        per_sample.append(changes.astype(np.float64))
    s = np.concatenate(per_sample)
    return MonteCarloEstimate(float(s.mean()), float(s.std(ddof=1) / np.sqrt(s.size)), s.size)
