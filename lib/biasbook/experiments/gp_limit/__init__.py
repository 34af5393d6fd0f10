"""The "GP limit" chapter (Lavie, Gur-Ari & Ringel 2024, reconstructed): its experiments and checks.

The package holds :mod:`~biasbook.experiments.gp_limit.runs` (the experiments, described there),
:mod:`~biasbook.experiments.gp_limit.summaries` (the tables and sentences the chapter shows) and
:mod:`~biasbook.experiments.gp_limit.checks` (the rows of its reproduction-status table); their
names are re-exported here, so the chapter imports the package.
"""

from biasbook.experiments.gp_limit.checks import (
    bound_excess,
    check_bound,
    check_collapse,
    check_isotypic,
    check_multiplicities,
    check_ordered,
    check_slopes,
    check_within,
    collapse_gap,
    excess_over_3se,
    mse_gaps,
    network_slopes,
    reproduction_claims,
    tau,
    tops_by_k,
)
from biasbook.experiments.gp_limit.runs import (
    finite_networks,
    irrep_spectra,
    kernel_monte_carlo,
    learning_curves,
    mlp_nngp,
    network_learning_curves,
    scaling_law,
    specht_target,
    universal_learnability,
    wrong_normalisations,
)
from biasbook.experiments.gp_limit.summaries import (
    BLOCK,
    learning_curve_summary,
    mc_summary,
    network_summary,
    scaling_summary,
    spectrum_summary,
)

__all__ = [
    "bound_excess",
    "excess_over_3se",
    "mse_gaps",
    "network_slopes",
    "BLOCK",
    "learning_curve_summary",
    "mc_summary",
    "network_summary",
    "scaling_summary",
    "spectrum_summary",
    "check_bound",
    "check_collapse",
    "check_isotypic",
    "check_multiplicities",
    "check_ordered",
    "check_slopes",
    "check_within",
    "collapse_gap",
    "finite_networks",
    "irrep_spectra",
    "kernel_monte_carlo",
    "learning_curves",
    "mlp_nngp",
    "network_learning_curves",
    "reproduction_claims",
    "scaling_law",
    "specht_target",
    "tau",
    "tops_by_k",
    "universal_learnability",
    "wrong_normalisations",
]
