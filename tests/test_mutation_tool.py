"""bench/mutation.py's bookkeeping: which mutants count, on hand-made modules and records."""

from __future__ import annotations

import importlib.util
import random
import sqlite3
from pathlib import Path

import pytest
from scipy import stats

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
    assert s["listed_but_killed"] == []


def test_a_listed_mutant_moved_to_another_line_stays_listed_but_a_changed_line_does_not():
    m = _tool()
    listed = {"lib/m.py:10:8:core/NumberReplacer: n = 1999": "why"}
    assert m.listed("lib/m.py:14:8:core/NumberReplacer: n = 1999", listed)
    assert not m.listed("lib/m.py:14:8:core/NumberReplacer: n = 2999", listed)
    assert not m.listed("lib/m.py:14:9:core/NumberReplacer: n = 1999", listed)
    assert not m.listed("lib/other.py:10:8:core/NumberReplacer: n = 1999", listed)
    records = [
        {
            "key": "lib/m.py:3:8:core/NumberReplacer: n = 1999",
            "worker": "normal",
            "test": "survived",
            "equivalent": None,
        }
    ]
    assert m.summarise(records, listed)["equivalent"] == 1


def test_a_mutant_listed_equivalent_that_a_test_kills_counts_as_killed_and_is_named():
    # A test told it from the original, so it is not equivalent: the listing is the error.
    m = _tool()
    records = [
        {"key": "a", "worker": "normal", "test": "killed", "equivalent": None},
        {"key": "b", "worker": "timeout", "test": "survived", "equivalent": None},
        {"key": "c", "worker": "normal", "test": "survived", "equivalent": None},
    ]
    s = m.summarise(records, {"a": "listed", "b": "listed", "c": "listed"})
    assert (s["killed"], s["survived"], s["equivalent"]) == (2, 0, 1)
    assert s["listed_but_killed"] == ["a", "b"]


def test_the_rate_is_rounded_down_so_a_survivor_never_reads_as_100_percent():
    m = _tool()
    assert m.percent(268 / 269) == "99.6%"
    assert m.percent(1.0) == "100.0%"
    assert m.percent(0.899999) == "89.9%"
    assert m.percent(float("nan")) == "–"


def test_a_kept_record_gives_the_sessions_rate_and_turns_stale_when_module_or_tests_change(
    tmp_path, monkeypatch
):
    m = _tool()
    root = tmp_path / "checkout"
    (root / "tests").mkdir(parents=True)
    (root / "mod.py").write_text("x = 1\n")
    (root / "tests" / "test_mod.py").write_text("def test(): pass\n")
    (root / "tests" / "conftest.py").write_text("")
    monkeypatch.setattr(m, "OUT", tmp_path / "build")
    monkeypatch.setattr(m, "RECORDS", tmp_path / "records")
    monkeypatch.setattr(m, "MODULES", {"mod.py": ["tests/test_mod.py::test"]})
    work, _, session = m._session("mod.py")
    work.mkdir(parents=True)
    session.write_bytes(b"")
    (work / "module.sha256").write_text(m._digest(root / "mod.py"))
    (work / "tests.sha256").write_text(m.tests_digest(["tests/test_mod.py"], root))
    records = [
        {"key": "a", "worker": "normal", "test": "killed", "equivalent": None, "diff": "-"},
        {"key": "b", "worker": "timeout", "test": "survived", "equivalent": None, "diff": "-"},
        {"key": "c", "worker": "normal", "test": "survived", "equivalent": None, "diff": "+c"},
        {"key": "d", "worker": "normal", "test": "survived", "equivalent": None, "diff": "+d"},
        {"key": "e", "worker": "normal", "test": "incompetent", "equivalent": None, "diff": ""},
    ]
    # an unfinished session is not kept
    assert m.save_record("mod.py", [*records, {"key": "f", "worker": None, "test": None}]) is None
    assert m.load_record("mod.py") is None
    m.save_record("mod.py", records, root)
    kept, header = m.load_record("mod.py")
    equivalent = {"d": "listed"}
    fresh, again = m.summarise(records, equivalent), m.summarise(kept, equivalent)
    for field in ("mutants", "pending", "equivalent", "incompetent", "killed", "survived"):
        assert fresh[field] == again[field], field
    assert again["kill_rate"] == 2 / 3 and [r["diff"] for r in again["survivors"]] == ["+c"]
    # the hashes are the session's: current until the module or a test file changes
    assert m.state(header["module_sha256"], header["tests_sha256"], "mod.py", root) == "current"
    (root / "tests" / "conftest.py").write_text("import pytest\n")
    assert m.state(header["module_sha256"], header["tests_sha256"], "mod.py", root) == (
        "stale (tests changed)"
    )
    (root / "mod.py").write_text("x = 2\n")
    assert m.state(header["module_sha256"], header["tests_sha256"], "mod.py", root) == (
        "stale (module and tests changed)"
    )


def test_a_sample_keeps_n_distinct_mutants_the_same_every_time(tmp_path):
    m = _tool()
    # 50 mutants, each a (line, column, operator, occurrence); cosmic-ray gives each a fresh
    # uuid4 at every init, so two inits of one module name the same mutants differently
    mutants = [(1 + i // 5, i % 5, "core/Op" + "AB"[i % 2], i % 3) for i in range(50)]
    columns = "job_id, module_path, start_pos_row, start_pos_col, end_pos_row, end_pos_col"

    def session(name, ids):
        path = tmp_path / name
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE work_items (job_id VARCHAR PRIMARY KEY)")
            db.execute(
                f"CREATE TABLE mutation_specs ({columns}, operator_name, occurrence, "
                "PRIMARY KEY (job_id))"
            )
            rows = [
                (j, "m.py", r, c, r, c + 1, op, k)
                for j, (r, c, op, k) in zip(ids, mutants, strict=True)
            ]
            db.executemany("INSERT INTO work_items VALUES (?)", [(r[0],) for r in rows])
            db.executemany("INSERT INTO mutation_specs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return path

    def kept(path):
        with sqlite3.connect(path) as db:
            items = {r[0] for r in db.execute("SELECT job_id FROM work_items")}
            specs = dict(
                (r[0], r[1:])
                for r in db.execute(
                    "SELECT job_id, start_pos_row, start_pos_col, operator_name, occurrence "
                    "FROM mutation_specs"
                )
            )
        assert items == set(specs)  # no mutation left without its work item, or the reverse
        return set(specs.values())

    rng = random.Random(5)
    fresh = [[f"{rng.getrandbits(128):032x}" for _ in mutants] for _ in range(3)]
    a, b, c = (session(n, ids) for n, ids in zip("abc", fresh, strict=True))
    assert m.keep_sample(a, 7, seed=0) == 50 and m.keep_sample(b, 7, seed=0) == 50
    assert len(kept(a)) == 7 and kept(a) == kept(b)  # the same mutants, whatever their ids
    m.keep_sample(c, 7, seed=1)
    assert kept(c) != kept(a)
    assert m.keep_sample(c, 100, seed=0) == 7 and len(kept(c)) == 7  # more than there are: all


def test_a_sampled_rate_comes_with_its_exact_interval():
    m = _tool()
    # 18 of 20 killed. Clopper-Pearson's ends are Beta quantiles: the 2.5 % point of
    # Beta(18, 3) and the 97.5 % point of Beta(19, 2), 68.30 % and 98.77 % (shown rounded down).
    low, high = stats.beta.ppf(0.025, 18, 3), stats.beta.ppf(0.975, 19, 2)
    assert (round(low, 4), round(high, 4)) == (0.6830, 0.9877)
    s = {"killed": 18, "survived": 2, "kill_rate": 0.9, "sample_of": 581}
    assert m.rate_cell(s) == "90.0% (sample of 581, seed 0: 95 % interval 68.3%–98.7%)"
    assert m.rate_cell({**s, "sample_of": None}) == "90.0%"


@pytest.mark.parametrize(
    "argv",
    [["--sample", "0"], ["--sample-seed", "3"], ["--sample", "5", "--retest"]],
    ids=["empty-sample", "seed-without-sample", "sample-with-retest"],
)
def test_a_meaningless_sampling_request_is_refused_before_any_work(argv, capsys):
    m = _tool()
    assert m.main(argv) == 2
    assert capsys.readouterr().out.startswith("error: --sample")


def test_every_mathematics_statistics_and_training_module_is_mapped_to_existing_tests():
    # The targets of issue #23 name these families: a module left out of the map would never be
    # measured, and a misspelt test path would make every mutant "killed" by a collection error.
    m = _tool()
    maths = (ROOT / "lib" / "biasbook" / "maths").glob("*.py")
    wanted = [str(p.relative_to(ROOT)) for p in maths if p.name != "__init__.py"]
    wanted += ["lib/biasbook/nets/steps.py", "lib/biasbook/nets/training.py"]
    missing = sorted(w for w in wanted if w not in m.MODULES)
    assert not missing, f"not mapped: {missing}"
    for module, tests in m.MODULES.items():
        assert (ROOT / module).is_file(), module
        for test in tests:
            assert (ROOT / test.split("::")[0]).is_file(), (module, test)
