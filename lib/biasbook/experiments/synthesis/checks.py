"""The reproduction checks of the chapter: a test per claim, run on the chapter's data and on
its negative (and positive) controls by :func:`biasbook.checks.verdicts.claim`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from biasbook.checks.verdicts import Claim, Outcome, all_of, at_most, claim
from biasbook.experiments.synthesis.runs import (
    pairwise_agreement,
)

# --------------------------------------------------------------------------------------------------
# Reproduction checks: a test per claim, the chapter's data and a control for each
# --------------------------------------------------------------------------------------------------


def check_harder(pair: tuple[float, float]) -> Outcome:
    """The task predicted harder has the larger measured threshold (``inf``: not reached).

    Two thresholds that were both not reached cannot be ordered: undecided.
    """
    easy, hard = pair
    value = f"m* {easy:.0f} → {hard:.0f}".replace("inf", "not reached")
    if math.isinf(easy) and math.isinf(hard):
        return Outcome(None, value, reason="neither threshold was reached in the grid")
    return Outcome(hard > easy, value)


def ordered_pairs(
    predictor: Sequence[float], outcome: Sequence[float], labels: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """``{"easy < hard": (m*(easy), m*(hard))}`` for the pairs :func:`pairwise_agreement` tests."""
    agree = pairwise_agreement(predictor, outcome)
    o = np.asarray(outcome, dtype=float)
    return {f"{labels[i]} < {labels[j]}": (float(o[i]), float(o[j])) for i, j in agree.pairs}


def check_most(d: tuple[float, float]) -> Outcome:
    """The task's threshold exceeds every other task's (``inf``: not reached in the grid)."""
    mine, others = d
    value = f"m* {mine:.0f} vs largest other {others:.0f}".replace("inf", "not reached")
    if math.isinf(mine) and math.isinf(others):
        return Outcome(None, value, reason="another threshold was not reached either")
    return Outcome(mine > others, value)


def reproduction_claims(
    labels: Sequence[str],
    fourier: Mapping[str, np.ndarray],
    expected_degrees: Sequence[int],
    power_trivial: np.ndarray,
    m_sym: np.ndarray,
    m_gp: np.ndarray,
    m_tf: np.ndarray,
) -> list[Claim]:
    """The chapter's reproduction-status rows, each run on its data and its negative controls.

    Pairwise rows range over the task pairs their predictor separates by a factor 2; each pair is
    an item, and the negative control gives the same pairs thresholds in the reverse order of the
    predictor (the ordering the claim denies), whatever was measured.
    """
    labels = list(labels)
    i_par, i_maj = labels.index("PARITY"), labels.index("MAJORITY")
    sens, closed, deg = (
        fourier["sensitivity"],
        fourier["sensitivity_closed_form"],
        fourier["degree"],
    )

    def fourier_item(s: float, c: float, d: int, d0: int) -> Outcome:
        return all_of(
            at_most(abs(s - c), 1e-9, fmt=".1e", label="|as − closed form|"),
            Outcome(d == d0, f"degree {d} (expected {d0})"),
        )

    def symmetric(d: tuple[float, float]) -> Outcome:
        power, m = d
        return all_of(
            at_most(abs(power - 1), 1e-9, fmt=".1e", label="|power in [n] − 1|"),
            at_most(m, 1.0, fmt=".0f", label="m where the bound reaches 1 − ε"),
        )

    others = [i for i in range(len(labels)) if i not in (i_par, i_maj)]
    stand_in = {labels[i_par]: others[0], labels[i_maj]: others[-1]}

    def pair_claim(
        text: str, paper: str, check: str, pred: np.ndarray, out: np.ndarray, expected: bool = True
    ) -> Claim:
        data = ordered_pairs(pred, out, labels) or {"no pair": (math.inf, math.inf)}
        # Thresholds in the reverse order of the predictor, whatever was measured.
        inverse = np.maximum(1 / np.asarray(pred, float), 1e-300)  # an infinite prediction: ~0
        reverse = ordered_pairs(pred, inverse, labels) or data
        return claim(
            text,
            paper=paper,
            check=check,
            test=check_harder,
            data=data,
            controls={"m* ∝ 1/predictor (the reverse ordering)": reverse},
            itemised=True,
            expected=expected,
        )

    def most(m: np.ndarray, i: int) -> tuple[float, float]:
        return float(m[i]), float(np.max(np.delete(m, i)))

    return [
        claim(
            "Fourier view: sensitivities and degrees of the five tasks",
            paper="definition: as = n, k/2^(k−1), n·C(n−1,(n−1)/2)/2^(n−1), 1, k; degree n, k, "
            "n, 1, k",
            check="enumeration = closed form (|Δ| < 1e-9); degrees exact, every task",
            test=lambda d: fourier_item(*d),
            data={
                lab: (sens[i], closed[i], int(deg[i]), int(expected_degrees[i]))
                for i, lab in enumerate(labels)
            },
            controls={
                "closed forms × (1 + 1/n), degrees + 1": {
                    lab: (
                        sens[i],
                        closed[i] * (1 + 1 / max(expected_degrees)),
                        int(deg[i]),
                        int(expected_degrees[i]) + 1,
                    )
                    for i, lab in enumerate(labels)
                }
            },
            itemised=True,
        ),
        claim(
            "Symmetry view: PARITY and MAJORITY lie wholly in the trivial irrep, so the irrep "
            "bound does not penalise them",
            paper="follow-up and abstract (Lavie et al.): learnability ≤ Σ_λ w_λ min(1, m/f^λ), "
            "f^[n] = 1",
            check="power in [n] = 1 (|Δ| < 1e-9); bound ≥ 1 − ε at m = 1",
            test=symmetric,
            data={labels[i]: (float(power_trivial[i]), float(m_sym[i])) for i in (i_par, i_maj)},
            controls={
                "a non-symmetric task in their place ("
                + ", ".join(labels[j] for j in stand_in.values())
                + ")": {
                    lab: (float(power_trivial[j]), float(m_sym[j])) for lab, j in stand_in.items()
                }
            },
            itemised=True,
        ),
        pair_claim(
            "Sensitivity predicts the GP: more sensitive tasks need more samples for the NNGP "
            "classifier",
            "ours: Hahn & Rofin's high sensitivity ⇒ hard, applied to the GP limit",
            "every pair with as ratio ≥ 2 ordered the same by m* of the GP classifier",
            sens,
            m_gp,
        ),
        claim(
            "The most sensitive task (PARITY) needs the most samples, for the GP and for "
            "transformers",
            paper="abstract (Hahn & Rofin): high sensitivity makes a function hard to learn",
            check="m*(PARITY) > m* of every other task, for each learner",
            test=check_most,
            data={"GP": most(m_gp, i_par), "transformer": most(m_tf, i_par)},
            controls={
                f"{labels[others[0]]} in PARITY's place": {
                    "GP": most(m_gp, others[0]),
                    "transformer": most(m_tf, others[0]),
                }
            },
            itemised=True,
        ),
        pair_claim(
            "Sensitivity predicts the sample-complexity ordering of trained transformers",
            "abstract (Hahn & Rofin): transformers are biased towards low-sensitivity functions",
            "every pair with as ratio ≥ 2 ordered the same by the transformer's m*",
            sens,
            m_tf,
            expected=False,
        ),
        pair_claim(
            "The GP kernel predicts the sample-complexity ordering of trained transformers",
            "ours: trained networks follow their GP (Lavie et al.'s premise)",
            "every pair with GP m* ratio ≥ 2 ordered the same by the transformer's m*",
            m_gp,
            m_tf,
            expected=False,
        ),
        pair_claim(
            "Symmetry alone (the irrep bound) predicts the sample-complexity ordering of "
            "transformers",
            "ours: the bias towards permutation-symmetric functions (Lavie et al.) read as a "
            "predictor",
            "every pair with irrep-bound m* ratio ≥ 2 ordered the same by the transformer's m*",
            m_sym,
            m_tf,
            expected=False,
        ),
    ]
