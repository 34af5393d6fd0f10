"""Execute the book's chapters: jupytext ``.md`` -> notebook -> papermill, with a result cache.

Each chapter is executed by papermill with its parameters injected after the ``parameters`` cell.
The executed notebook lands in ``<build>/executed/<chapter>.ipynb`` only if every cell (and so
every reproduction check) passed; a failed run leaves its notebook in ``<build>/failed/`` for
debugging and removes any earlier good output, so nothing stale is shown as if it were good.

A chapter is re-executed only when its *key* changes: a hash of the chapter source, the parameters
and the library's source code (:func:`biasbook.store.cache.library_hash`).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from biasbook.store import cache
from biasbook.store.paths import book_dir, build_dir, project_root


class UsageError(ValueError):
    """Bad input from the user (unknown chapter, unknown parameter, wrong type): exit code 2."""


# --------------------------------------------------------------------------------------------------
# Discovering chapters and their parameters
# --------------------------------------------------------------------------------------------------


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    return yaml.safe_load(text[3:end]) or {}


def is_notebook(path: Path) -> bool:
    """True if ``path`` is a jupytext notebook (its front matter names a kernelspec)."""
    return path.suffix == ".md" and "kernelspec" in _front_matter(path)


def _toc_files(root: Path) -> list[str]:
    toc_path = root / "_toc.yml"
    if not toc_path.exists():
        return []
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    files: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    files.append(str(node[key]))
            for value in node.values():
                if isinstance(value, list | dict):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return files


def chapters() -> dict[str, Path]:
    """Return the executable chapters, ``{name: path}``, in table-of-contents order."""
    root = project_root()
    found: dict[str, Path] = {}
    for entry in _toc_files(root):
        path = root / (entry if entry.endswith(".md") else entry + ".md")
        if path.exists() and is_notebook(path):
            found[path.stem] = path
    # Notebooks not (yet) in the toc still run, after the listed ones.
    for path in sorted(book_dir().glob("*.md")):
        if not path.name.startswith("_") and path.stem not in found and is_notebook(path):
            found[path.stem] = path
    return found


def read_notebook(path: Path) -> Any:
    """Read a jupytext markdown notebook into an ``nbformat`` notebook."""
    import jupytext

    return jupytext.read(path)


def parameter_defaults(notebook: Any) -> dict[str, Any]:
    """Return ``{name: default}`` of the cell tagged ``parameters``.

    Raises
    ------
    UsageError
        If the notebook has no ``parameters`` cell or a default is not a Python literal.
    """
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            defaults: dict[str, Any] = {}
            for node in ast.parse(cell.source).body:
                target = None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                if isinstance(target, ast.Name):
                    try:
                        defaults[target.id] = ast.literal_eval(value)
                    except ValueError as err:
                        raise UsageError(
                            f"parameter {target.id!r} must default to a literal "
                            f"(number, string, bool, list, tuple, None)"
                        ) from err
            return defaults
    raise UsageError("the notebook has no cell tagged 'parameters'")


def parameter_annotations(notebook: Any) -> dict[str, str]:
    """``{name: annotation}`` as written, of the annotated parameters (e.g. ``int | None``)."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return {
                node.target.id: ast.unparse(node.annotation)
                for node in ast.parse(cell.source).body
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            }
    return {}


_SIMPLE_TYPES: dict[str, type] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "None": type(None),
}


def _matches(value: Any, annotation: str) -> bool | None:
    """Whether ``value`` fits ``annotation`` (``int``, ``float | None``, ``list[int]``, ...).

    ``None`` if the annotation uses a form this check does not read (then the default decides).
    """
    for alt in (a.strip() for a in annotation.split("|")):
        inner = re.fullmatch(r"(list|tuple)\[(\w+)\]", alt)
        if inner:
            if isinstance(value, list | tuple):
                fits = [_matches(v, inner.group(2)) for v in value]
                if None in fits:
                    return None
                if all(fits):
                    return True
            continue
        t = _SIMPLE_TYPES.get(alt)
        if t is None:
            return None
        if isinstance(value, bool) and t is not bool:
            continue  # True is an int to Python, not to a reader
        if isinstance(value, t) or (t is float and isinstance(value, int)):
            return True
    return False


def parse_value(text: str) -> Any:
    """Parse a command-line parameter value: a Python literal, ``true``/``false``, else a string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _type_name(value: Any) -> str:
    return type(value).__name__


def validate_parameters(
    chapter: str,
    defaults: Mapping[str, Any],
    given: Mapping[str, Any],
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check ``given`` against the chapter's parameters; return the coerced values.

    An annotated parameter (``n_seeds: int | None = None``) must fit its annotation; any other
    must match its default's type (a ``None`` default then accepts anything). Ints are accepted
    where a float is expected.
    """
    annotations = annotations or {}
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in defaults:
            raise UsageError(
                f"unknown parameter {name!r} for chapter {chapter!r}; "
                f"valid parameters: {', '.join(sorted(defaults))}"
            )
        default = defaults[name]
        fits = _matches(value, annotations[name]) if name in annotations else None
        if fits is False:
            raise UsageError(
                f"parameter {name!r} of chapter {chapter!r} must be {annotations[name]} "
                f"(default {default!r}), got {_type_name(value)} {value!r}"
            )
        if fits:
            floats = "float" in annotations[name] and "int" not in annotations[name]
            is_int = isinstance(value, int) and not isinstance(value, bool)
            out[name] = float(value) if floats and is_int else value
        elif default is None or value is None:
            out[name] = value
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise UsageError(f"parameter {name!r} must be true or false, got {value!r}")
            out[name] = value
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            out[name] = float(value)
        elif isinstance(default, list | tuple) and isinstance(value, list | tuple):
            out[name] = type(default)(value)
        elif type(value) is not type(default):
            raise UsageError(
                f"parameter {name!r} of chapter {chapter!r} must be {_type_name(default)} "
                f"(default {default!r}), got {_type_name(value)} {value!r}"
            )
        else:
            out[name] = value
    return out


# --------------------------------------------------------------------------------------------------
# Executing
# --------------------------------------------------------------------------------------------------


@dataclass
class ChapterResult:
    """Outcome of one chapter's execution, as written to ``execution.json``."""

    chapter: str
    status: str  # "ok", "cached" or "failed"
    wall_s: float
    params: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    error: str = ""
    executed_at: str = ""


def executed_dir() -> Path:
    """Folder holding the good executed notebooks (what the HTML book shows)."""
    return build_dir() / "executed"


def status_dir() -> Path:
    """Folder holding each chapter's reproduction-status record (``<chapter>.json``)."""
    return build_dir() / "status"


def chapter_key(source: Path, params: Mapping[str, Any]) -> str:
    """Hash of the chapter source, its parameters and the library source code."""
    h = hashlib.sha256()
    h.update(source.read_bytes())
    h.update(json.dumps(dict(params), sort_keys=True, default=repr).encode())
    h.update(cache.library_hash().encode())
    return h.hexdigest()[:24]


def _meta_path(name: str) -> Path:
    return executed_dir() / f"{name}.meta.json"


def _error_summary(err: BaseException) -> str:
    # papermill's message holds the failing cell's traceback; keep its last meaningful line.
    lines = [ln for ln in str(err).splitlines() if ln.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line or "Failure" in line:
            return line.strip()[:500]
    return (lines[-1] if lines else type(err).__name__)[:500]


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
        Chapter name (the ``.md`` file's stem, see :func:`chapters`).
    params
        Parameters to inject; validated against the chapter's ``parameters`` cell.
    force
        Re-execute even when the cached key matches.
    progress
        Show papermill's per-cell progress bar (default: when stderr is a terminal).
    """
    import papermill

    all_chapters = chapters()
    if name not in all_chapters:
        raise UsageError(
            f"unknown chapter {name!r}; valid chapters: {', '.join(all_chapters) or '(none)'}"
        )
    source = all_chapters[name]
    notebook = read_notebook(source)
    values = validate_parameters(
        name, parameter_defaults(notebook), dict(params or {}), parameter_annotations(notebook)
    )
    key = chapter_key(source, values)

    out_dir = executed_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{name}.ipynb"
    meta_path = _meta_path(name)
    # BIASBOOK_NO_CACHE asks for every result to be computed afresh: the chapter's too.
    if not force and not cache.cache_off() and final.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key and meta.get("status") in ("ok", "cached"):
            return ChapterResult(name, "cached", 0.0, values, key, "", meta.get("executed_at", ""))

    # Whatever happens next, an earlier output no longer matches this source: remove it first.
    for stale in (final, meta_path):
        stale.unlink(missing_ok=True)
    status_file = status_dir() / f"{name}.json"
    status_file.unlink(missing_ok=True)

    work = build_dir() / "work"
    work.mkdir(parents=True, exist_ok=True)
    import jupytext

    input_nb = work / f"{name}.input.ipynb"
    output_nb = work / f"{name}.ipynb"
    jupytext.write(notebook, input_nb, fmt="ipynb")

    env_backup = {k: os.environ.get(k) for k in ("BIASBOOK_STATUS_FILE", "BIASBOOK_CHAPTER")}
    os.environ["BIASBOOK_STATUS_FILE"] = str(status_file)
    os.environ["BIASBOOK_CHAPTER"] = name
    if progress is None:
        progress = sys.stderr.isatty()
    start = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(
            str(input_nb),
            str(output_nb),
            parameters=values,
            kernel_name="python3",
            cwd=str(source.parent),
            progress_bar=progress,
            report_mode=False,
        )
    except Exception as err:  # papermill raises PapermillExecutionError for a failed cell
        error = _error_summary(err)
    finally:
        for k, v in env_backup.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    wall = time.perf_counter() - start
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    input_nb.unlink(missing_ok=True)

    if error:
        failed_dir = build_dir() / "failed"
        failed_dir.mkdir(parents=True, exist_ok=True)
        if output_nb.exists():
            os.replace(output_nb, failed_dir / f"{name}.ipynb")
        status_file.unlink(missing_ok=True)
        return ChapterResult(name, "failed", wall, values, key, error, stamp)

    os.replace(output_nb, final)
    result = ChapterResult(name, "ok", wall, values, key, "", stamp)
    meta_path.write_text(json.dumps(asdict(result), indent=1, default=repr))
    return result


def write_report(results: Sequence[ChapterResult]) -> Path:
    """Merge ``results`` into ``<build>/execution.json``, one entry per chapter; return the path."""
    path = build_dir() / "execution.json"
    report: dict[str, Any] = {"chapters": {}}
    if path.exists():
        try:
            report = json.loads(path.read_text())
        except json.JSONDecodeError:
            report = {"chapters": {}}
    for r in results:
        report.setdefault("chapters", {})[r.chapter] = asdict(r)
    report["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=repr))
    return path


def run_many(
    names: Sequence[str],
    params: Mapping[str, Any] | None = None,
    *,
    force: bool = False,
    echo: bool = True,
) -> list[ChapterResult]:
    """Run several chapters in order, printing one progress line per chapter.

    Parameters that a chapter does not declare are an error only when a single chapter is named;
    with several chapters, each receives the subset it declares (so ``--quick`` applies to all).
    """
    all_chapters = chapters()
    unknown = [n for n in names if n not in all_chapters]
    if unknown:
        raise UsageError(
            f"unknown chapter {unknown[0]!r}; valid chapters: {', '.join(all_chapters) or '(none)'}"
        )
    params = dict(params or {})
    if len(names) > 1 and params:
        declared = set().union(
            *(parameter_defaults(read_notebook(all_chapters[n])).keys() for n in names)
        )
        stray = sorted(set(params) - declared)
        if stray:
            raise UsageError(f"parameter {stray[0]!r} is declared by none of {', '.join(names)}")
    # Validate every chapter's parameters before executing any, so bad input fails fast.
    per_chapter: dict[str, dict[str, Any]] = {}
    for n in names:
        notebook = read_notebook(all_chapters[n])
        defaults = parameter_defaults(notebook)
        subset = params if len(names) == 1 else {k: v for k, v in params.items() if k in defaults}
        per_chapter[n] = validate_parameters(n, defaults, subset, parameter_annotations(notebook))

    results = []
    for i, n in enumerate(names, 1):
        if echo:
            print(f"[{i}/{len(names)}] {n} ...", end=" ", flush=True, file=sys.stderr)
        r = run_chapter(n, per_chapter[n], force=force)
        results.append(r)
        write_report([r])
        if echo:
            detail = f" — {r.error}" if r.error else ""
            print(f"{r.status} ({r.wall_s:.1f} s){detail}", file=sys.stderr, flush=True)
    return results
