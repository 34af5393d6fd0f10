"""Position-covariance symmetry statistics against brute force and hand-computed values."""

from __future__ import annotations

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
