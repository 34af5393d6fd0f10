"""The variable-creation chapter's experiment: sample-complexity sweeps of trained learners.

:func:`run_sweeps` trains a one-layer transformer or an MLP on s-sparse targets for every
``(seed, m)`` at once with :func:`biasbook.nets.training.train_many`, padding the different
training-set sizes into one batch with the ``weights`` mask; :func:`summarise_sweep` turns the
final accuracies into thresholds (:mod:`biasbook.maths.thresholds`) and growth-law fits
(:mod:`biasbook.maths.growth_fits`).

The package holds :mod:`.runs` (the experiments) and :mod:`.checks` (the reproduction-status
rows); its names are re-exported here, so the chapter imports the package.
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
