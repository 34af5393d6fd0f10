"""Glue of the synthesis chapter: three views of one inductive bias on the same Boolean tasks.

Every view looks at the same targets ``f: {0,1}^n -> {±1}`` under the uniform input distribution,
with the bit string ``x`` read as a length-``n`` token sequence over ``V = 2`` tokens:

1. **Fourier / sensitivity** (Hahn & Rofin 2024; O'Donnell 2014): degree, average sensitivity and
   Fourier weight by degree, from :mod:`biasbook.maths.boolean`.
2. **The GP kernel** (Lavie, Gur-Ari & Ringel 2024): the attention NNGP kernel of
   :mod:`biasbook.maths.kernels` on all ``2^n`` sequences, its eigen-decomposition labelled by
   irreps of ``S_n`` (:mod:`biasbook.maths.spectra`), each target's power by level and by irrep,
   eigenlearning predictions (:mod:`biasbook.maths.learning_curves`), the irrep-dimension bound,
   and kernel regression (the GP posterior mean) used as a classifier.
3. **Trained transformers** (Edelman et al. 2022; Hahn & Rofin 2024): held-out accuracy of small
   transformers trained with :func:`biasbook.nets.training.train_many` on ``m`` examples.

Views 2 and 3 are scored on the *same* training sets (drawn without replacement from the cube,
tested on the held-out rest), so that their sample complexities can be compared task by task.
The orderings the views predict are compared by :func:`pairwise_agreement`.

The package holds :mod:`.runs` (the experiments) and :mod:`.checks` (the reproduction-status
rows); its names are re-exported here, so the chapter imports the package.
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
