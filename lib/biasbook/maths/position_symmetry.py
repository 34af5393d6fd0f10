r"""Permutation symmetry of the position-by-position covariance of token windows.

A window ``x = (x_1, ..., x_L)`` of tokens is embedded position by position, ``e(x_a) in R^d``, and
flattened position-major into ``X in R^{L d}`` (index ``a * d + i``). Its covariance
``C = E[X X^T] - E[X] E[X]^T`` has ``d x d`` blocks ``C_ab = Cov(e(x_a), e(x_b))``.

The symmetric group ``S_L`` permutes positions, acting on ``R^{L d} = R^L (x) R^d`` through the
first factor, and on covariances by simultaneous permutation ``C -> (P (x) I) C (P (x) I)^T``. Its
group average, :func:`symmetrize`, replaces every diagonal block by the mean diagonal block ``D``
and every off-diagonal block by the mean off-diagonal block ``B``:

    ``Sym(C) = I_L (x) (D - B) + J_L (x) B``        (``J_L`` the all-ones matrix).

``Sym`` is the orthogonal projection (Frobenius inner product) onto ``S_L``-invariant matrices, so
``||C||^2 = ||Sym C||^2 + ||C - Sym C||^2`` and the *symmetry-breaking ratio*
``r = ||C - Sym C|| / ||C||`` says which share ``r^2`` of the covariance's energy is not symmetric.

``R^L`` splits into the trivial irrep (constant vectors, ``[L]``) and the standard irrep
(``w`` with ``sum_a w_a = 0``, ``[L-1, 1]``, dimension ``L - 1``); a second moment of this linear
form sees only these two. An invariant ``C`` is block diagonal in the split: its eigenvectors are
``1/sqrt(L) (x) u`` with eigenvalues of ``D + (L-1) B`` (trivial sector) and ``w (x) u`` with
eigenvalues of ``D - B``, each ``(L-1)``-fold degenerate (standard sector). The statistics below
measure how far a measured ``C`` is from that picture: :func:`breaking_ratio`,
:func:`trivial_fraction` of principal components, :func:`multiplets` (splitting of each would-be
``(L-1)``-plet, by first-order degenerate perturbation theory) and :func:`lag_profile` (decay of
the off-diagonal blocks with ``|a - b|``).

Second moments are accumulated chunk by chunk (:class:`Moments`), never as a dense
``N x L V`` matrix: one-hot embeddings by pairwise ``bincount`` of bucket ids, dense embeddings by
chunked ``X^T X``. Sampling noise is estimated by a delete-one-chunk jackknife over contiguous
chunks of text (:func:`jackknife` of :func:`scalar_statistics` on the total minus each chunk).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from biasbook.maths.symmetric_group import irrep_dimension

# --------------------------------------------------------------------------- second moments


@dataclass
class Moments:
    """Sufficient statistics of ``n`` flattened windows: ``sum X`` and ``sum X X^T`` (float64)."""

    n: int
    total: np.ndarray  # (L d,)
    outer: np.ndarray  # (L d, L d)
    length: int
    dim: int

    def __add__(self, other: Moments) -> Moments:
        return Moments(
            self.n + other.n,
            self.total + other.total,
            self.outer + other.outer,
            self.length,
            self.dim,
        )

    def __sub__(self, other: Moments) -> Moments:
        return Moments(
            self.n - other.n,
            self.total - other.total,
            self.outer - other.outer,
            self.length,
            self.dim,
        )

    def mean(self) -> np.ndarray:
        """``E[X]``."""
        return self.total / self.n

    def covariance(self) -> np.ndarray:
        """``E[X X^T] - E[X] E[X]^T`` (the maximum-likelihood normalisation ``1/n``)."""
        if self.n < 1:
            raise ValueError("covariance of zero windows")
        mu = self.mean()
        return self.outer / self.n - np.outer(mu, mu)


def onehot_moments(buckets: np.ndarray, dim: int) -> Moments:
    """Moments of one-hot embedded windows, from integer bucket ids in ``[0, dim)``.

    Each block ``sum_n e(x_na) e(x_nb)^T`` is a ``dim x dim`` co-occurrence count, obtained by one
    ``bincount`` of ``x_a * dim + x_b`` (exact integers, no dense one-hot matrix).
    """
    buckets = np.asarray(buckets)
    if buckets.ndim != 2:
        raise ValueError(f"windows must be (n_windows, L), got shape {buckets.shape}")
    if buckets.size and (buckets.min() < 0 or buckets.max() >= dim):
        raise ValueError(
            f"bucket ids must lie in [0, {dim}), got [{buckets.min()}, {buckets.max()}]"
        )
    n, length = buckets.shape
    cols = [np.ascontiguousarray(buckets[:, a], dtype=np.intp) for a in range(length)]
    outer = np.zeros((length, dim, length, dim))
    total = np.zeros((length, dim))
    for a in range(length):
        total[a] = np.bincount(cols[a], minlength=dim)
        shifted = cols[a] * dim
        for b in range(a, length):
            block = np.bincount(shifted + cols[b], minlength=dim * dim).reshape(dim, dim)
            outer[a, :, b, :] = block
            outer[b, :, a, :] = block.T
    size = length * dim
    return Moments(n, total.reshape(size), outer.reshape(size, size), length, dim)


def embedded_moments(ids: np.ndarray, table: np.ndarray, chunk_size: int = 8192) -> Moments:
    """Moments of windows embedded with a dense table (``table[id]`` in ``R^d``), chunk by chunk."""
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"windows must be (n_windows, L), got shape {ids.shape}")
    n, length = ids.shape
    dim = table.shape[1]
    size = length * dim
    outer = np.zeros((size, size))
    total = np.zeros(size)
    for start in range(0, n, chunk_size):
        x = table[ids[start : start + chunk_size]].reshape(-1, size).astype(np.float64)
        outer += x.T @ x
        total += x.sum(axis=0)
    return Moments(n, total, outer, length, dim)


@dataclass(frozen=True)
class OneHotEmbedding:
    """One-hot over the ``top_v`` most frequent ids (ids are frequency ranks) plus "other"."""

    top_v: int

    @property
    def dim(self) -> int:
        """Embedding dimension ``top_v + 1``."""
        return self.top_v + 1

    @property
    def label(self) -> str:
        """Short name for tables and legends."""
        return f"one-hot (top {self.top_v} + other)"

    def moments(self, windows: np.ndarray) -> Moments:
        """Second moments of ``windows`` (ids) under this embedding."""
        return onehot_moments(np.minimum(windows, self.top_v), self.dim)


@dataclass(frozen=True)
class RandomEmbedding:
    """A fixed Gaussian embedding ``N(0, I/dim)`` of every id in ``[0, n_words)``, from ``seed``."""

    n_words: int
    dim: int
    seed: int

    @property
    def label(self) -> str:
        """Short name for tables and legends."""
        return f"random Gaussian (d = {self.dim})"

    @functools.cached_property
    def table(self) -> np.ndarray:
        """The ``(n_words, dim)`` embedding table."""
        rng = np.random.default_rng(self.seed)
        return rng.standard_normal((self.n_words, self.dim)) / math.sqrt(self.dim)

    def moments(self, windows: np.ndarray) -> Moments:
        """Second moments of ``windows`` (ids) under this embedding."""
        return embedded_moments(windows, self.table)


@dataclass(frozen=True, eq=False)
class TableEmbedding:
    """A given table of vectors, e.g. learnt ones: id ``i`` maps to row ``min(i, n_rows - 1)``.

    The last row stands for every id beyond the table (the "other" words of
    :func:`biasbook.maths.word_vectors.ppmi_vectors`).
    """

    table: np.ndarray
    name: str

    @property
    def dim(self) -> int:
        """Embedding dimension (columns of the table)."""
        return int(self.table.shape[1])

    @property
    def label(self) -> str:
        """Short name for tables and legends."""
        return f"{self.name} (d = {self.dim})"

    def moments(self, windows: np.ndarray) -> Moments:
        """Second moments of ``windows`` (ids) under this embedding."""
        return embedded_moments(np.minimum(windows, self.table.shape[0] - 1), self.table)


Embedding = OneHotEmbedding | RandomEmbedding | TableEmbedding

# --------------------------------------------------------------------------- symmetry algebra


def _check(C: np.ndarray, length: int) -> int:
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C must be a square matrix, got shape {C.shape}")
    if length < 2 or C.shape[0] % length:
        raise ValueError(f"C of size {C.shape[0]} is not L x d blocks with L = {length} >= 2")
    return C.shape[0] // length


def blocks(C: np.ndarray, length: int) -> np.ndarray:
    """View ``C`` as ``(L, d, L, d)``: ``blocks(C)[a, :, b, :] = C_ab``."""
    d = _check(C, length)
    return C.reshape(length, d, length, d)


def block_means(C: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean diagonal block ``D`` and mean off-diagonal block ``B`` (both ``d x d``)."""
    cb = blocks(C, length)
    diag_sum = np.einsum("aiaj->ij", cb)
    all_sum = cb.sum(axis=(0, 2))
    return diag_sum / length, (all_sum - diag_sum) / (length * (length - 1))


def symmetrize(C: np.ndarray, length: int) -> np.ndarray:
    """``Sym(C)``: the average of ``C`` over all simultaneous permutations of the positions."""
    D, B = block_means(C, length)
    return np.kron(np.eye(length), D - B) + np.kron(np.ones((length, length)), B)


def _block_deviation_energy(C: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """``||C_ab||_F^2`` and ``||C_ab - Sym(C)_ab||_F^2`` for every block, as ``L x L`` arrays.

    ``Sym(C)_ab`` is ``D`` on the diagonal and ``B`` off it, so the deviation is formed block by
    block (one temporary of the size of ``C``, no Kronecker products).
    """
    cb = blocks(C, length)
    D, B = block_means(C, length)
    dev = cb - B[None, :, None, :]
    idx = np.arange(length)
    dev[idx, :, idx, :] += B - D
    return np.einsum("aibj,aibj->ab", cb, cb), np.einsum("aibj,aibj->ab", dev, dev)


def breaking_ratio(C: np.ndarray, length: int) -> float:
    """``||C - Sym C||_F / ||C||_F`` (0 for an invariant ``C``)."""
    norms2, dev2 = _block_deviation_energy(C, length)
    return math.sqrt(dev2.sum() / norms2.sum())


def offdiag_breaking_ratio(C: np.ndarray, length: int) -> float:
    """The same ratio restricted to the off-diagonal blocks (the cross-position structure)."""
    norms2, dev2 = _block_deviation_energy(C, length)
    off = ~np.eye(length, dtype=bool)
    return math.sqrt(dev2[off].sum() / norms2[off].sum())


def sector_operators(C: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``d x d`` operators of ``Sym(C)`` on the trivial and standard sectors.

    Returns ``(D + (L-1) B, D - B)``: ``Sym(C)`` has the eigenvalues of the first once each and
    those of the second ``L - 1`` times each.
    """
    D, B = block_means(C, length)
    return D + (length - 1) * B, D - B


def isotypic_energy(C: np.ndarray, length: int) -> dict[str, float]:
    """Shares of ``||C||_F^2`` in the trivial-trivial, standard-standard and cross parts.

    With ``P_t = J/L (x) I`` and ``P_s = I - P_t``, ``C = P_t C P_t + P_s C P_s + (cross terms)``;
    an ``S_L``-invariant ``C`` has no cross terms. The three shares sum to 1.
    """
    cb = blocks(C, length)
    # P_t C P_t = J/L (x) (row-and-column mean block); its norm^2 is L^2 * ||mean block||^2 ...
    mean_block = cb.mean(axis=(0, 2))  # (1/L^2) sum_ab C_ab
    tt = length**2 * np.sum(mean_block**2)
    # ... and the cross part P_t C P_s: rows averaged over a, minus the total mean, for every b.
    row_mean = cb.mean(axis=0)  # (d, L, d): (1/L) sum_a C_ab
    ts = length * np.sum((row_mean - mean_block[:, None, :]) ** 2)
    total = np.sum(C**2)
    return {
        "trivial": tt / total,
        "cross": 2 * ts / total,
        "standard": (total - tt - 2 * ts) / total,
    }


def principal_cross_energy(C: np.ndarray, length: int, k: int) -> float:
    """Cross-sector share of the covariance's top-``k`` principal part ``C_k = V_k Λ_k V_kᵀ``.

    ``isotypic_energy(C_k)["cross"]``: zero when the top-``k`` principal subspace is spanned by
    vectors that each lie in one sector, as for an ``S_L``-invariant ``C`` whose top ``k`` levels do
    not cut through a level shared by both sectors. Unlike the purity of single components it does
    not depend on how a degenerate level inside one sector is resolved; a level shared by both
    sectors (independent positions: ``B = 0``) still makes it noisy, which a null distribution
    from exchangeable data calibrates.
    """
    n = C.shape[0]
    if n > 512:
        # Lanczos needs only products with C: about twice as fast as LAPACK's partial eigh on
        # the largest one-hot covariances (2048 x 2048); the start vector is fixed (determinism).
        vals, vecs = scipy.sparse.linalg.eigsh(C, k=k, v0=np.ones(n))
    else:
        vals, vecs = scipy.linalg.eigh(C, subset_by_index=[n - k, n - 1])
    return principal_part_cross(vals, vecs, length)


def principal_part_cross(vals: np.ndarray, vecs: np.ndarray, length: int) -> float:
    """:func:`principal_cross_energy` from given eigenpairs (``vecs`` in columns)."""
    return float(isotypic_energy((vecs * vals) @ vecs.T, length)["cross"])


def trivial_fraction(vectors: np.ndarray, length: int) -> np.ndarray:
    """Share of each column's squared norm in the position-symmetric (trivial) sector.

    For ``v = (v_1, ..., v_L)`` (blocks in ``R^d``) it is ``L ||mean_a v_a||^2 / ||v||^2``:
    1 for ``1 (x) u``, 0 for ``w (x) u`` with ``sum_a w_a = 0``.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim == 1:
        vectors = vectors[:, None]
    if vectors.shape[0] % length:
        raise ValueError(f"vectors of length {vectors.shape[0]} are not L = {length} blocks")
    v = vectors.reshape(length, -1, vectors.shape[1])
    return length * np.sum(v.mean(axis=0) ** 2, axis=0) / np.sum(v**2, axis=(0, 1))


def top_components(C: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest eigenvalues of symmetric ``C`` (descending) and their eigenvectors."""
    n = C.shape[0]
    k = min(k, n)
    vals, vecs = scipy.linalg.eigh(C, subset_by_index=[n - k, n - 1])
    return vals[::-1], vecs[:, ::-1]


def contrast_basis(length: int) -> np.ndarray:
    """Orthonormal basis (``L x (L-1)``) of the standard irrep ``{w : sum_a w_a = 0}``."""
    # The QR of the centring matrix's first L-1 columns spans the sum-zero subspace.
    centring = np.eye(length) - 1.0 / length
    q, _ = np.linalg.qr(centring[:, : length - 1])
    return q


@dataclass(frozen=True)
class Multiplets:
    """Would-be ``(L-1)``-fold multiplets of the standard sector and their first-order splitting.

    ``centres[k]`` is the ``k``-th largest eigenvalue of ``D - B`` (the exact multiplet of
    ``Sym(C)``), ``u[:, k]`` its direction in ``R^d``. ``levels[k]`` are the ``L - 1`` eigenvalues
    of ``C`` restricted to ``{w (x) u_k : sum w = 0}`` (degenerate perturbation theory to first
    order); their mean is exactly ``centres[k]``. ``spread = (max - min) / centre`` and
    ``spread_over_gap = (max - min) / (distance from centre to the nearest other eigenvalue of
    Sym(C))``: above 1 the multiplet is no longer separated from its neighbours.
    """

    centres: np.ndarray
    levels: np.ndarray
    spread: np.ndarray
    spread_over_gap: np.ndarray
    u: np.ndarray


def multiplets(C: np.ndarray, length: int, n: int) -> Multiplets:
    """Split of the ``n`` leading standard-sector multiplets of ``C`` (see :class:`Multiplets`)."""
    d = _check(C, length)
    if irrep_dimension((length - 1, 1)) != length - 1:  # pragma: no cover - hook-length sanity
        raise AssertionError("standard irrep dimension")
    n = min(n, d)
    trivial_op, standard_op = sector_operators(C, length)
    vals, vecs = np.linalg.eigh(standard_op)
    order = np.argsort(vals)[::-1][:n]
    centres, u = vals[order], vecs[:, order]
    cb = blocks(C, length)
    position_cov = np.einsum(
        "aibj,ik,jk->kab", cb, u, u, optimize=True
    )  # (n, L, L): u_k^T C_ab u_k
    w = contrast_basis(length)
    levels = np.linalg.eigvalsh(np.einsum("ap,kab,bq->kpq", w, position_cov, w))[:, ::-1]
    width = levels[:, 0] - levels[:, -1]
    others = np.concatenate([np.linalg.eigvalsh(trivial_op), vals])
    gaps = np.empty(n)
    for k in range(n):
        dist = np.abs(others - centres[k])
        dist[d + order[k]] = np.inf  # the centre itself (others = trivial, then standard)
        gaps[k] = dist.min()
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero-variance direction gives nan
        return Multiplets(centres, levels, width / centres, width / gaps, u)


def lag_profile(C: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean block norm and mean deviation from ``Sym(C)`` at each lag ``|a - b| = 0 .. L-1``.

    Returns ``(norm, deviation)`` with ``norm[l] = mean_{|a-b|=l} ||C_ab||_F`` and
    ``deviation[l] = mean_{|a-b|=l} ||C_ab - Sym(C)_ab||_F``.
    """
    norms2, dev2 = _block_deviation_energy(C, length)
    return _by_lag(np.sqrt(norms2)), _by_lag(np.sqrt(dev2))


def _by_lag(values: np.ndarray) -> np.ndarray:
    length = values.shape[0]
    lag = np.abs(np.subtract.outer(np.arange(length), np.arange(length)))
    return np.array([values[lag == ell].mean() for ell in range(length)])


# --------------------------------------------------------------------------- the analysis


def scalar_statistics(C: np.ndarray, length: int, n_multiplets: int) -> dict[str, np.ndarray]:
    """The statistics whose sampling noise the jackknife estimates (all cheap, no full eigh)."""
    energy = isotypic_energy(C, length)
    norms2, dev2 = _block_deviation_energy(C, length)
    off = ~np.eye(length, dtype=bool)
    mult = multiplets(C, length, n_multiplets)
    with np.errstate(divide="ignore", invalid="ignore"):  # nan if C has no off-diagonal part
        ratio = np.sqrt(dev2.sum() / norms2.sum())
        offdiag_ratio = np.sqrt(dev2[off].sum() / norms2[off].sum())
    return {
        "ratio": ratio,
        "offdiag_ratio": offdiag_ratio,
        "energy_trivial": np.float64(energy["trivial"]),
        "energy_cross": np.float64(energy["cross"]),
        "lag_norm": _by_lag(np.sqrt(norms2)),
        "lag_deviation": _by_lag(np.sqrt(dev2)),
        "multiplet_spread": mult.spread,
        "multiplet_spread_over_gap": mult.spread_over_gap,
    }


def position_profiles(vectors: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Best rank-one split ``v ~ w (x) u`` of each column ``v`` (reshaped ``L x d``).

    Returns ``(profiles, rank_one)``: ``profiles[:, k]`` is the unit position profile ``w`` of
    column ``k`` (leading left singular vector, sign chosen so its largest entry is positive) and
    ``rank_one[k] = s_1^2 / sum s_i^2``, which is 1 when ``v`` is exactly ``w (x) u``, as every
    non-degenerate eigenvector of an ``S_L``-invariant covariance is.
    """
    vectors = np.asarray(vectors)
    v = vectors.reshape(length, -1, vectors.shape[1]).transpose(2, 0, 1)  # (k, L, d)
    left, sing, _ = np.linalg.svd(v, full_matrices=False)
    w = left[:, :, 0]  # (k, L)
    sign = np.sign(w[np.arange(w.shape[0]), np.argmax(np.abs(w), axis=1)])
    return (w * sign[:, None]).T, sing[:, 0] ** 2 / np.sum(sing**2, axis=1)


def spectral_statistics(
    C: np.ndarray, length: int, n_eigs: int, n_multiplets: int = 8, n_pcs: int = 10
) -> dict[str, np.ndarray]:
    """Top eigenvalues of ``C`` and ``Sym(C)``; sector content of ``C``'s top components.

    ``principal_cross`` is :func:`principal_cross_energy` of the top ``n_pcs`` (at most
    ``n_eigs``) components, from the same eigendecomposition.

    Also ``block_norm`` (the ``L x L`` matrix of ``||C_ab||_F``), the position profiles of the top
    components (:func:`position_profiles`) and the leading multiplets' levels, centres and token
    directions (:func:`multiplets`). Not jackknifed (it needs a partial eigendecomposition).
    """
    vals, vecs = top_components(C, n_eigs)
    trivial_op, standard_op = sector_operators(C, length)
    t_vals, s_vals = np.linalg.eigvalsh(trivial_op), np.linalg.eigvalsh(standard_op)
    sym_vals = np.concatenate([t_vals, np.repeat(s_vals, length - 1)])
    sym_is_trivial = np.repeat([True, False], [t_vals.size, s_vals.size * (length - 1)])
    order = np.argsort(sym_vals)[::-1][: vals.size]
    norms2, _ = _block_deviation_energy(C, length)
    profiles, rank_one = position_profiles(vecs, length)
    mult = multiplets(C, length, n_multiplets)
    return {
        "block_norm": np.sqrt(norms2),
        "eigenvalues": vals,
        "trivial_fraction": trivial_fraction(vecs, length),
        "position_profile": profiles,
        "rank_one_fraction": rank_one,
        "sym_eigenvalues": sym_vals[order],
        "sym_is_trivial": sym_is_trivial[order],
        "multiplet_centres": mult.centres,
        "multiplet_levels": mult.levels,
        "multiplet_directions": mult.u,
        "principal_cross": np.float64(principal_part_cross(vals[:n_pcs], vecs[:, :n_pcs], length)),
    }


def chunk_bounds(n: int, n_chunks: int) -> list[tuple[int, int]]:
    """``n_chunks`` contiguous, nearly equal ``[start, stop)`` ranges covering ``0 .. n``."""
    if not 2 <= n_chunks <= n:
        raise ValueError(f"need 2 <= n_chunks <= n, got n_chunks={n_chunks}, n={n}")
    edges = np.linspace(0, n, n_chunks + 1).round().astype(int)
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def jackknife(
    estimates: Sequence[Mapping[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Delete-one jackknife standard errors ``sqrt((K-1)/K sum_k (t_k - mean t)^2)`` per key."""
    k = len(estimates)
    out = {}
    for key in estimates[0]:
        t = np.stack([np.asarray(e[key], dtype=np.float64) for e in estimates])
        out[key] = np.sqrt((k - 1) / k * np.sum((t - t.mean(axis=0)) ** 2, axis=0))
    return out
