"""Networks and their training: the models, the batched engine and what is measured on them.

* :mod:`~biasbook.nets.models`: the JAX transformer and MLP (pure functions of parameter pytrees).
* :mod:`~biasbook.nets.readouts`: the fast one-layer ``[CLS]`` forward.
* :mod:`~biasbook.nets.train_setup`: the training algorithm both trainers share (configuration,
  losses, optimiser, input checks).
* :mod:`~biasbook.nets.compiled`: the cache of compiled programs and their XLA options.
* :mod:`~biasbook.nets.training`: ``train_many``, many models as one computation.
* :mod:`~biasbook.nets.train_one`: the per-model reference loop.
* :mod:`~biasbook.nets.devices`: one JAX CPU device per core.
* :mod:`~biasbook.nets.sharpness`: perturbation sharpness and parameter norms.
* :mod:`~biasbook.nets.gp_networks`: finite-width networks of the GP chapter's attention block.

Imports only :mod:`biasbook.maths` and :mod:`biasbook.store` below it.
"""
