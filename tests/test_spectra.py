"""Kernel spectra by irrep: dense vs symmetry-reduced routes, degeneracies, token distributions."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from biasbook.maths import kernels as kn
from biasbook.maths import sequences as sq
from biasbook.maths import spectra as sp
from biasbook.maths import symmetric_group as sg


@pytest.mark.parametrize("nl", ["identity", "relu"])
def test_dense_and_reduced_routes_agree(nl):
    V, L, p = 2, 8, 0.35
    T = sq.enumerate_sequences(V, L)
    mu = sq.iid_probabilities(T, np.array([1 - p, p]))
    kernel = functools.partial(kn.onehot_attention_nngp, V=2, beta=1.0, nonlinearity=nl)
    dense = sp.dense_spectrum(kernel(T, T), mu, V, L)
    reduced = sp.binary_spectrum(
        kernel, L, np.array([(1 - p) ** (L - w) * p**w for w in range(L + 1)])
    )
    full_d = np.sort(np.repeat(dense.eigenvalues, dense.multiplicities))
    full_r = np.sort(np.repeat(reduced.eigenvalues, reduced.multiplicities))
    np.testing.assert_allclose(full_d, full_r, atol=1e-12)
    # Same eigenvalue mass in every irrep.
    for lam in sg.partitions(L, max_parts=2):
        md = sum(
            e * m
            for e, m, r in zip(dense.eigenvalues, dense.multiplicities, dense.irreps, strict=True)
            if r == lam
        )
        mr = sum(
            e * m
            for e, m, r in zip(
                reduced.eigenvalues, reduced.multiplicities, reduced.irreps, strict=True
            )
            if r == lam
        )
        assert md == pytest.approx(mr, abs=1e-12)
    # Target weights agree between routes (learning-curve inputs).
    s = 1 - 2 * T
    for k in range(L // 2 + 1):
        g = np.prod([(s[:, 2 * i] - s[:, 2 * i + 1]) / np.sqrt(2) for i in range(k)], axis=0)
        g = np.broadcast_to(g, (len(T),))
        wd = sp.dense_target_weights(dense, g, mu, V, L)
        wr = sp.specht_weights(reduced, k)
        assert np.sum(wd * dense.eigenvalues) == pytest.approx(
            np.sum(wr * reduced.eigenvalues), abs=1e-12
        )
        assert wd.sum() == pytest.approx(wr.sum())
    wd = sp.dense_target_weights(dense, s[:, 0], mu, V, L)
    wr = sp.copy_weights(reduced)
    assert np.sum(wd * dense.eigenvalues) == pytest.approx(
        np.sum(wr * reduced.eigenvalues), abs=1e-12
    )


def test_multiplicities_are_irrep_dimensions_for_an_exchangeable_hmm_mixture():
    V, L = 3, 5
    T = sq.enumerate_sequences(V, L)
    mix = sq.random_hmm_mixture(V, seed=3)
    mu = sq.symmetrized_probabilities(mix.probabilities(T), V, L)
    K = kn.onehot_attention_nngp(T, T, V, 1.0, "relu")
    spec = sp.dense_spectrum(K, mu, V, L)
    nonzero = spec.eigenvalues > 0
    assert np.all(spec.purity[nonzero] > 1 - 1e-8)  # every eigenspace is isotypic
    dims = np.array([sg.irrep_dimension(lam) for lam in spec.irreps])
    # Generic (no S_V symmetry): each level is exactly one copy of its irrep.
    np.testing.assert_array_equal(spec.multiplicities[nonzero], dims[nonzero])
    assert spec.trace == pytest.approx(np.sum(mu * np.diag(K)))
    # All 3^5 eigenfunctions are accounted for (levels times their irrep dimensions).
    assert np.sum(spec.multiplicities) == V**L


def test_without_positions_only_two_irreps_are_learnable():
    V, L = 3, 5
    T = sq.enumerate_sequences(V, L)
    mu = sq.iid_probabilities(T, np.array([0.5, 0.3, 0.2]))
    for nl in ("identity", "relu"):
        spec = sp.dense_spectrum(kn.onehot_attention_nngp(T, T, V, 0.0, nl), mu, V, L)
        for eta, lam in zip(spec.eigenvalues, spec.irreps, strict=True):
            if sg.boxes_below_first_row(lam) >= 2:
                assert eta == 0.0


def test_more_symmetric_irreps_have_larger_top_eigenvalues():
    L = 10
    kernel = functools.partial(kn.onehot_attention_nngp, V=2, beta=1.0, nonlinearity="relu")
    top = sp.binary_spectrum(kernel, L).top_by_irrep()
    values = [top[(L - j, j) if j else (L,)] for j in range(L // 2 + 1)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))


def test_hmm_probabilities_and_sampling():
    V, L = 3, 4
    T = sq.enumerate_sequences(V, L)
    mix = sq.random_hmm_mixture(V, n_components=2, n_states=3, seed=4)
    p = mix.probabilities(T)
    assert p.sum() == pytest.approx(1.0)
    assert not sg.is_exchangeable(p, V, L)  # a Markov chain remembers the order
    ps = sq.symmetrized_probabilities(p, V, L)
    assert ps.sum() == pytest.approx(1.0) and sg.is_exchangeable(ps, V, L)
    n = 200_000
    draws = mix.sample(n, L, seed=5)
    freq = np.bincount(sq.sequence_index(draws, V), minlength=V**L) / n
    assert np.max(np.abs(freq - p) / np.sqrt(p / n + 1e-12)) < 5.5  # 5.5 sigma over 81 cells
    sym = sq.symmetrize(draws, seed=6)
    freq_s = np.bincount(sq.sequence_index(sym, V), minlength=V**L) / n
    assert np.max(np.abs(freq_s - ps) / np.sqrt(ps / n + 1e-12)) < 5.5


def test_enumeration_limits():
    with pytest.raises(ValueError, match="too many to enumerate"):
        sq.enumerate_sequences(10, 10)
    with pytest.raises(ValueError, match="too many"):
        sp.dense_spectrum(np.zeros((2, 2)), np.ones(2), V=2, L=13)
    with pytest.raises(ValueError, match="L <= 24"):
        sp.binary_spectrum(lambda a, b: np.ones((len(a), len(b))), 30)
    with pytest.raises(ValueError, match="exchangeable"):
        T = sq.enumerate_sequences(2, 3)
        p = sq.random_hmm_mixture(2, seed=0).probabilities(T)
        sp.dense_spectrum(kn.onehot_attention_nngp(T, T, 2), p, 2, 3)
