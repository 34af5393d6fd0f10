"""The runner under changed data, bad environments, failures, interrupts and concurrent runs.

Each test is one of the cases a new user met (issue #20): it fails on a runner that ignores the
case, and checks what must keep holding (one-line exit-2 errors, the last good output kept).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from biasbook.book import runner

from conftest import GOOD_BODY, ROOT, chapter_source, run_cli


def _status(root: Path) -> str:
    report = json.loads((root / "_build" / "execution.json").read_text())
    return report["chapters"]["demo"]["status"]


def _one_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


# ------------------------------------------------------------------------ declared data inputs


def _fake_wikitext(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for split in ("train", "valid", "test"):
        (folder / f"wiki.{split}.tokens").write_text(" = Title = \n the cat sat on the mat \n")
    return folder


def _data_chapter(root: Path) -> None:
    body = (
        "from biasbook.data.wikitext import load_wikitext\n"
        "print(load_wikitext(data_path, splits=('valid',)).n_tokens('valid'))"
    )
    params = "quick: bool = False\nseed: int = 0\ndata_path: str | None = None"
    front = "biasbook:\n  inputs: [wikitext-2]"
    (root / "book" / "demo.md").write_text(chapter_source("Demo", body, params, front))


def test_changed_data_re_executes_and_damaged_data_stops_before_any_kernel(
    demo_project: Path, tmp_path: Path
) -> None:
    _data_chapter(demo_project)
    data = _fake_wikitext(tmp_path / "wt")
    env = {"BIASBOOK_WIKITEXT": str(data)}
    assert run_cli(demo_project, "run", "demo", env=env).returncode == 0
    assert _status(demo_project) == "ok"
    assert run_cli(demo_project, "run", "demo", env=env).returncode == 0
    assert _status(demo_project) == "cached"  # same data: nothing re-executed

    valid = data / "wiki.valid.tokens"
    valid.write_text(valid.read_text()[:20] + "\n")  # truncated copy
    assert run_cli(demo_project, "run", "demo", env=env).returncode == 0
    assert _status(demo_project) == "ok"  # other data: executed again

    good = (demo_project / "_build" / "executed" / "demo.ipynb").read_bytes()
    for damage, message in [(b"", "is empty"), (b"\xff\xfe\x00bad", "is not UTF-8")]:
        valid.write_bytes(damage)
        proc = run_cli(demo_project, "run", "demo", env=env)
        assert proc.returncode == 2, proc.stderr
        line = _one_line(proc)
        assert message in line and str(valid) in line and "BIASBOOK_WIKITEXT" in line
        assert _status(demo_project) == "ok"  # not run: the report still shows the last run
        assert (demo_project / "_build" / "executed" / "demo.ipynb").read_bytes() == good

    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_cli(demo_project, "run", "demo", env={"BIASBOOK_WIKITEXT": str(empty)})
    assert proc.returncode == 2
    assert "WikiText-2 not found at" in _one_line(proc)
    proc = run_cli(demo_project, "run", "demo", env={"BIASBOOK_WIKITEXT": str(tmp_path / "nope")})
    assert proc.returncode == 2 and "BIASBOOK_WIKITEXT" in _one_line(proc)


def test_the_wikitext_chapter_declares_its_data() -> None:
    from biasbook.book.chapters import chapters, config

    assert config(chapters()["wikitext_symmetry"])["inputs"] == ["wikitext-2"]


def test_an_input_error_raised_inside_a_kernel_exits_2(demo_project: Path) -> None:
    body = "from biasbook.data.wikitext import DataFileError\nraise DataFileError('x is empty')"
    (demo_project / "book" / "demo.md").write_text(chapter_source("Demo", body))
    proc = run_cli(demo_project, "run", "demo")
    assert proc.returncode == 2, proc.stderr
    assert "x is empty" in proc.stderr


# ------------------------------------------------------------------- failures keep good outputs


def test_a_failed_run_keeps_the_last_good_output_and_undoing_the_typo_costs_nothing(
    demo_project: Path,
) -> None:
    chapter = demo_project / "book" / "demo.md"
    executed = demo_project / "_build" / "executed" / "demo.ipynb"
    failed = demo_project / "_build" / "failed" / "demo.ipynb"
    assert run_cli(demo_project, "build").returncode == 0
    good = executed.read_bytes()
    status_record = (demo_project / "_build" / "status" / "demo.json").read_bytes()

    chapter.write_text(chapter_source("Demo", GOOD_BODY.replace("plt.show()", "plt.shwo()")))
    assert run_cli(demo_project, "run", "demo").returncode == 1
    assert executed.read_bytes() == good and failed.exists()
    assert (demo_project / "_build" / "status" / "demo.json").read_bytes() == status_record

    proc = run_cli(demo_project, "build")  # the HTML of the last good build is marked stale
    assert proc.returncode == 1
    stale = demo_project / "_build" / "html" / "STALE.txt"
    assert stale.exists() and "failed" in stale.read_text() and str(stale) in proc.stderr

    chapter.write_text(chapter_source("Demo", GOOD_BODY))  # the typo undone
    assert run_cli(demo_project, "run", "demo").returncode == 0
    assert _status(demo_project) == "cached" and not failed.exists()
    assert run_cli(demo_project, "build").returncode == 0
    assert not stale.exists()


def test_a_stale_failed_notebook_goes_once_the_chapter_succeeds(demo_project: Path) -> None:
    chapter = demo_project / "book" / "demo.md"
    chapter.write_text(chapter_source("Demo", "raise RuntimeError('deliberate')"))
    assert run_cli(demo_project, "run", "demo").returncode == 1
    chapter.write_text(chapter_source("Demo", "print('fixed')"))
    assert run_cli(demo_project, "run", "demo").returncode == 0
    assert not (demo_project / "_build" / "failed" / "demo.ipynb").exists()


def _sleep_cell_running(work: Path) -> bool:
    """Whether papermill marks the cell that sleeps as running in a work notebook under ``work``."""
    for nb in work.glob("demo-*/demo.ipynb"):
        try:
            cells = json.loads(nb.read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue  # being written (papermill does not replace it atomically) or just removed
        if any(
            "time.sleep(120)" in "".join(c["source"])
            and c["metadata"].get("papermill", {}).get("status") == "running"
            for c in cells
        ):
            return True
    return False


def test_ctrl_c_is_one_line_recorded_as_interrupted_and_keeps_the_last_good_output(
    demo_project: Path,
) -> None:
    assert run_cli(demo_project, "run", "demo").returncode == 0
    executed = demo_project / "_build" / "executed" / "demo.ipynb"
    good = executed.read_bytes()
    (demo_project / "book" / "demo.md").write_text(
        chapter_source("Demo", "import time\nprint('started', flush=True)\ntime.sleep(120)")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIASBOOK_")}
    env["BIASBOOK_ROOT"] = str(demo_project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "biasbook", "run", "demo"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        # ... whose SIGINT is not ignored: a shell ignores it in background jobs (CI run with
        # "&" or nohup), and Python keeps an ignored SIGINT ignored, so no Ctrl-C would arrive
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    work = demo_project / "_build" / "work"
    deadline = time.time() + 120
    # Wait until the kernel runs the sleeping cell: papermill marks a cell "running" in the work
    # notebook when it starts it. A fixed delay after the notebook first appears is not enough on
    # a loaded machine, where the kernel can still be starting then.
    while time.time() < deadline and not _sleep_cell_running(work):
        time.sleep(0.2)
    assert _sleep_cell_running(work), "the chapter's cell never started"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: runner and kernel
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert lines[-2].endswith(" ... interrupted") or "... interrupted (" in lines[-2], err
    assert lines[-1].startswith("stopped by Ctrl-C; the last good outputs are kept"), err
    assert len(lines) == 2, err
    assert _status(demo_project) == "interrupted"
    assert executed.read_bytes() == good
    assert not list(work.glob("demo-*"))  # no work folder left behind


# ------------------------------------------------------------------------------ concurrency


def _write_entries(build: str, first: int, n: int) -> None:
    os.environ["BIASBOOK_BUILD"] = build
    for i in range(first, first + n):
        runner.write_report([runner.ChapterResult(f"c{i}", "ok", 0.0)])


def test_concurrent_reports_keep_every_entry(tmp_path: Path) -> None:
    build = str(tmp_path / "build")
    # spawned, not forked: forking a process that runs JAX's threads can deadlock
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_write_entries, [build] * 4, range(0, 400, 100), [100] * 4))
    report = json.loads((tmp_path / "build" / "execution.json").read_text())
    assert len(report["chapters"]) == 400


def test_two_runs_of_one_chapter_at_once_both_succeed(demo_project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIASBOOK_")}
    env["BIASBOOK_ROOT"] = str(demo_project)
    cmd = [sys.executable, "-m", "biasbook", "run", "demo", "--force"]
    procs = [subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert _status(demo_project) == "ok"


# ------------------------------------------------------------------ environment and install


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BIASBOOK_CPU_DEVICES": "zero"}, "BIASBOOK_CPU_DEVICES must be a positive integer"),
        ({"BIASBOOK_CPU_DEVICES": "0"}, "BIASBOOK_CPU_DEVICES must be a positive integer"),
        ({"BIASBOOK_WIKITEXT": "/no/such/folder"}, "BIASBOOK_WIKITEXT='/no/such/folder'"),
    ],
)
def test_a_bad_environment_variable_is_one_line_even_for_list(
    demo_project: Path, env: dict, message: str
) -> None:
    for args in (("list",), ("run", "demo")):
        proc = run_cli(demo_project, *args, env=env)
        assert proc.returncode == 2
        assert message in _one_line(proc)


def test_an_unwritable_build_folder_is_one_line(demo_project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = run_cli(demo_project, "run", "demo", env={"BIASBOOK_BUILD": str(blocker / "build")})
    assert proc.returncode == 2
    line = _one_line(proc)
    assert "cannot write to" in line and "BIASBOOK_BUILD" in line
    proc = run_cli(demo_project, "list", env={"BIASBOOK_BUILD": str(blocker / "build")})
    assert proc.returncode == 0  # listing writes nothing


def test_installed_without_a_checkout_says_why_there_are_no_chapters(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    shutil.copytree(
        ROOT / "lib" / "biasbook", site / "biasbook", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIASBOOK_")}
    env.update(PYTHONPATH=str(site), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    run = {"env": env, "cwd": tmp_path, "capture_output": True, "text": True, "timeout": 120}
    proc = subprocess.run([sys.executable, "-m", "biasbook", "list"], **run)
    assert proc.returncode == 2
    assert "installed without the book's checkout" in _one_line(proc)
    code = "from biasbook.store.paths import build_dir, cache_dir; print(build_dir(), cache_dir())"
    out = subprocess.run([sys.executable, "-c", code], **run).stdout.split()
    assert all(Path(p).is_relative_to(tmp_path / "xdg" / "biasbook") for p in out), out


def test_importing_biasbook_after_jax_started_warns_that_devices_are_fixed() -> None:
    code = (
        "import warnings, jax; jax.numpy.ones(1).block_until_ready()\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always'); import biasbook\n"
        "print([str(x.message) for x in w])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
    env["BIASBOOK_CPU_DEVICES"] = "2"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert "JAX started before biasbook was imported" in out.stdout


# --------------------------------------------------------------------------------- help


def test_help_lists_commands_exit_codes_variables_and_outputs(demo_project: Path) -> None:
    from biasbook.book.cli import EXIT_CODES
    from biasbook.store.settings import SETTINGS

    text = run_cli(demo_project, "--help").stdout
    for word in ("list", "run", "build", "notebooks", "cache", "execution.json", "STALE.txt"):
        assert word in text
    assert all(f"  {code} " in text for code in EXIT_CODES)
    assert all(s.name in text for s in SETTINGS)


def test_the_readme_names_every_environment_variable() -> None:
    from biasbook.store.settings import SETTINGS

    readme = (ROOT / "README.md").read_text()
    assert all(f"`{s.name}`" in readme for s in SETTINGS)
