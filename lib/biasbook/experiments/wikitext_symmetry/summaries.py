"""What the WikiText-symmetry chapter shows: tables and the sentences chosen from its numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from biasbook.experiments.wikitext_symmetry.checks import (
    PURITY,
    check_energy_share,
    check_principal_cross,
    check_purity,
)
from biasbook.experiments.wikitext_symmetry.runs import (
    DATASETS,
    half_width,
    ratio_interval,
    statistic,
)

#: Names of the data sets in tables.
NAMES = {
    "wikitext": "WikiText-2",
    "shuffled": "shuffled",
    "iid": "i.i.d. unigram",
    "markov": "bigram chain",
    "sorted": "sorted (ordered)",
}


def ratio_summary(
    study: Mapping, lengths: Sequence[int], embeddings: Sequence[str]
) -> dict[str, Any]:
    """The symmetry-breaking ratio of the text and its controls per length and embedding, the
    text's place between the exchangeable and the ordered control, and the sentences on both."""
    rows, place = [], {}
    for emb in embeddings:
        for L in lengths:
            r = {ds: statistic(study, L, emb, ds, "ratio") for ds in DATASETS}
            e = {ds: half_width(study, L, emb, ds, "ratio") for ds in DATASETS}
            place[L, emb] = (r["wikitext"] - r["shuffled"]) / (r["sorted"] - r["shuffled"])
            rows.append(
                (
                    emb,
                    L,
                    *(f"{r[ds]:.4f} ± {e[ds]:.4f}" for ds in DATASETS),
                    f"{1 - r['wikitext'] ** 2:.3f}",
                    f"{place[L, emb]:.2f}",
                    f"{statistic(study, L, emb, 'wikitext', 'offdiag_ratio'):.2f}",
                    f"{statistic(study, L, emb, 'shuffled', 'offdiag_ratio'):.2f}",
                )
            )
    high = [f"L = {L} ({e})" for (L, e), x in place.items() if x >= 0.5]
    apart = [
        f"L = {L} ({e})"
        for L in lengths
        for e in embeddings
        if abs(statistic(study, L, e, "shuffled", "ratio") - statistic(study, L, e, "iid", "ratio"))
        > half_width(study, L, e, "shuffled", "ratio") + half_width(study, L, e, "iid", "ratio")
    ]
    return {
        "rows": rows,
        "place": place,
        "glue": {
            "wt-place": "On the scale from shuffled (0) to sorted (1), WikiText-2 "
            + (
                "stays below one half for every length and every embedding (at most "
                f"{max(place.values()):.2f}): it is far closer to the exchangeable controls than "
                "to the ordered one."
                if not high
                else f"reaches one half or more at {', '.join(high)}."
            ),
            "wt-floor": "The two exactly symmetric controls agree with each other within their "
            "intervals at every length, which confirms that their ratio is a pure noise floor."
            if not apart
            else "The two exactly symmetric controls differ beyond their intervals "
            f"at {', '.join(apart)}, so their ratio is not a pure noise floor there.",
        },
    }


def multiplet_splitting(study: Mapping, lengths: Sequence[int]) -> dict[int, float]:
    """Spread of the text's leading one-hot multiplet in units of the shuffled control's (the
    spread that sampling noise alone produces), per window length."""
    return {
        L: statistic(study, L, "one-hot", "wikitext", "multiplet_spread")[0]
        / statistic(study, L, "one-hot", "shuffled", "multiplet_spread")[0]
        for L in lengths
    }


def markov_summary(
    study: Mapping, lengths: Sequence[int], embeddings: Sequence[str]
) -> dict[str, Any]:
    """The text against the bigram chain fitted to it: how much of the text's departure from
    exchangeability (above the shuffled noise floor) stationarity alone reproduces, and whether
    the text is more symmetric than the chain, for the ratio and the off-diagonal ratio."""
    rows, verdicts, shares = [], {}, []
    for emb in embeddings:
        for L in lengths:
            cells = [emb, L]
            for key in ("ratio", "offdiag_ratio"):
                r = {ds: statistic(study, L, emb, ds, key) for ds in ("wikitext", "markov")}
                h = {ds: half_width(study, L, emb, ds, key) for ds in ("wikitext", "markov")}
                floor = statistic(study, L, emb, "shuffled", key)
                share = (r["markov"] - floor) / (r["wikitext"] - floor)
                if key == "ratio":
                    shares.append(share)
                if r["wikitext"] + h["wikitext"] < r["markov"] - h["markov"]:
                    word = "text more symmetric"
                elif r["markov"] + h["markov"] < r["wikitext"] - h["wikitext"]:
                    word = "chain more symmetric"
                else:
                    word = "indistinguishable"
                verdicts[L, emb, key] = word
                cells += [
                    f"{r['wikitext']:.4f} ± {h['wikitext']:.4f}",
                    f"{r['markov']:.4f} ± {h['markov']:.4f}",
                    f"{share:.2f}",
                    word,
                ]
            rows.append(tuple(cells))
    more = [
        f"L = {L} ({e})"
        for (L, e, key), word in verdicts.items()
        if key == "ratio" and word == "text more symmetric"
    ]
    return {
        "rows": rows,
        "glue": {
            "wt-markov": "A bigram chain fitted to the text, stationary but not exchangeable, "
            f"reproduces {min(shares):.0%} to {max(shares):.0%} of the text's departure from "
            "exchangeability (its ratio above the shuffled floor, over all lengths and "
            "embeddings). "
            + (
                "The text is more symmetric than the chain, beyond both intervals, at "
                + ", ".join(more)
                + "; everywhere else the two cannot be told apart or the chain is the more "
                "symmetric."
                if more
                else "Nowhere is the text more symmetric than the chain beyond both intervals: "
                "as far as this ratio can tell, the text's permutation symmetry is what "
                "stationarity with short-range dependence gives, and no more."
            ),
        },
    }


def verdict_summary(
    study: Mapping,
    null: Mapping,
    lengths: Sequence[int],
    embeddings: Sequence[str],
    n_pcs: int,
) -> dict[str, Any]:
    """The verdict section: T1 and T2 item by item (the status table's tests), the multiplet
    splitting against its noise level, and the sentences that read them."""
    items = [(L, e) for L in lengths for e in embeddings]
    share = {k: 1 - statistic(study, *k, "wikitext", "ratio") ** 2 for k in items}
    corrected = {k: share[k] + statistic(study, *k, "shuffled", "ratio") ** 2 for k in items}
    t1 = {
        k: check_energy_share(
            (*ratio_interval(study, *k, "wikitext"), *ratio_interval(study, *k, "shuffled"))
        )
        for k in items
    }
    purity = {
        k: check_purity(np.asarray(statistic(study, *k, "wikitext", "trivial_fraction")[:n_pcs]))
        for k in items
    }
    t2 = {
        k: check_principal_cross(
            (statistic(study, *k, "wikitext", "principal_cross"), null[k[0]][k[1]])
        )
        for k in items
    }
    exact = [
        k
        for k in items
        if statistic(study, *k, "wikitext", "principal_cross") > max(null[k[0]][k[1]])
    ]
    failed_t1 = [k for k in items if t1[k].holds is False]
    undecided_t1 = [k for k in items if t1[k].holds is None]
    failed_t2 = [k for k in items if t2[k].holds is False]
    failed_purity = [k for k in items if purity[k].holds is False]
    spread = list(multiplet_splitting(study, lengths).values())

    def names(ks: Sequence[tuple[int, str]]) -> str:
        return ", ".join(f"L = {L} ({e})" for L, e in ks) or "none"

    bullets = (
        f"* Symmetric share of the text's covariance: {min(share.values()):.3f} to "
        f"{max(share.values()):.3f} over all lengths and embeddings; corrected for the shuffled "
        "noise floor (T1): "
        + ", ".join(f"L = {L} ({e}) {corrected[L, e]:.4f}" for L, e in items)
        + f". T1 fails at: {names(failed_t1)}; undecided at: {names(undecided_t1)}.\n"
        f"* T2 (cross-sector share of the top {n_pcs} components, null-calibrated) fails at: "
        f"{names(failed_t2)}. The share exceeds every exchangeable draw (exact symmetry "
        f"rejected) at: {names(exact)}.\n"
        f"* The first T2 (per-component purity, replaced) fails at: {names(failed_purity)}.\n"
        f"* The leading one-hot multiplet is split {min(spread):.0f} to {max(spread):.0f} times "
        "more than sampling noise splits it in the shuffled control."
    )
    if not failed_t1 and not undecided_t1:
        t1_text = (
            "By T1 the covariance is approximately symmetric at every length and for every "
            "embedding."
        )
    else:
        t1_text = (
            ("T1 fails at " + names(failed_t1) if failed_t1 else "")
            + ("; " if failed_t1 and undecided_t1 else "")
            + (
                "T1 cannot decide at " + names(undecided_t1) + ", where the threshold lies "
                "inside the 95 % interval of the corrected share"
                if undecided_t1
                else ""
            )
            + "; by T1 the covariance is approximately symmetric everywhere else."
        )
    place = ratio_summary(study, lengths, embeddings)["place"]
    first_pc = {
        L: statistic(study, L, "one-hot", "wikitext", "trivial_fraction")[0] for L in lengths
    }
    contrast = [L for L in lengths if first_pc[L] < 0.1]
    verdict = (
        (
            "WikiText-2 possesses a degree of permutation symmetry in the sense of the paper's "
            "abstract "
            if max(place.values()) < 0.5
            else "By the symmetry-breaking ratio, "
            "WikiText-2 is not clearly closer to exchangeable windows than to ordered ones at "
            "every length "
        )
        + f"(at least {min(share.values()):.0%} of its covariance energy is symmetric)"
        + (
            ", and for the one-hot embedding at L = "
            + ", ".join(map(str, contrast))
            + " its leading principal component is a position contrast, as the symmetric picture "
            "predicts."
            if contrast
            else "."
        )
    )
    return {
        "bullets": bullets,
        "glue": {
            "wt-t1-reading": t1_text,
            "wt-t2-reading": (
                "By T2 the top principal components stay within the symmetric sectors, up to the "
                "tolerance, at every length and for every embedding"
                if not failed_t2
                else f"T2 fails at {names(failed_t2)}"
            )
            + (
                "; exact symmetry, however, is rejected at "
                + names(exact)
                + ", where the text's components couple the sectors more than every exchangeable "
                "draw does."
                if exact
                else "; the text's components couple the sectors no more than exchangeable draws "
                "do at any length."
            ),
            "wt-multiplet-reading": "The evidence against the stronger reading of the claim comes "
            f"instead from the multiplets, split {min(spread):.0f} to {max(spread):.0f} times "
            "beyond their noise level."
            if min(spread) > 2
            else "The multiplets are not split "
            "clearly beyond their noise level at every length, so they give no clear evidence "
            "against the stronger reading.",
            "wt-verdict-reading": verdict,
        },
    }


def transfer_summary(result: Mapping[str, Any], words: Sequence[str]) -> dict[str, Any]:
    """Table and sentence of :func:`~biasbook.experiments.wikitext_symmetry.kernel.
    kernel_transfer`: per target, the largest gap between each prediction and the measured
    learnability over the grid, and which measure predicts the text's curve better."""
    mean = result["empirical"].mean(axis=0)
    gap = {name: np.max(np.abs(pred - mean), axis=0) for name, pred in result["predicted"].items()}
    rows = [
        (
            f"`{w}`",
            f"{result['rates'][j]:.3f}",
            f"{mean[-1, j]:.3f}",
            f"{gap['text'][j]:.3f}",
            f"{gap['symmetrised'][j]:.3f}",
        )
        for j, w in enumerate(words)
    ]
    better = [w for j, w in enumerate(words) if gap["symmetrised"][j] <= gap["text"][j]]
    sentence = (
        f"Over the {len(words)} next-token targets, the prediction made under the symmetrised "
        f"measure misses the measured learning curve by at most {gap['symmetrised'].max():.3f} "
        f"(mean over targets {gap['symmetrised'].mean():.3f}), the prediction made under the "
        f"text measure itself by at most {gap['text'].max():.3f} (mean "
        f"{gap['text'].mean():.3f}). "
        + (
            "The symmetrised measure predicts as well or better for "
            + ", ".join(f"“{w}”" for w in better)
            + "."
            if better
            else "The text measure predicts better for every target: on these windows the "
            "symmetric picture does not carry over to learning curves without loss."
        )
    )
    return {"rows": rows, "gap": gap, "glue": {"wt-transfer": sentence}}


def component_summary(
    study: Mapping, lengths: Sequence[int], embeddings: Sequence[str], n_pcs: int
) -> dict[str, str]:
    """Sentences on the sector content of the top components and on the leading multiplet, each
    chosen from the numbers (glue names ``wt-pc-*`` and ``wt-multiplet-split``)."""

    def frac(L: int, e: str, ds: str) -> np.ndarray:
        return np.asarray(statistic(study, L, e, ds, "trivial_fraction")[:n_pcs])

    def min_purity(L: int, e: str, ds: str) -> float:
        f = frac(L, e, ds)
        return float(np.min(np.maximum(f, 1 - f)))

    def names(items: Sequence[tuple[int, str]]) -> str:
        return ", ".join(f"L = {L} ({e})" for L, e in items)

    items = [(L, e) for L in lengths for e in embeddings]
    contrast = [L for L in lengths if np.all(frac(L, "one-hot", "wikitext")[:3] < 0.05)]
    trivial_first = [e for e in embeddings if all(frac(L, e, "wikitext")[0] > 0.9 for L in lengths)]
    mixed = [k for k in items if min_purity(*k, "wikitext") < PURITY <= min_purity(*k, "shuffled")]
    iid_mixed = [k for k in items if min_purity(*k, "iid") < PURITY]
    spread = multiplet_splitting(study, lengths)
    rel = [statistic(study, L, "one-hot", "wikitext", "multiplet_spread")[0] for L in lengths]
    over_gap = [
        statistic(study, L, "one-hot", "wikitext", "multiplet_spread_over_gap")[0] for L in lengths
    ]
    return {
        "wt-pc-contrast": (
            "At L = " + ", ".join(map(str, contrast)) + " the text's three leading one-hot "
            "components lie almost purely (trivial share below 0.05) in the standard sector: they "
            "are contrasts between positions (position profiles that sum to zero), as symmetry "
            "demands."
            if contrast
            else "At no length do the text's three leading one-hot components all lie almost "
            "purely (trivial share below 0.05) in the standard sector."
        )
        + (
            " With the " + " and the ".join(trivial_first) + " embedding the top component is "
            "instead a trivial one (a position average, trivial share above 0.9) at every length."
            if trivial_first
            else ""
        ),
        "wt-pc-mixed": (
            f"At {names(mixed)} some of the text's top components mix the two sectors (purity "
            f"below {PURITY}) although the shuffled windows, whose population covariance is the "
            "text's symmetrised covariance, keep them apart."
            if mixed
            else "Wherever the shuffled windows keep the two sectors apart, so do the text's top "
            "components."
        ),
        "wt-pc-iid": (
            f"The i.i.d. control mixes the sectors (at {names(iid_mixed)}) although it is "
            "exactly symmetric:"
            if iid_mixed
            else "The i.i.d. control keeps the sectors apart in this run, but only by chance, "
            "since it is exactly symmetric with degenerate levels:"
        ),
        "wt-multiplet-split": (
            f"The L − 1 levels of the leading one-hot multiplet spread over {min(rel):.2f} to "
            f"{max(rel):.2f} of their mean, {min(spread.values()):.0f} to "
            f"{max(spread.values()):.0f} times the spread that sampling noise produces in the "
            f"shuffled control, and {min(over_gap):.1f} to {max(over_gap):.1f} times the gap to "
            "the neighbouring levels"
            + (", so the fans of neighbouring multiplets overlap." if min(over_gap) >= 1 else ".")
        ),
    }


def toeplitz_reading(
    measured: np.ndarray, predicted: np.ndarray, peaks: tuple[float, float]
) -> str:
    """Whether the Toeplitz matrix of the stream's autocovariance reproduces the leading multiplet:
    its lowest and highest level within 10 % of the measured ones, and the peak frequency of the
    top components (``peaks = (measured, predicted)``) within 0.05 cycles per token."""
    ends = np.array([predicted.min(), predicted.max()])
    seen = np.array([measured.min(), measured.max()])
    close = bool(np.all(np.abs(ends - seen) <= 0.1 * np.abs(seen)))
    same_peak = abs(peaks[0] - peaks[1]) <= 0.05
    if close and same_peak:
        return (
            "A Toeplitz matrix built from the autocovariance of the stream alone reproduces the "
            "measured range of levels to within 10 % and the frequency of the top components, so "
            "the splitting is what stationarity predicts, not an effect of particular positions "
            "in the window."
        )
    return (
        "A Toeplitz matrix built from the autocovariance of the stream alone "
        + ("reproduces" if close else "does not reproduce")
        + " the measured range of levels to within 10 %, and "
        + ("matches" if same_peak else "misses")
        + " the frequency of the top components, so stationarity explains the splitting only "
        "in part."
    )
