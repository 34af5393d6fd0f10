"""Position-covariance symmetry statistics against brute force and hand-computed values."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from biasbook.maths import position_symmetry as pos


def random_psd(size: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((size, size + 3))
    return a @ a.T


def group_average(C: np.ndarray, length: int) -> np.ndarray:
    """Brute force: the mean of (P (x) I) C (P (x) I)^T over all L! position permutations."""
    d = C.shape[0] // length
    total = np.zeros_like(C)
    perms = list(itertools.permutations(range(length)))
    for perm in perms:
        p = np.kron(np.eye(length)[list(perm)], np.eye(d))
        total += p @ C @ p.T
    return total / len(perms)


def invariant_matrix(length: int, d: int, seed: int) -> np.ndarray:
    """A random S_L-invariant PSD covariance I (x) (D - B) + J (x) B."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((d, d))
    y = rng.standard_normal((d, d))
    return np.kron(np.eye(length), x @ x.T) + np.kron(np.ones((length, length)), 0.3 * y @ y.T)


# --------------------------------------------------------------------------- the group average


@pytest.mark.parametrize(("length", "d"), [(2, 3), (3, 2), (4, 2)])
def test_symmetrize_is_the_group_average(length: int, d: int) -> None:
    C = random_psd(length * d, seed=length)
    np.testing.assert_allclose(pos.symmetrize(C, length), group_average(C, length), atol=1e-12)


def test_symmetrize_is_an_orthogonal_projection() -> None:
    length, d = 5, 3
    C = random_psd(length * d, seed=7)
    S = pos.symmetrize(C, length)
    np.testing.assert_allclose(pos.symmetrize(S, length), S, atol=1e-12)  # idempotent
    assert abs(np.sum((C - S) * S)) < 1e-9 * np.sum(C**2)  # residual orthogonal to the image
    p = np.kron(np.eye(length)[[2, 0, 4, 1, 3]], np.eye(d))
    np.testing.assert_allclose(pos.symmetrize(p @ C @ p.T, length), S, atol=1e-12)  # invariant


@pytest.mark.parametrize("length", [2, 3, 4])
def test_breaking_ratios_match_brute_force(length: int) -> None:
    d = 2
    C = random_psd(length * d, seed=10 + length)
    dev = C - group_average(C, length)
    assert pos.breaking_ratio(C, length) == pytest.approx(np.linalg.norm(dev) / np.linalg.norm(C))
    off = np.kron(1 - np.eye(length), np.ones((d, d))).astype(bool)
    expected = np.linalg.norm(dev[off]) / np.linalg.norm(C[off])
    assert pos.offdiag_breaking_ratio(C, length) == pytest.approx(expected)
    assert pos.breaking_ratio(invariant_matrix(length, 3, seed=1), length) < 1e-14


def test_two_positions_by_hand() -> None:
    # L = 2, d = 1: C = [[a, b], [b, c]] -> Sym = [[m, b], [b, m]], m = (a + c) / 2, so
    # ||C - Sym|| = |a - c| / sqrt(2) and ||C|| = sqrt(a^2 + 2 b^2 + c^2).
    a, b, c = 3.0, 1.0, 1.0
    C = np.array([[a, b], [b, c]])
    np.testing.assert_allclose(pos.symmetrize(C, 2), [[2.0, 1.0], [1.0, 2.0]])
    assert pos.breaking_ratio(C, 2) == pytest.approx(1 / np.sqrt(6))
    assert pos.offdiag_breaking_ratio(C, 2) == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------- sectors and spectra


def test_invariant_spectrum_is_trivial_plus_degenerate_standard() -> None:
    length, d = 5, 3
    C = invariant_matrix(length, d, seed=3)
    trivial_op, standard_op = pos.sector_operators(C, length)
    predicted = np.concatenate(
        [np.linalg.eigvalsh(trivial_op), np.repeat(np.linalg.eigvalsh(standard_op), length - 1)]
    )
    np.testing.assert_allclose(np.sort(predicted), np.linalg.eigvalsh(C), atol=1e-10)
    # Non-degenerate trivial levels have eigenvectors entirely in the trivial sector and vice versa.
    vals, vecs = np.linalg.eigh(C)
    frac = pos.trivial_fraction(vecs, length)
    assert np.all((frac < 1e-10) | (frac > 1 - 1e-10))
    assert int(np.sum(frac > 0.5)) == d


def test_position_profiles_of_product_vectors() -> None:
    w = np.array([1.0, -2.0, 0.5])
    u = np.array([0.3, 0.4])
    v = np.stack([np.kron(w, u), np.kron(-w, u), np.arange(6.0)], axis=1)
    profiles, rank_one = pos.position_profiles(v, 3)
    np.testing.assert_allclose(profiles[:, 0], -w / np.linalg.norm(w))  # largest entry -2 -> +
    np.testing.assert_allclose(profiles[:, 1], profiles[:, 0])
    np.testing.assert_allclose(rank_one[:2], 1.0)
    # arange(6) reshaped [[0, 1], [2, 3], [4, 5]]: singular values^2 from its Gram matrix.
    s2 = np.linalg.eigvalsh(np.arange(6.0).reshape(3, 2).T @ np.arange(6.0).reshape(3, 2))
    assert rank_one[2] == pytest.approx(s2.max() / s2.sum())


def test_trivial_fraction_by_hand() -> None:
    vecs = np.array([[1.0, 1.0, 1.0, 2.0], [0.0, 1.0, -1.0, 0.0]])  # L = 2, d = 1, columns
    np.testing.assert_allclose(pos.trivial_fraction(vecs, 2), [0.5, 1.0, 0.0, 0.5])
    with pytest.raises(ValueError):
        pos.trivial_fraction(np.ones(5), 2)


def test_isotypic_energy_matches_projectors() -> None:
    length, d = 4, 3
    C = random_psd(length * d, seed=5)
    pt = np.kron(np.ones((length, length)) / length, np.eye(d))
    ps = np.eye(length * d) - pt
    total = np.sum(C**2)
    energy = pos.isotypic_energy(C, length)
    assert energy["trivial"] == pytest.approx(np.sum((pt @ C @ pt) ** 2) / total)
    assert energy["cross"] == pytest.approx(2 * np.sum((pt @ C @ ps) ** 2) / total)
    assert energy["standard"] == pytest.approx(np.sum((ps @ C @ ps) ** 2) / total)
    assert pos.isotypic_energy(invariant_matrix(length, d, 2), length)["cross"] < 1e-12


def test_multiplets_and_lags_by_hand() -> None:
    # L = 3, d = 1, tridiagonal Toeplitz C. D = 2, B = (1 + 0 + 1 + 1 + 0 + 1) / 6 = 2/3, so the
    # standard multiplet's centre is D - B = 4/3 and the trivial level D + 2B = 10/3. On the
    # sum-zero plane, (1, 0, -1) is an eigenvector with eigenvalue 2 and (1, -2, 1)/sqrt(6) has
    # Rayleigh quotient 2/3 with no coupling: levels {2, 2/3}, spread 4/3 / (4/3) = 1,
    # gap to the trivial level 2, spread/gap = 2/3.
    C = np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
    m = pos.multiplets(C, 3, n=1)
    np.testing.assert_allclose(m.centres, [4 / 3])
    np.testing.assert_allclose(m.levels, [[2.0, 2 / 3]])
    np.testing.assert_allclose(m.spread, [1.0])
    np.testing.assert_allclose(m.spread_over_gap, [2 / 3])
    norm, deviation = pos.lag_profile(C, 3)
    np.testing.assert_allclose(norm, [2.0, 1.0, 0.0])
    np.testing.assert_allclose(deviation, [0.0, 1 / 3, 2 / 3], atol=1e-12)


def test_multiplets_of_invariant_matrix_are_degenerate() -> None:
    length, d = 6, 3
    m = pos.multiplets(invariant_matrix(length, d, seed=4), length, n=3)
    assert m.levels.shape == (3, length - 1)
    np.testing.assert_allclose(m.levels, np.repeat(m.centres[:, None], length - 1, 1), atol=1e-10)
    np.testing.assert_allclose(m.spread, 0.0, atol=1e-10)


def test_contrast_basis_is_orthonormal_and_sum_zero() -> None:
    w = pos.contrast_basis(7)
    np.testing.assert_allclose(w.T @ w, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(w.sum(axis=0), 0.0, atol=1e-12)


def test_shape_errors() -> None:
    with pytest.raises(ValueError):
        pos.symmetrize(np.eye(5), 2)
    with pytest.raises(ValueError):
        pos.symmetrize(np.eye(4), 1)
    with pytest.raises(ValueError):
        pos.onehot_moments(np.array([[0, 3]]), dim=3)


# --------------------------------------------------------------------------- second moments


def test_onehot_moments_match_dense_one_hot() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(50, 3))
    dense = np.eye(4)[x].reshape(50, 12)
    mom = pos.onehot_moments(x, dim=4)
    np.testing.assert_array_equal(mom.outer, dense.T @ dense)
    np.testing.assert_array_equal(mom.total, dense.sum(axis=0))
    np.testing.assert_allclose(mom.covariance(), np.cov(dense.T, bias=True), atol=1e-12)
    emb = pos.OneHotEmbedding(top_v=2)  # ids 2, 3 share the "other" bucket
    bucketed = np.eye(3)[np.minimum(x, 2)].reshape(50, 9)
    np.testing.assert_allclose(emb.moments(x).covariance(), np.cov(bucketed.T, bias=True))


def test_embedded_moments_chunked_and_subtraction() -> None:
    emb = pos.RandomEmbedding(n_words=10, dim=3, seed=1)
    np.testing.assert_array_equal(emb.table, pos.RandomEmbedding(10, 3, seed=1).table)
    assert not np.allclose(emb.table, pos.RandomEmbedding(10, 3, seed=2).table)
    ids = np.random.default_rng(1).integers(0, 10, size=(23, 4))
    flat = emb.table[ids].reshape(23, 12)
    mom = pos.embedded_moments(ids, emb.table, chunk_size=5)
    np.testing.assert_allclose(mom.outer, flat.T @ flat, atol=1e-12)
    rest = mom - pos.embedded_moments(ids[:7], emb.table)
    np.testing.assert_allclose(rest.covariance(), np.cov(flat[7:].T, bias=True), atol=1e-12)


def test_jackknife_of_a_mean_is_the_standard_error() -> None:
    # Delete-one means of K values: the jackknife SE equals std(ddof=1) / sqrt(K) exactly.
    values = np.random.default_rng(4).standard_normal(12)
    loo = [{"m": (values.sum() - v) / 11} for v in values]
    se = pos.jackknife(loo)["m"]
    assert se == pytest.approx(values.std(ddof=1) / np.sqrt(12))


def test_principal_cross_energy_vanishes_for_an_invariant_covariance_only() -> None:
    C = invariant_matrix(4, 3, seed=7)
    assert pos.principal_cross_energy(C, 4, 3) < 1e-12
    assert pos.principal_cross_energy(random_psd(12, seed=8), 4, 3) > 1e-3
    # the same through Lanczos (large matrices) and LAPACK (small ones)
    big = random_psd(520, seed=9)  # L = 8 positions of d = 65
    vals, vecs = np.linalg.eigh(big)
    assert pos.principal_cross_energy(big, 8, 5) == pytest.approx(
        pos.principal_part_cross(vals[-5:], vecs[:, -5:], 8), rel=1e-8
    )


def test_a_table_embedding_maps_ids_beyond_it_to_its_last_row() -> None:
    table = np.random.default_rng(10).standard_normal((4, 2))
    windows = np.array([[0, 3], [7, 1], [2, 9]])
    emb = pos.TableEmbedding(table, "test")
    x = table[np.minimum(windows, 3)].reshape(3, -1)
    m = emb.moments(windows)
    np.testing.assert_allclose(m.outer, x.T @ x)
    np.testing.assert_allclose(m.total, x.sum(axis=0))
    assert emb.dim == 2 and emb.label == "test (d = 2)"


def test_moments_of_two_texts_add_up_to_the_moments_of_both_and_subtract_back():
    # Sufficient statistics are sums over windows: those of A + those of B are those of A then B.
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 4, size=(7, 3)), rng.integers(0, 4, size=(5, 3))
    ma, mb, both = (pos.onehot_moments(w, 4) for w in (a, b, np.concatenate([a, b])))
    for got, want in ((ma + mb, both), (both - mb, ma)):
        assert (got.n, got.length, got.dim) == (want.n, want.length, want.dim)
        np.testing.assert_array_equal(got.total, want.total)
        np.testing.assert_array_equal(got.outer, want.outer)
        np.testing.assert_allclose(got.covariance(), want.covariance(), atol=1e-15)


# --------------------------------------------------------------------------- boundaries and input


def test_moments_of_one_window_and_bucket_range() -> None:
    # One window: mean is the window, covariance zero (ML normalisation); none: an error.
    x = np.array([[1, 0, 2]])
    mom = pos.onehot_moments(x, dim=3)
    np.testing.assert_array_equal(mom.mean(), np.eye(3)[x[0]].ravel())
    np.testing.assert_array_equal(mom.covariance(), np.zeros((9, 9)))
    with pytest.raises(ValueError, match="zero windows"):
        pos.onehot_moments(np.zeros((0, 3), dtype=int), dim=3).covariance()
    # Ids outside [0, dim), either side alone; a 3-d array is not a set of windows.
    for bad in ([[0, 3]], [[-1, 1]]):
        with pytest.raises(ValueError, match=r"bucket ids must lie in \[0, 3\)"):
            pos.onehot_moments(np.array(bad), dim=3)
    with pytest.raises(ValueError, match="windows must be"):
        pos.embedded_moments(np.zeros((2, 2, 2), dtype=int), np.eye(3))


def test_onehot_moments_without_the_top_bucket() -> None:
    # The co-occurrence blocks keep their d x d shape when the last id never occurs.
    x = np.array([[0, 1], [1, 1], [0, 0]])
    mom = pos.onehot_moments(x, dim=4)
    dense = np.eye(4)[x].reshape(3, 8)
    np.testing.assert_array_equal(mom.outer, dense.T @ dense)


def test_table_embedding_is_frozen_and_compared_by_identity() -> None:
    table = np.eye(3)
    emb = pos.TableEmbedding(table, "t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        emb.name = "u"  # type: ignore[misc]
    # Arrays cannot be compared or hashed as fields: equality is identity, so it can key a dict.
    assert emb == emb and emb != pos.TableEmbedding(table, "t")
    assert {emb: 1}[emb] == 1


@pytest.mark.parametrize("bad", [np.ones(4), np.ones((6, 4)), np.ones((2, 2, 2))])
def test_non_square_covariances_rejected(bad) -> None:
    with pytest.raises(ValueError, match="square matrix"):
        pos.blocks(bad, 2)


def test_principal_cross_energy_of_the_top_components() -> None:
    # Against the principal part built from NumPy's full eigendecomposition, k = 1 and 3.
    C = random_psd(12, seed=11)
    vals, vecs = np.linalg.eigh(C)
    for k in (1, 3):
        part = (vecs[:, -k:] * vals[-k:]) @ vecs[:, -k:].T
        expected = pos.isotypic_energy(part, 4)["cross"]
        assert pos.principal_cross_energy(C, 4, k) == pytest.approx(expected, rel=1e-9)


def test_trivial_fraction_shapes() -> None:
    # A single vector counts as one column; six entries are 2 blocks of 3 or 3 of 2.
    v = np.arange(1.0, 7.0)
    blocks = v.reshape(2, 3)
    expected = 2 * np.sum(blocks.mean(axis=0) ** 2) / np.sum(v**2)
    np.testing.assert_allclose(pos.trivial_fraction(v, 2), [expected])
    np.testing.assert_allclose(pos.trivial_fraction(np.stack([v, v], axis=1), 2), [expected] * 2)
    with pytest.raises(ValueError, match="vectors of length 7 are not L = 2 blocks"):
        pos.trivial_fraction(np.ones((7, 3)), 2)


def test_top_components_against_numpy() -> None:
    C = random_psd(8, seed=12)
    vals, vecs = np.linalg.eigh(C)
    for k in (1, 3, 8, 20):
        top, directions = pos.top_components(C, k)
        kk = min(k, 8)
        np.testing.assert_allclose(top, vals[::-1][:kk], rtol=1e-10)
        # Each returned vector is the eigenvector of its eigenvalue (up to sign).
        overlap = np.abs(np.sum(directions * vecs[:, ::-1][:, :kk], axis=0))
        np.testing.assert_allclose(overlap, 1.0, atol=1e-8)


def test_multiplets_are_the_leading_ones_with_their_gaps() -> None:
    # L = 3, d = 2, C = I (x) diag(5, 2) + J (x) diag(1, 0.5) (invariant): D - B = diag(5, 2),
    # D + 2B = diag(8, 3.5). Multiplet centres in descending order 5, 2; the nearest other level
    # of Sym(C) is 3.5 for both (gap 1.5) and the spreads are 0, with a perturbation to see them.
    base = np.kron(np.eye(3), np.diag([5.0, 2.0])) + np.kron(np.ones((3, 3)), np.diag([1.0, 0.5]))
    m = pos.multiplets(base, 3, n=2)
    np.testing.assert_allclose(m.centres, [5.0, 2.0])
    np.testing.assert_allclose(np.abs(m.u), np.eye(2), atol=1e-12)
    # Break the symmetry on token direction 1 only: position 0's variance up by 0.3.
    C = base.copy()
    C[0, 0] += 0.3
    m = pos.multiplets(C, 3, n=2)
    # Direction 0: D = 6.1, B = 1, centre D - B = 5.1; its levels are the eigenvalues of the
    # position covariance diag(5.3, 5, 5) + J on the sum-zero plane; the other levels of Sym(C)
    # are 8.1 (its trivial level), 3.5 and 2, so the gap is 1.6.
    w = pos.contrast_basis(3)
    levels = np.linalg.eigvalsh(w.T @ (np.diag([5.3, 5.0, 5.0]) + np.ones((3, 3))) @ w)[::-1]
    np.testing.assert_allclose(m.centres[0], 5.1)
    np.testing.assert_allclose(m.levels[0], levels)
    gap = 1.6
    np.testing.assert_allclose(m.spread_over_gap[0], (levels[0] - levels[-1]) / gap)
    np.testing.assert_allclose(m.spread[0], (levels[0] - levels[-1]) / 5.1)


def test_scalar_statistics_match_the_single_statistics() -> None:
    length = 3
    C = random_psd(9, seed=13)
    stats = pos.scalar_statistics(C, length, n_multiplets=2)
    assert stats["ratio"] == pytest.approx(pos.breaking_ratio(C, length))
    assert stats["offdiag_ratio"] == pytest.approx(pos.offdiag_breaking_ratio(C, length))
    energy = pos.isotypic_energy(C, length)
    assert stats["energy_cross"] == pytest.approx(energy["cross"])
    norm, deviation = pos.lag_profile(C, length)
    np.testing.assert_allclose(stats["lag_norm"], norm)
    np.testing.assert_allclose(stats["lag_deviation"], deviation)
    np.testing.assert_allclose(stats["multiplet_spread"], pos.multiplets(C, length, 2).spread)


def test_position_profiles_with_more_columns_than_positions() -> None:
    # k = 3 columns of L = 2 positions (d = 2); the second one's largest entry is negative.
    w1, w2 = np.array([0.6, 0.8]), np.array([0.28, -0.96])
    u = np.array([1.0, 2.0]) / np.sqrt(5)
    v = np.stack([np.kron(w1, u), np.kron(w2, u), np.kron(w1, -u)], axis=1)
    profiles, rank_one = pos.position_profiles(v, 2)
    np.testing.assert_allclose(profiles, np.stack([w1, -w2, w1], axis=1), atol=1e-12)
    np.testing.assert_allclose(rank_one, 1.0)


@pytest.mark.parametrize("length", [3, 4])
def test_spectral_statistics_against_the_symmetrised_matrix(length: int) -> None:
    d = 3
    C = random_psd(length * d, seed=14)
    full = length * d
    stats = pos.spectral_statistics(C, length, n_eigs=full)
    sym = pos.symmetrize(C, length)
    sym_vals, sym_vecs = np.linalg.eigh(sym)
    np.testing.assert_allclose(stats["sym_eigenvalues"], sym_vals[::-1], atol=1e-10)
    # A level of Sym(C) is trivial when its eigenvector lies in the trivial sector.
    frac = pos.trivial_fraction(sym_vecs[:, ::-1], length)
    np.testing.assert_array_equal(stats["sym_is_trivial"], frac > 0.5)
    np.testing.assert_allclose(stats["eigenvalues"], np.linalg.eigvalsh(C)[::-1], rtol=1e-10)
    # Defaults: 8 multiplets at most (here d = 3) and the principal part of the top 10 components.
    assert stats["multiplet_centres"].shape == (d,)
    top10 = pos.principal_cross_energy(C, length, min(10, full))
    assert stats["principal_cross"] == pytest.approx(top10)
    small = pos.spectral_statistics(random_psd(9 * 4, seed=15), 4, n_eigs=12)
    assert small["multiplet_centres"].shape == (8,)


def test_chunk_bounds() -> None:
    assert pos.chunk_bounds(10, 3) == [(0, 3), (3, 7), (7, 10)]
    assert pos.chunk_bounds(10, 2) == [(0, 5), (5, 10)]
    assert pos.chunk_bounds(4, 4) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    for n_chunks in (1, 5, 0):
        with pytest.raises(ValueError, match="need 2 <= n_chunks <= n"):
            pos.chunk_bounds(4, n_chunks)


def test_more_input_edges() -> None:
    # Valid ids need not include 0; an id far beyond dim is rejected, as is a C with fewer rows.
    mom = pos.onehot_moments(np.array([[1, 2], [2, 2]]), dim=3)
    np.testing.assert_array_equal(mom.total, [0, 1, 1, 0, 0, 2])
    with pytest.raises(ValueError, match="bucket ids"):
        pos.onehot_moments(np.array([[0, 5]]), dim=3)
    with pytest.raises(ValueError, match="square matrix"):
        pos.blocks(np.ones((4, 6)), 2)
    assert pos.OneHotEmbedding(top_v=3).dim == 4


def test_random_embedding_has_variance_one_over_dim() -> None:
    # N(0, I / dim): Monte Carlo over 8,000 x 4 entries (standard error of the variance ~1.6 %).
    table = pos.RandomEmbedding(n_words=8000, dim=4, seed=0).table
    assert abs(table.mean()) < 0.02
    assert table.var() * 4 == pytest.approx(1.0, rel=0.06)
    assert np.mean(table < 0) == pytest.approx(0.5, abs=0.02)


def test_multiplet_spread_over_all_levels_and_exact_gaps() -> None:
    # L = 4, d = 3, invariant base: centres D - B = 5, 2, 1 with trivial levels 5 + 4 * 1 = 9,
    # 2 + 4 * 0.5 = 4 and 1 + 4 * 0.2 = 1.8. Invariant: every spread and spread/gap is 0.
    length = 4
    base = np.kron(np.eye(length), np.diag([5.0, 2.0, 1.0])) + np.kron(
        np.ones((length, length)), np.diag([1.0, 0.5, 0.2])
    )
    m = pos.multiplets(base, length, n=3)
    np.testing.assert_allclose(m.centres, [5.0, 2.0, 1.0])
    np.testing.assert_allclose(m.spread_over_gap, 0.0, atol=1e-12)  # not nan
    # Perturb direction 0 at positions 0 and 1 by +0.4 and +0.1: its position covariance is
    # diag(5.4, 5.1, 5, 5) + J; three sum-zero levels, the spread is their max minus their min.
    C = base.copy()
    C[0, 0] += 0.4
    C[3, 3] += 0.1
    m = pos.multiplets(C, length, n=3)
    w = pos.contrast_basis(length)
    levels = np.linalg.eigvalsh(w.T @ (np.diag([5.4, 5.1, 5.0, 5.0]) + 1.0) @ w)
    centre = 5.0 + 0.5 / length
    np.testing.assert_allclose(m.centres[0], centre)
    np.testing.assert_allclose(m.spread[0], (levels.max() - levels.min()) / centre)
    gap = min(abs(centre - (centre + 4.0)), abs(centre - 4.0), abs(centre - 2.0))
    np.testing.assert_allclose(m.spread_over_gap[0], (levels.max() - levels.min()) / gap)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.spread = m.spread  # type: ignore[misc]


def test_jackknife_of_vector_statistics() -> None:
    # Each component separately: delete-one means of a (12, 3) sample.
    values = np.random.default_rng(5).standard_normal((12, 3)) * [1.0, 2.0, 5.0]
    loo = [{"m": (values.sum(axis=0) - v) / 11, "s": np.float64(0.0)} for v in values]
    se = pos.jackknife(loo)
    np.testing.assert_allclose(se["m"], values.std(axis=0, ddof=1) / np.sqrt(12))
    assert se["s"] == 0.0


def test_windows_must_be_two_dimensional_and_embeddings_frozen() -> None:
    for bad in (np.zeros(3, dtype=int), np.zeros((2, 2, 2), dtype=int)):
        with pytest.raises(ValueError, match="windows must be"):
            pos.onehot_moments(bad, dim=3)
    with pytest.raises(ValueError, match="windows must be"):
        pos.embedded_moments(np.zeros(3, dtype=int), np.eye(3))
    one_hot, random = pos.OneHotEmbedding(top_v=2), pos.RandomEmbedding(5, 2, seed=0)
    assert one_hot.label == "one-hot (top 2 + other)"
    assert random.label == "random Gaussian (d = 2)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        one_hot.top_v = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        random.seed = 1  # type: ignore[misc]
