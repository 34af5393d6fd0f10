"""The WikiText-symmetry chapter's reproduction-status rows and the tests they run."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from biasbook.checks.verdicts import Claim, Outcome, at_least, at_most, claim
from biasbook.experiments.wikitext_symmetry.runs import ratio_interval, statistic

#: Tolerances of the symmetry tests, fixed before the measurement.
ENERGY_SHARE = 0.9  # T1: share of the covariance's energy in its S_L-symmetric part
PURITY = 0.9  # the first T2 (replaced): share of each top principal component in one sector
CROSS_TOLERANCE = 0.1  # T2: cross-sector share of the top principal part beyond the null's


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
    """The first T2 (replaced): each top principal component has ≥ 90 % of its weight in one
    sector. Invalid under near-degeneracy: exactly symmetric data fail it (see the chapter)."""
    purity = float(np.min(np.maximum(fractions, 1 - fractions)))
    return Outcome(purity >= PURITY, f"min purity {purity:.3f}", purity - PURITY)


def check_principal_cross(d: tuple[float, np.ndarray]) -> Outcome:
    """T2: the top principal part couples the sectors at most 0.1 more than exchangeable data.

    ``d = (s, null)``: the cross-sector share ``s`` of the data's top principal part and the same
    statistic for independent exchangeable draws. The threshold is the largest null draw plus
    :data:`CROSS_TOLERANCE`; an exchangeable data set exceeds the largest draw alone with
    probability ``1 / (len(null) + 1)``, so it fails the test at most that often.
    """
    s, null = d
    limit = float(np.max(null)) + CROSS_TOLERANCE
    return at_most(s, limit, fmt=".4f", label="cross-sector share")


def check_between(d: Mapping[str, tuple[float, float]]) -> Outcome:
    """Disjoint 95 % intervals: shuffled and i.i.d. below the text, the text below sorted."""
    r, h = d["wikitext"]
    lows = [d[k][0] + d[k][1] for k in ("shuffled", "iid")]
    high = d["sorted"][0] - d["sorted"][1]
    ok = max(lows) < r - h and r + h < high
    return Outcome(ok, f"r {r:.4f} ± {h:.4f}", min(r - h - max(lows), high - r - h))


def reproduction_claims(
    study: Mapping,
    null: Mapping,
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
    null
        :func:`exchangeable_null`, which calibrates T2.
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

    def cross(L: int, e: str, ds: str) -> tuple[float, np.ndarray]:
        return float(statistic(study, L, e, ds, "principal_cross")), np.asarray(null[L][e])

    n_draws = len(next(iter(next(iter(null.values())).values())))

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
            "principal components (the test and its tolerance are ours)",
            check=f"cross-sector share of the top-{n_pcs} principal part ≤ the largest of "
            f"{n_draws} exchangeable draws + {CROSS_TOLERANCE}, every L and embedding",
            test=check_principal_cross,
            data=per_item("wikitext", cross),
            controls={"sorted windows (ordered)": per_item("sorted", cross)},
            positives={
                "shuffled windows (exchangeable, not among the null draws)": per_item(
                    "shuffled", cross
                ),
                "i.i.d. unigram windows (exactly symmetric)": per_item("iid", cross),
            },
            itemised=True,
        ),
    ]
