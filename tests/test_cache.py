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


def test_prune_removes_orphaned_entries_and_old_temporaries_only(tmp_path: Path, monkeypatch):
    import os
    import time

    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    monkeypatch.delenv("BIASBOOK_NO_CACHE", raising=False)
    cache.cached("t", {"x": 1}, lambda: 1)
    (current,) = tmp_path.glob("t-*.pkl")
    orphans = [tmp_path / "t-0123456789ab-deadbeef.pkl", tmp_path / "t-deadbeefdeadbeef.pkl"]
    old_tmp, young_tmp = tmp_path / ".tmp-old.pkl", tmp_path / ".tmp-young.pkl"
    for path in [*orphans, old_tmp, young_tmp]:
        path.write_bytes(b"x" * 10)
    hour_ago = time.time() - 7200
    os.utime(old_tmp, (hour_ago, hour_ago))
    pruned = cache.prune()
    assert (pruned.removed, pruned.removed_bytes, pruned.kept) == (3, 30, 1)
    assert sorted(tmp_path.iterdir()) == sorted([current, young_tmp])
    assert cache.prune(everything=True).removed == 1 and not current.exists()


def test_the_cache_prune_command_reports_what_it_removed(tmp_path: Path) -> None:
    from conftest import ROOT, run_cli

    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "t-0123456789ab-deadbeef.pkl").write_bytes(b"x")
    env = {"BIASBOOK_BUILD": str(tmp_path), "BIASBOOK_CACHE": str(tmp_path / "cache")}
    proc = run_cli(ROOT, "cache", "prune", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "removed 1 cache entries" in proc.stderr and "kept 0" in proc.stderr


def test_a_change_of_library_source_recomputes_a_cached_result(tmp_path: Path, monkeypatch):
    # After a fix to the maths, a result computed inside a chapter must come from the new code.
    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    monkeypatch.delenv("BIASBOOK_NO_CACHE", raising=False)
    assert cache.cached("t", {"x": 1}, lambda: "old code") == "old code"
    assert cache.cached("t", {"x": 1}, lambda: "unused") == "old code"
    monkeypatch.setattr(cache, "library_hash", lambda: "f" * 64)  # another library version
    assert cache.cached("t", {"x": 1}, lambda: "new code") == "new code"


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    monkeypatch.delenv("BIASBOOK_NO_CACHE", raising=False)
    cache.cached("t", {"x": 1}, lambda: "stored")
    monkeypatch.setenv("BIASBOOK_NO_CACHE", "1")
    assert cache.cached("t", {"x": 1}, lambda: "fresh") == "fresh"
    assert cache.cached("t", {"x": 2}, lambda: "fresh") == "fresh"
    assert len(list(tmp_path.glob("t-*.pkl"))) == 1  # nothing written while off


def test_the_library_hash_changes_with_any_file_of_the_library(tmp_path: Path, monkeypatch):
    # The keys' guard against stale results: editing, adding or renaming a module changes it.
    import shutil

    lib = tmp_path / "biasbook"
    shutil.copytree(cache.PACKAGE_DIR, lib, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", lib)

    def digest() -> str:
        cache.library_hash.cache_clear()
        return cache.library_hash()

    try:
        seen = [digest()]
        module = lib / "maths" / "thresholds.py"
        module.write_text(module.read_text() + "\n# an edit\n")
        seen.append(digest())
        (lib / "maths" / "new_module.py").write_text("X = 1\n")
        seen.append(digest())
        (lib / "maths" / "new_module.py").rename(lib / "maths" / "renamed.py")
        seen.append(digest())
        (lib / "notes.txt").write_text("not code")  # only .py files count
        seen.append(digest())
    finally:
        cache.library_hash.cache_clear()
    assert len(set(seen[:4])) == 4 and seen[4] == seen[3]


def test_the_key_does_not_depend_on_the_order_parameters_are_given_in() -> None:
    assert cache.cache_key("t", {"a": 1, "b": [2, 3]}) == cache.cache_key(
        "t", {"b": [2, 3], "a": 1}
    )
    assert cache.cache_key("t", {"a": 1}) != cache.cache_key("t", {"a": 2})
    assert cache.cache_key("t", {"a": 1}) != cache.cache_key("u", {"a": 1})


def test_parameters_json_cannot_encode_are_refused_by_name() -> None:
    # tuple keys: json.dumps raises TypeError even with default=repr (keys are not values)
    with pytest.raises(TypeError, match="cache parameters must be JSON-like"):
        cache.cache_key("t", {(1, 2): 3})


def test_a_temporary_is_removed_from_exactly_one_hour_old_and_kept_when_younger(
    tmp_path: Path, monkeypatch
) -> None:
    import os

    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    now = 2_000_000_000.0
    monkeypatch.setattr(cache.time, "time", lambda: now)
    ages = {"hour": 3600.0, "younger": 3599.5, "future": -30.0}  # future: a clock set back
    for label, age in ages.items():
        path = tmp_path / f".tmp-{label}.pkl"
        path.write_bytes(b"x")
        os.utime(path, (now - age, now - age))
    assert cache.prune().removed == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-future.pkl", ".tmp-younger.pkl"]


def test_what_prune_reports_cannot_be_changed_afterwards(tmp_path: Path, monkeypatch) -> None:
    import dataclasses

    monkeypatch.setenv("BIASBOOK_CACHE", str(tmp_path))
    pruned = cache.prune()
    with pytest.raises(dataclasses.FrozenInstanceError):
        pruned.removed = 5
