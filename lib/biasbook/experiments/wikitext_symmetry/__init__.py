"""The WikiText-symmetry chapter: its experiments, checks and summaries.

* :mod:`~biasbook.experiments.wikitext_symmetry.runs`: the text and its controls, the symmetry
  statistics with jackknife errors, the exchangeable null of test T2;
* :mod:`~biasbook.experiments.wikitext_symmetry.kernel`: the GP chapter's kernel on text windows,
  learning curves under the text measure and its symmetrised version;
* :mod:`~biasbook.experiments.wikitext_symmetry.checks`: the rows of its reproduction-status table;
* :mod:`~biasbook.experiments.wikitext_symmetry.summaries`: the tables and sentences it shows.

Their names are re-exported here, so the chapter imports the package.
"""

from biasbook.experiments.wikitext_symmetry.checks import (
    CROSS_TOLERANCE,
    ENERGY_SHARE,
    PURITY,
    check_between,
    check_energy_share,
    check_principal_cross,
    check_purity,
    reproduction_claims,
)
from biasbook.experiments.wikitext_symmetry.kernel import (
    kernel_transfer,
    window_pool,
)
from biasbook.experiments.wikitext_symmetry.runs import (
    DATASETS,
    KEEP_CHUNK_BYTES,
    WINDOWS_PER_RUN,
    analyse_windows,
    dataset_windows,
    exchangeable_null,
    half_width,
    hash_seed,
    iid_windows,
    markov_windows,
    ratio_interval,
    shuffle_positions,
    sort_windows,
    statistic,
    symmetry_study,
)
from biasbook.experiments.wikitext_symmetry.summaries import (
    NAMES,
    component_summary,
    markov_summary,
    ratio_summary,
    toeplitz_reading,
    transfer_summary,
    verdict_summary,
)

__all__ = [
    "CROSS_TOLERANCE",
    "DATASETS",
    "ENERGY_SHARE",
    "KEEP_CHUNK_BYTES",
    "NAMES",
    "PURITY",
    "WINDOWS_PER_RUN",
    "analyse_windows",
    "check_between",
    "check_energy_share",
    "check_principal_cross",
    "check_purity",
    "component_summary",
    "dataset_windows",
    "exchangeable_null",
    "half_width",
    "hash_seed",
    "iid_windows",
    "kernel_transfer",
    "markov_summary",
    "markov_windows",
    "ratio_interval",
    "ratio_summary",
    "reproduction_claims",
    "shuffle_positions",
    "sort_windows",
    "statistic",
    "symmetry_study",
    "toeplitz_reading",
    "transfer_summary",
    "verdict_summary",
    "window_pool",
]
