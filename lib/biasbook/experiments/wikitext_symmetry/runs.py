"""The WikiText-symmetry chapter's experiments: symmetry statistics of text and its controls.

Windows of the text and of four baselines (:func:`dataset_windows`: positions shuffled, i.i.d.
unigram tokens, a bigram Markov chain fitted to the text, tokens sorted by frequency) are embedded
and measured with the statistics of :mod:`biasbook.maths.position_symmetry`, with delete-one-chunk
jackknife errors over contiguous chunks of text (:func:`analyse_windows`); :func:`symmetry_study`
runs every length, embedding and data set, and :func:`exchangeable_null` draws the null
distribution that calibrates test T2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.stats

from biasbook.data.wikitext import windows as make_windows
from biasbook.maths.markov_chains import MarkovChain, fit_markov_chain, sample_markov_chain
from biasbook.maths.position_symmetry import (
    Embedding,
    Moments,
    chunk_bounds,
    jackknife,
    principal_cross_energy,
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


#: Windows per run of the Markov chain: each run is stationary from its start, so runs can be short.
WINDOWS_PER_RUN = 64


def markov_windows(chain: MarkovChain, n_windows: int, length: int, seed: int) -> np.ndarray:
    """``n_windows`` windows of ``length`` tokens from independent stationary runs of ``chain``.

    Each run yields :data:`WINDOWS_PER_RUN` consecutive windows, so no window straddles two runs.
    """
    n_runs = -(-n_windows // WINDOWS_PER_RUN)
    runs = sample_markov_chain(chain, n_runs, WINDOWS_PER_RUN * length, seed)
    return runs.reshape(-1, length)[:n_windows]


#: Keep every chunk's moments for the jackknife when all of them together fit in this many bytes.
KEEP_CHUNK_BYTES = 64 * 2**20


def analyse_windows(
    windows: np.ndarray,
    embedding: Embedding,
    n_chunks: int = 20,
    n_eigs: int = 64,
    n_multiplets: int = 8,
    n_pcs: int = 10,
) -> dict[str, object]:
    """Covariance symmetry statistics of ``windows`` with jackknife errors over contiguous chunks.

    The chunks' moments are kept in memory when they fit in :data:`KEEP_CHUNK_BYTES`; otherwise a
    second pass recomputes each chunk (one-hot moments are cheap to recompute, and large). Either
    way :func:`scalar_statistics` is evaluated on the total minus each chunk.

    Returns
    -------
    dict
        ``n_windows``, ``length``, ``dim``; ``point`` (scalar and spectral statistics of all
        windows, and ``principal_cross``: the cross-sector share of the top ``n_pcs`` principal
        part) and ``se`` (jackknife standard errors of the scalar statistics); ``t_crit``, the
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
        C, length, n_eigs, n_multiplets, n_pcs
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


DATASETS = ("wikitext", "shuffled", "iid", "markov", "sorted")


def dataset_windows(
    name: str,
    ids: np.ndarray,
    length: int,
    seed: int,
    unigram: np.ndarray | None = None,
    chain: MarkovChain | None = None,
) -> np.ndarray:
    """Windows (stride ``length``) of the text or of one of its baselines.

    ``"wikitext"``: the text; ``"shuffled"``: each window's positions permuted at random;
    ``"iid"``: as many windows of i.i.d. tokens from ``unigram`` (default: the stream's own);
    ``"markov"``: as many windows from the bigram chain fitted to the stream (``chain``, fitted
    here if not given); ``"sorted"``: each window sorted by frequency rank. Seeds derive from
    ``(seed, length)``.
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
    if name == "markov":
        chain = chain or fit_markov_chain(ids, order=1)
        return markov_windows(chain, text.shape[0], length, seed=hash_seed(seed, length, 3))
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
    n_pcs: int = 10,
    progress: Callable[[str], None] | None = None,
) -> dict[int, dict[str, dict[str, dict[str, object]]]]:
    """:func:`analyse_windows` for every window length, embedding and data set.

    Returns ``result[L][embedding_name][dataset]``.
    """
    unigram = np.bincount(ids) / ids.size
    chain = fit_markov_chain(ids, order=1) if "markov" in datasets else None
    result: dict[int, dict[str, dict[str, dict[str, object]]]] = {}
    for length in lengths:
        result[length] = {}
        for name in datasets:
            win = dataset_windows(name, ids, length, seed, unigram, chain)
            for emb_name, emb in embeddings.items():
                if progress is not None:
                    progress(f"L={length} {emb_name} {name}")
                result[length].setdefault(emb_name, {})[name] = analyse_windows(
                    win, emb, n_chunks, n_eigs, n_multiplets, n_pcs
                )
    return result


def exchangeable_null(
    ids: np.ndarray,
    lengths: Sequence[int],
    embeddings: Mapping[str, Embedding],
    seed: int,
    n_draws: int,
    n_pcs: int = 10,
    progress: Callable[[str], None] | None = None,
) -> dict[int, dict[str, np.ndarray]]:
    """The principal cross-energy of ``n_draws`` independent shufflings of the text's windows.

    Every draw is exchangeable and has the text's symmetrised covariance in the population, as the
    ``"shuffled"`` data set has (whose seed is not among these), so the largest of ``n_draws``
    draws is exceeded by a further exchangeable draw with probability ``1 / (n_draws + 1)``
    exactly: the calibration of test T2. Returns ``null[L][embedding_name]``, ``[n_draws]``.
    """
    out: dict[int, dict[str, np.ndarray]] = {}
    for length in lengths:
        text = make_windows(ids, length)
        draws: dict[str, list[float]] = {name: [] for name in embeddings}
        for j in range(n_draws):
            win = shuffle_positions(text, seed=hash_seed(seed, length, 100 + j))
            for name, emb in embeddings.items():
                if progress is not None:
                    progress(f"L={length} {name} null {j + 1}/{n_draws}")
                C = emb.moments(win).covariance()
                draws[name].append(principal_cross_energy(C, length, n_pcs))
        out[length] = {name: np.asarray(v) for name, v in draws.items()}
    return out


# --------------------------------------------------------------------------- reading a study


def statistic(study: Mapping, L: int, emb: str, ds: str, key: str) -> Any:
    """A statistic of :func:`symmetry_study` (point estimate) at one length, embedding and data."""
    return study[L][emb][ds]["point"][key]


def half_width(study: Mapping, L: int, emb: str, ds: str, key: str) -> Any:
    """Half-width of the 95 % jackknife interval of a statistic."""
    res = study[L][emb][ds]
    return res["t_crit"] * res["se"][key]


def ratio_interval(study: Mapping, L: int, emb: str, ds: str) -> tuple[float, float]:
    """The symmetry-breaking ratio ``r`` of a data set and the half-width of its 95 % interval."""
    r, half = statistic(study, L, emb, ds, "ratio"), half_width(study, L, emb, ds, "ratio")
    return float(r), float(half)
