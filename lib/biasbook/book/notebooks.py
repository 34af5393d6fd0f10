"""The launchable notebooks, generated from the chapter sources.

Colab and Binder open notebooks from the repository, so each chapter also exists as a plain
``.ipynb`` (no outputs) whose first code cell installs the library when it is not importable, that
is, when the notebook runs outside this repository:

* ``notebooks/book/<chapter>.ipynb``: the chapter as it is, exercises with their solutions;
* ``notebooks/student/<chapter>.ipynb``: the *student copy* for coursework, the same notebook with
  every ``{solution}`` block removed and the exercises kept (:func:`strip_solutions`).

The ``.md`` sources are the truth; ``python -m biasbook notebooks`` regenerates both and a test
checks they are in sync.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from biasbook.book.chapters import chapters, read_notebook
from biasbook.store.paths import project_root

#: Where the library is installed from outside the repository (Colab, Binder, a bare Jupyter).
INSTALL_SOURCE = "git+https://github.com/inductive-bias-book/inductive-bias-book"

INSTALL_CELL = f"""\
# Outside the book's repository (Colab, Binder), install its library first.
try:
    import biasbook  # noqa: F401
except ImportError:
    %pip install --quiet "biasbook @ {INSTALL_SOURCE}"
"""


#: Versions of each notebook: folder under ``notebooks/`` → whether its solutions are kept.
VERSIONS = {"book": True, "student": False}

STUDENT_NOTE = (
    "**Student copy.** The exercises at the end are kept and their solutions removed; the full "
    "chapter, solutions included, is the book's page of the same name."
)

#: Opening line of a sphinx-exercise solution: a fenced ``{solution}`` directive (backticks or
#: colons, any fence length) or the start of a gated ``{solution-start}`` … ``{solution-end}``.
_SOLUTION_OPEN = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\{solution(?P<gated>-start)?\}")
_GATED_END = re.compile(r"^\s*(`{3,}|:{3,})\{solution-end\}")


def strip_solutions(markdown: str) -> str:
    """Remove every sphinx-exercise solution from MyST ``markdown``; keep everything else.

    A fenced solution ends at the first line holding only its fence (same character, at least as
    long), so code blocks inside it (shorter fences, or the other character) go with it. A gated
    solution runs from ``{solution-start}`` to the end of its ``{solution-end}`` directive.
    """
    out, lines, i = [], markdown.splitlines(keepends=True), 0
    while i < len(lines):
        m = _SOLUTION_OPEN.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence = m.group("fence")
        closes = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        gated_end = False
        i += 1
        while i < len(lines):
            line = lines[i]
            i += 1
            if m.group("gated") and _GATED_END.match(line):
                gated_end = True  # skip on to the end of the {solution-end} directive too
            elif closes.match(line) and (gated_end or not m.group("gated")):
                break
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n")


def has_solution(markdown: str) -> bool:
    """Whether ``markdown`` holds a solution (what :func:`strip_solutions` removes)."""
    return any(_SOLUTION_OPEN.match(line) for line in markdown.splitlines())


def notebooks_dir() -> Path:
    """Folder holding the generated notebooks (mirrors ``book/``)."""
    return project_root() / "notebooks"


def render(source: Path, *, solutions: bool = True) -> str:
    """Return the launchable notebook of a chapter as ``.ipynb`` JSON text.

    With ``solutions=False``, the student copy: every solution removed (:func:`strip_solutions`),
    a note saying so under the title.
    """
    nb = read_notebook(source)
    # After the title cell, so the notebook still opens on the chapter's title.
    first = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
    cells = [nbformat.v4.new_code_cell(INSTALL_CELL.strip(), metadata={"tags": ["install"]})]
    if not solutions:
        cells.insert(0, nbformat.v4.new_markdown_cell(STUDENT_NOTE, metadata={"tags": ["student"]}))
        for c in nb.cells:
            if c.cell_type == "markdown" and has_solution(c["source"]):
                c["source"] = strip_solutions(c["source"])
        nb.cells = [c for c in nb.cells if c.cell_type != "markdown" or c["source"].strip()]
    nb.cells[first:first] = cells
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"  # stable ids, so regenerating an unchanged chapter changes nothing
        if c.cell_type == "code":
            c["outputs"], c["execution_count"] = [], None
    nb.metadata.pop("jupytext", None)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def target(name: str, version: str = "book") -> Path:
    """Path of a chapter's generated notebook (``version``: a key of :data:`VERSIONS`)."""
    return notebooks_dir() / version / f"{name}.ipynb"


def _wanted() -> dict[Path, str]:
    return {
        target(name, version): render(source, solutions=solutions)
        for name, source in chapters().items()
        for version, solutions in VERSIONS.items()
    }


def out_of_sync() -> list[str]:
    """Generated notebooks (``version/chapter``) that are missing or differ from their source."""
    return [
        f"{path.parent.name}/{path.stem}"
        for path, text in _wanted().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def write_all() -> list[Path]:
    """(Re)generate every chapter's notebooks; remove notebooks of chapters that no longer exist."""
    written = []
    wanted = _wanted()
    for path, text in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for version in VERSIONS:
        for path in (notebooks_dir() / version).glob("*.ipynb"):
            if path not in wanted:
                path.unlink()
    return written
