"""The GP chapter's attention kernel on WikiText windows: do symmetric-measure predictions transfer?

The paper's argument runs: the GP limit's eigenstructure is organised by ``S_L`` when the data
measure is permutation symmetric, and text is approximately so. Whether that matters for learning
is a question about learning curves, which this module answers on a finite pool of text windows:

* the input space is a pool of ``n_pool`` windows of ``L`` tokens drawn from the text (one-hot over
  the top words plus "other"), with the uniform measure on the pool; the text measure ``p``;
* the symmetrised measure ``q`` is the same pool with every window's positions shuffled (the
  exchangeable measure with the same bags of words);
* the kernel is the GP chapter's closed-form NNGP of the linear attention block
  (:func:`biasbook.maths.kernels.onehot_attention_nngp`), the targets indicators of the *next*
  token (the word after the window), a function on the pool;
* eigenlearning (:func:`biasbook.maths.learning_curves.eigenlearning`) predicts the learnability of
  each target under ``p`` and under ``q`` from each measure's own eigenvalues and target weights,
  and exact kernel regression on the text pool (:func:`~biasbook.maths.learning_curves.
  empirical_learning_curve`) measures it.

If the text measure were close enough to symmetric for the paper's purpose, the prediction made
under ``q`` would describe the text's measured curve about as well as the one made under ``p``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from biasbook.data.wikitext import windows as make_windows
from biasbook.maths.kernels import onehot_attention_nngp
from biasbook.maths.learning_curves import eigenlearning, empirical_learning_curve
from biasbook.maths.spectra import operator_matrix


def window_pool(
    ids: np.ndarray, length: int, n_pool: int, top_v: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n_pool`` random non-overlapping windows (tokens bucketed to ``0..top_v``) and the id of
    the token that follows each (not bucketed)."""
    full = make_windows(ids, length + 1)
    if n_pool > full.shape[0]:
        raise ValueError(f"the stream holds {full.shape[0]} windows, fewer than n_pool={n_pool}")
    pick = np.sort(np.random.default_rng(seed).choice(full.shape[0], n_pool, replace=False))
    return np.minimum(full[pick, :length], top_v), full[pick, length]


def _spectrum(K: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of the kernel operator under the uniform measure on the pool, and every
    target's weight ``<g, phi_i>²`` on each eigenfunction."""
    n = K.shape[0]
    measure = np.full(n, 1.0 / n)
    vals, vecs = np.linalg.eigh(operator_matrix(K, measure))
    coords = vecs.T @ (np.sqrt(measure)[:, None] * targets)  # [modes, targets]
    return np.clip(vals, 0.0, None), coords**2


def kernel_transfer(
    ids: np.ndarray,
    length: int,
    top_v: int,
    target_ids: Sequence[int],
    n_pool: int,
    n_grid: Sequence[int],
    n_seeds: int,
    ridge: float,
    beta: float,
    seed: int,
) -> dict[str, Any]:
    """Learning curves of next-token targets on text windows: measured, and predicted under the
    text measure and under its symmetrised version.

    Parameters
    ----------
    ids
        The token stream.
    length, top_v
        Window length and one-hot vocabulary (``top_v`` words plus "other").
    target_ids
        Word ids whose "the next token is this word" indicator is a target (centred on the pool).
    n_pool, n_grid, n_seeds
        Size of the pool (the input space), training-set sizes, kernel-regression repetitions.
    ridge, beta
        Ridge of kernel regression and the kernel's positional weight (as in the GP chapter).
    seed
        Seeds the pool, the shuffling and the training draws.

    Returns
    -------
    dict
        ``n`` (the grid), ``empirical`` (``[seeds, n, targets]`` learnability on the text pool),
        ``predicted`` (``{"text": [n, targets], "symmetrised": [n, targets]}``), ``eigenvalues``
        (``{"text": ..., "symmetrised": ...}``, descending) and ``rates`` (each target's rate on the
        pool).
    """
    tokens, following = window_pool(ids, length, n_pool, top_v, seed)
    shuffled = np.random.default_rng(seed + 1).permuted(tokens, axis=1)
    g = (following[:, None] == np.asarray(target_ids)[None, :]).astype(float)
    rates = g.mean(axis=0)
    g = g - rates  # centred: learnability of the part that varies over the pool
    V = top_v + 1
    n = np.asarray(n_grid, dtype=int)
    predicted, eigenvalues, grams = {}, {}, {}
    for name, T in (("text", tokens), ("symmetrised", shuffled)):
        K = grams[name] = onehot_attention_nngp(T, T, V, beta)
        eta, weights = _spectrum(K, g)
        eigenvalues[name] = eta[::-1]
        predicted[name] = np.stack(
            [eigenlearning(eta, weights[:, j], n, ridge).learnability for j in range(g.shape[1])],
            axis=1,
        )
    curve = empirical_learning_curve(
        grams["text"], np.full(n_pool, 1.0 / n_pool), g, n, n_seeds, ridge, seed + 2
    )
    return {
        "n": n,
        "empirical": curve.learnability,
        "predicted": predicted,
        "eigenvalues": eigenvalues,
        "rates": rates,
    }
