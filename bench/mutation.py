"""Mutation testing: plant one small bug at a time in the library and see whether the tests notice.

``make mutation`` (or ``python bench/mutation.py [--modules PATH ...]``) runs cosmic-ray
(https://cosmic-ray.readthedocs.io, installed by the ``mutation`` extra) on a copy of the
checkout per module (``_build/mutation/sessions/<module>/src``), since cosmic-ray edits the
mutated file in place; two modules can so be mutated at once, one process per core. Each
module is mapped to the fast tests that guard it (:data:`MODULES`), so a mutant costs one run of
those tests, not of the whole suite. The report, ``_build/mutation/report.md`` and
``report.json``, gives per module the mutants, how many the tests killed (a failing test, or a
timeout: the mutant made the code hang), the kill rate, and every surviving mutant with its diff;
it covers every module mutated so far (the sessions are kept in ``_build/mutation/sessions``).

A finished module's outcome is also kept in the repository, ``bench/mutation_results/<module>.json``
(the hashes of the module and of its tests, the date, the number killed and every mutant not
killed, with its diff), since a module takes up to hours and ``_build`` does not outlive a
machine. The report falls back on that record for a module without a session here and says, per
module, whether its numbers are *current* (module and tests as measured) or *stale* (changed
since: mutate the module again, or ``--retest`` it where its session is here).

A survivor is either a hole in the tests (write a test of the behaviour, from an independent
fact, not of the mutated line) or *equivalent* (no test could tell it from the original, e.g. a
changed constant in an error message). Equivalent mutants are listed in
``bench/mutation_equivalent.json`` (``"path:line:column:operator: mutated line": "why"``, the
key the report prints); the report shows them with their reason and leaves them out of the rate.
An entry still holds when an edit above it moves its line (same column, operator and text).
A listed mutant that a test does kill counts as killed, and the report names it under
"Listed equivalent but killed" (a session here is needed to see it: a record keeps killed
mutants as a count): take it off the list.

A module too slow to mutate whole (the training engine: over a thousand mutants, a minute of
tests each) can be measured on a seeded random sample, ``--sample N``: the report gives its kill
rate with an exact binomial 95 % interval, and its record says it is a sample.

Not part of ``make test`` or CI: a module takes minutes to an hour (each mutant re-imports JAX).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "mutation"
EQUIVALENT = ROOT / "bench" / "mutation_equivalent.json"
RECORDS = ROOT / "bench" / "mutation_results"

#: Module -> the fast test files that guard it. The targets of issue #23: the mathematics and
#: statistics, the training steps, the status table, the cache and the runner's keys.
MODULES: dict[str, list[str]] = {
    "lib/biasbook/maths/thresholds.py": ["tests/test_thresholds.py"],
    "lib/biasbook/maths/learning_curves.py": ["tests/test_learning_curves.py"],
    "lib/biasbook/maths/boolean.py": ["tests/test_boolean.py"],
    "lib/biasbook/maths/growth_fits.py": ["tests/test_growth_fits.py"],
    "lib/biasbook/maths/regression.py": ["tests/test_regression.py"],
    "lib/biasbook/maths/rank_tests.py": ["tests/test_rank_tests.py"],
    "lib/biasbook/maths/markov_chains.py": ["tests/test_markov_chains.py"],
    "lib/biasbook/maths/word_vectors.py": ["tests/test_word_vectors.py"],
    "lib/biasbook/maths/position_symmetry.py": ["tests/test_position_symmetry.py"],
    "lib/biasbook/maths/symmetric_group.py": ["tests/test_symmetric_group.py"],
    "lib/biasbook/maths/sequences.py": ["tests/test_spectra.py", "tests/test_kernels.py"],
    "lib/biasbook/maths/kernels.py": ["tests/test_kernels.py", "tests/test_spectra.py"],
    "lib/biasbook/maths/spectra.py": ["tests/test_spectra.py", "tests/test_learning_curves.py"],
    "lib/biasbook/maths/kernel_descent.py": ["tests/test_kernel_descent.py"],
    "lib/biasbook/maths/sparse_tasks.py": [
        "tests/test_sparse_tasks.py",
        "tests/test_screening.py",
        "tests/test_sparse_attention.py",
    ],
    "lib/biasbook/maths/sparse_attention.py": ["tests/test_sparse_attention.py"],
    "lib/biasbook/maths/screening.py": ["tests/test_screening.py"],
    "lib/biasbook/checks/verdicts.py": ["tests/test_status.py", "tests/test_chapter_checks.py"],
    "lib/biasbook/book/status.py": ["tests/test_status.py"],
    "lib/biasbook/store/cache.py": [
        "tests/test_cache.py",
        "tests/test_devices.py::test_compiled_programs_are_cached_on_disk_unless_told_not_to",
    ],
    "lib/biasbook/book/keys.py": ["tests/test_keys.py"],
    "lib/biasbook/nets/steps.py": ["tests/test_training.py"],
    "lib/biasbook/nets/training.py": ["tests/test_training.py"],
    "lib/biasbook/book/parameters.py": ["tests/test_parameters.py"],
}


def copy_checkout(dest: Path) -> None:
    """The tracked files of the checkout (as they are on disk) into ``dest``."""
    shutil.rmtree(dest, ignore_errors=True)
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / name.decode()
        if src.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def _session(module: str) -> tuple[Path, Path, Path]:
    work = OUT / "sessions" / module.replace("/", "_")
    return work, work / "config.toml", work / "session.sqlite"


def _source(module: str) -> Path:
    """The module's own copy of the checkout: cosmic-ray edits it in place, so two modules
    mutated at once (two processes, one per core) must not share one."""
    return _session(module)[0] / "src"


def _env(src: Path, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        # the copy's library, not the checkout's editable install; results never from a cache
        "PYTHONPATH": str(src / "lib"),
        "BIASBOOK_BUILD": str(work / "build"),
        "BIASBOOK_NO_CACHE": "1",
    }


_COSMIC_RAY = str(Path(sys.executable).with_name("cosmic-ray"))


def run_module(
    src: Path,
    module: str,
    tests: list[str],
    timeout: float,
    sample: int | None = None,
    seed: int = 0,
) -> None:
    """Test every mutant of ``module`` with ``tests`` (a new cosmic-ray session), or only a seeded
    random ``sample`` of them (:func:`keep_sample`, drawn with ``seed``)."""
    work, config, session = _session(module)
    work.mkdir(parents=True, exist_ok=True)
    session.unlink(missing_ok=True)
    command = f"{sys.executable} -m pytest -x -q -p no:cacheprovider " + " ".join(tests)
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    (work / "module.sha256").write_text(_digest(src / module))
    (work / "tests.sha256").write_text(tests_digest(MODULES[module], src))
    (work / "sample.json").unlink(missing_ok=True)
    for step in ("init", "exec"):
        subprocess.run(
            [_COSMIC_RAY, step, str(config), str(session)], cwd=src, env=_env(src, work), check=True
        )
        if step == "init" and sample is not None:
            total = keep_sample(session, sample, seed)
            (work / "sample.json").write_text(json.dumps({"of": total, "seed": seed}))


#: The default seed of :func:`keep_sample`'s draw (``--sample-seed``): a sample of a module is the
#: same mutants every time. Another seed draws a fresh sample, an unbiased estimate again once
#: tests have been written against the survivors of the first.
SAMPLE_SEED = 0


def keep_sample(session: Path, n: int, seed: int) -> int:
    """Keep ``n`` mutants of a new session, drawn uniformly without replacement (seeded), and
    return how many there were.

    A module of a thousand mutants whose tests take a minute (the training engine's) takes a day
    on one core; a sample of a few dozen gives its kill rate with an exact binomial interval in
    an hour, and the same sample every time, so that a fix can be checked against it.
    """
    with sqlite3.connect(session) as db:
        # cosmic-ray names each mutant by a fresh uuid4 at every init, so the draw is made from
        # the mutants in the order of what they change (place, operator, occurrence), which is
        # the same for the same module however often it is initialised
        specs = db.execute(
            "SELECT job_id FROM mutation_specs ORDER BY module_path, start_pos_row, start_pos_col,"
            " end_pos_row, end_pos_col, operator_name, occurrence"
        )
        jobs = [row[0] for row in specs]
        drop = sorted(set(jobs) - set(random.Random(seed).sample(jobs, min(n, len(jobs)))))
        for table in ("mutation_specs", "work_items"):
            db.executemany(f"DELETE FROM {table} WHERE job_id = ?", [(j,) for j in drop])
    return len(jobs)


def _sample_of(work: Path) -> int | None:
    """How many mutants the module had, where its session tested only a sample of them."""
    path = work / "sample.json"
    return json.loads(path.read_text())["of"] if path.exists() else None


def _sample_seed(work: Path) -> int | None:
    """The seed of the session's sample (None for a whole module)."""
    path = work / "sample.json"
    return json.loads(path.read_text()).get("seed") if path.exists() else None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tests_digest(tests: list[str], root: Path = ROOT) -> str:
    """One hash of the test files guarding a module (a ``file::test`` counts as its file) and of
    ``tests/conftest.py``, the fixtures they share: a record whose hash differs is stale."""
    files = sorted({t.split("::")[0] for t in tests} | {"tests/conftest.py"})
    h = hashlib.sha256()
    for name in files:
        h.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return h.hexdigest()


def retest_survivors(module: str) -> None:
    """Run the current tests on the last session's survivors (after writing tests for them) and on
    any mutant an interrupted run left (cosmic-ray runs every pending one).

    The mutants' positions belong to the module as it was mutated, so this needs the module
    unchanged since (:func:`main` checks the hash kept with the session); the tests are copied
    afresh.
    """
    work, config, session = _session(module)
    src = _source(module)
    copy_checkout(src)
    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")
    (work / "tests.sha256").write_text(tests_digest(MODULES[module], src))
    subprocess.run(
        [_COSMIC_RAY, "exec", str(config), str(session)], cwd=src, env=_env(src, work), check=True
    )
    return None


def read_session(src: Path, module: str) -> list[dict]:
    """One record per mutant of ``module``'s last session: its key, outcomes, diff, and why it
    is equivalent where a rule says so (a mutant inside an annotation)."""
    spans = annotation_spans(src / module)
    work, _, session = _session(module)
    dump = subprocess.run(
        [_COSMIC_RAY, "dump", str(session)],
        cwd=src,
        env=_env(src, work),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    records = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        (mutation,) = item["mutations"]
        result = result or {}
        diff = result.get("diff") or ""
        # the mutated line itself, to tell apart mutants of one operator at one place (n ± 1)
        added = (ln for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))
        plus = next((ln[1:].strip() for ln in added), "")
        key = (
            f"{module}:{mutation['start_pos'][0]}:{mutation['start_pos'][1]}:"
            f"{mutation['operator_name']}: {plus}"
        )
        records.append(
            {
                "key": key,
                "worker": result.get("worker_outcome"),
                "test": result.get("test_outcome"),
                "diff": diff,
                "equivalent": ANNOTATION if _in_annotation(key, spans) else None,
            }
        )
    return records


ANNOTATION = "an annotation: never evaluated (the module imports annotations from __future__)"


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (start, end) positions, (line, column), of every annotation in a module that imports
    ``annotations`` from ``__future__``; none otherwise.

    There an annotation is a string that nothing evaluates (the library never calls
    ``typing.get_type_hints``), so a mutant inside one (``int | None`` -> ``int + None``) is
    equivalent by construction; the rule names them instead of listing each in
    ``mutation_equivalent.json``.
    """
    tree = ast.parse(path.read_text())
    future = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(a.name == "annotations" for a in node.names)
        for node in tree.body
    )
    if not future:
        return []
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
    return [((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)) for a in found]


def _in_annotation(key: str, spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    line, column = (int(x) for x in key.split(":")[1:3])
    return any(start <= (line, column) < end for start, end in spans)


def _is_killed(r: dict) -> bool:
    """A failing test, or a timeout (the mutant made the code hang)."""
    return r["test"] == "killed" or r["worker"] == "timeout"


def _session_date(session: Path) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(session.stat().st_mtime))


def _without_line(key: str) -> str:
    """``path:column:operator: text`` of a ``path:line:column:operator: text`` key."""
    path, _, rest = key.partition(":")
    line, _, rest = rest.partition(":")
    return f"{path}:{rest}" if line.isdigit() else key


def listed(key: str, equivalent: dict[str, str]) -> bool:
    """Whether the mutant ``key`` is listed equivalent: by its key, or else by the same column,
    operator and mutated text on another line of the same module. Why: an edit above a listed
    mutant moves it to another line; the mutant and the reason it is equivalent stay the same.
    A changed line (another mutated text) no longer matches, and its mutant is triaged anew."""
    if key in equivalent:
        return True
    return _without_line(key) in {_without_line(k) for k in equivalent}


def summarise(records: list[dict], equivalent: dict[str, str]) -> dict:
    """Counts and kill rate of one module's mutants (equivalent ones left out of the rate)."""
    done = [r for r in records if r["worker"] is not None]  # an interrupted session: the rest wait
    # A killed mutant counts as killed even where it is listed equivalent: a test told it apart,
    # so the listing is wrong (it is named in the report, to be taken off the list).
    same = [
        r
        for r in done
        if not _is_killed(r) and (listed(r["key"], equivalent) or r.get("equivalent"))
    ]
    counted = [r for r in done if r not in same and r["test"] != "incompetent"]
    killed = [r for r in counted if _is_killed(r)]
    survivors = [r for r in counted if r not in killed]
    return {
        "mutants": len(records),
        "pending": len(records) - len(done),
        "equivalent": len(same),
        "in_annotations": sum(r.get("equivalent") == ANNOTATION for r in same),
        "incompetent": sum(r["test"] == "incompetent" for r in done),
        "killed": len(killed),
        "survived": len(survivors),
        "kill_rate": len(killed) / len(counted) if counted else float("nan"),
        "survivors": survivors,
        "listed_but_killed": sorted(r["key"] for r in killed if listed(r["key"], equivalent)),
    }


def _record_path(module: str) -> Path:
    return RECORDS / (module.replace("/", "_") + ".json")


def save_record(module: str, records: list[dict], root: Path = ROOT) -> Path | None:
    """Keep a *finished* session's outcome in the repository (see the module docstring): the
    killed mutants as a count, every other one in full, so that the rate can be recomputed when
    the list of equivalent mutants changes. An unfinished session is not kept."""
    if any(r["worker"] is None for r in records):
        return None
    work = _session(module)[0]
    killed = [r for r in records if _is_killed(r)]
    data = {
        "module": module,
        "module_sha256": _kept(work / "module.sha256") or _digest(root / module),
        "tests_sha256": _kept(work / "tests.sha256") or tests_digest(MODULES[module], root),
        "date": _session_date(_session(module)[2]),
        "mutants": len(records),
        "killed": len(killed),
        "sample_of": _sample_of(work),
        "sample_seed": _sample_seed(work),
        "not_killed": [r for r in records if r not in killed],
    }
    path = _record_path(module)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path


def _kept(path: Path) -> str | None:
    return path.read_text().strip() if path.exists() else None


def load_record(module: str) -> tuple[list[dict], dict] | None:
    """The records of a kept outcome, killed mutants as placeholders (only their number is
    kept), and the outcome's header; None where the module has no record."""
    path = _record_path(module)
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    killed = [
        {"key": f"{module}: killed #{i}", "worker": "normal", "test": "killed", "equivalent": None}
        for i in range(data["killed"])
    ]
    return killed + data["not_killed"], data


def state(
    module_sha256: str | None, tests_sha256: str | None, module: str, root: Path = ROOT
) -> str:
    """Whether measured numbers still describe the checkout: ``current``, or what changed since."""
    changed = []
    if module_sha256 != _digest(root / module):
        changed.append("module")
    if tests_sha256 != tests_digest(MODULES[module], root):
        changed.append("tests")
    return "current" if not changed else f"stale ({' and '.join(changed)} changed)"


def gather(module: str, equivalent: dict[str, str]) -> dict | None:
    """A module's summary, with the date it was measured, whether that is still ``current`` and
    where it comes from: its session here (a finished one is then kept as its record), else its
    kept record; None where it has neither."""
    work, _, session = _session(module)
    if session.exists():
        records = read_session(_source(module), module)
        save_record(module, records)
        # a session started before the tests' hash was kept: its tests taken as they are now
        tests = _kept(work / "tests.sha256") or tests_digest(MODULES[module])
        s = summarise(records, equivalent)
        s["date"] = _session_date(session)
        s["state"] = state(_kept(work / "module.sha256"), tests, module)
        s["source"] = "session"
        s["sample_of"], s["sample_seed"] = _sample_of(work), _sample_seed(work)
        return s
    kept = load_record(module)
    if kept is None:
        return None
    records, header = kept
    s = summarise(records, equivalent)
    s["date"], s["source"] = header["date"], "record"
    s["sample_of"] = header.get("sample_of")
    # records written before seeds were kept were all drawn with the default
    s["sample_seed"] = header.get("sample_seed", SAMPLE_SEED if s["sample_of"] else None)
    s["state"] = state(header["module_sha256"], header["tests_sha256"], module)
    return s


def rate_cell(s: dict) -> str:
    """The kill rate; for a sample, with its exact (Clopper-Pearson) 95 % interval."""
    if not s.get("sample_of"):
        return percent(s["kill_rate"])
    counted = s["killed"] + s["survived"]
    of = f"sample of {s['sample_of']}, seed {s.get('sample_seed', SAMPLE_SEED)}"
    if not counted:
        return f"– ({of})"
    ci = stats.binomtest(s["killed"], counted).proportion_ci(0.95, method="exact")
    return f"{percent(s['kill_rate'])} ({of}: 95 % interval {percent(ci.low)}–{percent(ci.high)})"


def percent(rate: float) -> str:
    """A kill rate rounded *down* to 0.1 %: one survivor in 269 reads 99.6 %, never 100 %."""
    if math.isnan(rate):  # nothing counted
        return "–"
    return f"{math.floor(rate * 1000) / 10:.1f}%"


def write_report(results: dict[str, dict], equivalent: dict[str, str], wall: float) -> Path:
    lines = [
        "# Mutation testing report",
        "",
        f"cosmic-ray on {len(results)} module(s), {wall / 60:.1f} min, "
        f"{time.strftime('%Y-%m-%d %H:%M')}. Kill rate: killed / (mutants − equivalent − "
        "incompetent); a timeout counts as killed. A *sample* tested only some of the module's "
        "mutants (`--sample`): its rate comes with an exact 95 % interval.",
        "",
        "Measured: the date of the module's session here, or of its kept record "
        "(`bench/mutation_results/`); *stale*: the module or its tests changed since.",
        "",
        "| module | mutants | not yet run | killed | survived | equivalent | incompetent "
        "| kill rate | measured | state |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for module, s in results.items():
        lines.append(
            f"| `{module}` | {s['mutants']} | {s['pending']} | {s['killed']} | {s['survived']} | "
            f"{s['equivalent']} | {s['incompetent']} | {rate_cell(s)} | "
            f"{s.get('date', '')} ({s.get('source', 'session')}) | {s.get('state', '')} |"
        )
    for module, s in results.items():
        if s["survivors"]:
            lines += ["", f"## Survivors in `{module}`", ""]
            for r in s["survivors"]:
                lines += [f"- `{r['key']}`", "", "```diff", r["diff"].strip(), "```", ""]
    wrongly = [key for s in results.values() for key in s.get("listed_but_killed", [])]
    if wrongly:
        lines += ["", "## Listed equivalent but killed (take them off the list)", ""]
        lines += [f"- `{key}`" for key in wrongly]
    annotated = {m: s["in_annotations"] for m, s in results.items() if s.get("in_annotations")}
    if annotated:
        lines += ["", "## Equivalent by rule", ""]
        lines += [
            f"- `{m}`: {k} mutant(s) inside annotations: {ANNOTATION}" for m, k in annotated.items()
        ]
    if equivalent:
        lines += ["", "## Equivalent mutants", ""]
        lines += [f"- `{key}`: {why}" for key, why in sorted(equivalent.items())]
    path = OUT / "report.md"
    path.write_text("\n".join(lines) + "\n")
    (OUT / "report.json").write_text(json.dumps(results, indent=1))
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--modules",
        nargs="*",
        default=None,
        help="module paths (default: every mapped module; with --report-only, every one run)",
    )
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant's tests")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="re-read the last sessions (e.g. after triaging equivalent mutants); mutate nothing",
    )
    p.add_argument(
        "--retest",
        action="store_true",
        help="re-run the last sessions' survivors, and mutants not yet run, with the current tests "
        "(module unchanged)",
    )
    p.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="test only N of each module's mutants, drawn at random (seeded): a kill rate with its "
        "interval for a module too slow to mutate whole",
    )
    p.add_argument(
        "--sample-seed",
        type=int,
        default=SAMPLE_SEED,
        metavar="S",
        help=f"the seed of --sample's draw (default {SAMPLE_SEED}); another seed, a fresh sample",
    )
    p.add_argument(
        "--list",
        action="store_true",
        help="print the mapped modules as a JSON list (the weekly workflow's matrix) and stop",
    )
    args = p.parse_args(argv)
    if args.modules is None:
        # --report-only reports what has been run; a full run mutates every mapped module
        ran = [m for m in MODULES if _session(m)[2].exists()]
        args.modules = ran if args.report_only or args.retest else list(MODULES)
    if args.list:
        print(json.dumps(list(MODULES)))
        return 0
    if args.sample is not None and (args.sample < 1 or args.report_only or args.retest):
        print("error: --sample takes a positive number, for a new run (no --report-only/--retest)")
        return 2
    if args.sample_seed != SAMPLE_SEED and args.sample is None:
        print("error: --sample-seed draws a sample; give --sample N with it")
        return 2
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        print(f"error: no tests mapped for {unknown[0]}; mapped: {', '.join(MODULES)}")
        return 2
    if shutil.which("cosmic-ray", path=str(Path(sys.executable).parent)) is None:
        print("error: cosmic-ray is not installed; run `pip install -e .[mutation]`")
        return 2
    equivalent = json.loads(EQUIVALENT.read_text()) if EQUIVALENT.exists() else {}
    start = time.perf_counter()
    if args.report_only or args.retest:
        missing = [m for m in args.modules if not _session(m)[2].exists()]
        if missing:
            print(
                f"error: no session for {missing[0]}; mutate it first (no --report-only/--retest)"
            )
            return 2
    if args.retest:
        fresh = [
            m
            for m in args.modules
            if (_session(m)[0] / "module.sha256").exists()
            and (_session(m)[0] / "module.sha256").read_text() == _digest(ROOT / m)
        ]
        stale = [m for m in args.modules if m not in fresh]
        if stale:
            print(f"error: {stale[0]} changed since it was mutated; mutate it again (no --retest)")
            return 2
    results = {}
    for module in args.modules:
        if args.retest:
            print(f"re-testing the survivors of {module} ...", flush=True)
            retest_survivors(module)
        elif not args.report_only:
            print(f"mutating {module} ...", flush=True)
            copy_checkout(_source(module))
            run_module(
                _source(module),
                module,
                MODULES[module],
                args.timeout,
                args.sample,
                args.sample_seed,
            )
        results[module] = gather(module, equivalent)
        s = results[module]
        print(f"  {s['killed']} of {s['killed'] + s['survived']} non-equivalent mutants killed")
    # The report covers every module with a session or a kept record, in MODULES' order.
    for module in MODULES:
        if module not in results:
            results[module] = gather(module, equivalent)
    results = {m: results[m] for m in MODULES if results[m] is not None}
    path = write_report(results, equivalent, time.perf_counter() - start)
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
