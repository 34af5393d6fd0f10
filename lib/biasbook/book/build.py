"""Build the HTML book from the papermill-executed chapters.

The build stages a copy of the book in ``<build>/stage``: the configuration, the plain pages and,
in place of each chapter's jupytext ``.md``, its executed ``.ipynb``. Sphinx (configured by
``jupyter-book config sphinx``) renders that stage without executing anything, with warnings as
errors. Staged files are rewritten only when their content changes, so Sphinx's own incremental
build re-reads only what changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from biasbook.book import runner
from biasbook.book.chapters import chapters
from biasbook.store.files import write_text_atomic
from biasbook.store.paths import build_dir, project_root

#: Marker in ``book/status.md`` replaced by the gathered reproduction-status tables.
STATUS_MARKER = "<!-- status-tables -->"
#: Marker in ``book/api.md`` replaced by one ``automodule`` section per library module.
API_MARKER = "<!-- api-modules -->"
#: Replaced in ``book/instructors.md`` by the chapters' reference run times.
RUN_TIMES_MARKER = "<!-- run-times -->"
#: Replaced in ``book/instructors.md`` by the links to each chapter's full and student notebooks.
STUDENT_COPIES_MARKER = "<!-- student-copies -->"
#: Where the generated notebooks (``notebooks/<version>/``) are staged, for download links
#: (``<chapter>.ipynb``, ``<chapter>-student.ipynb``).
STAGED_NOTEBOOKS = Path("book") / "_notebooks"

#: The library's layers in the order the API page shows them: lowest (imported by all) first.
LAYERS = ("store", "checks", "maths", "data", "nets", "plotting", "experiments", "book")

_ROOT_FILES = ("_config.yml", "_toc.yml", "references.bib")
_SKIP_DIRS = {"_build", ".ipynb_checkpoints", "__pycache__"}


class BuildError(RuntimeError):
    """The HTML build failed (Sphinx error or warning, or a chapter without executed output)."""


def stage_dir() -> Path:
    """Folder holding the staged book that Sphinx renders."""
    return build_dir() / "stage"


def html_dir() -> Path:
    """Folder holding the rendered HTML book."""
    return build_dir() / "html"


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def status_tables() -> str:
    """Gather every chapter's recorded reproduction-status table into Markdown.

    The page opens with the count of each verdict per chapter, then lists, chapter by chapter, the
    reasons behind every row that did not pass, then each chapter's full table with its controls.
    """
    from biasbook.book.status import to_markdown
    from biasbook.checks.verdicts import PASSED, VERDICTS, Claim, counts

    overview = ["| chapter | " + " | ".join(VERDICTS) + " |", "|---" * (len(VERDICTS) + 1) + "|"]
    parts = []
    for name in chapters():
        path = runner.status_dir() / f"{name}.json"
        if not path.exists():
            overview.append(f"| {{doc}}`{name}` | " + " | ".join("—" for _ in VERDICTS) + " |")
            parts.append(f"## {{doc}}`{name}`\n\nNo reproduction-status record for this chapter.\n")
            continue
        record = json.loads(path.read_text())
        claims = [Claim.from_record(c) for c in record["claims"]]
        n = counts(claims)
        overview.append(f"| {{doc}}`{name}` | " + " | ".join(str(n[v]) for v in VERDICTS) + " |")
        reasons = [
            f"- **{c.verdict}**: {c.claim}: " + "; ".join(c.reasons)
            for c in claims
            if c.verdict != PASSED
        ]
        why = ("\n".join(reasons) + "\n\n") if reasons else "Every row passed.\n\n"
        parts.append(f"## {{doc}}`{name}`\n\n{why}{to_markdown(claims)}\n")
    return "\n".join(overview) + "\n\n" + "\n".join(parts)


def api_sections() -> str:
    """One section per layer of ``biasbook`` (lowest first), one ``automodule`` per module in it."""
    import importlib
    import pkgutil

    import biasbook

    parts = []
    for layer in LAYERS:
        package = importlib.import_module(f"biasbook.{layer}")
        parts.append(
            f"## `biasbook.{layer}`\n\n```{{eval-rst}}\n.. automodule:: biasbook.{layer}\n```\n"
        )
        # A chapter's package (experiments/gp_limit/) is listed with its modules, one level down.
        modules = pkgutil.walk_packages(package.__path__, f"biasbook.{layer}.")
        for m in sorted(modules, key=lambda m: m.name):
            if any(part.startswith("_") for part in m.name.split(".")):
                continue
            members = "" if m.ispkg else "\n   :members:"
            parts.append(
                f"### `{m.name}`\n\n```{{eval-rst}}\n.. automodule:: {m.name}{members}\n```\n"
            )
    covered = {f"biasbook.{layer}" for layer in LAYERS}
    missing = [
        m.name
        for m in pkgutil.iter_modules(biasbook.__path__, "biasbook.")
        if m.ispkg and m.name not in covered
    ]
    if missing:  # a new layer must be placed in the order, not silently left out of the page
        raise BuildError(f"add {', '.join(missing)} to biasbook.book.build.LAYERS")
    return "\n".join(parts)


def _run_times() -> dict:
    path = project_root() / "book" / "run_times.json"
    return json.loads(path.read_text()) if path.exists() else {}


def run_times_table() -> str:
    """Markdown table of every chapter's reference run times (``book/run_times.json``)."""
    times = _run_times()
    names = list(chapters())
    if not any(n in times for n in names):
        return "No reference run times recorded yet (`bench/chapter_times.py` records them)."
    lines = ["| chapter | quick mode | default mode |", "|---|---|---|"]
    by_mode = {m: [times.get(n, {}).get(m) for n in names] for m in ("quick", "default")}
    for i, name in enumerate(names):
        cells = ["not measured" if v[i] is None else f"{v[i]:.0f} s" for v in by_mode.values()]
        lines.append(f"| {{doc}}`{name}` | {cells[0]} | {cells[1]} |")
    shown = ["incomplete" if None in v else f"{sum(v) / 60:.1f} min" for v in by_mode.values()]
    lines.append(f"| **whole book** | {shown[0]} | {shown[1]} |")
    machine = times.get("_machine", "a 2-core CPU")
    lines += ["", f"Measured by `bench/chapter_times.py` on {machine}, each chapter from scratch."]
    return "\n".join(lines)


_VERSION_TITLES = {
    "book": "full notebook (with solutions)",
    "student": "student copy (no solutions)",
}


def _staged_name(version: str, name: str) -> str:
    # One download name per version, so that a full notebook and its student copy downloaded
    # side by side do not overwrite each other.
    return f"{name}.ipynb" if version == "book" else f"{name}-{version}.ipynb"


def student_copies_table() -> str:
    """Markdown table linking, per chapter, the full notebook and the student copy: a download
    from the built book and a Colab link to the published repository (``_config.yml``)."""
    import yaml

    from biasbook.book.notebooks import VERSIONS, target

    config = yaml.safe_load((project_root() / "_config.yml").read_text())
    repo = config["repository"]["url"].rstrip("/").removeprefix("https://github.com/")
    branch = config["repository"].get("branch", "main")
    colab = config["launch_buttons"]["colab_url"].rstrip("/")
    lines = ["| chapter | " + " | ".join(_VERSION_TITLES[v] for v in VERSIONS) + " |"]
    lines.append("|---" * (len(VERSIONS) + 1) + "|")
    for name in chapters():
        cells = [
            f"{{download}}`download <{STAGED_NOTEBOOKS.name}/{_staged_name(v, name)}>` · "
            f"[open in Colab]({colab}/github/{repo}/blob/{branch}/"
            f"{target(name, v).relative_to(project_root()).as_posix()})"
            for v in VERSIONS
        ]
        lines.append(f"| {{doc}}`{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_header(name: str) -> str:
    """Markdown note placed under a chapter's title: how this page was executed, and downloads."""
    meta_path = runner.executed_dir() / f"{name}.meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    params = meta.get("params", {})
    mode = "quick" if params.get("quick") else "default"
    shown = ", ".join(f"`{k}={v!r}`" for k, v in params.items()) or "the defaults"
    lines = [
        ":::{note}",
        f"This page shows the output of executing the chapter in **{mode} mode** with {shown}"
        + (f", on {meta['executed_at'][:10]}" if meta.get("executed_at") else "")
        + (f", which took {meta['wall_s']:.0f} s." if meta.get("wall_s") else "."),
    ]
    ref = _run_times().get(name, {})
    measured = [f"{m} mode {ref[m]:.0f} s" for m in ("quick", "default") if m in ref]
    if measured:
        lines.append(f"Reference run times on a 2-core CPU: {', '.join(measured)}.")
    lines += [
        f"Re-execute it with `python -m biasbook run {name} --quick` (or `-p NAME VALUE` for any "
        "parameter). Downloads: the executed notebook (download button above) and "
        f"{{download}}`the source <_src/{name}.md>`.",
        ":::",
    ]
    return "\n".join(lines)


def _with_run_header(name: str, executed: Path) -> bytes:
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    cell = nbformat.v4.new_markdown_cell(run_header(name), metadata={"tags": ["run-header"]})
    cell["id"] = "biasbook-run-header"
    first_markdown = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    nb.cells.insert(first_markdown + 1, cell)
    return nbformat.writes(nb).encode()


def stage() -> Path:
    """Stage the book: config, plain pages, and executed notebooks in place of chapter sources.

    Raises
    ------
    BuildError
        If a chapter has no good executed notebook (run it first with ``python -m biasbook run``).
    """
    root, out = project_root(), stage_dir()
    chapter_paths = {p.resolve() for p in chapters().values()}
    wanted: set[Path] = set()
    for name in _ROOT_FILES:
        src = root / name
        if src.exists():
            _write_if_changed(out / name, src.read_bytes())
            wanted.add(out / name)
    for src in sorted((root / "book").rglob("*")):
        rel = src.relative_to(root)
        if src.is_dir() or _SKIP_DIRS.intersection(rel.parts) or src.name.startswith("_template"):
            continue
        if src.resolve() in chapter_paths:
            executed = runner.executed_dir() / f"{src.stem}.ipynb"
            if not executed.exists():
                raise BuildError(
                    f"chapter {src.stem!r} has no executed notebook; "
                    f"run `python -m biasbook run {src.stem}` first"
                )
            if (runner.failed_dir() / f"{src.stem}.ipynb").exists():
                # Its good output is from an earlier version: never publish it as current.
                raise BuildError(
                    f"chapter {src.stem!r} failed its latest run (notebook in "
                    f"{runner.failed_dir()}); fix it and run `python -m biasbook run {src.stem}`"
                )
            dest = out / rel.with_suffix(".ipynb")
            _write_if_changed(dest, _with_run_header(src.stem, executed))
            # The jupytext source, for the page's "download source" link.
            source_copy = out / "book" / "_src" / f"{src.stem}.md"
            _write_if_changed(source_copy, src.read_bytes())
            wanted.add(source_copy)
        else:
            dest = out / rel
            data = src.read_bytes()
            if src.name == "status.md":
                data = data.replace(STATUS_MARKER.encode(), status_tables().encode())
            elif src.name == "instructors.md":
                data = data.replace(RUN_TIMES_MARKER.encode(), run_times_table().encode())
                data = data.replace(STUDENT_COPIES_MARKER.encode(), student_copies_table().encode())
            elif src.name == "api.md":
                data = data.replace(API_MARKER.encode(), api_sections().encode())
            _write_if_changed(dest, data)
        wanted.add(dest)
    # The generated notebooks of every chapter, for the instructors page's download links.
    from biasbook.book.notebooks import VERSIONS, target

    for name in chapters():
        for version in VERSIONS:
            src = target(name, version)
            if src.exists():  # `make notebooks` writes them; a test checks they are current
                dest = out / STAGED_NOTEBOOKS / _staged_name(version, name)
                _write_if_changed(dest, src.read_bytes())
                wanted.add(dest)
    # Drop staged files whose source is gone (e.g. a chapter renamed), except Sphinx's conf.py.
    for path in list(out.rglob("*")):
        if path.is_file() and path not in wanted and path.name != "conf.py":
            path.unlink()
    return out


def build_html(*, clean: bool = False) -> Path:
    """Render the staged book to HTML with warnings as errors; return the HTML folder."""
    src = stage()
    bin_dir = Path(sys.executable).parent
    jb = shutil.which("jupyter-book", path=str(bin_dir)) or shutil.which("jupyter-book")
    if jb is None:
        raise BuildError(
            "jupyter-book is not installed; run `make install` (pip install -e .[book])"
        )
    subprocess.run([jb, "config", "sphinx", str(src)], check=True, capture_output=True)
    out, doctrees = html_dir(), build_dir() / "doctrees"
    if clean:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(doctrees, ignore_errors=True)
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
        "-d", str(doctrees), str(src), str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        raise BuildError(f"Sphinx failed (exit {proc.returncode}); see the warnings above")
    stale_marker().unlink(missing_ok=True)
    return out


def stale_marker() -> Path:
    """``<html>/STALE.txt``: present while the HTML is older than a build that failed."""
    return html_dir() / "STALE.txt"


def mark_stale(reason: str) -> Path | None:
    """Record, next to the HTML of the last good build, that a later build failed and why.

    Returns the marker's path, or ``None`` when there is no earlier HTML to mark.
    """
    if not (html_dir() / "index.html").exists():
        return None
    marker = stale_marker()
    write_text_atomic(
        marker,
        "This HTML is from an earlier, successful build. The build of "
        f"{time.strftime('%Y-%m-%d %H:%M')} failed: {reason}\n"
        "Fix it and run `python -m biasbook build`.\n",
    )
    return marker
