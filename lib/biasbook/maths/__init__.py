"""The mathematics, independent of any trained network.

* :mod:`~biasbook.maths.boolean`: truth tables, Walsh-Hadamard transform, sensitivity, degree.
* :mod:`~biasbook.maths.symmetric_group`: partitions, hook lengths, characters, isotypic projectors.
* :mod:`~biasbook.maths.sequences`: token sequences, their distributions and symmetrisation.
* :mod:`~biasbook.maths.spectra`: kernel spectra resolved by irreducible representation.
* :mod:`~biasbook.maths.learning_curves`: eigenlearning learning-curve theory.
* :mod:`~biasbook.maths.kernels`: NNGP kernels of simplified attention, analytic and Monte Carlo.
* :mod:`~biasbook.maths.sparse_tasks`: s-sparse Boolean tasks on length-T sequences.
* :mod:`~biasbook.maths.sparse_attention`: Edelman et al.'s explicit bounded-norm construction.
* :mod:`~biasbook.maths.position_symmetry`: permutation-symmetry statistics of covariances.
* :mod:`~biasbook.maths.thresholds`: the generic sample-size statistics (threshold, bootstrap).
* :mod:`~biasbook.maths.regression`: least-squares fits with standard errors, in one place.
* :mod:`~biasbook.maths.rank_tests`: rank correlations with exact permutation p-values.
"""
