"""What the chapter shows of each experiment: its table rows, printed numbers and glued sentences.

Each ``*_summary`` function takes the cached result of one experiment of
:mod:`~biasbook.experiments.gp_limit.runs` and returns a dictionary with the rows of the chapter's
table (``rows``), the numbers it prints, and ``glue``: the values and sentences the prose glues,
chosen from the numbers (a sentence whose truth depends on the run is never fixed text). The
statistics behind the sentences are the same as the status table's checks
(:mod:`~biasbook.experiments.gp_limit.checks`), so the prose and the table cannot disagree.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from biasbook.experiments.gp_limit.checks import (
    BLOCK,
    LAW,
    bound_excess,
    check_collapses_best,
    check_less_tail,
    check_ordered,
    collapse_drifts,
    curve_items,
    excess_over_3se,
    growth_exponents,
    mse_gaps,
    n_theta_series,
    network_slopes,
    tail_shares,
    tau,
    tops_by_k,
    trained_slope,
)
from biasbook.experiments.gp_limit.runs import universal_learnability
from biasbook.maths import kernels as kn
from biasbook.maths import spectra as sp
from biasbook.maths import symmetric_group as sg


def mc_summary(mc: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """Closed form against Monte Carlo: the ratio of error to noise and the ReLU block's story.

    "Within sampling error" is the status table's check: error below twice the noise level.
    """
    ident = mc["identity"]
    ratio = ident["rel_error"] / ident["rel_noise"]
    relu_ratio = {row["heads"]: row["rel_error"] / row["rel_noise"] for row in mc["relu"]}
    h0 = min(relu_ratio)
    if relu_ratio[h0] >= 2:
        relu_text = (
            f"at H = {h0} its error is {relu_ratio[h0]:.1f} times the Monte-Carlo noise "
            "level: the non-Gaussianity of a single head"
        )
    else:
        relu_text = (
            f"at H = {h0} its error is only {relu_ratio[h0]:.1f} times the Monte-Carlo "
            "noise level: this many random networks do not resolve the non-Gaussianity "
            "of a single head"
        )
    h_within = min(
        (h for h in relu_ratio if all(relu_ratio[g] < 2 for g in relu_ratio if g >= h)),
        default=None,
    )
    if h_within is None:
        relu_text += f"; it stays above twice the noise level up to H = {max(relu_ratio)}"
    elif h_within > h0:
        relu_text += (
            f"; from H = {h_within} heads on it is within twice the noise level, below "
            "what this many random networks can resolve"
        )
    verdict = (
        "agrees with finite networks to within sampling error, as it must at any width"
        if ratio < 2
        else "does not agree with finite networks to within sampling error, "
        "although it should at any width"
    )
    return {
        "ratio": float(ratio),
        "glue": {
            "gp-mc-inputs": params["n_inputs"],
            "gp-mc-L": params["L"],
            "gp-mc-V": params["V"],
            "gp-mc-nets": f"{params['n_nets']:,}",
            "gp-mc-ratio": float(ratio),
            "gp-mc-verdict": verdict,
            "gp-mc-relu-text": relu_text,
        },
    }


def spectrum_summary(spectra: Mapping[str, Any]) -> dict[str, Any]:
    """Per block: invariance, purity, multiplicities, top eigenvalue by k, degenerate shares."""
    rows, checks = [], {}
    for nl, name in (("identity", "linear block"), ("relu", "ReLU block")):
        d = spectra[nl]
        s = d["spectrum"]
        nz = s["eigenvalues"] > 0
        dims = np.array([sg.irrep_dimension(lam) for lam in s["irreps"]])
        mult_ok = bool(np.all(s["multiplicities"][nz] == dims[nz]))
        tops = tops_by_k(d["top_by_irrep"])
        checks[nl] = dict(
            invariance=d["invariance_error"],
            purity=float(np.min(s["purity"][nz])),
            multiplicities=mult_ok,
            ordered=bool(check_ordered(tops).holds),
            tops=tops,
            degenerate=d["degenerate_fraction"],
            control=d["control_degenerate_fraction"],
        )
        rows.append(
            (
                name,
                f"{d['invariance_error']:.1e}",
                f"{np.min(s['purity'][nz]):.12f}",
                "yes" if mult_ok else "NO",
                ", ".join(f"{t:.2e}" for t in tops),
                f"{d['degenerate_fraction']:.2f}",
                f"{d['control_degenerate_fraction']:.2f}",
            )
        )
    no_pos = spectra["no_positions"]
    deep_no_pos = max(
        (
            e
            for e, lam in zip(no_pos["eigenvalues"], no_pos["irreps"], strict=True)
            if sg.boxes_below_first_row(lam) >= 2
        ),
        default=0.0,
    )
    iso_ok = all(c["invariance"] < 1e-12 and c["purity"] > 1 - 1e-8 for c in checks.values())
    mult_ok = all(c["multiplicities"] for c in checks.values())
    order_ok = all(c["ordered"] for c in checks.values())
    summary = (
        (
            "Every eigenspace with a nonzero eigenvalue lies in one isotypic component "
            "(purity 1 to round-off)"
            if iso_ok
            else "Not every eigenspace lies in one isotypic component"
        )
        + (
            ", its multiplicity is exactly the irrep dimension $f^\\lambda$"
            if mult_ok
            else ", and not every multiplicity equals the irrep dimension"
        )
        + (
            ", and the largest eigenvalue falls monotonically with the number of boxes below the "
            "first row: the kernel prefers the more symmetric irreps."
            if order_ok
            else ", but the "
            "largest eigenvalue does not fall monotonically with the number of boxes below the "
            "first row."
        )
    )
    mlp_tops = tops_by_k(spectra["mlp"]["top_by_irrep"])
    tops_text = ", ".join(f"{t:.1e}" for t in mlp_tops)
    mlp = (
        "So does the NNGP of an MLP on the flattened one-hot sequence, which has no attention (top "
        f"eigenvalues {tops_text} for k = 0, 1, …): the ordering alone is not specific to "
        "attention, and the status table calls it inconclusive."
        if check_ordered(mlp_tops).holds
        else "The NNGP of an MLP on the flattened one-hot sequence, which has no attention, "
        f"does not order its top eigenvalues this way ({tops_text})."
    )
    # The comparative reading (the status table's "specific to attention" row): tail shares.
    mlp_tails = tail_shares(spectra["mlp"]["spectrum"])
    tails = {nl: tail_shares(spectra[nl]["spectrum"]) for nl in ("identity", "relu")}
    stronger = [BLOCK[nl] for nl, t in tails.items() if check_less_tail((t, mlp_tails)).holds]
    all_tails = {**tails, "mlp": mlp_tails}
    width = max(len(t) for t in all_tails.values())
    tail_table = [
        (BLOCK[nl], *(f"{x:.2e}" for x in t), *["0"] * (width - len(t)))
        for nl, t in all_tails.items()
    ]
    if len(stronger) == len(tails):
        mlp += (
            " The comparison is what separates them: both attention blocks hold less of their "
            "kernel's trace than the MLP in the irreps with at least k boxes below the first row, "
            "at every k (table below), a stronger bias to symmetric functions."
        )
    elif stronger:
        mlp += (
            f" Only the {' and '.join(stronger)} block holds less of its kernel's trace than the "
            "MLP in the irreps with at least k boxes below the first row at every k (table below)."
        )
    else:
        mlp += (
            " Neither attention block holds less of its kernel's trace than the MLP in the irreps "
            "with at least k boxes below the first row at every k (table below): at this size "
            "the bias is not stronger than the MLP's."
        )
    return {
        "rows": rows,
        "checks": checks,
        "tail_table": tail_table,
        "deep_no_pos": float(deep_no_pos),
        "glue": {
            "gp-sp-summary": summary,
            "gp-sp-mlp": mlp,
            "gp-sp-degenerate": checks["relu"]["degenerate"],
            "gp-sp-control": checks["relu"]["control"],
            "gp-sp-deep-no-pos": float(deep_no_pos),
        },
    }


def _agreement(cv: Mapping[str, Any]) -> tuple[float, float]:
    """Over the status table's items of a learning-curve result (:func:`curve_items`), for
    ``n >= 16``: the largest excess of ``|empirical − eigenlearning|`` over 3 SE, and the largest
    ``|empirical − eigenlearning|``."""
    keep = np.asarray(cv["n"]) >= 16
    items, _ = curve_items(cv)
    worst = max(excess_over_3se(emp, th, keep) for _, emp, th in items)
    maxdiff = max(float(np.max(np.abs(emp.mean(0) - th)[keep])) for _, emp, th in items)
    return worst, maxdiff


def learning_curve_summary(
    curves: Mapping[str, Any], net_curves: Mapping[str, Any], L: int, beta: float
) -> dict[str, Any]:
    """Agreement of eigenlearning with kernel regression and with networks, conservation, and
    the story of g₃ under the linear block (its error against the kernel's rank)."""
    n_lc = np.asarray(curves["n"])
    keep = n_lc >= 16
    worst, maxdiff = _agreement(curves)
    worst_net, maxdiff_net = -np.inf, 0.0
    for name in net_curves["targets"]:
        e, theory = (
            net_curves["learnability"][name],
            curves["identity"]["theory_learnability"][name],
        )
        worst_net = max(worst_net, excess_over_3se(e, theory, keep))
        maxdiff_net = max(maxdiff_net, float(np.max(np.abs(e.mean(0) - theory)[keep])))
    n_sets = e.shape[0]
    cons_gaps = {
        nl: np.abs(
            curves[nl]["emp_sum_learnability"].mean(0) - curves[nl]["theory_sum_learnability"]
        )
        / curves[nl]["theory_sum_learnability"]
        for nl in curves["kernels"]
    }
    cons_nl = max(cons_gaps, key=lambda nl: cons_gaps[nl].max())
    cons_err = float(cons_gaps[cons_nl].max())
    # The test error of g_3 under the linear block, against the rank of that kernel (its number
    # of nonzero modes; the symmetry-reduced spectrum at this L is cheap).
    lin_spec = sp.binary_spectrum(
        functools.partial(kn.onehot_attention_nngp, V=2, beta=beta, nonlinearity="identity"), L
    )
    lin_rank = int(
        lin_spec.multiplicities[lin_spec.eigenvalues > 1e-12 * lin_spec.eigenvalues.max()].sum()
    )
    mse_g3 = curves["identity"]["theory_mse"]["g3"]
    i_peak = int(np.argmax(mse_g3))
    i_rank = int(np.argmin(np.abs(np.log(n_lc / lin_rank))))
    g3_text = (
        f"grows with n, from {mse_g3[0]:.2f} at n = {n_lc[0]} to {mse_g3[i_peak]:.2f} at "
        f"n = {n_lc[i_peak]}"
        if i_peak > 0
        else "does not grow with n"
    )
    if i_peak == i_rank:
        g3_text += (
            f", the grid point nearest the kernel's rank ({lin_rank} modes): there n "
            "reaches the number of modes the kernel can fit, and eigenlearning's error "
            "diverges as the ridge goes to 0"
        )
    else:
        g3_text += f" (the kernel's rank, the number of modes it can fit, is {lin_rank})"
    if 0 < i_peak < len(n_lc) - 1:
        g3_text += f"; beyond it the error falls again, to {mse_g3[-1]:.2f} at n = {n_lc[-1]}"
    lc_ok = worst < 0.05 and worst_net < 0.05
    # Attention against the MLP baseline: samples each kernel needs to learn a quarter of a target.
    nq = {nl: curves[nl]["n_quarter"] for nl in curves["kernels"]}
    quarter_table = [
        (name, *(f"{nq[nl][name]:.3g}" if np.isfinite(nq[nl][name]) else "never" for nl in nq))
        for name in curves["targets"]
    ]
    faster, slower = [], []
    for name in curves["targets"]:
        ratio = {nl: nq[nl][name] / nq["mlp"][name] for nl in ("identity", "relu")}
        if all(r < 1 for r in ratio.values()):
            faster.append(name)
        elif all(r > 1 for r in ratio.values()):
            slower.append(name)
    mixed = [t for t in curves["targets"] if t not in faster + slower]
    parts = []
    if faster:
        parts.append(
            f"both attention blocks need fewer samples than the MLP for {', '.join(faster)}"
        )
    if slower:
        parts.append(f"more for {', '.join(slower)}")
    if mixed:
        parts.append(f"the blocks disagree for {', '.join(mixed)}")
    mlp_text = "; ".join(parts)
    return {
        "worst": worst,
        "maxdiff": maxdiff,
        "worst_net": worst_net,
        "maxdiff_net": maxdiff_net,
        "cons_err": cons_err,
        "n_sets": n_sets,
        "glue": {
            "gp-lc-heads": net_curves["heads"],
            "gp-lc-agree": "agree" if lc_ok else "do not all agree",
            "gp-lc-maxdiff": maxdiff,
            "gp-lc-maxdiff-net": maxdiff_net,
            "gp-lc-g3": g3_text,
            "gp-cons-err": cons_err,
            "gp-cons-where": f"{BLOCK[cons_nl]} block at "
            f"n = {n_lc[int(np.argmax(cons_gaps[cons_nl]))]}",
            "gp-lc-nseq": 2**L,
            "gp-lc-mlp": mlp_text,
        },
        "quarter_table": quarter_table,
    }


def _latex_normalisation(name: str) -> str:
    """``"n/(L^k log L)"`` -> ``"$n/(L^k\\log L)$"`` for the prose."""
    out = name.replace("(k−1)", "{k-1}").replace("(k+1)", "{k+1}").replace("log", "\\log ")
    return "$" + out.replace("f^λ", "f^\\lambda") + "$"


def hmm_summary(hmm: Mapping[str, Any]) -> dict[str, Any]:
    """The HMM-mixture experiment: eigenlearning against kernel regression, and ``n_theta(L)``
    with its exponents and collapse per kernel (the status table's tests, in words)."""
    worst, maxdiff = _agreement(hmm)
    table, beaten = [], []
    for nl, res in hmm["scaling"].items():
        for k in res["ks"]:
            Ls, n = n_theta_series(res, k)
            drifts = collapse_drifts(res, k)
            e = growth_exponents(res, k)
            if nl != "mlp" and drifts and check_collapses_best((drifts, LAW)).holds is False:
                beaten.append(f"{BLOCK[nl]} k = {k}")
            table.append(
                (
                    BLOCK[nl],
                    k,
                    f"{Ls[0]}–{Ls[-1]}",
                    ", ".join(f"{v:.3g}" for v in n),
                    f"{e['L'][0]:.2f} ± {e['L'][1]:.2f}" if np.isfinite(e["L"][0]) else "–",
                    ", ".join(f"{name} {d:+.2f}" for name, (d, _) in drifts.items()) or "–",
                )
            )
    return {
        "table": table,
        "glue": {
            "gp-hmm-agree": "agrees with" if worst < 0.05 else "does not agree everywhere with",
            "gp-hmm-maxdiff": maxdiff,
            "gp-hmm-collapse": "the irrep dimension collapses $n_\\theta$ better than the wrong "
            "normalisations for both attention blocks and both k"
            if not beaten
            else "the irrep dimension is beaten by a wrong normalisation for the "
            + ", ".join(beaten)
            + " block, as on binary tokens",
        },
    }


def trained_summary(tr: Mapping[str, Any], gpc: Mapping[str, Any]) -> dict[str, Any]:
    """All-weights-trained networks against kernel descent (the status table's slopes), and the
    GP's test error up to the paper's sample size."""
    table, slopes = [], {}
    for name in tr["tests"]:
        dev = np.asarray(tr["deviation"][name]).mean(1)
        slopes[name] = trained_slope(tr, name)
        table.append(
            (
                name,
                ", ".join(f"{v:.3f}" for v in dev),
                f"{slopes[name]:.2f}",
                ", ".join(f"{v:.3f}" for v in np.asarray(tr["deviation_readout"][name]).mean(1)),
                ", ".join(f"{v:.3f}" for v in np.asarray(tr["deviation_gp"][name]).mean(1)),
                f"{tr['kernel_vs_gp'][name]:.3f}",
            )
        )
    worst = max(slopes.values())
    gp_table = [
        (name, *(f"{v:.4f}" for v in gpc["mse"][name]), f"{gpc['null_mse'][name]:.4f}")
        for name in gpc["tests"]
    ]
    falls = [name for name in gpc["tests"] if gpc["mse"][name][-1] < gpc["mse"][name][0]]
    return {
        "table": table,
        "gp_table": gp_table,
        "glue": {
            "gp-tr-steps": f"{tr['steps']:,}",
            "gp-tr-n": tr["n_train"],
            "gp-tr-heads": ", ".join(str(int(h)) for h in tr["heads"]),
            "gp-tr-follow": "approach" if worst < -0.4 else "do not all approach",
            "gp-tr-slopes": f"between {min(slopes.values()):.2f} and {worst:.2f}",
            "gp-tr-gp-gap": f"{min(tr['kernel_vs_gp'].values()):.2f} to "
            f"{max(tr['kernel_vs_gp'].values()):.2f}",
            "gp-gpc-nmax": f"{int(max(gpc['n'])):,}",
            "gp-gpc-text": "falls with n on every test set"
            if len(falls) == len(gpc["tests"])
            else "falls with n only on " + ", ".join(falls),
        },
    }


def _local_f_exponent(L: int, k: int) -> float:
    """``d log f^(L-k,k) / d log L`` between ``L - 2`` and ``L``: the exponent ``n_theta`` should
    have at these lengths if it grew like the irrep dimension (``k`` only as ``L -> infinity``)."""
    f1, f2 = sg.irrep_dimension((L - 2 - k, k)), sg.irrep_dimension((L - k, k))
    return float(np.log(f2 / f1) / np.log(L / (L - 2)))


def scaling_summary(scaling: Mapping[str, Mapping[str, Any]], ridge: float) -> dict[str, Any]:
    """The bound, the growth of ``n_theta`` (exponents and the collapse against the wrong
    normalisations) and the tightness, per block and k, with the sentences the chapter glues."""
    # The status table's bound check: no excess beyond round-off, for every block.
    bound_ok = all(bound_excess(res) <= 1e-12 for res in scaling.values())
    rows = []
    for nl, res in scaling.items():
        Ls = sorted({L for (L, k) in res["theory"]})
        for k in res["ks"]:
            last = res["theory"][(Ls[-1], k)]
            own = last["own_weight"]  # zero up to round-off when beta = 0 (see the exercises)
            r = (last["deeper_weight"] + ridge) / own if own > 1e-9 else np.inf
            drifts = collapse_drifts(res, k)
            best = check_collapses_best((drifts, LAW))
            rows.append(
                dict(
                    nl=nl,
                    k=k,
                    L0=Ls[0],
                    L=Ls[-1],
                    f=last["f"],
                    n_first=res["theory"][(Ls[0], k)]["n_theta"],
                    n_last=last["n_theta"],
                    exponents=growth_exponents(res, k),
                    drifts=drifts,
                    collapses=best.holds,
                    tau_half=tau(res, Ls[-1], k, 0.5),
                    tau_one=tau(res, Ls[-1], k, 1.0),
                    tau_half_first=tau(res, Ls[0], k, 0.5),
                    r=r,
                )
            )

    def pm(v: tuple[float, float]) -> str:
        return f"{v[0]:.2f} ± {v[1]:.2f}" if np.isfinite(v[0]) else "–"

    def drift_cell(r: Mapping[str, Any]) -> str:
        if not r["drifts"]:
            return "–"
        return ", ".join(f"{name} {d:+.2f}" for name, (d, _) in r["drifts"].items())

    table = [
        (
            BLOCK[r["nl"]],
            r["k"],
            f"{r['L0']}–{r['L']}",
            f"{r['f']:,}",
            f"{r['n_first']:.3g} → {r['n_last']:.3g}",
            pm(r["exponents"]["L"]),
            f"{r['exponents']['local'][0]:.2f}",
            pm(r["exponents"]["f"]),
            drift_cell(r),
            f"{r['tau_half_first']:.2f} → {r['tau_half']:.2f}",
            f"{r['tau_one']:.2f}",
            f"{r['r']:.3f}",
        )
        for r in rows
    ]
    theta = next(iter(scaling.values()))["theta"]
    beaten = sorted(
        {
            f"{BLOCK[r['nl']]} block at k = {r['k']} (by "
            + _latex_normalisation(
                min(
                    (n for n in r["drifts"] if n != LAW),
                    key=lambda n: abs(r["drifts"][n][0]),
                )
            )
            + ")"
            for r in rows
            if r["collapses"] is False and r["drifts"]
        }
    )
    exps = "; ".join(
        f"{BLOCK[r['nl']]} block, k = {r['k']}: n_θ ∝ L^{r['exponents']['L'][0]:.2f} "
        f"(local exponent {r['exponents']['local'][0]:.2f} at the longest lengths, f^λ's is "
        f"{_local_f_exponent(r['L'], r['k']):.2f})"
        for r in rows
        if np.isfinite(r["exponents"]["L"][0])
    )
    if not beaten:
        collapse = (
            "For every block and k, $n/f^\\lambda$ keeps $n_\\theta$ more nearly constant than "
            "the wrong normalisations $n/L^{k\\pm1}$ and $n/(L^k\\log L)$ do: the curves "
            "collapse best under the irrep dimension"
        )
    else:
        collapse = (
            "But $n/f^\\lambda$ is not the best collapse everywhere: it is beaten for the "
            + ", ".join(beaten)
            + ". At these lengths $n_\\theta$ does not yet grow like the irrep dimension"
        )
    glue = {
        "gp-bound-text": "The bound holds everywhere, in theory and in experiment"
        if bound_ok
        else "The bound is violated somewhere (see the status table)",
        "gp-sc-theta": f"{theta:g}",
        "gp-sc-exponents": exps,
        "gp-collapse-text": collapse,
    }
    lin = scaling["identity"]
    Ls_lin = sorted({L for (L, k) in lin["theory"]})
    steady, parts = True, []
    for k in lin["ks"]:
        t = [tau(lin, L, k, 0.5) for L in Ls_lin]
        steady &= all(b > a for a, b in itertools.pairwise(t))
        parts.append(
            f"from {t[0]:.2f} at L = {Ls_lin[0]} to {t[-1]:.2f} at L = {Ls_lin[-1]} for k = {k}"
        )
    glue["gp-tight-linear"] = (
        "grows steadily with L, " if steady else "does not grow steadily with L; it goes "
    ) + " and ".join(parts)
    untight = [
        f"{BLOCK[r['nl']]} k = {r['k']} ({r['tau_half']:.2f})" for r in rows if r["tau_half"] < 0.5
    ]
    glue["gp-tight-all"] = (
        "Every block reaches at least half the bound at $n = f^\\lambda/2$ at its largest length"
        if not untight
        else "Below half the bound at $n = f^\\lambda/2$ at the largest length: "
        + ", ".join(untight)
    )
    relu_k3 = next((r for r in rows if r["nl"] == "relu" and r["k"] == 3), None)
    if relu_k3 is None:
        glue["gp-tight-relu"] = "the ReLU block's scaling experiment runs in default mode only"
        glue["gp-univ-text"] = (
            "Quick mode skips the ReLU block's scaling experiment: run the chapter in default mode "
            "to read r for the ReLU block at k = 3 from the table in §4, and compare the "
            "single-level curve at x = 1/2 with the table's fraction of the bound."
        )
    else:
        t3, r3, L3 = relu_k3["tau_half"], relu_k3["r"], relu_k3["L"]
        glue["gp-tight-relu"] = (
            f"for the ReLU block and k = 3 it reaches only {t3:.2f} at L = {L3}, because the "
            f"deeper irreps hold weight r = {r3:.2f} relative to the k = 3 irrep"
            if t3 < 0.5
            else f"for the ReLU block and k = 3 it reaches {t3:.2f} at L = {L3}, although the "
            f"deeper irreps hold weight r = {r3:.2f} relative to the k = 3 irrep"
        )
        l_univ = float(universal_learnability(0.5, r3))
        univ = (
            f"The table in §4 gives r = {r3:.2f} for the ReLU block at k = 3; at x = 1/2 the "
            f"curve then gives learnability {l_univ:.2f}, i.e. {l_univ / 0.5:.0%} of the "
            "bound. "
        )
        if t3 < l_univ / 0.5:
            univ += (
                f"The table's fraction (eigenlearning on the full spectrum, L = {L3}) is "
                f"lower still, {t3:.2f}, because the more symmetric irreps come in many "
                "copies whose modes are not negligible: the single-level curve is an upper "
                "estimate."
            )
        else:
            univ += (
                f"The table's fraction (eigenlearning on the full spectrum, L = {L3}) is "
                f"{t3:.2f}, not below it: here the single-level curve is no upper estimate."
            )
        glue["gp-univ-text"] = univ
    return {"rows": rows, "table": table, "bound_ok": bound_ok, "glue": glue}


def network_summary(nets: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """Log-log slopes against the number of heads of the networks' deviation from the GP and of
    their test-error gap, per test set."""
    table, slopes, mse_slopes = [], {}, {}
    for name in nets["tests"]:
        dev = nets["deviation"][name].mean(1)
        gaps = mse_gaps(nets, name)
        slopes[name], mse_slopes[name] = network_slopes(nets, name)
        table.append(
            (
                name,
                ", ".join(f"{v:.3f}" for v in dev),
                f"{slopes[name]:.2f}",
                f"{nets['gp_mse'][name]:.3f}",
                ", ".join(f"{v:.3f}" for v in gaps),
                f"{mse_slopes[name]:.2f}",
            )
        )
    train_name, *ood_names = nets["tests"]
    ood = [slopes[n] for n in ood_names]
    worst = max(slopes.values())
    return {
        "table": table,
        "glue": {
            "gp-n-train": params["n_train"],
            "gp-net-V": params["V"],
            "gp-net-L": params["L"],
            "gp-net-slope-train": slopes[train_name],
            "gp-net-slope-ood-min": min(ood),
            "gp-net-slope-ood-max": max(ood),
            "gp-net-rate": "faster than"
            if worst < -0.5
            else "at about"
            if worst < -0.4
            else "slower than",
            "gp-net-ood": "so the GP describes the network's function out of distribution too, "
            "not only its in-distribution error"
            if max(ood) < -0.4
            else "so out of distribution the networks do not approach the GP at the expected rate",
        },
    }
