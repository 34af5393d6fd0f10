"""The runner and the build: parameters, exit codes, failure handling and the execution cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from biasbook.book.chapters import chapters

from conftest import ROOT, chapter_source, run_cli

# ------------------------------------------------------------------------------------ the CLI


def test_bad_input_exits_2_with_one_line_naming_the_choices(demo_project: Path) -> None:
    cases = {
        ("run", "nope"): "valid chapters: demo",
        ("run", "demo", "-p", "sede", "1"): "valid parameters: quick, seed",
        ("run", "demo", "-p", "seed", "1.5"): "must be int",
    }
    for args, message in cases.items():
        proc = run_cli(demo_project, *args)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (demo_project / "_build" / "executed" / "demo.ipynb").exists()


def test_failing_cell_fails_runner_and_build_and_leaves_no_good_output(demo_project: Path) -> None:
    (demo_project / "book" / "demo.md").write_text(
        chapter_source("Demo", "raise RuntimeError('deliberate failure')")
    )
    proc = run_cli(demo_project, "run", "demo")
    assert proc.returncode == 1
    assert "deliberate failure" in proc.stderr
    assert not (demo_project / "_build" / "executed" / "demo.ipynb").exists()
    assert (demo_project / "_build" / "failed" / "demo.ipynb").exists()
    report = json.loads((demo_project / "_build" / "execution.json").read_text())
    assert report["chapters"]["demo"]["status"] == "failed"

    proc = run_cli(demo_project, "build")
    assert proc.returncode == 1
    assert not (demo_project / "_build" / "html" / "book" / "demo.html").exists()


def test_failed_claim_check_fails_the_chapter(demo_project: Path) -> None:
    body = (
        "from biasbook.book.status import report\n"
        "from biasbook.checks.verdicts import claim, at_least\n"
        "report([claim('two is three', paper='definition: 3', check='≥ 3', data=2,\n"
        "              test=lambda x: at_least(x, 3), controls={'one': 1})])"
    )
    (demo_project / "book" / "demo.md").write_text(chapter_source("Demo", body))
    proc = run_cli(demo_project, "run", "demo")
    assert proc.returncode == 1
    assert "ReproductionFailure" in proc.stderr


def test_runner_kernels_store_no_progress_bars_and_talk_over_ipc(demo_project: Path) -> None:
    """Bars are for people watching: none lands in the executed notebook (hence the HTML), and
    the kernel, on local sockets, has no plain-text-TCP warning to give (its log says)."""
    body = (
        "import os, sys\n"
        "from tqdm import tqdm\n"
        "for _ in tqdm(range(3), desc='a bar'):\n"
        "    pass\n"
        "print('kernel env', os.environ.get('TQDM_DISABLE'), file=sys.stderr)\n"
        "raise RuntimeError('keep the kernel log')"
    )
    (demo_project / "book" / "demo.md").write_text(chapter_source("Demo", body))
    assert run_cli(demo_project, "run", "demo").returncode == 1
    failed = demo_project / "_build" / "failed"
    stored = [
        "".join(output.get("text", ""))
        for cell in json.loads((failed / "demo.ipynb").read_text())["cells"]
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr"
    ]
    assert stored == ["kernel env 1\n"]  # the cell ran and wrote to stderr; no bar was stored
    log = (failed / "demo.kernel.log").read_text()
    assert "without encryption" not in log and "eavesdropping" not in log


def test_no_cache_re_executes_a_chapter(demo_project: Path) -> None:
    assert run_cli(demo_project, "run", "demo").returncode == 0
    proc = run_cli(demo_project, "run", "demo", env={"BIASBOOK_NO_CACHE": "1"})
    assert proc.returncode == 0, proc.stderr
    report = json.loads((demo_project / "_build" / "execution.json").read_text())
    assert report["chapters"]["demo"]["status"] == "ok"  # executed again, not "cached"


def test_the_chapter_template_runs_and_reports_its_verdicts(demo_project: Path) -> None:
    shutil.copy(ROOT / "book" / "_template.md", demo_project / "book" / "demo.md")
    proc = run_cli(demo_project, "run", "demo", "--quick")
    assert proc.returncode == 0, proc.stderr
    status = json.loads((demo_project / "_build" / "status" / "demo.json").read_text())
    assert status["counts"] == {
        "passed": 1,
        "FAILED": 0,
        "not reproduced": 0,
        "inconclusive": 0,
        "not tested": 1,
    }
    (control,) = status["claims"][0]["controls"]
    assert control["negative"] and control["results"][0]["holds"] is False


def test_build_renders_executed_notebook_with_figure_and_status_page(demo_project: Path) -> None:
    proc = run_cli(demo_project, "build", "--quick")
    assert proc.returncode == 0, proc.stderr
    html = demo_project / "_build" / "html"
    page = (html / "book" / "demo.html").read_text()
    assert "<img" in page and "_images/" in page
    images = list((html / "_images").glob("*.png"))
    assert images and all(p.stat().st_size > 1000 for p in images)
    status = (html / "book" / "status.html").read_text()
    assert "one plus one is two" in status


def test_library_edit_invalidates_cache_and_unchanged_run_reexecutes_nothing(
    demo_project: Path, tmp_path: Path
) -> None:
    # A private copy of the library, imported first through PYTHONPATH, that we can edit.
    lib = tmp_path / "lib"
    shutil.copytree(
        ROOT / "lib" / "biasbook", lib / "biasbook", ignore=shutil.ignore_patterns("__pycache__")
    )

    def status() -> str:
        proc = run_cli(demo_project, "run", "demo", pythonpath=lib)
        assert proc.returncode == 0, proc.stderr
        report = json.loads((demo_project / "_build" / "execution.json").read_text())
        return report["chapters"]["demo"]["status"]

    assert status() == "ok"
    assert status() == "cached"  # nothing changed: nothing re-executed
    plotting = lib / "biasbook" / "plotting" / "style.py"
    plotting.write_text(plotting.read_text().replace('"font.size": 11', '"font.size": 12'))
    assert status() == "ok"  # a library function changed: re-executed
    assert status() == "cached"
    chapter = demo_project / "book" / "demo.md"
    chapter.write_text(chapter.read_text().replace("seed + 1", "seed + 2"))
    assert status() == "ok"  # the chapter source changed: re-executed
    run_cli(demo_project, "run", "demo", "-p", "seed", "4", pythonpath=lib)
    report = json.loads((demo_project / "_build" / "execution.json").read_text())
    assert report["chapters"]["demo"]["status"] == "ok"  # new parameters: re-executed


def test_run_times_table_sums_modes_and_flags_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from biasbook.book import build

    names = list(chapters())
    times = {n: {"quick": 30.0, "default": 120.0} for n in names}
    monkeypatch.setattr(build, "_run_times", lambda: times | {"_machine": "test box"})
    table = build.run_times_table()
    quick, default = 30 * len(names) / 60, 120 * len(names) / 60
    assert f"| **whole book** | {quick:.1f} min | {default:.1f} min |" in table
    assert "test box" in table
    del times[names[0]]["default"]
    table = build.run_times_table()
    assert "not measured" in table and "| incomplete |" in table
