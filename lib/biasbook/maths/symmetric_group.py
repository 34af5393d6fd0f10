"""Representation theory of the symmetric group S_L acting on token positions.

Partitions, irrep dimensions (hook-length formula), characters (Murnaghan–Nakayama) and projectors
onto the isotypic components of functions on sequences ``[V]^L``.

Conventions
-----------
* A partition is a tuple of positive integers in non-increasing order, e.g. ``(3, 1)``.
* A permutation of ``L`` positions is a tuple/array ``perm`` with ``perm[a] = pi(a)``.
* Sequences in ``[V]^L`` are indexed lexicographically: ``index(t) = sum_a t_a V**(L-1-a)``
  (see :func:`biasbook.maths.sequences.enumerate_sequences`, which uses the same order).
* ``S_L`` acts on sequences by ``(pi t)_a = t_{pi^{-1}(a)}`` and on functions by
  ``(rho(pi) g)(t) = g(pi^{-1} t)``. Every permutation-invariant measure makes ``rho`` unitary,
  so the isotypic projectors below are orthogonal projectors both for the plain dot product on
  ``R^{V^L}`` and for ``L^2(mu)`` of any exchangeable ``mu``.

The isotypic projector of irrep ``lambda`` is ``P_lambda = f^lambda / L! * sum_pi chi_lambda(pi)
rho(pi)`` (Sagan 2001, Thm. 2.12 / Serre). Two routes compute it:

``"group"``
    the group sum above, exact; costs ``L! * V^L`` per column, so it is limited to small ``L``.
``"central"``
    products of class sums of small cycle types (central elements of the group algebra), whose
    eigenvalue on irrep ``lambda`` is the central character ``|C| chi_lambda(C) / f^lambda``.
    Polynomial interpolation in these commuting operators isolates ``lambda``; it costs only a few
    class sums (``O(L^2)`` or ``O(L^3)`` permutations) per factor and reaches larger ``L``.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from biasbook.maths.sequences import check_enumerable

Partition = tuple[int, ...]

#: Largest ``L! * V**L`` the group-sum projector will attempt (about a few seconds of NumPy).
MAX_GROUP_SUM_WORK = 60_000_000
#: Largest ``V**L`` any dense projector over sequences will build.
MAX_SEQUENCES = 1 << 14


# --------------------------------------------------------------------------- partitions


def validate_partition(partition: Iterable[int], n: int | None = None) -> Partition:
    """Return ``partition`` as a tuple after checking it is a partition (of ``n`` if given).

    Raises
    ------
    ValueError
        If the entries are not positive integers in non-increasing order, or do not sum to ``n``.
    """
    try:
        lam = tuple(int(p) for p in partition)
    except (TypeError, ValueError) as err:
        raise ValueError(f"a partition must be a sequence of integers, got {partition!r}") from err
    if any(int(p) != p for p in partition):  # reject 2.5 silently truncated by int()
        raise ValueError(f"a partition must hold integers, got {partition!r}")
    if any(p <= 0 for p in lam):
        raise ValueError(
            f"{partition!r} is not a partition: parts must be positive (drop trailing zeros)"
        )
    if any(lam[i] < lam[i + 1] for i in range(len(lam) - 1)):
        raise ValueError(
            f"{partition!r} is not a partition: parts must be non-increasing, "
            f"e.g. {tuple(sorted(lam, reverse=True))!r}"
        )
    if n is not None and sum(lam) != n:
        raise ValueError(f"{lam!r} is a partition of {sum(lam)}, not of n = {n}")
    return lam


def partitions(n: int, max_parts: int | None = None) -> list[Partition]:
    """All partitions of ``n`` in decreasing lexicographic order (``(n,)`` first, ``(1,)*n`` last).

    Decreasing lexicographic order lists the "more symmetric" irreps (fewer boxes below the first
    row) first. ``max_parts`` keeps only partitions with at most that many rows (for functions on
    ``[V]^L`` only partitions with at most ``V`` rows occur, by Young's rule).
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    out: list[Partition] = []

    def rec(remaining: int, largest: int, prefix: tuple[int, ...]) -> None:
        if remaining == 0:
            out.append(prefix)
            return
        if max_parts is not None and len(prefix) >= max_parts:
            return
        for part in range(min(remaining, largest), 0, -1):
            rec(remaining - part, part, prefix + (part,))

    rec(n, n, ())
    return out


def conjugate(partition: Sequence[int]) -> Partition:
    """Transpose of the Young diagram (column lengths)."""
    lam = validate_partition(partition)
    if not lam:
        return ()
    return tuple(sum(1 for p in lam if p > j) for j in range(lam[0]))


def boxes_below_first_row(partition: Sequence[int]) -> int:
    """``n - lambda_1``: 0 for the trivial irrep, 1 for the standard irrep, and so on."""
    lam = validate_partition(partition)
    return sum(lam[1:])


def hook_lengths(partition: Sequence[int]) -> list[list[int]]:
    """Hook length of every box: ``arm + leg + 1``, row by row."""
    lam = validate_partition(partition)
    conj = conjugate(lam)
    return [[lam[i] - j + conj[j] - i - 1 for j in range(lam[i])] for i in range(len(lam))]


def irrep_dimension(partition: Sequence[int], n: int | None = None) -> int:
    """Dimension ``f^lambda`` of the Specht module ``S^lambda`` by the hook-length formula.

    Parameters
    ----------
    partition
        The Young diagram ``lambda``.
    n
        If given, ``lambda`` must be a partition of ``n`` (guards against passing ``(L-1, 1)`` for
        the wrong ``L``).
    """
    lam = validate_partition(partition, n)
    prod = math.prod(h for row in hook_lengths(lam) for h in row)
    return math.factorial(sum(lam)) // prod


def tensor_multiplicity(partition: Sequence[int], V: int) -> int:
    """How many copies of the irrep ``S^lambda`` the functions on ``[V]^L`` hold (Schur–Weyl
    duality: the dimension of the ``GL(V)`` irrep of shape ``lambda``), by the hook-content formula
    ``prod_boxes (V + j - i) / hook``. Zero when ``lambda`` has more than ``V`` rows.

    So the ``lambda``-isotypic component of ``L^2([V]^L)`` has dimension
    ``f^lambda * tensor_multiplicity(lambda, V)``; for ``V = 2`` and ``lambda = (L-k, k)`` this is
    ``f^lambda (L - 2k + 1)``.
    """
    lam = validate_partition(partition)
    if V < 1:
        raise ValueError(f"V must be >= 1, got {V}")
    if len(lam) > V:
        return 0
    num = math.prod(V + j - i for i, row in enumerate(lam) for j in range(row))
    return num // math.prod(h for row in hook_lengths(lam) for h in row)


# --------------------------------------------------------------------------- characters


def cycle_type(perm: Sequence[int]) -> Partition:
    """Cycle type (a partition of ``len(perm)``) of a permutation given as ``perm[a] = pi(a)``."""
    perm = [int(p) for p in perm]
    n = len(perm)
    if sorted(perm) != list(range(n)):
        raise ValueError(f"{perm!r} is not a permutation of 0..{n - 1}")
    seen = [False] * n
    lengths = []
    for start in range(n):
        if seen[start]:
            continue
        length, a = 0, start
        while not seen[a]:
            seen[a] = True
            a = perm[a]
            length += 1
        lengths.append(length)
    return tuple(sorted(lengths, reverse=True))


def centralizer_order(cycle_type_: Sequence[int]) -> int:
    """``z_mu = prod_r r^{m_r} m_r!``, the order of the centraliser of a permutation of type mu."""
    mu = validate_partition(cycle_type_)
    return math.prod(r**m * math.factorial(m) for r, m in Counter(mu).items())


def class_size(cycle_type_: Sequence[int]) -> int:
    """Number of permutations of cycle type ``mu``: ``n! / z_mu``."""
    mu = validate_partition(cycle_type_)
    return math.factorial(sum(mu)) // centralizer_order(mu)


def _beta_to_partition(beta: Sequence[int]) -> Partition:
    m = len(beta)
    parts = [b - (m - 1 - i) for i, b in enumerate(sorted(beta, reverse=True))]
    return tuple(p for p in parts if p > 0)


@functools.cache
def _murnaghan_nakayama(lam: Partition, mu: Partition) -> int:
    if not mu:
        return 1 if not lam else 0
    r, rest = mu[0], mu[1:]
    # Beta-set (abacus) form: removing a border strip of length r = moving a bead from b to b - r
    # onto an empty position; the strip's height is the number of beads jumped over.
    m = len(lam)
    beta = [lam[i] + (m - 1 - i) for i in range(m)]
    beads = set(beta)
    total = 0
    for b in beta:
        target = b - r
        if target < 0 or target in beads:
            continue
        height = sum(1 for c in beta if target < c < b)
        new_beta = [target if c == b else c for c in beta]
        total += (-1) ** height * _murnaghan_nakayama(_beta_to_partition(new_beta), rest)
    return total


def character(partition: Sequence[int], cycle_type_: Sequence[int]) -> int:
    """Irreducible character ``chi_lambda(mu)`` of ``S_n`` by the Murnaghan–Nakayama rule.

    Parameters
    ----------
    partition
        The irrep ``lambda``, a partition of ``n``.
    cycle_type_
        The conjugacy class ``mu``, a partition of the same ``n`` (any order of parts is accepted).
    """
    lam = validate_partition(partition)
    mu_sorted = tuple(sorted((int(p) for p in cycle_type_), reverse=True))
    mu = validate_partition(mu_sorted, sum(lam))
    return _murnaghan_nakayama(lam, mu)


def character_table(n: int) -> tuple[list[Partition], list[Partition], np.ndarray]:
    """Character table of ``S_n``: rows are irreps, columns are classes (both in :func:`partitions`
    order). Returns ``(irreps, classes, table)`` with ``table[i, j] = chi_{irreps[i]}(classes[j])``.
    """
    parts = partitions(n)
    table = np.array([[character(lam, mu) for mu in parts] for lam in parts], dtype=np.int64)
    return parts, parts, table


def content_sum(partition: Sequence[int]) -> int:
    """Sum of contents ``j - i`` over the boxes: the eigenvalue of the transposition class sum."""
    lam = validate_partition(partition)
    return sum(j - i for i, row in enumerate(lam) for j in range(row))


# --------------------------------------------------------------------------- action on [V]^L


def _check_space(V: int, L: int) -> int:
    """``V**L``, or the error of :func:`~biasbook.maths.sequences.check_enumerable` at this
    module's smaller limit (its operators are dense ``V**L``-square matrices)."""
    return check_enumerable(V, L, MAX_SEQUENCES)


def permutation_index_map(perm: Sequence[int], V: int) -> np.ndarray:
    """Index array ``idx`` with ``(rho(pi) g)[t] = g[idx[t]]`` for functions ``g`` on ``[V]^L``.

    ``rho(pi) g (t) = g(pi^{-1} t)`` and ``(pi^{-1} t)_a = t_{pi(a)}``, so ``idx[t]`` is the index
    of the sequence ``t[perm]``.
    """
    perm = np.asarray(perm, dtype=np.int64)
    L = perm.size
    cycle_type(perm)  # validates
    _check_space(V, L)
    weights = V ** np.arange(L - 1, -1, -1, dtype=np.int64)
    digits = (np.arange(V**L, dtype=np.int64)[:, None] // weights[None, :]) % V
    return digits[:, perm] @ weights


def _all_index_maps(perms: np.ndarray, V: int, L: int) -> np.ndarray:
    """``idx[k, t]`` for every permutation ``perms[k]`` (vectorised ``permutation_index_map``)."""
    weights = V ** np.arange(L - 1, -1, -1, dtype=np.int64)
    digits = (np.arange(V**L, dtype=np.int64)[:, None] // weights[None, :]) % V  # (N, L)
    # (P, N): index of t[perm] for each perm; gather digits along positions then dot with weights
    return np.einsum("npl,l->pn", digits[:, perms], weights)


def all_permutations(L: int) -> np.ndarray:
    """All ``L!`` permutations of ``range(L)`` as an int array of shape ``(L!, L)``."""
    return np.array(list(itertools.permutations(range(L))), dtype=np.int64).reshape(-1, L)


def permutations_of_type(mu: Sequence[int]) -> np.ndarray:
    """All permutations of cycle type ``mu`` (int array ``(|C_mu|, n)``), without listing all n!."""
    mu = validate_partition(sorted(mu, reverse=True))
    n = sum(mu)
    out: set[tuple[int, ...]] = set()
    # Choose the support of the non-trivial cycles, then every arrangement of it into cycles.
    nontrivial = [r for r in mu if r > 1]
    k = sum(nontrivial)
    for support in itertools.combinations(range(n), k):
        for order in itertools.permutations(support):
            perm = list(range(n))
            pos = 0
            for r in nontrivial:
                cyc = order[pos : pos + r]
                for i in range(r):
                    perm[cyc[i]] = cyc[(i + 1) % r]
                pos += r
            out.add(tuple(perm))
    arr = np.array(sorted(out), dtype=np.int64).reshape(-1, n)
    assert len(arr) == class_size(mu), "internal error enumerating a conjugacy class"
    return arr


def _as_columns(g: np.ndarray, N: int) -> tuple[np.ndarray, bool]:
    g = np.asarray(g, dtype=float)
    vector = g.ndim == 1
    g2 = g[:, None] if vector else g
    if g2.ndim != 2 or g2.shape[0] != N:
        raise ValueError(
            f"expected values on all {N} sequences (shape ({N},) or ({N}, m)), got {g.shape}"
        )
    return g2, vector


@functools.lru_cache(maxsize=32)
def class_sum_matrix(mu: Partition, V: int, L: int) -> sparse.csr_matrix:
    """Sparse ``V^L x V^L`` matrix of the class sum ``C_mu = sum_{pi of type mu} rho(pi)``."""
    mu = validate_partition(sorted(mu, reverse=True), L)
    N = _check_space(V, L)
    idx = _all_index_maps(permutations_of_type(mu), V, L)  # (|C_mu|, N)
    rows = np.broadcast_to(np.arange(N), idx.shape).ravel()
    mat = sparse.coo_matrix((np.ones(idx.size), (rows, idx.ravel())), shape=(N, N))
    return mat.tocsr()  # duplicate (row, col) pairs are summed


def class_sum_apply(mu: Sequence[int], g: np.ndarray, V: int, L: int) -> np.ndarray:
    """Apply the class sum ``C_mu = sum_{pi of type mu} rho(pi)`` to function values ``g``."""
    N = _check_space(V, L)
    g2, vector = _as_columns(g, N)
    out = class_sum_matrix(tuple(sorted(mu, reverse=True)), V, L) @ g2
    return out[:, 0] if vector else out


def central_character(partition: Sequence[int], mu: Sequence[int]) -> float:
    """Eigenvalue ``|C_mu| chi_lambda(mu) / f^lambda`` of the class sum ``C_mu`` on irrep lambda."""
    lam = validate_partition(partition)
    return class_size(mu) * character(lam, mu) / irrep_dimension(lam)


def _separating_classes(irreps: Sequence[Partition], n: int) -> list[Partition]:
    """Small cycle types whose central characters jointly tell all ``irreps`` apart."""
    candidates = [mu for mu in sorted(partitions(n), key=lambda m: (n - len(m), m)) if mu[0] > 1]
    chosen: list[Partition] = []
    for mu in candidates:
        keys = {lam: tuple(central_character(lam, c) for c in chosen) for lam in irreps}
        if len(set(keys.values())) == len(irreps):
            return chosen
        chosen.append(mu)
    keys = {lam: tuple(central_character(lam, c) for c in chosen) for lam in irreps}
    if len(set(keys.values())) != len(irreps):  # pragma: no cover - all classes always separate
        raise RuntimeError("class sums failed to separate irreps")
    return chosen


def project(
    partition: Sequence[int],
    g: np.ndarray,
    V: int,
    L: int,
    method: str = "auto",
) -> np.ndarray:
    """Project function values ``g`` on ``[V]^L`` onto the ``lambda``-isotypic component.

    Parameters
    ----------
    partition
        Irrep ``lambda``, a partition of ``L``. Irreps with more than ``V`` rows give zero.
    g
        Values on all ``V^L`` sequences (lexicographic order), shape ``(V^L,)`` or ``(V^L, m)``.
    V, L
        Vocabulary size and sequence length.
    method
        ``"group"`` (exact sum over ``L!`` permutations), ``"central"`` (class-sum interpolation),
        or ``"auto"`` (``"group"`` when ``L! V^L m`` is small, else ``"central"``).
    """
    lam = validate_partition(partition, L)
    N = _check_space(V, L)
    g2, vector = _as_columns(g, N)
    if method == "auto":
        method = "group" if math.factorial(L) * N <= MAX_GROUP_SUM_WORK // 8 else "central"
    if method == "group":
        out = _project_group(lam, g2, V, L)
    elif method == "central":
        out = _project_central(lam, g2, V, L)
    else:
        raise ValueError(f"method must be 'auto', 'group' or 'central', got {method!r}")
    return out[:, 0] if vector else out


def group_sum_operator(partition: Sequence[int], V: int, L: int) -> np.ndarray:
    """Dense ``P_lambda = f/L! sum_pi chi(pi) rho(pi)`` by the explicit sum over all ``L!``
    permutations (exact; limited to ``L! V^L <= MAX_GROUP_SUM_WORK``)."""
    lam = validate_partition(partition, L)
    N = _check_space(V, L)
    if math.factorial(L) * N > MAX_GROUP_SUM_WORK:
        raise ValueError(
            f"the group-sum projector needs L! * V^L = {math.factorial(L) * N} operations "
            f"(limit {MAX_GROUP_SUM_WORK}); use method='central' for this size"
        )
    chi_of = {mu: character(lam, mu) for mu in partitions(L)}
    flat = np.zeros(N * N)
    perms = all_permutations(L)
    for chunk in np.array_split(perms, max(1, len(perms) // 2048)):
        chis = np.array([chi_of[cycle_type(p)] for p in chunk], dtype=float)
        idx = _all_index_maps(chunk, V, L)  # (P, N)
        keys = (np.arange(N)[None, :] * N + idx).ravel()
        flat += np.bincount(keys, weights=np.repeat(chis, N), minlength=N * N)
    return flat.reshape(N, N) * (irrep_dimension(lam) / math.factorial(L))


def _project_group(lam: Partition, g2: np.ndarray, V: int, L: int) -> np.ndarray:
    return group_sum_operator(lam, V, L) @ g2


def _project_central(lam: Partition, g2: np.ndarray, V: int, L: int) -> np.ndarray:
    present = partitions(L, max_parts=V)
    if lam not in present:
        return np.zeros_like(g2)
    classes = _separating_classes(present, L)
    out = g2.copy()
    for mu in classes:
        mine = central_character(lam, mu)
        others = sorted({central_character(nu, mu) for nu in present} - {mine})
        if not others:
            continue
        # Lagrange factor: 1 on this class-sum eigenvalue, 0 on every other one present.
        for w in others:
            out = (class_sum_apply(mu, out, V, L) - w * out) / (mine - w)
    return out


def isotypic_projector(
    partition: Sequence[int], V: int, L: int, method: str = "auto"
) -> np.ndarray:
    """Dense ``V^L x V^L`` matrix of the orthogonal projector onto the ``lambda``-isotypic component
    of functions on ``[V]^L`` (see :func:`project` for the methods)."""
    N = _check_space(V, L)
    return project(partition, np.eye(N), V, L, method=method)


def isotypic_weights(
    g: np.ndarray,
    V: int,
    L: int,
    measure: np.ndarray | None = None,
    method: str = "auto",
) -> dict[Partition, np.ndarray]:
    """Fraction of ``||g||^2`` in each isotypic component (irreps with at most ``V`` rows).

    Parameters
    ----------
    g
        Values on all sequences, shape ``(V^L,)`` or ``(V^L, m)`` (one weight per column).
    measure
        Probabilities of the sequences for the ``L^2(mu)`` norm; must be permutation-invariant
        (checked). ``None`` means uniform.
    """
    N = _check_space(V, L)
    g2, vector = _as_columns(g, N)
    w = np.full(N, 1.0 / N) if measure is None else np.asarray(measure, dtype=float)
    if w.shape != (N,):
        raise ValueError(f"measure must have shape ({N},), got {w.shape}")
    if measure is not None and not is_exchangeable(w, V, L):
        raise ValueError("isotypic weights need a permutation-invariant (exchangeable) measure")
    total = np.einsum("n,nm,nm->m", w, g2, g2)
    out: dict[Partition, np.ndarray] = {}
    for lam in partitions(L, max_parts=V):
        p = project(lam, g2, V, L, method=method)
        val = np.einsum("n,nm,nm->m", w, p, p) / np.where(total > 0, total, 1.0)
        out[lam] = val[0] if vector else val
    return out


def is_exchangeable(measure: np.ndarray, V: int, L: int, atol: float = 1e-12) -> bool:
    """Whether a measure on ``[V]^L`` is invariant under every position permutation.

    Checking the generating transpositions ``(0 1)`` and the cycle ``(0 1 ... L-1)`` suffices.
    """
    measure = np.asarray(measure, dtype=float)
    _check_space(V, L)
    if L == 1:
        return True
    swap = list(range(L))
    swap[0], swap[1] = 1, 0
    cyc = [(a + 1) % L for a in range(L)]
    return all(
        np.allclose(measure[permutation_index_map(p, V)], measure, atol=atol) for p in (swap, cyc)
    )
