"""The experiments of the "Sensitivity bias" chapter (Hahn & Rofin 2024), as batched sweeps.

Three experiments, each a few :func:`biasbook.nets.training.train_many` calls (one per input shape)
whose results are plain dictionaries of NumPy arrays, so that a chapter can cache them with
:func:`biasbook.store.cache.cached`:

* :func:`sharpness_sweep`: fit Boolean functions exactly (on all ``2**n`` inputs, squared error)
  and measure, at the minima reached, the perturbation sharpness, parameter norm and LayerNorm
  blowup.
* :func:`generalisation_experiment`: train where the data do not decide between functions of low
  and high sensitivity, and measure which one the model extends to the held-out inputs.
* :func:`length_generalisation`: train PARITY and MAJORITY on short strings, test on longer ones.

All sizes and optimiser settings are arguments; the chapter states the values it uses.

The package holds :mod:`.runs` (the experiments), :mod:`.summaries` (the tables and sentences the
chapter shows) and :mod:`.checks` (the reproduction-status rows); their names are re-exported
here, so the chapter imports the package.
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
