"""Spectra of permutation-invariant kernels on ``[V]^L``, labelled by irreps of ``S_L``.

Two routes compute the eigenvalues of the kernel integral operator
``(T_K g)(x) = E_mu K(x, x') g(x')`` under an exchangeable measure ``mu``:

``dense``
    enumerate all ``V^L`` sequences, diagonalise ``D^{1/2} K D^{1/2}`` (``D = diag(mu)``) with
    :func:`scipy.linalg.eigh`, and label every eigenspace by the isotypic projectors of
    :mod:`biasbook.maths.symmetric_group`. Cost ``O(V^{3L})``; general ``V``.
``binary`` (symmetry-reduced, ``V = 2``)
    by Schur's lemma ``T_K`` acts on the ``(L-j, j)``-isotypic component as ``I_{f} (x) M_j`` with
    ``M_j`` of size ``L - 2j + 1`` (one copy of the irrep per Hamming-weight slice). ``M_j`` is the
    restriction of ``T_K`` to the functions that are antisymmetric under each of the swaps
    ``(0 1), (2 3), ..., (2j-2 2j-1)`` and symmetric under permutations of the remaining positions;
    this space has dimension exactly ``L - 2j + 1`` and lies inside the ``(L-j, j)`` component, so
    its eigenvalues are the irrep's eigenvalue levels, each of multiplicity ``f^{(L-j,j)}``.
    Building ``M_j`` costs ``(L - 2j + 1) 2^{L-j}`` kernel evaluations, so ``L = 20`` is cheap where
    the dense route would need a ``2^20 x 2^20`` matrix.

Eigenfunctions are normalised in ``L^2(mu)``; a target's weights ``v_i^2 = <g, phi_i>_mu^2`` are
what the eigenlearning equations (:mod:`biasbook.maths.learning_curves`) need.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from biasbook.maths import symmetric_group as sg
from biasbook.maths.sequences import check_enumerable

KernelFn = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Largest ``V^L`` the dense route diagonalises (a 4096 x 4096 eigh takes tens of seconds).
MAX_DENSE = 4096


@dataclass
class Spectrum:
    """Eigenvalue levels of a kernel operator with their multiplicities and irreps.

    Attributes
    ----------
    eigenvalues
        Distinct levels, in decreasing order.
    multiplicities
        How many eigenfunctions share each level.
    irreps
        The irrep (partition) of each level's eigenspace.
    purity
        Fraction of each level's eigenspace inside its irrep's isotypic component (1 = isotypic).
    eigenvectors
        Dense route only: ``[N, N]`` orthonormal eigenvectors of ``D^{1/2} K D^{1/2}`` (columns in
        the order of the expanded eigenvalues :attr:`all_eigenvalues`).
    blocks
        Binary route only: ``{j: (levels, Y, G)}`` with ``Y`` the eigenvectors of ``M_j`` in the
        orthonormal basis and ``G`` the Gram diagonal of the raw basis (see :func:`binary_block`).
    """

    eigenvalues: np.ndarray
    multiplicities: np.ndarray
    irreps: list[tuple[int, ...]]
    purity: np.ndarray
    eigenvectors: np.ndarray | None = None
    all_eigenvalues: np.ndarray | None = None
    blocks: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    rtol: float = 0.0
    atol: float = 0.0

    @property
    def trace(self) -> float:
        """``sum_i eta_i = E_mu K(x, x)``."""
        return float(np.sum(self.eigenvalues * self.multiplicities))

    def top_by_irrep(self) -> dict[tuple[int, ...], float]:
        """Largest eigenvalue in each irrep that occurs."""
        out: dict[tuple[int, ...], float] = {}
        for eta, lam in zip(self.eigenvalues, self.irreps, strict=True):
            out[lam] = max(out.get(lam, -np.inf), float(eta))
        return out


def operator_matrix(K: np.ndarray, measure: np.ndarray) -> np.ndarray:
    """``D^{1/2} K D^{1/2}``: the kernel operator in the orthonormal basis ``e_x / sqrt(mu(x))``."""
    r = np.sqrt(np.asarray(measure, dtype=float))
    return r[:, None] * np.asarray(K, dtype=float) * r[None, :]


def cluster_levels(values: np.ndarray, rtol: float = 1e-6, atol: float = 0.0) -> list[np.ndarray]:
    """Group sorted-decreasing eigenvalues into levels: ``|a - b| <= rtol |a| + atol``."""
    values = np.asarray(values)
    if len(values) == 0:
        return []
    groups: list[list[int]] = [[0]]
    for i in range(1, len(values)):
        ref = values[groups[-1][0]]
        if abs(values[i] - ref) <= rtol * abs(ref) + atol:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [np.array(g) for g in groups]


def eigh_tolerance(values: np.ndarray) -> float:
    """Absolute accuracy of ``eigh`` eigenvalues: a safety factor times ``N eps max|w|``."""
    values = np.asarray(values)
    return 10.0 * len(values) * np.finfo(float).eps * float(np.max(np.abs(values)))


def dense_spectrum(
    K: np.ndarray,
    measure: np.ndarray,
    V: int,
    L: int,
    rtol: float = 1e-6,
    label: bool = True,
) -> Spectrum:
    """Eigen-decompose a kernel on all ``V^L`` sequences and label levels by irreps.

    Parameters
    ----------
    K
        ``[V^L, V^L]`` kernel matrix on :func:`biasbook.maths.sequences.enumerate_sequences`.
    measure
        Probabilities of the sequences (the input distribution ``mu``).
    rtol
        Eigenvalues within ``rtol`` (relative) plus the round-off of ``eigh``
        (:func:`eigh_tolerance`) of each other form one level; eigenvalues within the round-off
        of zero form the null level.
    label
        Label levels by irreps (needs ``mu`` exchangeable); ``False`` skips it (e.g. for a
        non-exchangeable control, where the levels are not isotypic).

    Notes
    -----
    The null space (eigenvalue 0 up to round-off) is invariant but ``eigh`` returns an arbitrary
    basis of it, mixing irreps; it is therefore split into one zero level per irrep, with the
    dimension of its part in that irrep as multiplicity.
    """
    N = check_enumerable(V, L, MAX_DENSE)
    if K.shape != (N, N) or np.shape(measure) != (N,):
        raise ValueError(f"K must be [{N}, {N}] and measure [{N}] for V={V}, L={L}")
    w, U = scipy.linalg.eigh(operator_matrix(K, measure))
    order = np.argsort(w)[::-1]
    w, U = w[order], U[:, order]
    atol = eigh_tolerance(w)
    zero = np.abs(w) <= atol
    levels = cluster_levels(w[~zero], rtol, atol)
    eig = [float(w[g].mean()) for g in levels]
    mult = [len(g) for g in levels]
    irreps: list[tuple[int, ...]] = []
    purity: list[float] = [np.nan] * len(levels)
    if label:
        if not sg.is_exchangeable(measure, V, L):
            raise ValueError("irrep labels need an exchangeable measure; pass label=False")
        present = sg.partitions(L, max_parts=V)
        # Project every eigenvector once per irrep; a level's weight is a squared Frobenius norm.
        weights = np.stack([np.sum(sg.project(lam, U, V, L) ** 2, axis=0) for lam in present])
        for i, g in enumerate(levels):
            per_irrep = weights[:, g].sum(axis=1)
            best = int(np.argmax(per_irrep))
            irreps.append(present[best])
            purity[i] = per_irrep[best] / len(g)
        null_dims = np.rint(weights[:, zero].sum(axis=1)).astype(int)
        for lam, dim in zip(present, null_dims, strict=True):
            if dim > 0:
                eig.append(0.0)
                mult.append(int(dim))
                irreps.append(lam)
                purity.append(1.0)
    elif np.any(zero):
        eig.append(0.0)
        mult.append(int(zero.sum()))
        purity.append(np.nan)
    return Spectrum(
        eigenvalues=np.array(eig),
        multiplicities=np.array(mult),
        irreps=irreps,
        purity=np.array(purity),
        eigenvectors=U,
        all_eigenvalues=np.where(zero, 0.0, w),
        rtol=rtol,
        atol=atol,
    )


def dense_target_weights(
    spec: Spectrum, g: np.ndarray, measure: np.ndarray, V: int, L: int
) -> np.ndarray:
    """Weights ``sum_{i in level} <g, phi_i>_mu^2`` of a target on each level (dense spectrum)."""
    if spec.eigenvectors is None or spec.all_eigenvalues is None:
        raise ValueError("dense_target_weights needs a spectrum from dense_spectrum")
    gv = np.sqrt(measure) * np.asarray(g, dtype=float)
    coords = spec.eigenvectors.T @ gv
    zero = spec.all_eigenvalues == 0.0
    nonzero = cluster_levels(spec.all_eigenvalues[~zero], spec.rtol, spec.atol)
    out = [float(np.sum(coords[~zero][idx] ** 2)) for idx in nonzero]
    n_null_levels = len(spec.eigenvalues) - len(nonzero)
    if n_null_levels:
        null_part = spec.eigenvectors[:, zero] @ coords[zero]  # projection of g on the null space
        if spec.irreps:
            for lam in spec.irreps[len(nonzero) :]:
                out.append(float(np.sum(sg.project(lam, null_part, V, L) ** 2)))
        else:
            out.append(float(np.sum(null_part**2)))
    return np.array(out)


# --------------------------------------------------------------------------- binary (V = 2) route


def _binary_basis(L: int, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Support sequences of the reduced basis of ``F_j`` with their sign and free-part weight.

    Returns ``(tokens[2^{L-j}, L], sign, free_ones, representatives[L-2j+1, L])``.
    """
    nf = L - 2 * j
    pair_bits = np.array(list(itertools.product((0, 1), repeat=j)), dtype=np.int32).reshape(2**j, j)
    free = np.array(list(itertools.product((0, 1), repeat=nf)), dtype=np.int32).reshape(2**nf, nf)
    P, F = len(pair_bits), len(free)
    tokens = np.empty((P * F, L), dtype=np.int32)
    pb = np.repeat(pair_bits, F, axis=0)
    tokens[:, 0 : 2 * j : 2] = pb
    tokens[:, 1 : 2 * j : 2] = 1 - pb
    tokens[:, 2 * j :] = np.tile(free, (P, 1))
    # phi = prod_i (s_{2i} - s_{2i+1}) / 2 with s = 1 - 2t: +1 for the pair (0, 1), -1 for (1, 0).
    sign = (-1.0) ** pb.sum(axis=1)
    free_ones = np.tile(free.sum(axis=1), P)
    reps = np.zeros((nf + 1, L), dtype=np.int32)
    reps[:, 1 : 2 * j : 2] = 1
    for w in range(nf + 1):
        reps[w, 2 * j : 2 * j + w] = 1
    return tokens, sign, free_ones, reps


def binary_block(
    kernel: KernelFn, L: int, j: int, seq_prob: np.ndarray, chunk: int = 1 << 15
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reduced operator ``M_j`` of the ``(L-j, j)`` irrep for ``V = 2``.

    Parameters
    ----------
    kernel
        ``kernel(T1, T2) -> [n1, n2]`` on token arrays.
    seq_prob
        ``[L + 1]``: probability of one particular sequence with ``w`` ones (any exchangeable
        measure on ``{0, 1}^L`` has this form).

    Returns
    -------
    levels, Y, G
        Eigenvalues of ``M_j`` (decreasing), its orthonormal eigenvectors in the basis
        ``phi_{j,w} / sqrt(G_w)``, and the Gram diagonal ``G_w = <phi_{j,w}, phi_{j,w}>_mu``.
    """
    if not 0 <= j <= L // 2:
        raise ValueError(f"j must be in 0..{L // 2} for L = {L}, got {j}")
    nf = L - 2 * j
    tokens, sign, free_ones, reps = _binary_basis(L, j)
    mu = seq_prob[j + free_ones]  # total ones = one per pair + free ones
    C = np.zeros((nf + 1, nf + 1))
    for s in range(0, len(tokens), chunk):
        sl = slice(s, s + chunk)
        R = kernel(reps, tokens[sl]) * (sign[sl] * mu[sl])[None, :]
        for w in range(nf + 1):  # sum over each slice's support (bincount per representative)
            C[w] += np.bincount(free_ones[sl], weights=R[w], minlength=nf + 1)
    sizes = np.array([2**j * math.comb(nf, w) for w in range(nf + 1)], dtype=float)
    G = sizes * seq_prob[j + np.arange(nf + 1)]
    Kmat = G[:, None] * C  # <phi_w, T phi_w'> = |supp_w| mu_w (T phi_w')(rep_w)
    scale = 1.0 / np.sqrt(G)
    M = scale[:, None] * Kmat * scale[None, :]
    # Compare with the kernel's own scale: blocks of vanishing eigenvalues are pure round-off.
    scale_k = float(np.max(np.abs(np.diag(kernel(reps, reps)))))
    asym = np.max(np.abs(M - M.T)) / max(np.max(np.abs(M)), scale_k, 1e-300)
    if asym > 1e-8:
        raise ValueError(
            f"reduced block is not symmetric (relative asymmetry {asym:.1e}): the kernel is not "
            "invariant under simultaneous position permutations, or the measure is not exchangeable"
        )
    levels, Y = scipy.linalg.eigh(0.5 * (M + M.T))
    order = np.argsort(levels)[::-1]
    return levels[order], Y[:, order], G


def binary_spectrum(kernel: KernelFn, L: int, seq_prob: np.ndarray | None = None) -> Spectrum:
    """Full spectrum of a permutation-invariant kernel on ``{0, 1}^L`` by the reduced route.

    ``seq_prob`` is as in :func:`binary_block` (default: uniform, ``2^{-L}``).
    """
    if int(L) != L or L < 1:
        raise ValueError(f"L must be a positive integer, got {L!r}")
    if L > 24:
        raise ValueError(f"L = {L} needs 2^{L} kernel evaluations per row; use L <= 24")
    seq_prob = np.full(L + 1, 2.0**-L) if seq_prob is None else np.asarray(seq_prob, float)
    if seq_prob.shape != (L + 1,):
        raise ValueError(f"seq_prob must have shape ({L + 1},)")
    total = sum(math.comb(L, w) * seq_prob[w] for w in range(L + 1))
    if not np.isclose(total, 1.0):
        raise ValueError(f"seq_prob does not define a probability measure (total mass {total})")
    eig, mult, irreps, blocks = [], [], [], {}
    for j in range(L // 2 + 1):
        lam = (L - j, j) if j else (L,)
        levels, Y, G = binary_block(kernel, L, j, seq_prob)
        blocks[j] = (levels, Y, G)
        eig.extend(levels)
        mult.extend([sg.irrep_dimension(lam)] * len(levels))
        irreps.extend([lam] * len(levels))
    order = np.argsort(eig)[::-1]
    return Spectrum(
        eigenvalues=np.array(eig)[order],
        multiplicities=np.array(mult)[order],
        irreps=[irreps[i] for i in order],
        purity=np.ones(len(eig)),
        blocks=blocks,
    )


def binary_level_weights(spec: Spectrum, j: int, coeffs: np.ndarray) -> np.ndarray:
    """Weights on every level of ``spec`` of a target ``g = sum_w coeffs[w] phi_{j,w}`` in ``F_j``.

    Returns an array aligned with ``spec.eigenvalues`` (zero outside irrep ``(L-j, j)``).
    """
    levels, Y, G = spec.blocks[j]
    coords = Y.T @ (np.sqrt(G) * np.asarray(coeffs, dtype=float))
    out = np.zeros(len(spec.eigenvalues))
    L = sum(spec.irreps[0])
    lam = (L - j, j) if j else (L,)
    for eta, c in zip(levels, coords, strict=True):
        # The level with this eigenvalue in this irrep (ties across irreps are resolved by irrep).
        idx = [
            i
            for i, (e, mu) in enumerate(zip(spec.eigenvalues, spec.irreps, strict=True))
            if mu == lam and e == eta
        ]
        out[idx[0]] += c**2
    return out


def specht_weights(spec: Spectrum, k: int) -> np.ndarray:
    """Level weights of the Specht target ``g_k = prod_{i<k} (s_{2i} - s_{2i+1}) / sqrt(2)``."""
    L = sum(spec.irreps[0])
    return binary_level_weights(spec, k, np.full(L - 2 * k + 1, 2.0 ** (k / 2)))


def copy_weights(spec: Spectrum) -> np.ndarray:
    """Level weights of the copy target ``s_0 = 1 - 2 t_0`` (irreps ``[L]`` and ``[L-1, 1]``).

    The ``[L]`` part is ``mean_a s_a``; the ``[L-1, 1]`` part lies in the same irreducible copy
    (the linear functions) as ``(s_0 - s_1) / 2``, so it has that vector's level profile.
    """
    L = sum(spec.irreps[0])
    G0 = spec.blocks[0][2]
    triv = (L - 2 * np.arange(L + 1)) / L
    w_triv = binary_level_weights(spec, 0, triv)
    # ||s_0||^2 = 1 under any measure; the rest is in [L-1, 1].
    rest = 1.0 - float(np.sum(G0 * triv**2))
    profile = binary_level_weights(spec, 1, np.ones(L - 1))
    return w_triv + rest * profile / profile.sum()
