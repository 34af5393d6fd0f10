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
