"""bench/mutation.py's bookkeeping: which mutants count, on hand-made modules and records."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "bench" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOURCE = """from __future__ import annotations


def f(x: int | None, y: float = 1.0) -> dict[str, int]:
    z: list[int] = [x or 0]
    return {"a": z[0] + int(y)}
"""


def test_mutants_inside_annotations_are_equivalent_only_under_future_annotations(tmp_path):
    m = _tool()
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    spans = m.annotation_spans(path)
    inside = ["mod.py:4:13:BitOr_Add: x", "mod.py:4:28:x: y", "mod.py:4:46:x: r", "mod.py:5:7:x: z"]
    outside = ["mod.py:6:24:Add_Sub: code", "mod.py:4:6:x: name", "mod.py:5:19:x: value"]
    assert all(m._in_annotation(k, spans) for k in inside)
    assert not any(m._in_annotation(k, spans) for k in outside)
    # without the __future__ import annotations are evaluated: no rule applies
    path.write_text(SOURCE.split("\n", 2)[2])
    assert m.annotation_spans(path) == []


def test_the_kill_rate_leaves_out_equivalent_mutants_by_list_and_by_rule():
    m = _tool()
    records = [
        {"key": "a", "worker": "normal", "test": "killed", "equivalent": None},
        {"key": "b", "worker": "normal", "test": "survived", "equivalent": None},
        {"key": "c", "worker": "normal", "test": "survived", "equivalent": m.ANNOTATION},
        {"key": "d", "worker": "normal", "test": "survived", "equivalent": None},
        {"key": "e", "worker": "timeout", "test": "survived", "equivalent": None},
        {"key": "f", "worker": None, "test": None, "equivalent": None},
    ]
    s = m.summarise(records, {"d": "listed"})
    assert (s["killed"], s["survived"], s["equivalent"], s["in_annotations"]) == (2, 1, 2, 1)
    assert s["pending"] == 1 and s["kill_rate"] == 2 / 3
    assert [r["key"] for r in s["survivors"]] == ["b"]


def test_the_rate_is_rounded_down_so_a_survivor_never_reads_as_100_percent():
    m = _tool()
    assert m.percent(268 / 269) == "99.6%"
    assert m.percent(1.0) == "100.0%"
    assert m.percent(0.899999) == "89.9%"
    assert m.percent(float("nan")) == "–"
