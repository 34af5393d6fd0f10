"""Inductive-Bias Book library.

Importing :mod:`biasbook` sets up JAX for the book's workloads: one CPU device per core, so that
the batched training engine can spread its models over every core (:mod:`biasbook.nets.devices`),
and an on-disk cache of compiled programs (:func:`biasbook.store.cache.enable_compilation_cache`).
"""

from biasbook.nets.devices import configure_cpu_devices as _configure_cpu_devices
from biasbook.store.cache import enable_compilation_cache as _enable_compilation_cache

_configure_cpu_devices()
_enable_compilation_cache()
