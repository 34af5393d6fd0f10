"""Inductive-Bias Book library.

Importing :mod:`biasbook` sets up JAX for the book's workloads: one CPU device per core, so that
the batched training engine can spread its models over every core (:mod:`biasbook.nets.devices`),
and an on-disk cache of compiled programs (:func:`biasbook.store.cache.enable_compilation_cache`).
"""

import sys as _sys

from biasbook.nets.devices import configure_cpu_devices as _configure_cpu_devices
from biasbook.store.cache import enable_compilation_cache as _enable_compilation_cache
from biasbook.store.settings import SettingError as _SettingError

try:
    _configure_cpu_devices()
except _SettingError as _err:
    # Run as `python -m biasbook ...` (argv[0] is "-m" while the package is imported): the command
    # line's one-line error and exit code 2, not a traceback. Imported anywhere else, raise.
    if _sys.argv[:1] == ["-m"]:
        print(f"error: {_err}", file=_sys.stderr)
        raise SystemExit(2) from None
    raise
_enable_compilation_cache()
