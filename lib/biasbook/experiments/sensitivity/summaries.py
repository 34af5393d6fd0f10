"""What the chapter shows of each experiment: its table rows, printed numbers and glued sentences.

Each ``*_summary`` function takes the cached result of an experiment of
:mod:`~biasbook.experiments.sensitivity.runs` and returns ``rows`` (the chapter's table), the
numbers it prints, and ``glue``: the values and sentences the prose glues, chosen from the numbers
so that no sentence about an outcome is fixed text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats

from biasbook.experiments.sensitivity.protocol import PAPER_PARAMETERS


def log_mean(values: np.ndarray) -> tuple[float, float]:
    """Geometric mean and the standard error of the mean of the logs."""
    logs = np.log(np.asarray(values, dtype=float))
    se = logs.std(ddof=1) / np.sqrt(logs.size) if logs.size > 1 else np.nan
    return float(np.exp(logs.mean())), float(se)


def mean_se(values: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error (``nan`` for a single value)."""
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else np.nan


def sweep_summary(sweep: Mapping[str, np.ndarray], ns: Sequence[int], i_sigma: int) -> dict:
    """Per target and length: sensitivity, converged runs and geometric means of the minima's
    sharpness, squared gradient, blowup, and the mean parameter norm."""
    ok = sweep["converged"]
    rows = []
    for fn in dict.fromkeys(sweep["function"]):
        for n in ns:
            m = (sweep["function"] == fn) & (sweep["n"] == n)
            if not m.any():
                continue
            c = m & ok
            s_geo, _ = log_mean(sweep["sharpness"][c, i_sigma]) if c.any() else (np.nan, 0)
            g_geo, _ = log_mean(sweep["grad_sq"][c]) if c.any() else (np.nan, 0)
            b_geo, _ = log_mean(sweep["blowup"][c]) if c.any() else (np.nan, 0)
            rows.append(
                (
                    fn,
                    n,
                    f"{sweep['sensitivity'][m][0]:.2f}",
                    f"{c.sum()}/{m.sum()}",
                    f"{s_geo:.4f}",
                    f"{g_geo:.0f}",
                    f"{b_geo:.1f}",
                    f"{np.nanmean(sweep['param_norm'][c]):.1f}",
                )
            )
    return {
        "rows": rows,
        "glue": {"sens-n-converged": int(ok.sum()), "sens-n-models": int(ok.size)},
    }


def sharpness_summary(sweep: Mapping[str, np.ndarray], ns: Sequence[int], i_sigma: int) -> dict:
    """The sharpness story beside the slopes of :func:`scaling_summary`: the rank correlation
    with sensitivity, PARITY against FIRST over the lengths PARITY fits, the radius dependence,
    the blowup and the norms."""
    ok = sweep["converged"]
    fn, n_all = sweep["function"], sweep["n"]
    funcs = list(dict.fromkeys(fn))
    S = sweep["sharpness"][:, i_sigma]
    common = fitted_lengths(sweep, "parity")
    rho, p_rho = scipy.stats.spearmanr(sweep["sensitivity"][ok], S[ok])
    # PARITY against FIRST at each length PARITY fits: difference of mean log sharpness, then
    # pooled over those lengths.
    gaps = []
    for n in common:
        a = np.log(S[(fn == "parity") & (n_all == n) & ok])
        b = np.log(S[(fn == "first") & (n_all == n) & ok])
        gaps.append((a.mean() - b.mean(), a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    gap = float(np.mean([g for g, _ in gaps])) if gaps else np.nan
    gap_se = float(np.sqrt(np.sum([v for _, v in gaps])) / len(gaps)) if gaps else np.nan
    in_common = np.isin(n_all, common)
    par, first = (fn == "parity") & ok & in_common, (fn == "first") & ok & in_common
    log_blow = np.log(sweep["blowup"])
    blow_gap = float(log_blow[par].mean() - log_blow[first].mean()) if par.any() else np.nan
    # Quadratic regime: S_σ / (σ² E‖∇f‖²) at the smallest radius, over all converged minima.
    quad = sweep["sharpness"][ok, 0] / (sweep["sigmas"][0] ** 2 * sweep["grad_sq"][ok])
    sharpest = {}  # the sharpest function at each length PARITY fits (geometric mean)
    for n in common:
        geo = {
            f: log_mean(S[(fn == f) & (n_all == n) & ok])[0]
            for f in funcs
            if ((fn == f) & (n_all == n) & ok).any()
        }
        sharpest[int(n)] = max(geo, key=geo.get)
    parity_n = [n for n, f in sharpest.items() if f == "parity"]
    if parity_n and len(parity_n) == len(sharpest):
        sharpest_text = "At every length it fits, PARITY's minima are the sharpest"
    elif parity_n:
        sharpest_text = f"PARITY's minima are the sharpest at n = {', '.join(map(str, parity_n))}"
    else:
        sharpest_text = "PARITY's minima are the sharpest at no length"
    # S_σ/σ² at the largest radius over its value at the smallest, per function, at the largest
    # length PARITY fits.
    n_last = max(common, default=max(ns))
    radius_growth = {}
    for f in funcs:
        sel = (fn == f) & (n_all == n_last) & ok
        if sel.sum() >= 2:
            ratios = sweep["sharpness"][sel] / sweep["sigmas"] ** 2
            radius_growth[f] = log_mean(ratios[:, -1])[0] / log_mean(ratios[:, 0])[0]
    others = [v for f, v in radius_growth.items() if f != "parity"]
    log_norm = np.log(sweep["param_norm"])
    norm_ratio = float(np.exp(log_norm[par].mean() - log_norm[first].mean())) if par.any() else 1
    return {
        "rho": float(rho),
        "p_rho": float(p_rho),
        "gap": gap,
        "gap_se": gap_se,
        "blow_gap": blow_gap,
        "quad": quad,
        "glue": {
            "sens-rho": float(rho),
            "sens-gap": float(np.exp(gap)),
            "sens-blow-gap": float(np.exp(blow_gap)),
            "sens-quad-median": float(np.median(quad)),
            "sens-sharpest": sharpest_text,
            "sens-radius-parity": float(radius_growth.get("parity", np.nan)),
            "sens-radius-others-min": float(min(others, default=np.nan)),
            "sens-radius-others-max": float(max(others, default=np.nan)),
            "sens-norm-ratio": norm_ratio,
        },
    }


def generalisation_summary(gen: Mapping[str, Any]) -> dict:
    """Agreeing pairs (which candidate is learned) and random functions (learned extensions against
    random completions), with the reading of the MAJORITY pair."""
    pairs, rnd = gen["pairs"], gen["random"]
    rows = []
    for fn in dict.fromkeys(pairs["function"]):
        m = (pairs["function"] == fn) & pairs["fitted"]
        a, a_se = mean_se(pairs["agreement_low"][m])
        s, s_se = mean_se(pairs["learned_sensitivity"][m])
        rows.append(
            (
                fn,
                f"{m.sum()}/{(pairs['function'] == fn).sum()}",
                f"{pairs['sensitivity_low'][m][0]:.2f}",
                f"{pairs['sensitivity_high'][m][0]:.2f}",
                f"{s:.2f} ± {s_se:.2f}",
                f"{a:.2f} ± {a_se:.2f}",
            )
        )
    rf = rnd["fitted"]
    learned = float(rnd["learned_sensitivity"][rf].mean())
    target = float(rnd["target_sensitivity"][rf].mean())
    glue: dict[str, Any] = {
        "sens-gen-n": int(gen["n"]),
        "sens-rand-learned": learned,
        "sens-rand-completion": float(rnd["completion_sensitivity"][rf].mean()),
        "sens-rand-target": target,
        "sens-rand-lower": "lower" if learned < target else "no lower",
    }
    for fn, key in (("first", "first"), ("majority", "majority"), ("sparse_parity(k=2)", "sparse")):
        m = (pairs["function"] == fn) & pairs["fitted"]
        glue[f"sens-agree-{key}"] = float(pairs["agreement_low"][m].mean())
    m = (pairs["function"] == "majority") & pairs["fitted"]
    s_maj = float(pairs["learned_sensitivity"][m].mean())
    low, high = float(pairs["sensitivity_low"][m][0]), float(pairs["sensitivity_high"][m][0])
    closer = abs(s_maj - low) < abs(s_maj - high)
    a_maj, a_se = mean_se(pairs["agreement_low"][m])
    if a_maj - 2 * a_se > 0.5:  # the status table's test
        reading = "The held-out agreement shows the preference for $g$, as for the other functions."
    elif closer:
        reading = (
            "So the held-out agreement shows no clear preference for $g$ (the status "
            "table's test fails for MAJORITY), while the sensitivity of what is learned "
            "does lean towards the low candidate."
        )
    else:
        reading = "Neither the agreement nor the sensitivity shows a preference for $g$ here."
    glue.update(
        {
            "sens-maj-learned": s_maj,
            "sens-maj-low": low,
            "sens-maj-high": high,
            "sens-maj-closer": "closer to" if closer else "farther from",
            "sens-maj-reading": reading,
        }
    )
    return {"rows": rows, "fitted": rf, "glue": glue}


def length_summary(lg: Mapping[str, Any], tasks: Sequence[str], cut: float = 0.75) -> dict:
    """Accuracy on the training lengths and beyond, and the lengths at which each task is clearly
    below ``cut`` (mean plus two standard errors under it: the status table's test)."""
    ood = lg["lengths"] > lg["n_train"]
    acc = {t: lg["accuracy"][lg["task"] == t] for t in tasks}
    ood_acc = {t: a[:, ood].mean(axis=1) for t, a in acc.items()}
    in_acc = {t: a[:, ~ood].mean(axis=1) for t, a in acc.items()}
    long_lengths = lg["lengths"][ood]

    def below(t: str) -> list[int]:
        a = acc[t][:, ood]
        se = a.std(0, ddof=1) / np.sqrt(len(a))
        return [int(n) for n, lo in zip(long_lengths, a.mean(0) + 2 * se < cut, strict=True) if lo]

    p_fail, m_fail = below("parity"), below("majority")
    p_not = [int(n) for n in long_lengths if n not in p_fail]
    reading = (
        "Length by length, PARITY's accuracy is clearly closer to chance than to 1 at "
        + (", ".join(map(str, p_fail)) if p_fail else "no longer length")
        + (f", but not at {', '.join(map(str, p_not))}" if p_not and p_fail else "")
        + "; MAJORITY's is "
        + (f"below that line at {', '.join(map(str, m_fail))}." if m_fail else "above it at each.")
    )
    return {
        "ood": ood_acc,
        "in": in_acc,
        "glue": {
            "sens-ood-parity": float(ood_acc["parity"].mean()),
            "sens-ood-majority": float(ood_acc["majority"].mean()),
            "sens-in-parity": float(in_acc["parity"].mean()),
            "sens-in-majority": float(in_acc["majority"].mean()),
            "sens-length-reading": reading,
        },
    }


# --------------------------------------------------------------------------------------------------
# Figure 1: the authors' linear regression of sharpness on n, per target
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearTrend:
    """``scipy.stats.linregress`` of a measure on ``n`` over the converged runs of one target
    (Hahn & Rofin's analysis, ``src/plotting/scaling.py``): slope per bit, its standard error,
    the two-sided p-value of slope 0, and the lengths and runs it used."""

    slope: float
    se: float
    p: float
    lengths: tuple[int, ...]
    n_runs: int


def linear_trend(n: np.ndarray, y: np.ndarray) -> LinearTrend:
    """Least-squares line of ``y`` on ``n`` (``nan`` with fewer than two lengths)."""
    n, y = np.asarray(n, float), np.asarray(y, float)
    lengths = tuple(sorted({int(v) for v in n}))
    if len(lengths) < 2 or n.size < 3:
        return LinearTrend(np.nan, np.nan, np.nan, lengths, int(n.size))
    fit = scipy.stats.linregress(n, y)
    return LinearTrend(float(fit.slope), float(fit.stderr), float(fit.pvalue), lengths, n.size)


#: The two measures of a minimum's sharpness whose growth in n Figure 1 is about: the loss increase
#: at the headline radius, and its noise-free limit per σ², which cannot saturate.
MEASURES = ("S_σ", "E‖∇f‖²")


def measure(sweep: Mapping[str, np.ndarray], name: str, i_sigma: int) -> np.ndarray:
    """The values of measure ``name`` (one of :data:`MEASURES`) for every run of ``sweep``."""
    if name == "S_σ":
        return sweep["sharpness"][:, i_sigma]
    if name == "E‖∇f‖²":
        return sweep["grad_sq"]
    raise ValueError(f"unknown measure {name!r}; choose one of {MEASURES}")


def fitted_lengths(sweep: Mapping[str, np.ndarray], target: str, min_runs: int = 2) -> list[int]:
    """Lengths at which at least ``min_runs`` runs of ``target`` converged."""
    ok = sweep["converged"] & (sweep["function"] == target)
    ns = sorted({int(v) for v in sweep["n"]})
    return [n for n in ns if int((ok & (sweep["n"] == n)).sum()) >= min_runs]


def trend_data(
    sweep: Mapping[str, np.ndarray], target: str, name: str, i_sigma: int, lengths: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(n, measure)`` of the converged runs of ``target`` at ``lengths``."""
    m = sweep["converged"] & (sweep["function"] == target) & np.isin(sweep["n"], list(lengths))
    return sweep["n"][m].astype(float), measure(sweep, name, i_sigma)[m]


#: The authors' AdamW step size (conf/train_config.yaml).
PAPER_LEARNING_RATE = 3e-4


def scaling_summary(
    sweep: Mapping[str, np.ndarray], i_sigma: int, learning_rate: float = PAPER_LEARNING_RATE
) -> dict:
    """Figure 1's analysis: per target and measure the linear trend in ``n`` over every length
    it fits, and over the lengths where PARITY fits too (the common range of the comparisons);
    the perturbation radius ``σ√P``, ours and the paper's."""
    targets = list(dict.fromkeys(sweep["function"]))
    common = fitted_lengths(sweep, "parity") if "parity" in targets else []
    trends = {}
    for t in targets:
        own = fitted_lengths(sweep, t)
        for name in MEASURES:
            trends[t, name] = linear_trend(*trend_data(sweep, t, name, i_sigma, own))
    rows = []
    for t in targets:
        for name in MEASURES:
            tr = trends[t, name]
            rows.append(
                (
                    t,
                    name,
                    f"{tr.slope:.3g} ± {tr.se:.2g}",
                    f"{tr.p:.1e}",
                    _span(tr.lengths),
                    str(tr.n_runs),
                )
            )
    ns = sorted({int(v) for v in sweep["n"]})
    sigma = float(sweep["sigmas"][i_sigma])
    radius = sigma * np.sqrt(sweep["n_parameters"].astype(float))
    last_fit = max(common, default=None)
    if last_fit is None:
        parity_text = "PARITY converged at no length"
    elif last_fit == ns[-1]:
        parity_text = f"PARITY converged at every length up to n = {ns[-1]}"
    else:
        parity_text = (
            f"PARITY converged (at least two seeds) at n ≤ {last_fit} only, so its trend and every "
            f"comparison with it use n = {_span(common)}"
        )
    growth = _growth_sentence(trends, common, learning_rate / PAPER_LEARNING_RATE)
    return {
        "common": common,
        "trends": trends,
        "rows": rows,
        "radius": radius,
        "glue": {
            "sens-fig1-parity": parity_text,
            "sens-fig1-radius-min": float(radius.min()),
            "sens-fig1-radius-max": float(radius.max()),
            "sens-fig1-paper-radius": sigma * float(np.sqrt(PAPER_PARAMETERS)),
            "sens-fig1-growth": growth,
        },
    }


def _significant(t: LinearTrend) -> int:
    """+1 or -1 for a slope more than 2 SE from 0, else 0."""
    if not np.isfinite(t.slope) or abs(t.slope) <= 2 * t.se:
        return 0
    return 1 if t.slope > 0 else -1


def _growth_sentence(
    trends: Mapping[tuple[str, str], LinearTrend], common: Sequence[int], lr_ratio: float
) -> str:
    """What the linear trends say, target by target: which rise, which are flat."""
    if not common:
        return "With PARITY fitted at no length, its trend cannot be measured."
    words = {1: "rises", -1: "falls", 0: "shows no trend beyond 2 SE"}
    parts = []
    for (target, name), t in trends.items():
        if name != "S_σ" or not np.isfinite(t.slope):
            continue
        parts.append(
            f"{target.upper()}'s {words[_significant(t)]} ({t.slope:.2g} ± {t.se:.1g} per bit "
            f"over n = {_span(t.lengths)})"
        )
    text = "Fitting a line to S_σ against n, " + "; ".join(parts) + "."
    parity = trends.get(("parity", "S_σ"))
    if parity is not None and _significant(parity) <= 0:
        text += " PARITY's minima do not get sharper with n at this scale."
        if lr_ratio > 1.5:  # a reading, worded as a hypothesis: the chapter does not test it
            text += (
                f" One candidate reason, not tested here: with a step size {lr_ratio:.0f} times"
                " the paper's, the optimiser can only settle where the loss is flat enough for"
                " that step (the edge of stability), which caps the sharpness of every minimum"
                " it reaches."
            )
    return text


def _span(lengths: Sequence[int]) -> str:
    """``"4–9"`` for consecutive lengths, else the list."""
    lengths = list(lengths)
    if not lengths:
        return "none"
    if lengths == list(range(lengths[0], lengths[-1] + 1)) and len(lengths) > 2:
        return f"{lengths[0]}–{lengths[-1]}"
    return ", ".join(map(str, lengths))


# --------------------------------------------------------------------------------------------------
# Figure 4, second step: sharpness of minima fitted to learned extensions and random completions
# --------------------------------------------------------------------------------------------------


def retrained_summary(retrained: Mapping[str, np.ndarray], i_sigma: int) -> dict:
    """Table rows per kind of fitted function, and the sentence that reads them."""
    ok = retrained["converged"]
    S = retrained["sharpness"][:, i_sigma]
    rows, geo = [], {}
    for kind in ("learned", "random"):
        m = retrained["kind"] == kind
        c = m & ok
        geo[kind] = log_mean(S[c])[0] if c.sum() else np.nan
        g_grad = log_mean(retrained["grad_sq"][c])[0] if c.sum() else np.nan
        s_mean, s_se = mean_se(retrained["sensitivity"][m])
        rows.append(
            (
                "learned extensions" if kind == "learned" else "random completions",
                f"{c.sum()}/{m.sum()}",
                f"{s_mean:.2f} ± {s_se:.2f}",
                f"{geo[kind]:.4f}",
                f"{g_grad:.0f}",
            )
        )
    rho, p = scipy.stats.spearmanr(retrained["sensitivity"][ok], S[ok]) if ok.sum() > 2 else (0, 1)
    ratio = geo["random"] / geo["learned"]
    if not np.isfinite(ratio):
        reading = "Too few retrained models converged to compare the two kinds."
    else:
        which = "sharper" if ratio > 1 else "flatter"
        reading = (
            f"The minima fitted to random completions are {which} than those fitted to the learned "
            f"extensions (geometric means, ratio {ratio:.2f}); over all converged retrained "
            f"minima, the Spearman correlation of sharpness with the sensitivity of the fitted "
            f"function is {rho:.2f} (p = {p:.0e}). The status table tests both."
        )
    return {"rows": rows, "ratio": float(ratio), "glue": {"sens-retrained-reading": reading}}


# --------------------------------------------------------------------------------------------------
# Figure 2: the norm–blowup trade-off
# --------------------------------------------------------------------------------------------------


#: The grid "moves" the norms if the median ‖θ‖ / ‖θ_0‖ at the largest weight decay is below this
#: fraction of its value at the smallest (a wording threshold, fixed before the grid was run).
MOVED_FRACTION = 0.8


def tradeoff_summary(trade: Mapping[str, np.ndarray]) -> dict:
    """Figure 2's table and sentences: per length and target, the minima's parameter norm and
    LayerNorm blowup at the smallest and the largest weight decay of the grid.

    Returns
    -------
    dict
        ``rows`` (target, n, converged, median ‖θ‖ at initialisation, median ‖θ‖ and blowup at the
        two weight decays, geometric mean of ‖θ‖ · blowup), ``shrink`` (median ‖θ‖ over its
        initial value at each weight decay, over all converged minima), ``curve`` (per target,
        Spearman ρ(−‖θ‖, blowup) over the grid, mean over lengths) and ``glue``.
    """
    ok = trade["converged"]
    fn, n_all, wd = trade["function"], trade["n"], trade["weight_decay"]
    wds = sorted({float(w) for w in wd})
    lo, hi = wds[0], wds[-1]
    product = trade["param_norm"] * trade["blowup"]
    rows, geo = [], {}
    for n in sorted({int(v) for v in n_all}):
        for f in dict.fromkeys(fn):
            m = (fn == f) & (n_all == n)
            if not m.any():
                continue
            c = m & ok

            def median(key: str, w: float, c: np.ndarray = c) -> str:
                v = trade[key][c & (wd == w)]
                return f"{np.median(v):.1f}" if v.size else "–"

            geo[(str(f), n)] = log_mean(product[c])[0] if c.sum() else np.nan
            rows.append(
                (
                    f,
                    n,
                    f"{c.sum()}/{m.sum()}",
                    f"{np.median(trade['init_norm'][m]):.1f}",
                    f"{median('param_norm', lo)} → {median('param_norm', hi)}",
                    f"{median('blowup', lo)} → {median('blowup', hi)}",
                    f"{geo[(str(f), n)]:.1f}",
                )
            )
    ratio = trade["param_norm"] / trade["init_norm"]
    shrink = {w: float(np.median(ratio[ok & (wd == w)])) for w in wds if (ok & (wd == w)).any()}
    beyond = []
    for n in sorted({n for _, n in geo}):
        others = [v for (f, m), v in geo.items() if m == n and f != "parity"]
        par = geo.get(("parity", n), np.nan)
        if np.isfinite(par) and others:
            beyond.append((n, bool(par > max(others))))
    if not beyond:
        reading = "PARITY fitted at no length of the grid, so its minima cannot be placed."
    elif all(b for _, b in beyond):
        reading = (
            "At every length of the grid, PARITY's minima have the largest ‖θ‖ · blowup "
            "(geometric mean): they lie beyond the other targets' in the plane of the figure."
        )
    else:
        where = ", ".join(str(n) for n, b in beyond if not b)
        reading = (
            f"At n = {where}, another target's minima have a larger ‖θ‖ · blowup than PARITY's "
            "(geometric means): there PARITY does not lie beyond them."
        )
    # the trade-off curve of every target, not only PARITY's: Spearman ρ(−‖θ‖, blowup) over the
    # grid at each length, averaged over lengths
    curve = {}
    for f in dict.fromkeys(fn):
        rhos = []
        for n in sorted({int(v) for v in n_all}):
            c = (fn == f) & (n_all == n) & ok
            if c.sum() > 2:
                rhos.append(scipy.stats.spearmanr(-trade["param_norm"][c], trade["blowup"][c])[0])
        if rhos:
            curve[str(f)] = float(np.mean(rhos))
    listed = ", ".join(f"{f.upper()} {r:.2f}" for f, r in curve.items())
    others = [r for f, r in curve.items() if f != "parity"]
    if others and min(others) > 0.5:
        curve_text = (
            f"Norm and blowup are anti-correlated along every target's minima (Spearman "
            f"ρ(−‖θ‖, blowup), mean over lengths: {listed}): weight decay traces such a curve "
            "whatever the target, so the curve alone does not single PARITY out."
        )
    else:
        curve_text = (
            f"Spearman ρ(−‖θ‖, blowup) along each target's minima, mean over lengths: {listed}."
        )
    s_lo, s_hi = shrink.get(lo, np.nan), shrink.get(hi, np.nan)
    moved = s_hi < MOVED_FRACTION * s_lo
    glue = {
        "sens-tradeoff-reading": reading,
        "sens-tradeoff-curves": curve_text,
        "sens-tradeoff-shrink": (
            f"Weight decay {'moves' if moved else 'hardly moves'} the norms: over all converged "
            f"minima the median ‖θ‖ is {s_lo:.2f} times its initial value at weight decay {lo:g} "
            f"and {s_hi:.2f} times at {hi:g}."
        ),
    }
    return {"rows": rows, "shrink": shrink, "curve": curve, "glue": glue}
