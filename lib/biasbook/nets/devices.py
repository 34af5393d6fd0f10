"""One JAX CPU device per core, so that the training engine can use every core.

XLA:CPU runs the small operations of the chapters' models (matrices of a few dozen rows and
columns) on essentially one core: its intra-operation thread pool only helps large operations. The
training engine (:func:`biasbook.nets.training.train_many`) therefore shards its models axis over
several JAX devices, and this module makes the CPU backend expose one device per usable core.

JAX fixes the number of CPU devices when its backend starts (at the first computation), so
:func:`configure_cpu_devices` is called when :mod:`biasbook` is imported. It changes nothing when

* the environment already chooses a device count (``JAX_NUM_CPU_DEVICES`` or
  ``--xla_force_host_platform_device_count`` in ``XLA_FLAGS``), or
* JAX has already run a computation (then the engine uses the devices that exist).

``BIASBOOK_CPU_DEVICES=1`` keeps a single CPU device (the engine then runs all models on one).
"""

from __future__ import annotations

import os
import warnings

import jax

from biasbook.store.settings import positive_int

#: Environment variable overriding the number of CPU devices (default: the usable cores).
ENV_VAR = "BIASBOOK_CPU_DEVICES"


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not available on macOS
        return max(1, os.cpu_count() or 1)


def _requested() -> int:
    return positive_int(ENV_VAR) or usable_cores()


def configure_cpu_devices() -> int | None:
    """Ask JAX for one CPU device per usable core (or ``$BIASBOOK_CPU_DEVICES``).

    Returns
    -------
    int or None
        The device count set, or ``None`` if it was left alone (chosen by the environment, or
        JAX already started: then a warning says how many devices the engine will use and why).

    Raises
    ------
    SettingError
        If ``BIASBOOK_CPU_DEVICES`` is set to anything but a positive integer.
    """
    n = _requested()
    if os.environ.get("JAX_NUM_CPU_DEVICES") or "xla_force_host_platform_device_count" in (
        os.environ.get("XLA_FLAGS", "")
    ):
        return None
    try:
        jax.config.update("jax_num_cpu_devices", n)
    except RuntimeError:  # JAX already ran a computation: its device count is fixed
        have = len(jax.devices("cpu"))
        if have < n:
            warnings.warn(
                f"JAX started before biasbook was imported, with {have} CPU device(s): the "
                f"training engine will use {have}, not {n}; import biasbook before any JAX "
                "computation (or set JAX_NUM_CPU_DEVICES) to use every core",
                stacklevel=2,
            )
        return None
    return n


def engine_devices(n_models: int, limit: int | None = None) -> list[jax.Device]:
    """Devices to spread ``n_models`` models over: at most one per model, at most ``limit``."""
    devices = jax.local_devices()
    k = min(len(devices), max(1, n_models), limit or len(devices))
    return devices[:k]
