"""The "Variable creation" chapter (Edelman et al. 2022): its experiments and checks.

The package holds :mod:`~biasbook.experiments.variable_creation.runs` (the experiments, described
there) and :mod:`~biasbook.experiments.variable_creation.checks` (the rows of its
reproduction-status table); their names are re-exported here, so the chapter imports the package.
"""

from biasbook.experiments.variable_creation.checks import (
    check_harder,
    check_log_beats_linear,
    check_much_faster,
    check_norm_growth,
    growth_points,
    reproduction_claims,
    synthetic_growth,
    wrong_scale_error,
)
from biasbook.experiments.variable_creation.runs import (
    MODELS,
    SweepResult,
    SweepSummary,
    check_sweep_args,
    run_sweep,
    run_sweeps,
    summarise_sweep,
)

__all__ = [
    "MODELS",
    "SweepResult",
    "SweepSummary",
    "check_harder",
    "check_log_beats_linear",
    "check_much_faster",
    "check_norm_growth",
    "check_sweep_args",
    "growth_points",
    "reproduction_claims",
    "run_sweep",
    "run_sweeps",
    "summarise_sweep",
    "synthetic_growth",
    "wrong_scale_error",
]
