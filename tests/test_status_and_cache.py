"""The reproduction-status table and the on-disk result cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from biasbook.book.status import Claim, ReproductionFailure, report, to_markdown
from biasbook.store import cache


def test_report_records_and_raises_on_a_failed_check(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "status.json"
    monkeypatch.setenv("BIASBOOK_STATUS_FILE", str(out))
    good = Claim("a", paper="1", ours="1.0", passed=np.bool_(True), check="|x-1|<0.1")
    report([good], chapter="demo")
    assert json.loads(out.read_text())["claims"][0]["passed"] is True
    bad = Claim("b | pipe", paper="2", ours="3", passed=False)
    with pytest.raises(ReproductionFailure, match="1 of 2"):
        report([good, bad], chapter="demo")
    assert "b \\| pipe" in to_markdown([bad])  # pipes escaped so the table stays a table


def test_claim_refuses_a_number_as_check() -> None:
    with pytest.raises(TypeError):
        Claim("x", paper="1", ours="1", passed=0.99)  # type: ignore[arg-type]


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


def test_documented_non_reproduction_is_shown_but_does_not_fail(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("BIASBOOK_STATUS_FILE", str(tmp_path / "s.json"))
    documented = Claim("c", paper="symmetric", ours="r = 0.3", passed=False, expected=False)
    report([documented], chapter="demo")  # no exception
    assert "not reproduced" in to_markdown([documented])
    assert "FAILED" not in to_markdown([documented])
    unexpected = Claim("c", paper="x", ours="y", passed=True, expected=False)
    assert "documented as not reproduced" in to_markdown([unexpected])
