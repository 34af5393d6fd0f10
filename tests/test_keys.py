"""The chapter key: each thing that changes a chapter's output changes it; nothing else does."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from biasbook.book import keys, runner
from biasbook.store import cache

PARAMS = {"quick": True, "seed": 0}
INPUTS = {"wikitext-2": {"a": "1"}}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A one-line chapter source."""
    path = tmp_path / "demo.md"
    path.write_text("# Demo\n")
    return path


def test_the_chapter_key_changes_with_each_thing_that_changes_the_output(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Source, parameters, data fingerprints and library each change the key (what the runner's
    cache decisions rest on)."""
    base = keys.chapter_key(source, PARAMS, INPUTS)
    changed = {
        "parameter value": keys.chapter_key(source, {**PARAMS, "seed": 1}, INPUTS),
        "parameter added": keys.chapter_key(source, {**PARAMS, "n": 2}, INPUTS),
        "data": keys.chapter_key(source, PARAMS, {"wikitext-2": {"a": "2"}}),
        "no data": keys.chapter_key(source, PARAMS),
    }
    source.write_text("# Demo, edited\n")
    changed["source"] = keys.chapter_key(source, PARAMS, INPUTS)
    source.write_text("# Demo\n")
    monkeypatch.setattr(cache, "library_hash", lambda: "another library")
    changed["library"] = keys.chapter_key(source, PARAMS, INPUTS)
    assert len({base, *changed.values()}) == len(changed) + 1, changed


def test_the_order_of_parameters_and_inputs_does_not_change_the_key(source: Path) -> None:
    data = {"wikitext-2": {"a": "1"}, "extra": {"b": "2"}}
    flipped = {"extra": {"b": "2"}, "wikitext-2": {"a": "1"}}
    assert keys.chapter_key(source, {"quick": True, "seed": 0}, data) == keys.chapter_key(
        source, {"seed": 0, "quick": True}, flipped
    )


def test_no_inputs_is_the_same_key_as_empty_inputs(source: Path) -> None:
    assert keys.chapter_key(source, PARAMS) == keys.chapter_key(source, PARAMS, {})


def test_a_parameter_json_cannot_hold_is_keyed_by_its_repr(source: Path) -> None:
    one = keys.chapter_key(source, {"path": Path("a")})
    assert one == keys.chapter_key(source, {"path": Path("a")})
    assert one != keys.chapter_key(source, {"path": Path("b")})


def test_the_key_is_a_prefix_of_the_sha256_of_its_parts(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Written out independently: the four parts in order, JSON with sorted keys; 24 hex digits
    # (96 bits) is what the runner stores in each chapter's meta file.
    assert source.read_bytes() == b"# Demo\n"
    monkeypatch.setattr(cache, "library_hash", lambda: "lib")
    parts = b'# Demo\n{"quick": true, "seed": 0}{"wikitext-2": {"a": "1"}}lib'
    assert keys.chapter_key(source, PARAMS, INPUTS) == hashlib.sha256(parts).hexdigest()[:24]


def test_the_runner_keys_its_chapters_with_it() -> None:
    assert runner.chapter_key is keys.chapter_key
