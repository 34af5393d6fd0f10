"""Tests of biasbook.nets.devices: the CPU device count asked of JAX."""

from __future__ import annotations

import os
import subprocess
import sys

import jax
import pytest

from biasbook.nets import devices


def test_tests_run_with_two_cpu_devices():
    # conftest.py sets BIASBOOK_CPU_DEVICES=2 (unless the environment chose otherwise)
    assert len(jax.devices("cpu")) >= 2


def test_configure_after_jax_started_leaves_devices_alone(monkeypatch):
    jax.numpy.ones(1).block_until_ready()
    n = len(jax.devices("cpu"))
    monkeypatch.setenv(devices.ENV_VAR, str(n + 1))
    with pytest.warns(UserWarning, match=f"the training engine will use {n}, not {n + 1}"):
        assert devices.configure_cpu_devices() is None
    assert len(jax.devices("cpu")) == n


@pytest.mark.parametrize("bad", ["zero", "0", "-2"])
def test_bad_device_count_says_what_to_set(bad, monkeypatch):
    monkeypatch.setenv(devices.ENV_VAR, bad)
    with pytest.raises(ValueError, match="BIASBOOK_CPU_DEVICES must be a positive integer"):
        devices.configure_cpu_devices()


def _devices_in_fresh_process(env: dict[str, str]) -> int:
    code = "import biasbook, jax; print(len(jax.devices('cpu')))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_import_sets_one_device_per_core_or_the_requested_count():
    base = {k: v for k, v in os.environ.items() if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
    base.pop(devices.ENV_VAR, None)
    assert _devices_in_fresh_process(base) == devices.usable_cores()
    assert _devices_in_fresh_process({**base, devices.ENV_VAR: "3"}) == 3
    # the environment's own choice wins
    assert (
        _devices_in_fresh_process({**base, devices.ENV_VAR: "3", "JAX_NUM_CPU_DEVICES": "1"}) == 1
    )


def test_engine_devices_at_most_one_per_model():
    assert len(devices.engine_devices(1)) == 1
    assert len(devices.engine_devices(100, limit=1)) == 1
    assert len(devices.engine_devices(100)) == len(jax.local_devices())


def test_compiled_programs_are_cached_on_disk_unless_told_not_to(tmp_path):
    base = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    base.pop("BIASBOOK_NO_CACHE", None)
    code = "import biasbook, jax; print(jax.config.jax_compilation_cache_dir)"

    def cache_dir_in_fresh_process(env: dict[str, str]) -> str:
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        return run.stdout.strip()

    assert cache_dir_in_fresh_process({**base, "BIASBOOK_CACHE": str(tmp_path)}) == str(
        tmp_path / "jax"
    )
    env = {**base, "BIASBOOK_CACHE": str(tmp_path), "BIASBOOK_NO_CACHE": "1"}
    assert cache_dir_in_fresh_process(env) == "None"
