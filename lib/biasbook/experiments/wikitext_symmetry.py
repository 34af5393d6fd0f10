"""The WikiText-symmetry chapter's experiment: symmetry statistics of text and its controls.

Windows of the text and of three baselines (:func:`dataset_windows`: positions shuffled, i.i.d.
unigram tokens, tokens sorted by frequency) are embedded and measured with the statistics of
:mod:`biasbook.maths.position_symmetry`, with delete-one-chunk jackknife errors over contiguous
chunks of text (:func:`analyse_windows`); :func:`symmetry_study` runs every length, embedding and
data set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.stats

from biasbook.data.wikitext import windows as make_windows
from biasbook.maths.position_symmetry import (
    Embedding,
    Moments,
    chunk_bounds,
    jackknife,
    scalar_statistics,
    spectral_statistics,
)

# --------------------------------------------------------------------------- baselines


def shuffle_positions(windows: np.ndarray, seed: int) -> np.ndarray:
    """Each window's tokens in an independent uniformly random order (exchangeable by design)."""
    return np.random.default_rng(seed).permuted(windows, axis=1)


def sort_windows(windows: np.ndarray) -> np.ndarray:
    """Each window's tokens sorted by id, i.e. by frequency rank: the most frequent first.

    The strongly ordered control: the same bag of words per window as the text, but the position
    of a token is (almost) fixed by its frequency.
    """
    return np.sort(windows, axis=1)


def iid_windows(probs: np.ndarray, n_windows: int, length: int, seed: int) -> np.ndarray:
    """``n_windows`` windows of ``length`` i.i.d. tokens drawn from the unigram ``probs``."""
    probs = np.asarray(probs, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return rng.choice(probs.size, size=(n_windows, length), p=probs / probs.sum()).astype(np.int32)


#: Keep every chunk's moments for the jackknife when all of them together fit in this many bytes.
KEEP_CHUNK_BYTES = 64 * 2**20


def analyse_windows(
    windows: np.ndarray,
    embedding: Embedding,
    n_chunks: int = 20,
    n_eigs: int = 64,
    n_multiplets: int = 8,
) -> dict[str, object]:
    """Covariance symmetry statistics of ``windows`` with jackknife errors over contiguous chunks.

    The chunks' moments are kept in memory when they fit in :data:`KEEP_CHUNK_BYTES`; otherwise a
    second pass recomputes each chunk (one-hot moments are cheap to recompute, and large). Either
    way :func:`scalar_statistics` is evaluated on the total minus each chunk.

    Returns
    -------
    dict
        ``n_windows``, ``length``, ``dim``; ``point`` (scalar and spectral statistics of all
        windows) and ``se`` (jackknife standard errors of the scalar statistics); ``t_crit``, the
        two-sided 95 % Student-t quantile with ``n_chunks - 1`` degrees of freedom.
    """
    n, length = windows.shape
    bounds = chunk_bounds(n, n_chunks)
    parts: list[Moments] = []
    total: Moments | None = None
    for start, stop in bounds:
        part = embedding.moments(windows[start:stop])
        total = part if total is None else total + part
        if n_chunks * part.outer.nbytes <= KEEP_CHUNK_BYTES:
            parts.append(part)
    assert total is not None
    C = total.covariance()
    point = scalar_statistics(C, length, n_multiplets) | spectral_statistics(
        C, length, n_eigs, n_multiplets
    )
    leave_one_out = []
    for k, (start, stop) in enumerate(bounds):
        part = parts[k] if parts else embedding.moments(windows[start:stop])
        leave_one_out.append(scalar_statistics((total - part).covariance(), length, n_multiplets))
    return {
        "n_windows": n,
        "length": length,
        "dim": total.dim,
        "point": point,
        "se": jackknife(leave_one_out),
        "t_crit": float(scipy.stats.t.ppf(0.975, n_chunks - 1)),
    }


DATASETS = ("wikitext", "shuffled", "iid", "sorted")


def dataset_windows(
    name: str, ids: np.ndarray, length: int, seed: int, unigram: np.ndarray | None = None
) -> np.ndarray:
    """Windows (stride ``length``) of the text or of one of its baselines.

    ``"wikitext"``: the text; ``"shuffled"``: each window's positions permuted at random;
    ``"iid"``: as many windows of i.i.d. tokens from ``unigram`` (default: the stream's own);
    ``"sorted"``: each window sorted by frequency rank. Seeds derive from ``(seed, length)``.
    """
    text = make_windows(ids, length)
    if name == "wikitext":
        return text
    if name == "shuffled":
        return shuffle_positions(text, seed=hash_seed(seed, length, 1))
    if name == "iid":
        if unigram is None:
            unigram = np.bincount(ids) / ids.size
        return iid_windows(unigram, text.shape[0], length, seed=hash_seed(seed, length, 2))
    if name == "sorted":
        return sort_windows(text)
    raise ValueError(f"unknown data set {name!r}; choose from {DATASETS}")


def hash_seed(*parts: int) -> int:
    """A deterministic 63-bit seed from integers (NumPy ``SeedSequence`` entropy mixing)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(2, np.uint64)[0] >> np.uint64(1))


def symmetry_study(
    ids: np.ndarray,
    lengths: Sequence[int],
    embeddings: Mapping[str, Embedding],
    seed: int,
    datasets: Sequence[str] = DATASETS,
    n_chunks: int = 20,
    n_eigs: int = 64,
    n_multiplets: int = 8,
    progress: Callable[[str], None] | None = None,
) -> dict[int, dict[str, dict[str, dict[str, object]]]]:
    """:func:`analyse_windows` for every window length, embedding and data set.

    Returns ``result[L][embedding_name][dataset]``.
    """
    unigram = np.bincount(ids) / ids.size
    result: dict[int, dict[str, dict[str, dict[str, object]]]] = {}
    for length in lengths:
        result[length] = {}
        for name in datasets:
            win = dataset_windows(name, ids, length, seed, unigram)
            for emb_name, emb in embeddings.items():
                if progress is not None:
                    progress(f"L={length} {emb_name} {name}")
                result[length].setdefault(emb_name, {})[name] = analyse_windows(
                    win, emb, n_chunks, n_eigs, n_multiplets
                )
    return result
