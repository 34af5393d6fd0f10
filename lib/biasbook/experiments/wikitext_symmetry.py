"""The WikiText-symmetry chapter's experiment: symmetry statistics of text and its controls.

Windows of the text and of three baselines (:func:`dataset_windows`: positions shuffled, i.i.d.
unigram tokens, tokens sorted by frequency) are embedded and measured with the statistics of
:mod:`biasbook.maths.position_symmetry`, with delete-one-chunk jackknife errors over contiguous
chunks of text (:func:`analyse_windows`); :func:`symmetry_study` runs every length, embedding and
data set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.stats

from biasbook.checks.verdicts import Claim, Outcome, at_least, claim
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


# --------------------------------------------------------------------------- reproduction checks

#: Tolerances of the two symmetry tests, fixed before the measurement.
ENERGY_SHARE = 0.9  # T1: share of the covariance's energy in its S_L-symmetric part
PURITY = 0.9  # T2: share of each top principal component in one sector


def ratio_interval(study: Mapping, L: int, emb: str, ds: str) -> tuple[float, float]:
    """The symmetry-breaking ratio ``r`` of a data set and the half-width of its 95 % interval."""
    res = study[L][emb][ds]
    return float(res["point"]["ratio"]), float(res["t_crit"] * res["se"]["ratio"])


def check_energy_share(d: tuple[float, float, float, float]) -> Outcome:
    """T1: the symmetric share, corrected for the sampling-noise floor, is at least 0.9.

    ``d = (r, half, r_null, half_null)``: the ratio of the data and of the shuffled windows at the
    same length and number of windows, with their 95 % half-widths. Sampling noise alone makes an
    exactly symmetric covariance look asymmetric by ``r_null²`` (its expected value), so the share
    is ``1 − (r² − r_null²)``; undecided when 0.9 lies inside its 95 % interval (delta method).
    """
    r, half, r0, half0 = d
    share = 1 - (r**2 - r0**2)
    half_share = float(np.hypot(2 * r * half, 2 * r0 * half0))
    return at_least(share, ENERGY_SHARE, se=half_share / 2, fmt=".4f", label="1 − r² + r²_null")


def check_purity(fractions: np.ndarray) -> Outcome:
    """T2: each top principal component has at least 90 % of its weight in one sector."""
    purity = float(np.min(np.maximum(fractions, 1 - fractions)))
    return Outcome(purity >= PURITY, f"min purity {purity:.3f}", purity - PURITY)


def check_between(d: Mapping[str, tuple[float, float]]) -> Outcome:
    """Disjoint 95 % intervals: shuffled and i.i.d. below the text, the text below sorted."""
    r, h = d["wikitext"]
    lows = [d[k][0] + d[k][1] for k in ("shuffled", "iid")]
    high = d["sorted"][0] - d["sorted"][1]
    ok = max(lows) < r - h and r + h < high
    return Outcome(ok, f"r {r:.4f} ± {h:.4f}", min(r - h - max(lows), high - r - h))


def reproduction_claims(
    study: Mapping,
    counts: Sequence[tuple[str, int, int]],
    lengths: Sequence[int],
    embeddings: Sequence[str],
    n_pcs: int,
) -> list[Claim]:
    """The chapter's reproduction-status rows, each run on its data and its controls.

    Parameters
    ----------
    study
        :func:`symmetry_study`.
    counts
        :func:`biasbook.data.wikitext.count_checks`: ``(what, published, measured)``.
    lengths, embeddings, n_pcs
        The window lengths, the embedding names and the number of components T2 judges.
    """
    items = [(L, e) for L in lengths for e in embeddings]
    name = {(L, e): f"L={L} {e}" for L, e in items}

    def per_item(ds: str, f: Callable[[int, str, str], Any]) -> dict[str, Any]:
        return {name[k]: f(*k, ds) for k in items}

    def ratio(L: int, e: str, ds: str) -> tuple[float, float]:
        return ratio_interval(study, L, e, ds)

    def corrected(L: int, e: str, ds: str) -> tuple[float, float, float, float]:
        return (*ratio(L, e, ds), *ratio(L, e, "shuffled"))

    def fractions(L: int, e: str, ds: str) -> np.ndarray:
        return np.asarray(study[L][e][ds]["point"]["trivial_fraction"][:n_pcs])

    def between(L: int, e: str, text: str) -> dict[str, tuple[float, float]]:
        d = {ds: ratio(L, e, ds) for ds in ("shuffled", "iid", "sorted")}
        return {**d, "wikitext": ratio(L, e, text)}

    return [
        claim(
            "WikiText-2 as loaded matches the published token and vocabulary counts",
            paper="ours: a data-integrity check against the counts published with WikiText-2",
            check="exact equality of each count",
            test=lambda pg: Outcome(pg[0] == pg[1], f"{pg[1]:,} (published {pg[0]:,})"),
            data={what: (pub, got) for what, pub, got in counts},
            controls={"a corpus one token short": {w: (p, g - 1) for w, p, g in counts}},
            itemised=True,
        ),
        claim(
            "WikiText's symmetry-breaking ratio lies between the exchangeable and the ordered "
            "controls",
            paper="abstract: WikiText-2 possesses a degree of permutation symmetry",
            check="95 % jackknife intervals disjoint: shuffled, i.i.d. < text < sorted",
            test=check_between,
            data=per_item("wikitext", between),
            controls={"the shuffled windows in the text's place": per_item("shuffled", between)},
            itemised=True,
        ),
        claim(
            "T1: the covariance is approximately S_L-symmetric",
            paper="abstract: an approximate permutation symmetry (the test and its 90 % "
            "threshold are ours)",
            check=f"1 − r² + r²_null ≥ {ENERGY_SHARE} at every L and embedding (r_null: the "
            f"shuffled windows' noise floor); undecided when {ENERGY_SHARE} lies inside the 95 % "
            "interval",
            test=check_energy_share,
            data=per_item("wikitext", corrected),
            controls={"sorted windows (ordered)": per_item("sorted", corrected)},
            positives={
                "i.i.d. unigram windows (exactly symmetric)": per_item("iid", corrected),
            },
            itemised=True,
            expected=False,
        ),
        claim(
            "T2: the top principal components are approximately symmetric",
            paper="abstract and third-party summaries: approximate permutation symmetry in the "
            "principal components (the test and its threshold are ours)",
            check=f"each of the top {n_pcs} PCs ≥ {PURITY:.0%} in one sector, every L and "
            "embedding",
            test=check_purity,
            data=per_item("wikitext", fractions),
            controls={"sorted windows (ordered)": per_item("sorted", fractions)},
            positives={
                "shuffled windows (exactly symmetric)": per_item("shuffled", fractions),
                "i.i.d. unigram windows (exactly symmetric)": per_item("iid", fractions),
            },
            itemised=True,
            expected=False,
        ),
    ]
