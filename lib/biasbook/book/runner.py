"""Execute the book's chapters: jupytext ``.md`` -> notebook -> papermill, with a result cache.

Each chapter is executed by papermill with its parameters injected after the ``parameters`` cell.
Before any kernel starts, every chapter's parameters are type- and bound-checked
(:mod:`biasbook.book.parameters`) and its declared inputs located, checked and fingerprinted
(:mod:`biasbook.data.inputs`); bad input stops the run with one line (exit code 2).

A chapter is re-executed only when its *key* changes: a hash of the chapter source, its
parameters, the content of its inputs and the library's source code
(:func:`biasbook.book.keys.chapter_key`).

Outputs are replaced only by a successful run. Each run works in its own folder under
``<build>/work``; when every cell (and so every reproduction check) passed, its notebook becomes
``<build>/executed/<chapter>.ipynb`` and its status record ``<build>/status/<chapter>.json``. A
failed run leaves its notebook in ``<build>/failed/`` and the last good output where it was (the
HTML build refuses to run while any chapter fails, so that output is never shown as current); an
interrupted run is recorded as ``interrupted``. ``<build>/execution.json`` holds the latest
outcome of every chapter and is updated atomically under a lock, so concurrent runs all land.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from biasbook.book.chapters import config, read_notebook, require_chapters
from biasbook.book.keys import chapter_key
from biasbook.book.parameters import (
    UsageError,
    check_bounds,
    parameter_annotations,
    parameter_defaults,
    validate_parameters,
)
from biasbook.data.inputs import InputError, fingerprints
from biasbook.store import cache
from biasbook.store.files import locked, write_text_atomic
from biasbook.store.paths import build_dir

#: Exceptions that, raised inside a kernel, mean bad input rather than a broken chapter (exit 2).
INPUT_ERRORS = ("DataFileError", "InputError", "UsageError", "SettingError")


@dataclass
class ChapterResult:
    """Outcome of one chapter's execution, as written to ``execution.json``."""

    chapter: str
    status: str  # "ok", "cached", "failed" or "interrupted"
    wall_s: float
    params: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    error: str = ""
    executed_at: str = ""
    bad_input: bool = False  # the failure was bad input met inside the kernel (exit code 2)


@dataclass
class Plan:
    """One chapter, checked and keyed, ready to execute (see :func:`plan`)."""

    name: str
    source: Path
    notebook: Any
    values: dict[str, Any]
    key: str
    warnings: list[str]


def executed_dir() -> Path:
    """Folder holding the good executed notebooks (what the HTML book shows)."""
    return build_dir() / "executed"


def status_dir() -> Path:
    """Folder holding each chapter's reproduction-status record (``<chapter>.json``)."""
    return build_dir() / "status"


def failed_dir() -> Path:
    """Folder holding the notebook of each chapter whose latest run failed."""
    return build_dir() / "failed"


def report_path() -> Path:
    """``<build>/execution.json``: the latest outcome of every chapter."""
    return build_dir() / "execution.json"


def _meta_path(name: str) -> Path:
    return executed_dir() / f"{name}.meta.json"


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _error_summary(err: BaseException) -> str:
    # papermill's message holds the failing cell's traceback; keep its last meaningful line.
    lines = [ln for ln in str(err).splitlines() if ln.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line or "Failure" in line:
            return line.strip()[:500]
    return (lines[-1] if lines else type(err).__name__)[:500]


#: Environment of a chapter's kernel on top of the runner's own. Nobody watches a papermill run's
#: cells, so progress bars would only be stored in the notebook and published as stderr blocks:
#: ``TQDM_DISABLE`` (tqdm's default, and read at each call by ``store.progress.progress_bar``,
#: which library code uses) switches them off there, and only
#: there: the same chapter opened in Jupyter shows its bars, and the runner prints one line per
#: chapter (and papermill's bar over the cells when stderr is a terminal).
KERNEL_ENV = {"TQDM_DISABLE": "1"}


def _kernel_manager(log: Path, sockets: Path) -> type:
    """A kernel manager class for the runner's kernels.

    Its kernels write their own stdout and stderr to ``log``: without it the kernel process
    inherits the terminal, and its start-up warnings and, on Ctrl-C, its tracebacks land among the
    runner's one-line messages (the log of a failed run is kept next to its notebook in
    :func:`failed_dir`). They run with :data:`KERNEL_ENV`, and talk to the runner over local IPC
    sockets rather than TCP, so nothing is sent in plain text over the network interface and the
    kernel has no reason to warn that it is (TCP is kept on Windows, which has no IPC transport).
    The sockets are files named after ``sockets``, a folder of this run's own: jupyter_client's
    default names them after the working directory, so two runs of one chapter at once would
    collide (and a socket's path must stay under about 100 characters, which a folder inside a
    deep build folder may not).
    """
    from jupyter_client.manager import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        def __init__(self, **kw: Any) -> None:
            if os.name != "nt":
                kw.setdefault("transport", "ipc")
                kw.setdefault("ip", str(sockets / "kernel"))
            super().__init__(**kw)

        async def start_kernel(self, **kw: Any) -> None:
            kw["env"] = {**(kw.get("env") or os.environ), **KERNEL_ENV}
            with log.open("ab") as f:
                kw.setdefault("stdout", f)
                kw.setdefault("stderr", f)
                await super().start_kernel(**kw)

    return LoggedKernelManager


def plan(name: str, params: Mapping[str, Any] | None = None) -> Plan:
    """Check a chapter's parameters and inputs and compute its key, without executing anything.

    Raises
    ------
    UsageError
        Unknown chapter, unknown parameter, wrong type, out of bounds, or a declared input that is
        missing or damaged: one line saying what to do.
    """
    all_chapters = require_chapters()
    if name not in all_chapters:
        raise UsageError(f"unknown chapter {name!r}; valid chapters: {', '.join(all_chapters)}")
    source = all_chapters[name]
    return _plan(name, source, read_notebook(source), params)


def _plan(name: str, source: Path, notebook: Any, params: Mapping[str, Any] | None) -> Plan:
    """:func:`plan` of a chapter already found and read."""
    settings = config(source)
    defaults = parameter_defaults(notebook)
    values = validate_parameters(
        name, defaults, dict(params or {}), parameter_annotations(notebook)
    )
    warnings = check_bounds(name, values, settings.get("parameters") or {})
    try:
        inputs = fingerprints(list(settings.get("inputs") or []), {**defaults, **values})
    except InputError as err:
        raise UsageError(f"chapter {name!r} cannot run: {err}") from None
    return Plan(name, source, notebook, values, chapter_key(source, values, inputs), warnings)


def run_chapter(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    force: bool = False,
    progress: bool | None = None,
) -> ChapterResult:
    """Execute one chapter with papermill (or reuse its cached execution).

    Parameters
    ----------
    name
        Chapter name (the ``.md`` file's stem, see :func:`biasbook.book.chapters.chapters`).
    params
        Parameters to inject; validated against the chapter's ``parameters`` cell.
    force
        Re-execute even when the cached key matches.
    progress
        Show papermill's per-cell progress bar (default: when stderr is a terminal).
    """
    return execute(plan(name, params), force=force, progress=progress)


def _cached_result(p: Plan) -> ChapterResult | None:
    final, meta_path = executed_dir() / f"{p.name}.ipynb", _meta_path(p.name)
    if not (final.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, json.JSONDecodeError):
        return None  # an unreadable record: execute again
    if meta.get("key") != p.key or meta.get("status") not in ("ok", "cached"):
        return None
    return ChapterResult(p.name, "cached", 0.0, p.values, p.key, "", meta.get("executed_at", ""))


def execute(p: Plan, *, force: bool = False, progress: bool | None = None) -> ChapterResult:
    """Execute a planned chapter (see :func:`plan`), unless its executed output is current.

    The last good output is replaced only if this run succeeds; a failing run's notebook goes to
    :func:`failed_dir`. ``BIASBOOK_NO_CACHE`` re-executes, like ``force``.
    """
    import jupytext
    import papermill

    if not force and not cache.cache_off():
        hit = _cached_result(p)
        if hit is not None:
            _clear_failed(p.name)  # e.g. a typo that failed, then undone: the output is current
            return hit

    work_root = build_dir() / "work"
    work_root.mkdir(parents=True, exist_ok=True)
    # A folder of its own per run: two runs of one chapter never share a work notebook.
    work = Path(tempfile.mkdtemp(dir=work_root, prefix=f"{p.name}-"))
    sockets = Path(tempfile.mkdtemp(prefix="biasbook-kernel-"))  # short: see _kernel_manager
    input_nb, output_nb = work / f"{p.name}.input.ipynb", work / f"{p.name}.ipynb"
    status_tmp, kernel_log = work / f"{p.name}.status.json", work / f"{p.name}.kernel.log"
    env_backup = {k: os.environ.get(k) for k in ("BIASBOOK_STATUS_FILE", "BIASBOOK_CHAPTER")}
    error, bad_input = "", False
    start = time.perf_counter()
    try:
        jupytext.write(p.notebook, input_nb, fmt="ipynb")
        os.environ["BIASBOOK_STATUS_FILE"] = str(status_tmp)
        os.environ["BIASBOOK_CHAPTER"] = p.name
        try:
            papermill.execute_notebook(
                str(input_nb),
                str(output_nb),
                parameters=p.values,
                kernel_name="python3",
                cwd=str(p.source.parent),
                progress_bar=sys.stderr.isatty() if progress is None else progress,
                report_mode=False,
                kernel_manager_class=_kernel_manager(kernel_log, sockets),
            )
        except Exception as err:  # papermill raises PapermillExecutionError for a failed cell
            error = _error_summary(err)
            bad_input = getattr(err, "ename", "") in INPUT_ERRORS
        finally:
            for k, v in env_backup.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        wall = time.perf_counter() - start
        if error:
            failed_dir().mkdir(parents=True, exist_ok=True)
            for made, kept in ((output_nb, ".ipynb"), (kernel_log, ".kernel.log")):
                if made.exists():
                    os.replace(made, failed_dir() / f"{p.name}{kept}")
            return ChapterResult(
                p.name, "failed", wall, p.values, p.key, error, _stamp(), bad_input
            )
        result = ChapterResult(p.name, "ok", wall, p.values, p.key, "", _stamp())
        _publish(p.name, output_nb, status_tmp, result)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)


def _publish(name: str, notebook: Path, status: Path, result: ChapterResult) -> None:
    """Move a successful run's outputs into place; the record (meta) last, so that a crash in
    between leaves a notebook whose record does not match it, which the next run re-executes."""
    executed_dir().mkdir(parents=True, exist_ok=True)
    _meta_path(name).unlink(missing_ok=True)
    os.replace(notebook, executed_dir() / f"{name}.ipynb")
    status_final = status_dir() / f"{name}.json"
    if status.exists():
        status_dir().mkdir(parents=True, exist_ok=True)
        os.replace(status, status_final)
    else:  # a chapter without a status table: no record left from an earlier version
        status_final.unlink(missing_ok=True)
    write_text_atomic(_meta_path(name), json.dumps(asdict(result), indent=1, default=repr))
    _clear_failed(name)  # no longer the latest outcome


def _clear_failed(name: str) -> None:
    """Remove a chapter's failed notebook and kernel log: its latest outcome is good."""
    for stale in (f"{name}.ipynb", f"{name}.kernel.log"):
        (failed_dir() / stale).unlink(missing_ok=True)


def write_report(results: Sequence[ChapterResult]) -> Path:
    """Merge ``results`` into ``execution.json``, one entry per chapter; return its path.

    The read-modify-write holds a lock and the new file replaces the old atomically, so
    concurrent runs each add their entries and a reader never sees a half-written report.
    """
    path = report_path()
    with locked(path.with_name(".execution.lock")):
        report: dict[str, Any] = {"chapters": {}}
        try:
            report = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            pass  # missing or damaged: start a new report
        for r in results:
            report.setdefault("chapters", {})[r.chapter] = asdict(r)
        report["updated_at"] = _stamp()
        write_text_atomic(path, json.dumps(report, indent=1, default=repr))
    return path


def plan_many(names: Sequence[str], params: Mapping[str, Any] | None = None) -> list[Plan]:
    """Plan several chapters (see :func:`plan`), so that bad input fails before any executes.

    Parameters that a chapter does not declare are an error only when a single chapter is named;
    with several chapters, each receives the subset it declares (so ``--quick`` applies to all).
    """
    all_chapters = require_chapters()
    unknown = [n for n in names if n not in all_chapters]
    if unknown:
        raise UsageError(
            f"unknown chapter {unknown[0]!r}; valid chapters: {', '.join(all_chapters)}"
        )
    params = dict(params or {})
    notebooks = {n: read_notebook(all_chapters[n]) for n in names}  # each read once
    if len(names) == 1:
        return [_plan(names[0], all_chapters[names[0]], notebooks[names[0]], params)]
    declared = {n: parameter_defaults(nb) for n, nb in notebooks.items()}
    stray = sorted(set(params) - set().union(*(d.keys() for d in declared.values())))
    if stray:
        raise UsageError(f"parameter {stray[0]!r} is declared by none of {', '.join(names)}")
    return [
        _plan(
            n, all_chapters[n], notebooks[n], {k: v for k, v in params.items() if k in declared[n]}
        )
        for n in names
    ]


def run_many(
    names: Sequence[str],
    params: Mapping[str, Any] | None = None,
    *,
    force: bool = False,
    echo: bool = True,
) -> list[ChapterResult]:
    """Run several chapters in order, printing one progress line per chapter.

    Every chapter is planned (checked) first (:func:`plan_many`); an interrupted chapter is
    recorded as ``interrupted`` in ``execution.json`` before the interrupt propagates.
    """
    plans = plan_many(names, params)
    for p in plans:
        for warning in p.warnings:
            print(warning, file=sys.stderr)
    results = []
    for i, p in enumerate(plans, 1):
        if echo:
            print(f"[{i}/{len(plans)}] {p.name} ...", end=" ", flush=True, file=sys.stderr)
        start = time.perf_counter()
        try:
            r = execute(p, force=force)
        except KeyboardInterrupt:
            wall = time.perf_counter() - start
            stopped = ChapterResult(
                p.name, "interrupted", wall, p.values, p.key, "Ctrl-C", _stamp()
            )
            write_report([stopped])
            if echo:
                print(f"interrupted ({wall:.1f} s)", file=sys.stderr, flush=True)
            raise
        results.append(r)
        write_report([r])
        if echo:
            detail = f" — {r.error}" if r.error else ""
            print(f"{r.status} ({r.wall_s:.1f} s){detail}", file=sys.stderr, flush=True)
    return results
