"""The on-disk result cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from biasbook.store import cache


def test_cached_computes_once_per_parameters(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    monkeypatch.delenv("BIASBOOK_NO_CACHE", raising=False)
    calls = []

    def compute(x: int) -> dict:
        calls.append(x)
        return {"x": np.arange(x)}

    a = cache.cached("t", {"x": 3}, lambda: compute(3))
    b = cache.cached("t", {"x": 3}, lambda: compute(3))
    c = cache.cached("t", {"x": 4}, lambda: compute(4))
    assert calls == [3, 4]
    np.testing.assert_array_equal(a["x"], b["x"])
    assert len(c["x"]) == 4
    assert not list(tmp_path.glob(".tmp-*"))  # no half-written entries


def test_cached_leaves_nothing_when_the_computation_fails(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))

    def boom() -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.cached("t", {"x": 1}, boom)
    assert not list(tmp_path.iterdir())


def test_an_unreadable_entry_is_named_removed_and_recomputed(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    monkeypatch.delenv("BIASBOOK_NO_CACHE", raising=False)
    cache.cached("t", {"x": 1}, lambda: {"x": np.arange(1000)})
    (entry,) = tmp_path.glob("t-*.pkl")
    entry.write_bytes(entry.read_bytes()[:50])  # truncated, as by a full disk or a killed copy
    again = cache.cached("t", {"x": 1}, lambda: {"x": np.arange(3)})
    assert len(again["x"]) == 3  # recomputed, not an UnpicklingError
    assert str(entry) in capsys.readouterr().err
    assert len(cache.cached("t", {"x": 1}, lambda: None)["x"]) == 3  # and written back


def test_entries_are_readable_like_other_outputs(tmp_path: Path, monkeypatch) -> None:
    import os

    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    monkeypatch.delenv("BIASBOOK_NO_CACHE", raising=False)
    old = os.umask(0o022)
    try:
        cache.cached("t", {"x": 2}, lambda: 1)
    finally:
        os.umask(old)
    (entry,) = tmp_path.glob("t-*.pkl")
    assert entry.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
