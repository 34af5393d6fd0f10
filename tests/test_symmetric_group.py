"""Symmetric-group maths against independent facts: counts, brute-force tableaux, orthogonality."""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest

from biasbook.maths import symmetric_group as sg

# Number of partitions p(n), OEIS A000041.
P_OF_N = [1, 1, 2, 3, 5, 7, 11, 15, 22, 30, 42]


@functools.cache
def _count_standard_tableaux(lam: tuple[int, ...]) -> int:
    """Brute force: a standard tableau's largest entry sits in a removable corner."""
    if sum(lam) == 0:
        return 1
    total = 0
    for i, row in enumerate(lam):
        if row > 0 and (i + 1 == len(lam) or lam[i + 1] < row):
            smaller = list(lam)
            smaller[i] -= 1
            total += _count_standard_tableaux(tuple(smaller))
    return total


def test_partition_counts():
    for n, p in enumerate(P_OF_N):
        parts = sg.partitions(n)
        assert len(parts) == p
        assert len(set(parts)) == p
        assert all(sum(lam) == n for lam in parts)
    assert sg.partitions(5)[0] == (5,) and sg.partitions(5)[-1] == (1,) * 5
    assert sg.partitions(6, max_parts=2) == [(6,), (5, 1), (4, 2), (3, 3)]


@pytest.mark.parametrize("n", range(1, 11))
def test_sum_of_squared_dimensions_is_n_factorial(n):
    assert sum(sg.irrep_dimension(lam) ** 2 for lam in sg.partitions(n)) == math.factorial(n)


def test_hook_length_matches_brute_force_tableaux():
    for n in range(1, 9):
        for lam in sg.partitions(n):
            assert sg.irrep_dimension(lam) == _count_standard_tableaux(lam), lam


def test_known_dimensions():
    assert sg.irrep_dimension((3, 2)) == 5
    assert sg.irrep_dimension((3, 2, 1)) == 16
    assert sg.irrep_dimension((4, 2)) == 9
    for L in range(5, 14):
        assert sg.irrep_dimension((L,)) == 1
        assert sg.irrep_dimension((L - 1, 1)) == L - 1
        assert sg.irrep_dimension((L - 2, 2)) == L * (L - 3) // 2
        assert sg.irrep_dimension((L - 2, 1, 1)) == (L - 1) * (L - 2) // 2
        for k in range(L // 2 + 1):
            assert sg.irrep_dimension((L - k, k) if k else (L,)) == math.comb(L, k) - (
                math.comb(L, k - 1) if k else 0
            )


@pytest.mark.parametrize("bad", [(1, 2), (2, 0), (0,), (-1,), (2.5, 1), "ab", [3, 1, 2]])
def test_non_partitions_rejected(bad):
    with pytest.raises(ValueError, match="partition"):
        sg.irrep_dimension(bad)


def test_wrong_size_rejected():
    with pytest.raises(ValueError, match="not of n = 5"):
        sg.irrep_dimension((3, 1), n=5)
    with pytest.raises(ValueError):
        sg.character((3, 1), (2, 2, 1))
    with pytest.raises(ValueError):
        sg.isotypic_projector((3, 1), V=2, L=5)


def test_conjugate_and_content():
    assert sg.conjugate((4, 2, 1)) == (3, 2, 1, 1)
    assert sg.conjugate(sg.conjugate((5, 3, 3, 1))) == (5, 3, 3, 1)
    # Transposition class sum acts on S^lambda by the content sum (Jucys-Murphy), an independent
    # formula for the central character of the class (2, 1^{n-2}).
    for n in range(2, 9):
        for lam in sg.partitions(n):
            cc = sg.central_character(lam, (2,) + (1,) * (n - 2))
            assert cc == pytest.approx(sg.content_sum(lam))


@pytest.mark.parametrize("n", range(1, 9))
def test_character_orthogonality(n):
    irreps, classes, table = sg.character_table(n)
    sizes = np.array([sg.class_size(mu) for mu in classes])
    assert sizes.sum() == math.factorial(n)
    # Row orthogonality: sum_mu |C_mu| chi_lambda chi_nu = n! delta.
    np.testing.assert_array_equal(
        (table * sizes) @ table.T, math.factorial(n) * np.eye(len(irreps))
    )
    # Column orthogonality: sum_lambda chi(mu) chi(nu) = z_mu delta.
    z = np.array([sg.centralizer_order(mu) for mu in classes])
    np.testing.assert_array_equal(table.T @ table, np.diag(z))
    # chi(identity) = f^lambda.
    ident = classes.index((1,) * n)
    assert list(table[:, ident]) == [sg.irrep_dimension(lam) for lam in irreps]


def _fix_k(perm, k):
    """Number of k-subsets of positions mapped to themselves by perm."""
    return sum(
        1 for s in itertools.combinations(range(len(perm)), k) if {perm[a] for a in s} == set(s)
    )


def test_characters_by_brute_force():
    for n in range(2, 7):
        for perm in itertools.permutations(range(n)):
            mu = sg.cycle_type(perm)
            inversions = sum(1 for i, j in itertools.combinations(range(n), 2) if perm[i] > perm[j])
            assert sg.character((1,) * n, mu) == (-1) ** inversions  # sign
            assert sg.character((n,), mu) == 1
            # Two-row irreps: chi_(n-k,k) = Fix_k - Fix_{k-1} (permutation-module characters).
            for k in range(1, n // 2 + 1):
                assert sg.character((n - k, k), mu) == _fix_k(perm, k) - _fix_k(perm, k - 1)


def test_class_enumeration():
    for n in range(1, 7):
        total = 0
        for mu in sg.partitions(n):
            perms = sg.permutations_of_type(mu)
            assert all(sg.cycle_type(p) == mu for p in perms)
            total += len(perms)
        assert total == math.factorial(n)


@pytest.mark.parametrize(("V", "L"), [(2, 4), (2, 6), (3, 4), (4, 3)])
@pytest.mark.parametrize("method", ["group", "central"])
def test_projectors_idempotent_orthogonal_complete(V, L, method):
    N = V**L
    total = np.zeros((N, N))
    projectors = {lam: sg.isotypic_projector(lam, V, L, method=method) for lam in sg.partitions(L)}
    for lam, P in projectors.items():
        np.testing.assert_allclose(P @ P, P, atol=1e-10)
        np.testing.assert_allclose(P, P.T, atol=1e-10)
        if len(lam) > V:  # Young's rule: no irrep with more than V rows occurs
            np.testing.assert_allclose(P, 0, atol=1e-10)
        total += P
    np.testing.assert_allclose(total, np.eye(N), atol=1e-10)
    for a, b in itertools.combinations(projectors.values(), 2):
        np.testing.assert_allclose(a @ b, 0, atol=1e-10)
    if V == 2:  # multiplicity of (L-k, k) is L - 2k + 1, so trace = (L-2k+1) f^lambda
        for k in range(L // 2 + 1):
            lam = (L - k, k) if k else (L,)
            expected = (L - 2 * k + 1) * sg.irrep_dimension(lam)
            assert np.trace(projectors[lam]) == pytest.approx(expected)


def test_projectors_commute_with_action():
    V, L = 3, 4
    rng = np.random.default_rng(0)
    perm = rng.permutation(L)
    idx = sg.permutation_index_map(perm, V)
    R = np.eye(V**L)[idx]  # (R g)[t] = g[idx[t]]
    for lam in sg.partitions(L, max_parts=V):
        P = sg.isotypic_projector(lam, V, L)
        np.testing.assert_allclose(R @ P, P @ R, atol=1e-10)


def _assert_routes_agree(g: np.ndarray, V: int, L: int, irreps) -> None:
    """The exact group sum and the class-sum interpolation project ``g`` alike."""
    for lam in irreps:
        np.testing.assert_allclose(
            sg.project(lam, g, V, L, method="group"),
            sg.project(lam, g, V, L, method="central"),
            atol=1e-9,
        )


def test_group_and_central_routes_agree_at_larger_L():
    V, L = 2, 8
    rng = np.random.default_rng(1)
    _assert_routes_agree(rng.normal(size=(V**L, 3)), V, L, [(8,), (6, 2), (4, 4)])


def test_specht_and_copy_target_weights():
    """Specht polynomials lie in one irrep; copy-token-1 splits 1/L, 1 - 1/L (hand algebra)."""
    V, L = 2, 6
    t = np.array(list(itertools.product(range(V), repeat=L)))
    s = 1.0 - 2.0 * t
    for k in range(L // 2 + 1):
        g = np.prod([(s[:, 2 * j] - s[:, 2 * j + 1]) / np.sqrt(2) for j in range(k)], axis=0)
        g = np.broadcast_to(g, (V**L,))
        weights = sg.isotypic_weights(g, V, L)
        lam = (L - k, k) if k else (L,)
        assert weights[lam] == pytest.approx(1.0)
    w = sg.isotypic_weights(s[:, 0], V, L)
    assert w[(L,)] == pytest.approx(1 / L)
    assert w[(L - 1, 1)] == pytest.approx(1 - 1 / L)
    # s_1 s_2: weight f^(L-j,j) / C(L,2) on irrep (L-j, j).
    w = sg.isotypic_weights(s[:, 0] * s[:, 1], V, L)
    for lam in [(L,), (L - 1, 1), (L - 2, 2)]:
        assert w[lam] == pytest.approx(sg.irrep_dimension(lam) / math.comb(L, 2))


def test_too_many_sequences_rejected():
    with pytest.raises(ValueError, match="too many to enumerate"):
        sg.isotypic_projector((20,), V=4, L=20)
    with pytest.raises(ValueError, match="use method='central'"):
        sg.isotypic_projector((9,), V=2, L=9, method="group")


def test_exchangeability_check():
    V, L = 3, 3
    t = np.array(list(itertools.product(range(V), repeat=L)))
    p = np.array([0.5, 0.3, 0.2])
    iid = np.prod(p[t], axis=1)
    assert sg.is_exchangeable(iid, V, L)
    markov = iid * (1 + 0.5 * (t[:, 0] == t[:, 1]))
    assert not sg.is_exchangeable(markov / markov.sum(), V, L)
    with pytest.raises(ValueError, match="exchangeable"):
        sg.isotypic_weights(np.ones(V**L), V, L, measure=markov / markov.sum())


@pytest.mark.parametrize(("V", "L"), [(2, 5), (3, 4), (3, 5), (4, 4)])
def test_tensor_multiplicity_is_the_trace_of_the_isotypic_projector(V, L):
    # Independent route: the projector built from characters has trace f^lambda * multiplicity, and
    # the isotypic dimensions add up to V^L.
    total = 0
    for lam in sg.partitions(L):
        dim = sg.irrep_dimension(lam) * sg.tensor_multiplicity(lam, V)
        if len(lam) <= V:
            assert np.trace(sg.isotypic_projector(lam, V, L)) == pytest.approx(dim)
        else:
            assert dim == 0
        total += dim
    assert total == V**L


def test_tensor_multiplicity_known_values():
    # [L]: the symmetric functions, one per multiset of L tokens; (L-k, k) for V = 2: L - 2k + 1.
    assert sg.tensor_multiplicity((6,), 3) == math.comb(3 + 6 - 1, 6)
    shapes = [(10,)] + [(10 - k, k) for k in range(1, 6)]
    assert [sg.tensor_multiplicity(lam, 2) for lam in shapes] == [11, 9, 7, 5, 3, 1]
    with pytest.raises(ValueError, match="V must be"):
        sg.tensor_multiplicity((2, 1), 0)


# --------------------------------------------------------------------------- boundaries and input


def test_partition_input_edge_cases():
    # NumPy integers are integers; parts given out of order are named in their sorted order.
    assert sg.validate_partition(np.array([3, 1])) == (3, 1)
    assert sg.irrep_dimension((3, 2), n=np.int64(5)) == 5
    with pytest.raises(ValueError, match=r"e\.g\. \(2, 1\)"):
        sg.validate_partition((1, 2))
    with pytest.raises(ValueError, match="hold integers"):
        sg.validate_partition((2, -0.5))
    with pytest.raises(ValueError, match="non-negative"):
        sg.partitions(-1)
    assert sg.partitions(3, max_parts=-1) == []  # at most -1 rows: none
    assert sg.partitions(4, max_parts=0) == []
    assert sg.partitions(0, max_parts=0) == [()]
    assert sg.partitions(6, max_parts=np.int64(2)) == [(6,), (5, 1), (4, 2), (3, 3)]


def test_boxes_below_first_row():
    assert [sg.boxes_below_first_row(lam) for lam in [(5,), (4, 1), (3, 2, 1), (1, 1, 1)]] == [
        0,
        1,
        3,
        2,
    ]


def test_counts_are_exact_integers():
    # Python ints, not floats: 30! / hooks is beyond float precision.
    lam = (12, 10, 8)
    dim, mult, size = sg.irrep_dimension(lam), sg.tensor_multiplicity(lam, 5), sg.class_size(lam)
    assert all(type(x) is int for x in (dim, mult, size))
    assert dim == _count_standard_tableaux(lam)
    assert size == math.factorial(30) // (12 * 10 * 8)
    # One row, V = 1: only the constant function; two rows need V >= 2.
    assert sg.tensor_multiplicity((3,), 1) == 1
    assert sg.tensor_multiplicity((2, 1), 1) == 0


@pytest.mark.parametrize("bad", [[1, 1, 2], [0, 0, 1], [0, 2], [3, 1, 2]])
def test_non_permutations_rejected(bad):
    with pytest.raises(ValueError, match=rf"is not a permutation of 0\.\.{len(bad) - 1}$"):
        sg.cycle_type(bad)


def test_large_class_enumerated():
    # Class sizes above 256 (CPython's cached small ints): the 7-cycles and (4, 3).
    for mu in [(7,), (4, 3)]:
        perms = sg.permutations_of_type(mu)
        assert len(perms) == sg.class_size(mu) == math.factorial(7) // sg.centralizer_order(mu)
        assert len({tuple(p) for p in perms}) == len(perms)


def test_sequence_limit_is_exact():
    # 2^14 sequences are allowed, 2^15 are not.
    assert sg.permutation_index_map(range(14), 2).shape == (1 << 14,)
    with pytest.raises(ValueError, match="too many to enumerate"):
        sg.permutation_index_map(range(15), 2)
    with pytest.raises(ValueError, match="too many to enumerate"):
        sg.is_exchangeable(np.ones(3**9), 3, 9)


@pytest.mark.parametrize("shape", [(), (15,), (17,), (17, 2), (16, 2, 2)])
def test_values_of_wrong_shape_rejected(shape):
    with pytest.raises(ValueError, match="expected values on all 16 sequences"):
        sg.project((4,), np.ones(shape), 2, 4)


def test_vector_and_column_inputs_agree():
    V, L = 2, 4
    g = np.random.default_rng(3).normal(size=(V**L, 2))
    for lam in sg.partitions(L, max_parts=V):
        for method in ("group", "central"):
            col = sg.project(lam, g, V, L, method=method)
            np.testing.assert_allclose(sg.project(lam, g[:, 1], V, L, method=method), col[:, 1])
    # The class sum applied to one vector: the sum over the class of g at the permuted sequences.
    for mu in [(2, 1, 1), (3, 1), (2, 2)]:
        expected = sum(g[sg.permutation_index_map(p, V), 1] for p in sg.permutations_of_type(mu))
        np.testing.assert_allclose(sg.class_sum_apply(mu, g[:, 1], V, L), expected)
        np.testing.assert_allclose(sg.class_sum_apply(mu, g, V, L)[:, 1], expected)


@pytest.mark.parametrize("bad", ["abc", "zzz", "Group", "aardvark", "centrall"])
def test_unknown_method_rejected(bad):
    with pytest.raises(ValueError, match="method must be"):
        sg.project((4,), np.ones(16), 2, 4, method=bad)


def _spy_routes(monkeypatch):
    """Record which projection route runs (both give the same numbers, so results cannot tell)."""
    used: list[str] = []
    group, central = sg._project_group, sg._project_central

    def spy(name, fn):
        def wrapped(*args):
            used.append(name)
            return fn(*args)

        return wrapped

    monkeypatch.setattr(sg, "_project_group", spy("group", group))
    monkeypatch.setattr(sg, "_project_central", spy("central", central))
    return used


@pytest.mark.parametrize(
    ("V", "L", "route"),
    # L! V^L against MAX_GROUP_SUM_WORK / 8 = 7.5e6: 384, 29,160 and 645,120 below, 10,321,920
    # and 11,022,480 above.
    [(2, 4, "group"), (3, 5, "group"), (2, 7, "group"), (2, 8, "central"), (3, 7, "central")],
)
def test_auto_route_follows_the_work_estimate(monkeypatch, V, L, route):
    used = _spy_routes(monkeypatch)
    g = np.ones(V**L)
    sg.project((L,), g, V, L)
    sg.project((L,), g, V, L, method="".join(["au", "to"]))  # a name built at run time
    assert used == [route, route]


def test_named_routes_are_the_ones_used(monkeypatch):
    used = _spy_routes(monkeypatch)
    g = np.ones(16)
    for method in ("group", "central", "".join(["gro", "up"]), "".join(["cen", "tral"])):
        sg.project((4,), g, 2, 4, method=method)
    assert used == ["group", "central", "group", "central"]


def test_group_sum_limit_message():
    # 9! * 2^9 = 185,794,560 operations.
    with pytest.raises(ValueError, match=r"L! \* V\^L = 185794560 operations"):
        sg.group_sum_operator((9,), 2, 9)


def test_central_route_uses_few_small_class_sums():
    # Content sums tell two-row shapes apart, so V = 2 needs only the transpositions (L(L-1)/2
    # permutations per factor); L = 2 needs its one class after the loop over candidates.
    for L in range(2, 12):
        assert sg._separating_classes(sg.partitions(L, max_parts=2), L) == [(2,) + (1,) * (L - 2)]
    # (4, 1, 1) and (3, 3) share the content sum 3: one more class, the smallest next.
    assert sg._separating_classes(sg.partitions(6, max_parts=3), 6) == [
        (2, 1, 1, 1, 1),
        (2, 2, 1, 1),
    ]
    rng = np.random.default_rng(4)
    for V, L in [(2, 2), (3, 2), (3, 6)]:
        _assert_routes_agree(rng.normal(size=V**L), V, L, sg.partitions(L, max_parts=V))


def test_isotypic_weights_under_a_product_measure():
    # g(t) = f(t_0) under i.i.d. tokens with probabilities p: the symmetric part of g is the
    # position average, so its share is (E f^2 + (L - 1) (E f)^2) / (L E f^2) by hand.
    V, L = 3, 4
    t = np.array(list(itertools.product(range(V), repeat=L)))
    p = np.array([0.5, 0.3, 0.2])
    f = np.array([0.1, -0.4, 0.7])
    measure = np.prod(p[t], axis=1)
    ef, ef2 = p @ f, p @ f**2
    assert ef2 < 1  # a total norm below 1 and away from 1
    weights = sg.isotypic_weights(f[t[:, 0]], V, L, measure=measure)
    assert weights[(L,)] == pytest.approx((ef2 + (L - 1) * ef**2) / (L * ef2))
    assert sum(weights.values()) == pytest.approx(1.0)
    # Several columns give one weight per column; a vector gives a number.
    both = sg.isotypic_weights(np.stack([f[t[:, 0]], 3 * f[t[:, 1]]], axis=1), V, L, measure)
    assert both[(L,)].shape == (2,)
    np.testing.assert_allclose(both[(L,)], weights[(L,)])
    assert np.ndim(weights[(L,)]) == 0
    # The zero function has no weight anywhere (not NaN).
    zero = sg.isotypic_weights(np.zeros(V**L), V, L)
    assert all(w == 0 for w in zero.values())


@pytest.mark.parametrize("n", [80, 82])
def test_measure_of_wrong_shape_rejected(n):
    with pytest.raises(ValueError, match=r"measure must have shape \(81,\)"):
        sg.isotypic_weights(np.ones(81), 3, 4, measure=np.full(n, 1 / n))


def test_exchangeability_needs_every_generator():
    V = 3
    # L = 1: every measure is exchangeable; i.i.d. measures at L = 4 are.
    assert sg.is_exchangeable(np.array([0.2, 0.3, 0.5]), V, 1)
    t4 = np.array(list(itertools.product(range(V), repeat=4)))
    assert sg.is_exchangeable(np.prod(np.array([0.5, 0.3, 0.2])[t4], axis=1), V, 4)
    # Invariant under the rotations but not under the swap (0 1).
    t3 = np.array(list(itertools.product(range(V), repeat=3)))

    def step(a: int, b: int) -> np.ndarray:
        return (t3[:, b] == (t3[:, a] + 1) % V).astype(float)

    cyclic = 1 + 0.5 * (step(0, 1) + step(1, 2) + step(2, 0))
    assert not sg.is_exchangeable(cyclic / cyclic.sum(), V, 3)
    # Invariant under (0 1) and (0 2)(1 3), which do not generate S_4, but not under (1 2).
    pairs = 1 + 0.5 * ((t4[:, 0] == t4[:, 1]) + (t4[:, 2] == t4[:, 3]))
    assert not sg.is_exchangeable(pairs / pairs.sum(), V, 4)
    # At L = 2 the swap is the whole group.
    t2 = np.array(list(itertools.product(range(V), repeat=2)))
    ordered = 1.0 + (t2[:, 0] < t2[:, 1])
    assert not sg.is_exchangeable(ordered / ordered.sum(), V, 2)
