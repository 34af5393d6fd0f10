"""The explicit sparse-variable head: exactness by brute force, closed forms, and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from biasbook.maths.sparse_attention import (
    apply_sparse_head,
    build_sparse_head,
    certified_error,
    created_variable,
    is_symmetric,
    min_logit_gap,
    min_score_scale,
    staircase_mlp,
    weight_norms,
)


def _enumerate(T: int) -> np.ndarray:
    # independent of biasbook.maths.sparse_tasks.all_inputs
    return np.array(list(itertools.product([0, 1], repeat=T)), dtype=np.int64)


def _reference_target(name_or_table, X: np.ndarray, support) -> np.ndarray:
    bits = X[:, list(support)]
    if isinstance(name_or_table, str):
        ones = bits.sum(axis=1)
        return {
            "and": (ones == len(support)).astype(float),
            "majority": (2 * ones > len(support)).astype(float),
            "parity": (ones % 2).astype(float),
        }[name_or_table]
    index = sum(bits[:, j] << j for j in range(len(support)))
    return np.asarray(name_or_table, dtype=float)[index]


def _dense_created_variable(head, X: np.ndarray) -> np.ndarray:
    """Materialise [CLS] + embeddings and run textbook softmax attention (small T only)."""
    H = head.tok_emb[X] + head.position_embeddings()[None]  # [n, T, d]
    ctx = np.concatenate([np.broadcast_to(head.cls, (X.shape[0], 1, head.d)), H], axis=1)
    q = head.cls @ head.W_Q  # [1]
    k = ctx @ head.W_K  # [n, T+1, 1]
    v = ctx @ head.W_V
    scores = k @ q  # [n, T+1]: <z W_Q, h_t W_K>
    a = np.exp(scores - scores.max(axis=1, keepdims=True))
    a /= a.sum(axis=1, keepdims=True)
    return np.einsum("nt,nt->n", a, v[..., 0])


# A non-symmetric 3-bit table (x0 AND NOT x2, OR x1 XOR x2) and a random 4-bit table.
ASYM3 = np.array([0, 1, 1, 1, 1, 0, 0, 0], dtype=float)
RAND4 = np.random.default_rng(7).integers(0, 2, 16).astype(float)

CASES = [
    ("and", 6, (0, 2, 5)),
    ("and", 12, (3, 4, 11)),
    ("majority", 10, (1, 5, 9)),
    ("majority", 9, (0, 1, 2, 3, 8)),
    ("parity", 11, (2, 7)),
    ("parity", 14, (0, 6, 9, 13)),
    (ASYM3, 10, (9, 0, 4)),
    (RAND4, 12, (1, 3, 8, 10)),
    ("and", 1, (0,)),
    ("parity", 5, (0, 1, 2, 3, 4)),
]


@pytest.mark.parametrize("positional", ["onehot", "random"])
@pytest.mark.parametrize(("target", "T", "support"), CASES)
def test_exact_on_every_input(target, T, support, positional):
    head = build_sparse_head(target, T, support, positional=positional, seed=3)
    X = _enumerate(T)
    out = apply_sparse_head(head, X)
    np.testing.assert_allclose(out, _reference_target(target, X, support), atol=1e-9)


@pytest.mark.parametrize("positional", ["onehot", "random"])
def test_matches_dense_attention(positional):
    head = build_sparse_head(ASYM3, 7, (6, 1, 3), positional=positional, seed=1)
    X = _enumerate(7)
    np.testing.assert_allclose(created_variable(head, X), _dense_created_variable(head, X))


@pytest.mark.parametrize(("target", "T", "support"), CASES[:8])
def test_certificate_equals_brute_force_worst_case(target, T, support):
    # Any scale, not only the default: the certificate must equal the brute-force maximum error.
    for R in (0.5, 2.0, 4.0):
        head = build_sparse_head(target, T, support, score_scale=R)
        X = _enumerate(T)
        y = created_variable(head, X)
        bits = X[:, list(support)]
        if head.encoding == "count":
            ideal = bits.sum(axis=1) / len(support)
        else:
            ideal = sum(bits[:, j] << j for j in range(len(support))) / (2 ** len(support) - 1)
        assert certified_error(head) == pytest.approx(np.abs(y - ideal).max(), abs=1e-12)


def _ideal(head, X):
    bits = X[:, list(head.support)]
    if head.encoding == "count":
        return bits.sum(axis=1) / head.s
    return sum(bits[:, j] << j for j in range(head.s)) / (2**head.s - 1)


@pytest.mark.parametrize(
    ("target", "T", "support"), [("and", 10, (1, 4, 8)), (ASYM3, 9, (8, 2, 5))]
)
def test_min_scale_is_tight(target, T, support):
    # Just above R_min every input is read within tau (so the output is exact); just below, some
    # input is not (brute force over all 2**T inputs).
    R = min_score_scale(target, T, support)
    X = _enumerate(T)
    ref = _reference_target(target, X, support)
    above = build_sparse_head(target, T, support, score_scale=R * 1.001)
    below = build_sparse_head(target, T, support, score_scale=R * 0.98)
    np.testing.assert_allclose(apply_sparse_head(above, X), ref, atol=1e-9)
    assert np.abs(created_variable(above, X) - _ideal(above, X)).max() <= above.tolerance
    assert np.abs(created_variable(below, X) - _ideal(below, X)).max() > below.tolerance
    if isinstance(target, str):  # the misread input (all support bits one) flips the AND itself
        assert np.abs(apply_sparse_head(below, X) - ref).max() > 1e-3


@pytest.mark.parametrize("s", [1, 2, 3, 5])
@pytest.mark.parametrize("T", [5, 64, 1000, 2**20])
def test_min_scale_closed_form_onehot_and(T, s):
    # Count encoding, one-hot positions: worst error (T - s + 1) / (s e^R + T - s + 1) (all support
    # bits one, all others zero) must equal tau = 1/(4s)  =>  R = log((T - s + 1)(4s - 1) / s).
    R = min_score_scale("and", T, tuple(range(s)))
    assert R == pytest.approx(np.log((T - s + 1) * (4 * s - 1) / s), rel=1e-8)


def test_norm_of_wqk_is_sqrt_s_times_scale():
    head = build_sparse_head("majority", 500, (3, 99, 400))
    assert weight_norms(head)["W_QK"] == pytest.approx(np.sqrt(3) * head.score_scale)


def test_default_norm_closed_form_grows_like_log_t():
    # Default scale leaves half the tolerance to leaked attention: (T - s + 1) / (s e^R + T - s + 1)
    # = 1 / (8s), so ||W_QK|| = sqrt(s) R = sqrt(s) log((T - s + 1)(8s - 1) / s).
    s = 3
    for T in 2 ** np.arange(4, 21, 4):
        norm = weight_norms(build_sparse_head("and", int(T), (0, 1, 2)))["W_QK"]
        expected = np.sqrt(s) * np.log((T - s + 1) * (8 * s - 1) / s)
        assert norm == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("positional", ["onehot", "random"])
def test_exact_on_random_long_inputs(positional):
    T, support = 4096, (17, 2000, 4095)
    head = build_sparse_head(ASYM3, T, support, positional=positional, seed=0)
    rng = np.random.default_rng(0)
    # include the certificate's extreme inputs: all-ones and all-zeros off the support
    X = rng.integers(0, 2, size=(300, T))
    X[:8] = np.arange(2)[:, None].repeat(4, 0)
    X[:8, list(support)] = _enumerate(3)
    np.testing.assert_allclose(
        apply_sparse_head(head, X), _reference_target(ASYM3, X, support), atol=1e-9
    )


def test_staircase_plateaus():
    levels = np.array([0.0, 1.0, 1.0, -2.0, 0.5])
    W1, b1, W2, b2 = staircase_mlp(levels)
    n = len(levels) - 1
    for k, level in enumerate(levels):
        for y in (k / n - 0.999 / (4 * n), k / n, k / n + 0.999 / (4 * n)):
            out = np.maximum(np.array([[y]]) @ W1 + b1, 0) @ W2 + b2
            assert out[0, 0] == pytest.approx(level, abs=1e-12)
    assert W1.shape == (1, 6)  # the zero step between levels 1 and 2 is left out


def test_min_logit_gap_is_exact_for_uniform_scores():
    T, s, leak = 200, 3, 0.01
    gap = min_logit_gap(T, s, leak)
    scores = np.r_[np.full(s, gap), np.zeros(T - s)]
    p = np.exp(scores) / np.exp(scores).sum()
    assert p[:s].sum() == pytest.approx(1 - leak)


def test_is_symmetric():
    assert is_symmetric(np.array([0, 1, 1, 0.0]))
    assert not is_symmetric(ASYM3)


def test_bad_input():
    with pytest.raises(ValueError, match="cannot fit"):
        build_sparse_head("and", 2, (0, 1, 2))
    with pytest.raises(ValueError, match="unknown target"):
        build_sparse_head("xor3", 8, (0, 1, 2))
    with pytest.raises(ValueError, match="distinct"):
        build_sparse_head("and", 8, (1, 1, 2))
    with pytest.raises(ValueError, match=r"\[0, 8\)"):
        build_sparse_head("and", 8, (1, 2, 8))
    with pytest.raises(ValueError, match="entries"):
        build_sparse_head(np.zeros(5), 8, (1, 2, 3))
    with pytest.raises(ValueError, match="symmetric"):
        build_sparse_head(ASYM3, 8, (1, 2, 3), encoding="count")
    with pytest.raises(ValueError, match="positional"):
        build_sparse_head("and", 8, (1, 2, 3), positional="sinusoidal")
    with pytest.raises(ValueError, match="ties"):
        build_sparse_head("majority", 8, (1, 2))
    head = build_sparse_head("and", 8, (1, 2, 3))
    with pytest.raises(ValueError, match="shape"):
        apply_sparse_head(head, np.zeros((4, 7), dtype=int))
    with pytest.raises(ValueError, match="bits"):
        apply_sparse_head(head, np.full((4, 8), 2))
