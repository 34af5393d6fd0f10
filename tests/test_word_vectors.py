"""PPMI word vectors against hand counts, the formula, and NumPy's SVD."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.maths.word_vectors import cooccurrences, ppmi, ppmi_vectors


def test_cooccurrences_count_each_pair_within_the_window_both_ways():
    counts = cooccurrences(np.array([0, 1, 0, 2]), 3, window=1).toarray()
    # pairs at distance 1: (0,1), (1,0), (0,2), each counted in both orders
    np.testing.assert_array_equal(counts, [[0, 2, 1], [2, 0, 0], [1, 0, 0]])
    wide = cooccurrences(np.array([0, 1, 0, 2]), 3, window=2).toarray()
    # at distance 2: (0, 0), seen from both of its tokens, and (1, 2), once each way
    assert wide[0, 0] == 2 and wide[1, 2] == wide[2, 1] == 1


def test_ppmi_is_the_positive_part_of_the_pointwise_mutual_information():
    counts = np.array([[4.0, 1.0, 0.0], [1.0, 2.0, 3.0], [0.0, 3.0, 1.0]])
    total, row, col = counts.sum(), counts.sum(1), counts.sum(0)
    with np.errstate(divide="ignore"):
        pmi = np.log(counts * total / np.outer(row, col))
    np.testing.assert_allclose(ppmi(counts).toarray(), np.maximum(pmi, 0), atol=1e-12)


def test_vectors_are_the_truncated_svd_and_group_words_of_the_same_contexts():
    # Words 0 and 1 occur in exactly the same contexts, word 2 in others.
    rng = np.random.default_rng(0)
    left, right = rng.integers(3, 8, 2000), rng.integers(8, 12, 2000)
    middle = rng.choice([0, 1], 2000)
    stream = np.stack([left, middle, left], axis=1).ravel()
    stream = np.concatenate([stream, np.stack([right, np.full(2000, 2), right], 1).ravel()])
    vectors = ppmi_vectors(stream, n_words=12, dim=4, window=1)
    assert vectors.shape == (13, 4)
    dense = ppmi(cooccurrences(np.minimum(stream, 12), 13, 1)).toarray()
    top = np.linalg.svd(dense, compute_uv=False)[:4]
    np.testing.assert_allclose(np.sum(vectors**2, axis=0), top, rtol=1e-6)  # ||u sqrt(s)||² = s
    cos = vectors @ vectors.T / np.outer(*(2 * [np.linalg.norm(vectors, axis=1) + 1e-12]))
    assert cos[0, 1] > 0.99 and abs(cos[0, 2]) < 0.5
    np.testing.assert_array_equal(vectors, ppmi_vectors(stream, 12, 4, 1))  # deterministic


def test_cooccurrences_equal_a_brute_force_count_for_every_window():
    rng = np.random.default_rng(1)
    stream = rng.integers(0, 5, 40)
    for window in (1, 2, 3, 4):
        expected = np.zeros((5, 5))
        for t in range(len(stream)):
            for lag in range(1, window + 1):
                if t + lag < len(stream):
                    a, b = stream[t], stream[t + lag]
                    expected[a, b] += 1
                    expected[b, a] += 1
        got = cooccurrences(stream, 5, window).toarray()
        np.testing.assert_array_equal(got, expected, err_msg=f"window {window}")
    with pytest.raises(ValueError, match="window must be at least 1"):
        cooccurrences(stream, 5, window=0)


def test_ppmi_of_an_asymmetric_count_matrix():
    # Rows are words, columns contexts: p(w) and p(c) are the row and the column sums.
    counts = np.array([[5.0, 1.0, 0.0, 2.0], [0.0, 3.0, 1.0, 0.0], [2.0, 0.0, 4.0, 1.0]])
    total = counts.sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(counts * total / np.outer(counts.sum(1), counts.sum(0)))
    np.testing.assert_allclose(ppmi(counts).toarray(), np.maximum(pmi, 0), atol=1e-12)


def test_vector_shapes_for_any_vocabulary_size_and_the_dims_refused():
    rng = np.random.default_rng(2)
    stream = rng.integers(0, 15, 3000)
    for n_words in (10, 11):  # an odd vocabulary as well as an even one
        for dim in (1, 3, n_words - 1):
            assert ppmi_vectors(stream, n_words, dim, window=2).shape == (n_words + 1, dim)
        for dim in (0, n_words, n_words + 1):
            with pytest.raises(ValueError, match="need 1 <= dim < n_words"):
                ppmi_vectors(stream, n_words, dim, window=2)
