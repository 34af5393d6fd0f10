"""The "Variable creation" chapter (Edelman et al. 2022): its experiments and checks.

The package holds :mod:`~biasbook.experiments.variable_creation.runs` (the experiments, described
there) and :mod:`~biasbook.experiments.variable_creation.checks` (the rows of its
reproduction-status table); their names are re-exported here, so the chapter imports the package.
"""

from biasbook.experiments.variable_creation.checks import (
    SYNTHETIC_LAWS,
    check_attends_to_support,
    check_log_like,
    check_much_faster,
    check_norm_growth,
    check_tradeoff,
    growth_data,
    reproduction_claims,
    synthetic_law,
    wrong_scale_error,
)
from biasbook.experiments.variable_creation.runs import (
    MODELS,
    N_PROBE,
    SweepResult,
    SweepSummary,
    ablation_settings,
    check_sweep_args,
    merge_summaries,
    restrict_summary,
    run_ablations,
    run_screening,
    run_sweep,
    run_sweeps,
    seed_data,
    summarise_sweep,
    tradeoff_thresholds,
)

__all__ = [
    "MODELS",
    "N_PROBE",
    "SYNTHETIC_LAWS",
    "SweepResult",
    "SweepSummary",
    "ablation_settings",
    "check_attends_to_support",
    "check_log_like",
    "check_much_faster",
    "check_norm_growth",
    "check_sweep_args",
    "check_tradeoff",
    "growth_data",
    "merge_summaries",
    "reproduction_claims",
    "restrict_summary",
    "run_ablations",
    "run_screening",
    "run_sweep",
    "run_sweeps",
    "seed_data",
    "summarise_sweep",
    "synthetic_law",
    "tradeoff_thresholds",
    "wrong_scale_error",
]
