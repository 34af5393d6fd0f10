"""The "Sensitivity bias" chapter (Hahn & Rofin 2024): its experiments and checks.

The package holds :mod:`~biasbook.experiments.sensitivity.runs` (the experiments, described there),
:mod:`~biasbook.experiments.sensitivity.summaries` (the tables and sentences the chapter shows) and
:mod:`~biasbook.experiments.sensitivity.checks` (the rows of its reproduction-status table); their
names are re-exported here, so the chapter imports the package.
"""

from biasbook.experiments.sensitivity.checks import (
    check_greater,
    check_length_generalisation,
    check_log_slope,
    check_mean_positive,
    check_prefers_low,
    check_rank_correlation,
    check_slope_difference,
    reproduction_claims,
)
from biasbook.experiments.sensitivity.runs import (
    CLOSED_FORMS,
    LENGTH_TASKS,
    PAD,
    FunctionSpec,
    ModelSize,
    SlopeComparison,
    compare_log_slopes,
    function_label,
    generalisation_experiment,
    identity_errors,
    layernorm_blowup,
    length_generalisation,
    mean_squared_gradient,
    random_completion_sensitivity,
    sharpness_sweep,
    variable_length_strings,
)
from biasbook.experiments.sensitivity.summaries import (
    generalisation_summary,
    length_summary,
    log_mean,
    mean_se,
    sharpness_summary,
    sweep_summary,
)

__all__ = [
    "generalisation_summary",
    "length_summary",
    "log_mean",
    "mean_se",
    "sharpness_summary",
    "sweep_summary",
    "CLOSED_FORMS",
    "FunctionSpec",
    "LENGTH_TASKS",
    "ModelSize",
    "PAD",
    "SlopeComparison",
    "check_greater",
    "check_length_generalisation",
    "check_log_slope",
    "check_mean_positive",
    "check_prefers_low",
    "check_rank_correlation",
    "check_slope_difference",
    "compare_log_slopes",
    "function_label",
    "generalisation_experiment",
    "identity_errors",
    "layernorm_blowup",
    "length_generalisation",
    "mean_squared_gradient",
    "random_completion_sensitivity",
    "reproduction_claims",
    "sharpness_sweep",
    "variable_length_strings",
]
