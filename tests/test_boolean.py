"""biasbook.maths.boolean against closed forms, brute force, and independent transforms."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.linalg import hadamard

from biasbook.maths import boolean as B


def _random_table(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=2**n)


def _brute_sensitivity(table: np.ndarray, n: int) -> float:
    """Average sensitivity straight from the definition, with explicit bit tuples."""
    value = {bits: table[sum(b << i for i, b in enumerate(bits))] for bits in _cube(n)}
    total = 0
    for bits, v in value.items():
        for i in range(n):
            flipped = bits[:i] + (1 - bits[i],) + bits[i + 1 :]
            total += value[flipped] != v
    return total / 2**n


def _cube(n: int):
    # itertools.product varies the last element fastest; reverse so that bits[i] = bit i of k.
    return [tuple(reversed(p)) for p in itertools.product((0, 1), repeat=n)]


# --- inputs and the index convention ---------------------------------------------------------


def test_all_inputs_index_convention():
    x = B.all_inputs(4)
    assert x.shape == (16, 4)
    assert x[0b1010].tolist() == [0, 1, 0, 1]  # x_i = bit i of k, x_0 least significant
    assert x.tolist() == [list(b) for b in _cube(4)]
    np.testing.assert_array_equal(B.input_index(x), np.arange(16))


def test_named_functions_values():
    x = np.array([[1, 1, 0, 0, 1], [0, 0, 0, 1, 0], [1, 1, 1, 1, 1]], dtype=np.uint8)
    np.testing.assert_array_equal(B.parity(5)(x), [1, 1, 1])
    np.testing.assert_array_equal(B.majority(5)(x), [1, -1, 1])
    np.testing.assert_array_equal(B.first(5)(x), [1, -1, 1])
    np.testing.assert_array_equal(B.sparse_parity(5, 2)(x), [-1, -1, -1])
    np.testing.assert_array_equal(B.sparse_and(5, 2)(x), [1, -1, 1])
    np.testing.assert_array_equal(B.sparse_parity(5, 2, support=[2, 3])(x), [-1, 1, -1])


# --- Fourier transform -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 6])
def test_fwht_matches_scipy_hadamard(n):
    # Sylvester's Hadamard matrix H[S, k] = (-1)^{popcount(S & k)} is exactly χ_S(x_k).
    table = _random_table(n, seed=n)
    expected = hadamard(2**n) @ table / 2**n
    np.testing.assert_allclose(B.fourier_coefficients(table), expected, atol=1e-12)


def test_characters_have_single_coefficient():
    n = 5
    x = B.all_inputs(n).astype(int)
    for mask in [0, 0b1, 0b10110, 0b11111]:
        chi = (-1.0) ** (x @ np.array([(mask >> i) & 1 for i in range(n)]))
        c = B.fourier_coefficients(chi)
        expected = np.zeros(2**n)
        expected[mask] = 1
        np.testing.assert_allclose(c, expected, atol=1e-12)


def test_inverse_and_parseval_on_random_functions():
    for seed in range(5):
        table = _random_table(7, seed)
        c = B.fourier_coefficients(table)
        np.testing.assert_allclose(B.inverse_fourier(c), table, atol=1e-12)
        assert np.sum(c**2) == pytest.approx(1.0, abs=1e-12)  # Parseval for ±1 functions
        assert B.fourier_weight_by_degree(table).sum() == pytest.approx(1.0, abs=1e-12)


def test_real_valued_parseval():
    table = np.random.default_rng(3).normal(size=2**6)
    c = B.fourier_coefficients(table)
    assert np.sum(c**2) == pytest.approx(np.mean(table**2), rel=1e-12)


# --- closed forms ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_parity(n):
    f = B.parity(n)
    assert B.average_sensitivity(f) == n
    assert B.degree(f) == n
    w = B.fourier_weight_by_degree(f)
    assert w[n] == pytest.approx(1.0) and w[:n].sum() == pytest.approx(0.0)


@pytest.mark.parametrize("n", [1, 3, 7, 11])
def test_majority(n):
    closed = n * math.comb(n - 1, (n - 1) // 2) / 2 ** (n - 1)
    f = B.majority(n)
    assert B.average_sensitivity(f) == pytest.approx(closed, rel=1e-12)
    assert B.sensitivity_from_fourier(f) == pytest.approx(closed, rel=1e-12)
    assert B.sensitivity_closed_form("majority", n) == pytest.approx(closed, rel=1e-12)
    # Symmetric and odd: only odd degrees carry weight; degree n.
    w = B.fourier_weight_by_degree(f)
    assert w[0::2].sum() == pytest.approx(0.0, abs=1e-12)
    assert B.degree(f) == n
    # Known: total weight on degree 1 is (n C((n-1)/2))^2 / 4^(n-1) ... = as(f)^2 / n.
    assert w[1] == pytest.approx(closed**2 / n, rel=1e-12)


def test_majority_sensitivity_asymptotics():
    assert B.sensitivity_closed_form("majority", 5001) > 0  # no float overflow past 2**1024
    n = 1001
    assert B.sensitivity_closed_form("majority", n) / math.sqrt(2 * n / math.pi) == pytest.approx(
        1.0, abs=1e-3
    )


@pytest.mark.parametrize("n", [1, 4, 9])
def test_first(n):
    f = B.first(n)
    assert B.average_sensitivity(f) == 1.0
    assert B.degree(f) == 1
    np.testing.assert_allclose(B.influences(f), [1.0] + [0.0] * (n - 1))


@pytest.mark.parametrize(("n", "k"), [(6, 0), (6, 1), (6, 3), (8, 8)])
def test_sparse_parity(n, k):
    f = B.sparse_parity(n, k, support=list(range(n - k, n)))
    assert B.average_sensitivity(f) == k
    assert B.sensitivity_from_fourier(f) == pytest.approx(k)
    assert B.degree(f) == k


@pytest.mark.parametrize(("n", "k"), [(6, 1), (6, 3), (7, 7)])
def test_sparse_and(n, k):
    f = B.sparse_and(n, k)
    assert B.average_sensitivity(f) == pytest.approx(k / 2 ** (k - 1))
    assert B.sensitivity_closed_form("sparse_and", n, k=k) == pytest.approx(k / 2 ** (k - 1))
    assert B.degree(f) == k
    # AND_k = -1 + 2 Π (1 - χ_i)/2: every subset of the support has |coefficient| 2^(1-k).
    c = B.fourier_coefficients(f)
    nonzero = np.flatnonzero(np.abs(c) > 1e-12)
    assert set(nonzero) <= set(range(2**k))
    np.testing.assert_allclose(np.abs(c[1 : 2**k]), 2.0 ** (1 - k))


def test_closed_forms_match_enumeration_for_every_name():
    n = 7
    for name in B.FUNCTIONS:
        kw = {"k": 3} if name.startswith("sparse") else {}
        if name == "random":
            continue
        f = B.make_function(name, n, **kw)
        assert B.average_sensitivity(f) == pytest.approx(B.sensitivity_closed_form(name, n, **kw))


# --- brute force on random functions --------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_sensitivity_forms_agree_on_random_functions(seed):
    n = 6
    table = _random_table(n, seed)
    brute = _brute_sensitivity(table, n)
    assert B.average_sensitivity(table) == pytest.approx(brute, abs=1e-12)
    assert B.sensitivity_from_fourier(table) == pytest.approx(brute, abs=1e-12)
    assert B.pointwise_sensitivity(table).mean() == pytest.approx(brute, abs=1e-12)


def test_degree_matches_brute_force_on_low_degree_polynomials():
    # Build f = sign(sum of random characters of size <= d); its degree is at most d and sign of
    # a polynomial of degree d need not keep degree d, so compare against a brute-force projection.
    n = 6
    rng = np.random.default_rng(0)
    x = B.all_inputs(n).astype(int)
    for d in range(n + 1):
        masks = [m for m in range(2**n) if bin(m).count("1") <= d]
        coef = rng.normal(size=len(masks))
        chis = np.stack([(-1.0) ** (x @ [(m >> i) & 1 for i in range(n)]) for m in masks])
        poly = coef @ chis
        # Brute-force coefficients by direct inner products with every character.
        all_chis = np.stack([(-1.0) ** (x @ [(m >> i) & 1 for i in range(n)]) for m in range(2**n)])
        brute = all_chis @ poly / 2**n
        top = max(bin(m).count("1") for m in range(2**n) if abs(brute[m]) > 1e-9)
        assert B.degree(poly) == top == d


def test_random_function_sensitivity_is_about_n_over_2():
    n = 14
    s = B.average_sensitivity(B.make_function("random", n, seed=1))
    # Each of the n 2^(n-1) edges of the cube differs with probability 1/2, independently:
    # E as = n/2 and std(as) = sqrt(n / 2^(n+1)) = 0.021 at n = 14; allow 5 std.
    assert s == pytest.approx(n / 2, abs=5 * math.sqrt(n / 2 ** (n + 1)))


# --- Monte Carlo ----------------------------------------------------------------------------------


def test_monte_carlo_matches_enumeration():
    f = B.majority(9)
    exact = B.average_sensitivity(f)
    est = B.monte_carlo_sensitivity(f, 9, n_samples=4000, seed=0)
    assert abs(est.mean - exact) < 5 * est.stderr
    assert est.stderr < 0.05


def test_monte_carlo_large_n_parity_and_first():
    n = 200
    assert B.monte_carlo_sensitivity(B.parity(n), n, n_samples=50).mean == n
    assert B.monte_carlo_sensitivity(B.first(n), n, n_samples=50).mean == 1


def test_monte_carlo_on_scores_and_sign_convention():
    # Scores of a linear model: sign(sum of ±1 inputs) is majority; scores equal to 0 count as +1.
    n = 5
    score = lambda bits: 2.0 * bits.sum(axis=1) - n  # noqa: E731
    est = B.monte_carlo_sensitivity(score, n, n_samples=3000, seed=1)
    exact = B.sensitivity_closed_form("majority", n)
    assert abs(est.mean - exact) < 5 * est.stderr
    table = B.truth_table(score, n)
    np.testing.assert_array_equal(table, B.majority(n).table())


# --- errors ---------------------------------------------------------------------------------------


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="valid names: .*parity.*majority"):
        B.make_function("parrity", 4)


def test_majority_even_n_is_an_error():
    with pytest.raises(ValueError, match="odd"):
        B.majority(4)


def test_too_large_n_names_limit_and_monte_carlo():
    f = B.parity(B.MAX_ENUMERATE_N + 1)
    with pytest.raises(ValueError, match=r"MAX_ENUMERATE_N = \d+.*monte_carlo_sensitivity"):
        f.table()
    with pytest.raises(ValueError, match="monte_carlo_sensitivity"):
        B.average_sensitivity(f)


def test_bad_tables_and_parameters():
    with pytest.raises(ValueError, match="2\\*\\*n"):
        B.average_sensitivity(np.ones(6))
    with pytest.raises(ValueError, match="support"):
        B.sparse_parity(4, 2, support=[0, 0])
    with pytest.raises(ValueError, match="bad parameters"):
        B.make_function("parity", 4, k=2)


def test_a_score_of_exactly_zero_counts_as_plus_one():
    # Scores 0 or 1 (the first bit, as 0/1): with sign(0) = +1 every input maps to +1, so the
    # truth table is constant and nothing is sensitive; sign(0) = -1 would make it the dictator.
    n = 6
    score = lambda bits: bits[:, 0].astype(float)  # noqa: E731
    np.testing.assert_array_equal(B.truth_table(score, n), np.ones(2**n))
    assert B.monte_carlo_sensitivity(score, n, n_samples=200).mean == 0.0
    assert B.average_sensitivity(B.truth_table(score, n)) == 0.0


def test_real_valued_monte_carlo_sensitivity_is_the_total_influence():
    # For real f on {±1}^n the total influence sum_i E[((f(x) - f(x^i)) / 2)^2] equals
    # sum_S |S| fhat(S)^2 (O'Donnell 2014, chapter 2): compare the sampled estimate with it.
    n = 6
    rng = np.random.default_rng(4)
    table = rng.normal(size=2**n)  # an arbitrary real function, by its values
    score = lambda bits: table[B.input_index(bits)]  # noqa: E731
    coef = B.fourier_coefficients(table)
    exact = float((B.popcount(np.arange(2**n)) * coef**2).sum())
    est = B.monte_carlo_sensitivity(score, n, n_samples=20_000, seed=2, binarize=False)
    assert abs(est.mean - exact) < 4 * est.stderr
    assert est.stderr < 0.03 * exact  # precise enough to tell a constant factor of 2 apart


@pytest.mark.parametrize("n", [2, 3, 4, 7, 8, 11, 12])
def test_majority_with_ties_false_is_the_authors_target(n):
    # Hahn & Rofin's MAJORITY is sum(x) > sum(1 - x): a tie is false, at any n
    f = B.majority(n, ties="false")
    bits = B.all_inputs(n)
    ones = bits.sum(axis=1)
    np.testing.assert_array_equal(f(bits), np.where(ones > n - ones, 1.0, -1.0))
    if n % 2 == 0:
        tie = np.r_[np.ones(n // 2), np.zeros(n // 2)].astype(np.uint8)[None]
        assert f(tie)[0] == -1.0
    # sensitivity by brute force over every input and bit, against the closed form
    flips = sum((f(bits) != f(bits ^ np.eye(n, dtype=np.uint8)[i])).mean() for i in range(n))
    assert B.sensitivity_closed_form("majority", n, ties="false") == pytest.approx(flips)
    # n = 2: ties false makes MAJORITY the AND of both bits
    if n == 2:
        np.testing.assert_array_equal(f.table(), B.make_function("and", 2).table())


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_mean_is_real_valued_with_sensitivity_one_over_n(n):
    f = B.mean(n)
    bits = B.all_inputs(n)
    np.testing.assert_allclose(f(bits), 2 * bits.mean(axis=1) - 1)
    assert f.real_valued and not B.parity(n).real_valued
    # its Fourier expansion is the linear (1/n) sum_i (-(-1)^x_i): weight 1/n on each singleton
    c = B.fourier_coefficients(f)
    singletons = 1 << np.arange(n)
    np.testing.assert_allclose(np.abs(c[singletons]), 1 / n, atol=1e-12)
    np.testing.assert_allclose(np.delete(c, singletons), 0, atol=1e-12)
    assert B.average_sensitivity(f) == pytest.approx(1 / n)
    assert B.sensitivity_from_fourier(f) == pytest.approx(1 / n)
    assert B.sensitivity_closed_form("mean", n) == pytest.approx(1 / n)
    assert B.degree(f) == 1


# --- boundaries, validation and bookkeeping (from a mutation probe, issue #23) ----------------


def test_the_enumeration_limit_is_max_enumerate_n():
    # the documented limit itself is allowed, one more bit is refused with a pointer to sampling
    assert B.MAX_ENUMERATE_N == 20
    assert B.make_function("random", 20, seed=0)(np.zeros((1, 20), dtype=np.uint8)).shape == (1,)
    for call in (lambda: B.all_inputs(21), lambda: B.make_function("random", 21, seed=0)):
        with pytest.raises(ValueError, match="monte_carlo_sensitivity"):
            call()


def test_zero_bits_is_one_input_and_negative_bits_are_refused():
    assert B.all_inputs(0).shape == (1, 0)
    np.testing.assert_array_equal(B.make_function("constant", 0).table(), [1.0])
    np.testing.assert_array_equal(B.parity(0).table(), [-1.0])  # no ones: an even count
    for call in (lambda: B.all_inputs(-1), lambda: B.make_function("parity", -1)):
        with pytest.raises(ValueError, match="non-negative"):
            call()
    for name in ("first", "mean"):
        with pytest.raises(ValueError, match="n >= 1"):
            B.make_function(name, 0)
        assert B.make_function(name, 1).table().tolist() == [-1.0, 1.0]


@pytest.mark.parametrize("size", [0, 3, 5, 6, 12, 24])
def test_a_table_whose_length_is_not_a_power_of_two_is_refused(size):
    with pytest.raises(ValueError, match="2\\*\\*n"):
        B.n_bits(np.ones(size))


def test_a_table_must_be_one_dimensional():
    assert [B.n_bits(np.ones(2**n)) for n in range(6)] == list(range(6))
    for table in (np.ones((2, 2)), np.ones((1, 8)), np.array(1.0)):
        with pytest.raises(ValueError, match="1-D"):
            B.n_bits(table)


def test_input_index_reads_the_last_axis_of_any_batch_shape():
    bits = np.random.default_rng(0).integers(0, 2, size=(2, 3, 5), dtype=np.uint8)
    expected = [[sum(int(b) << i for i, b in enumerate(row)) for row in block] for block in bits]
    np.testing.assert_array_equal(B.input_index(bits), expected)


def test_truth_table_refuses_a_predictor_with_the_wrong_number_of_values():
    for m in (7, 9):
        with pytest.raises(ValueError, match=f"returned {m} values for 8 inputs"):
            B.truth_table(lambda bits, m=m: np.ones(m), 3)


def test_a_function_refuses_bits_of_the_wrong_width_at_any_width():
    for n in (3, 300):  # 300: beyond the integers Python caches, so identity is not equality
        f = B.sparse_parity(n, 2)
        assert f(np.zeros((2, n), dtype=np.uint8)).tolist() == [-1.0, -1.0]
        for shape in ((2, n - 1), (2, n + 1), (n,), (1, 2, n)):
            with pytest.raises(ValueError, match="takes bits of shape"):
                f(np.zeros(shape, dtype=np.uint8))


def test_labels_show_the_parameters_but_not_the_support():
    assert B.parity(4).label == "parity"
    assert B.sparse_parity(6, 2, support=[1, 4]).label == "sparse_parity(k=2)"
    assert B.majority(4, ties="false").label == "majority(ties=false)"
    assert B.make_function("random", 4, seed=3).label == "random(seed=3)"
    assert B.majority(5).label == "majority" and B.majority(5) == B.make_function("majority", 5)
    # two builds of one function are equal (the callable is left out of the comparison) and
    # print without it
    assert B.sparse_and(6, 3) == B.sparse_and(6, 3) and "lambda" not in repr(B.sparse_and(6, 3))


def test_functions_and_estimates_are_immutable():
    import dataclasses

    for obj in (B.parity(3), B.monte_carlo_sensitivity(B.parity(3), 3, n_samples=10)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.n = 4


def test_support_must_be_k_distinct_positions_inside_the_input():
    n = 5
    for k, support in [(2, [1]), (2, [1, 2, 3]), (2, [1, 1]), (2, [0, n]), (2, [0, n + 1]),
                       (2, [-1, 2])]:  # fmt: skip
        with pytest.raises(ValueError, match="distinct positions"):
            B.sparse_parity(n, k, support=support)
    for k in (-1, n + 1):
        with pytest.raises(ValueError, match="0 <= k <= n"):
            B.sparse_and(n, k)
    # k beyond the integers Python caches: counted, not compared by identity
    assert B.sparse_parity(400, 300, support=range(300)).n == 400


def test_zero_relevant_bits_make_constants():
    n = 4
    np.testing.assert_array_equal(B.sparse_parity(n, 0).table(), -np.ones(2**n))
    np.testing.assert_array_equal(B.sparse_and(n, 0).table(), np.ones(2**n))
    for name in ("sparse_parity", "sparse_and"):
        assert B.sensitivity_closed_form(name, n, k=0) == 0.0


@pytest.mark.parametrize("k", range(1, 9))
def test_and_or_and_sparse_and_closed_forms_at_every_size(k):
    # only the all-ones (AND) or all-zeros (OR) input and its k neighbours are sensitive
    for name, kw, n in [("and", {}, k), ("or", {}, k), ("sparse_and", {"k": k}, k + 2)]:
        f = B.make_function(name, n, **kw)
        assert B.sensitivity_closed_form(name, n, **kw) == pytest.approx(
            _brute_sensitivity(f.table(), n)
        )


def test_ties_must_be_error_or_false_and_names_may_be_built_at_run_time():
    for ties in ("true", "abc", "zzz"):
        with pytest.raises(ValueError, match="ties must be"):
            B.majority(4, ties=ties)
    # strings read from a parameter cell are not the interned literals of the code
    false, error = "".join(["fal", "se"]), "".join(["err", "or"])
    np.testing.assert_array_equal(B.majority(4, ties=false).table(), B.majority(4, "false").table())
    assert B.majority(5, ties=error) == B.majority(5)
    np.testing.assert_array_equal(
        B.make_function("majority", 5, ties=error).table(), B.majority(5).table()
    )
    for name in ("random", "constant", "first", "mean", "majority", "parity"):
        built = "".join(list(name))
        assert built is not name or len(name) == 1
        kw = {"seed": 0} if name == "random" else {}
        if name == "random":
            with pytest.raises(ValueError, match="no closed-form"):
                B.sensitivity_closed_form(built, 6, **kw)
            continue
        m = 5  # odd: every name accepts it
        table = B.make_function(built, m, **kw).table()
        assert B.sensitivity_closed_form(built, m) == pytest.approx(B.average_sensitivity(table))
    assert B.sensitivity_closed_form("".join(["majo", "rity"]), 6, ties="false") == pytest.approx(
        _brute_sensitivity(B.majority(6, ties="false").table(), 6)
    )


def test_weights_by_degree_have_one_entry_per_degree_and_degree_counts_strictly_above_tol():
    for n in range(5):
        w = B.fourier_weight_by_degree(B.make_function("constant", n))
        np.testing.assert_array_equal(w, np.r_[1.0, np.zeros(n)])
    assert B.degree(np.zeros(4)) == -1
    and2 = B.make_function("and", 2).table()  # every coefficient is ±1/2
    np.testing.assert_allclose(np.abs(B.fourier_coefficients(and2)), 0.5)
    assert B.degree(and2, tol=0.5) == -1 and B.degree(and2, tol=0.49) == 2


# (2, 5, 9): three samples per call and a last call of two, where 5 - 3 and 5 XOR 3 differ
@pytest.mark.parametrize(
    ("n", "n_samples", "batch_size"), [(3, 11, 12), (4, 9, 1), (1, 2, 5), (2, 5, 9)]
)
def test_monte_carlo_draws_exactly_n_samples_in_batches_and_its_error_is_the_sample_sem(
    n, n_samples, batch_size
):
    # an independent reference from what the estimator actually evaluated: each call's first
    # block of rows is the sampled inputs, whose pointwise sensitivities the enumeration gives
    table = _random_table(n, seed=n)
    pointwise = B.pointwise_sensitivity(table)
    calls: list[int] = []
    drawn: list[np.ndarray] = []

    def predict(bits):
        calls.append(len(bits))
        m = len(bits) // (n + 1)
        drawn.append(B.input_index(bits[:m]))
        return table[B.input_index(bits)]

    est = B.monte_carlo_sensitivity(predict, n, n_samples=n_samples, seed=1, batch_size=batch_size)
    assert est.n_samples == n_samples and sum(calls) == n_samples * (n + 1)
    assert max(calls) <= max(batch_size, n + 1)  # one sample (n + 1 rows) at least per call
    s = pointwise[np.concatenate(drawn)].astype(float)
    assert est.mean == pytest.approx(s.mean())
    assert est.stderr == pytest.approx(s.std(ddof=1) / np.sqrt(n_samples))


def test_monte_carlo_needs_two_samples_and_one_bit():
    f = B.first(1)
    assert B.monte_carlo_sensitivity(f, 1, n_samples=2).mean == 1.0
    for kw in ({"n_samples": 1}, {"n_samples": 0}):
        with pytest.raises(ValueError, match="at least 2"):
            B.monte_carlo_sensitivity(f, 1, **kw)
    with pytest.raises(ValueError, match="n must be at least 1"):
        B.monte_carlo_sensitivity(lambda bits: np.ones(len(bits)), 0, n_samples=4)


def test_a_function_takes_a_matrix_of_bits_only():
    f = B.parity(3)
    for shape in [(3,), (1, 3, 3), (2, 4), (1, 1, 3)]:
        with pytest.raises(ValueError, match=r"shape \[m, 3\]"):
            f(np.zeros(shape, dtype=np.uint8))
