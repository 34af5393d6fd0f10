"""Word vectors learnt from co-occurrences: the truncated SVD of the PPMI matrix.

The positive pointwise mutual information of a word ``w`` and a context word ``c`` seen within
``window`` positions of it is ``max(0, log p(w, c) / (p(w) p(c)))``, with ``p`` the co-occurrence
frequencies; the rank-``d`` truncated SVD ``U S V^T`` of that matrix gives each word the vector
``U_w S^{1/2}`` (Levy, Goldberg & Dagan 2015, "Improving distributional similarity with lessons
learned from word embeddings", TACL 3, the symmetric weighting). Words outside the ``n_words``
most frequent share one "other" row, learnt like any word.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg


def cooccurrences(buckets: np.ndarray, n_rows: int, window: int) -> scipy.sparse.csr_matrix:
    """Symmetric counts of pairs ``(x_t, x_{t+l})`` and ``(x_{t+l}, x_t)``, ``1 <= l <= window``."""
    buckets = np.asarray(buckets, dtype=np.int64)
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    rows, cols = [], []
    for lag in range(1, window + 1):
        a, b = buckets[:-lag], buckets[lag:]
        rows += [a, b]
        cols += [b, a]
    r, c = np.concatenate(rows), np.concatenate(cols)
    counts = scipy.sparse.coo_matrix(
        (np.ones(r.size), (r, c)), shape=(n_rows, n_rows)
    ).tocsr()  # duplicates are summed
    return counts


def ppmi(counts: scipy.sparse.spmatrix) -> scipy.sparse.csr_matrix:
    """Positive PMI of a co-occurrence count matrix (zero where a pair never occurs)."""
    counts = scipy.sparse.csr_matrix(counts, dtype=np.float64)
    total = counts.sum()
    row = np.asarray(counts.sum(axis=1)).ravel()
    col = np.asarray(counts.sum(axis=0)).ravel()
    coo = counts.tocoo()
    pmi = np.log(coo.data * total / (row[coo.row] * col[coo.col]))
    keep = pmi > 0
    return scipy.sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=counts.shape)


def ppmi_vectors(ids: np.ndarray, n_words: int, dim: int, window: int = 2) -> np.ndarray:
    """``(n_words + 1, dim)`` vectors: one per frequent id (ids are frequency ranks), one "other".

    Parameters
    ----------
    ids
        The token stream the co-occurrences are counted on.
    n_words
        Ids ``0 .. n_words - 1`` get their own row; every larger id the last row.
    dim
        Rank of the truncated SVD.
    window
        Largest distance between a word and a context word.
    """
    if not 1 <= dim < n_words:
        raise ValueError(f"need 1 <= dim < n_words, got dim={dim}, n_words={n_words}")
    buckets = np.minimum(np.asarray(ids), n_words)
    matrix = ppmi(cooccurrences(buckets, n_words + 1, window))
    # ARPACK's start vector is random unless given: fix it, so the vectors are deterministic.
    v0 = np.ones(n_words + 1) / np.sqrt(n_words + 1)
    u, s, _ = scipy.sparse.linalg.svds(matrix, k=dim, v0=v0)
    order = np.argsort(s)[::-1]
    u, s = u[:, order], s[order]
    # Each singular vector is defined up to sign: make its largest entry positive.
    u = u * np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(dim)])
    return u * np.sqrt(s)
