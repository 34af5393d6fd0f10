"""The "Three views of one bias" chapter: its experiments and checks.

The package holds :mod:`~biasbook.experiments.synthesis.runs` (the experiments, described there)
and :mod:`~biasbook.experiments.synthesis.checks` (the rows of its reproduction-status table);
their names are re-exported here, so the chapter imports the package.
"""

from biasbook.experiments.synthesis.checks import (
    check_harder,
    check_most,
    ordered_pairs,
    reproduction_claims,
)
from biasbook.experiments.synthesis.runs import (
    MAX_N,
    PairwiseAgreement,
    SampleComplexity,
    Task,
    boolean_view,
    check_n,
    constant_accuracy,
    curve_threshold,
    default_tasks,
    first_crossing,
    gp_view,
    held_out_mask,
    irrep_bound,
    krr_held_out_accuracy,
    nngp_kernel_matrix,
    pairwise_agreement,
    relative_error,
    sample_complexities,
    task_tables,
    training_sets,
    transformer_held_out_accuracy,
)

__all__ = [
    "MAX_N",
    "PairwiseAgreement",
    "SampleComplexity",
    "Task",
    "boolean_view",
    "check_harder",
    "check_most",
    "check_n",
    "constant_accuracy",
    "curve_threshold",
    "default_tasks",
    "first_crossing",
    "gp_view",
    "held_out_mask",
    "irrep_bound",
    "krr_held_out_accuracy",
    "nngp_kernel_matrix",
    "ordered_pairs",
    "pairwise_agreement",
    "relative_error",
    "reproduction_claims",
    "sample_complexities",
    "task_tables",
    "training_sets",
    "transformer_held_out_accuracy",
]
