"""Where files live and how expensive results are kept: the bottom layer, imported by all.

* :mod:`~biasbook.store.paths`: project root, build, cache and shared-data folders.
* :mod:`~biasbook.store.cache`: the on-disk result cache keyed by parameters and library source,
  and the on-disk cache of compiled XLA programs.
* :mod:`~biasbook.store.files`: atomic writes and locked updates of shared files.
* :mod:`~biasbook.store.settings`: the ``BIASBOOK_*`` environment variables and their checks.
* :mod:`~biasbook.store.progress`: progress bars that the runner's kernels switch off.

It sits below the science rather than in :mod:`biasbook.book` because the training engine (its
compiled-program cache), the data loaders (where the shared data lie) and the experiments (cached
results) need it, and layers only import downwards.
"""
