"""What the chapter shows of each experiment: its table rows, printed numbers and glued sentences.

Each ``*_summary`` function takes the cached result of an experiment of
:mod:`~biasbook.experiments.sensitivity.runs` and returns ``rows`` (the chapter's table), the
numbers it prints, and ``glue``: the values and sentences the prose glues, chosen from the numbers
so that no sentence about an outcome is fixed text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.stats

from biasbook.experiments.sensitivity.runs import compare_log_slopes


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
    """The sharpness story: PARITY's growth with n against the n-independent functions', the
    rank correlation with sensitivity, PARITY against FIRST, the radius dependence, the blowup."""
    ok = sweep["converged"]
    fn, n_all = sweep["function"], sweep["n"]
    funcs = list(dict.fromkeys(fn))
    S = sweep["sharpness"][:, i_sigma]
    # PARITY's growth with n against that of the functions whose sensitivity does not depend on n
    # (FIRST and 2-sparse parity): one intercept per function, one slope per set, least squares.
    trend = compare_log_slopes(
        n_all[ok], S[ok], fn[ok], a=["parity"], b=["first", "sparse_parity(k=2)"]
    )
    rho, p_rho = scipy.stats.spearmanr(sweep["sensitivity"][ok], S[ok])
    # PARITY against FIRST at each n: difference of mean log sharpness, then pooled over n.
    gaps = []
    for n in ns:
        a = np.log(S[(fn == "parity") & (n_all == n) & ok])
        b = np.log(S[(fn == "first") & (n_all == n) & ok])
        gaps.append((a.mean() - b.mean(), a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    gap = float(np.mean([g for g, _ in gaps]))
    gap_se = float(np.sqrt(np.sum([v for _, v in gaps])) / len(gaps))
    log_blow = np.log(sweep["blowup"])
    blow_gap = float(log_blow[(fn == "parity") & ok].mean() - log_blow[(fn == "first") & ok].mean())
    # Quadratic regime: S_σ / (σ² E‖∇f‖²) at the smallest radius, over all converged minima.
    quad = sweep["sharpness"][ok, 0] / (sweep["sigmas"][0] ** 2 * sweep["grad_sq"][ok])
    sharpest = {}  # the sharpest function at each n (geometric mean over converged seeds)
    for n in ns:
        geo = {
            f: log_mean(S[(fn == f) & (n_all == n) & ok])[0]
            for f in funcs
            if ((fn == f) & (n_all == n) & ok).any()
        }
        sharpest[int(n)] = max(geo, key=geo.get)
    parity_n = [n for n, f in sharpest.items() if f == "parity"]
    if len(parity_n) == len(sharpest):
        sharpest_text = "At every length PARITY's minima are the sharpest"
    elif parity_n:
        sharpest_text = f"PARITY's minima are the sharpest at n = {', '.join(map(str, parity_n))}"
    else:
        sharpest_text = "PARITY's minima are the sharpest at no length"
    # S_σ/σ² at the largest radius over its value at the smallest, per function at the largest n.
    radius_growth = {}
    for f in funcs:
        sel = (fn == f) & (n_all == max(ns)) & ok
        if sel.sum() >= 2:
            ratios = sweep["sharpness"][sel] / sweep["sigmas"] ** 2
            radius_growth[f] = log_mean(ratios[:, -1])[0] / log_mean(ratios[:, 0])[0]
    others = [v for f, v in radius_growth.items() if f != "parity"]
    log_norm = np.log(sweep["param_norm"])
    norm_ratio = float(
        np.exp(log_norm[(fn == "parity") & ok].mean() - log_norm[(fn == "first") & ok].mean())
    )
    return {
        "trend": trend,
        "rho": float(rho),
        "p_rho": float(p_rho),
        "gap": gap,
        "gap_se": gap_se,
        "blow_gap": blow_gap,
        "quad": quad,
        "glue": {
            "sens-slope-parity": float(np.exp(trend.slope_a)),
            "sens-slope-flat": float(np.exp(trend.slope_b)),
            "sens-rho": float(rho),
            "sens-gap": float(np.exp(gap)),
            "sens-blow-gap": float(np.exp(blow_gap)),
            "sens-quad-median": float(np.median(quad)),
            "sens-sharpest": sharpest_text,
            "sens-radius-parity": float(radius_growth.get("parity", np.nan)),
            "sens-radius-others-min": float(min(others, default=np.nan)),
            "sens-radius-others-max": float(max(others, default=np.nan)),
            "sens-norm-ratio": norm_ratio,
            "sens-n-max": int(max(ns)),
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
