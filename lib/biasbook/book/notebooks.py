"""The launchable notebooks: ``notebooks/book/<chapter>.ipynb``, generated from the chapter sources.

Colab and Binder open notebooks from the repository, so each chapter also exists as a plain
``.ipynb`` (no outputs) whose first code cell installs the library when it is not importable, that
is, when the notebook runs outside this repository. The ``.md`` sources are the truth;
``python -m biasbook notebooks`` regenerates the ``.ipynb`` and a test checks they are in sync.
"""

from __future__ import annotations

import json
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


def notebooks_dir() -> Path:
    """Folder holding the generated notebooks (mirrors ``book/``)."""
    return project_root() / "notebooks"


def render(source: Path) -> str:
    """Return the launchable notebook of a chapter as ``.ipynb`` JSON text."""
    nb = read_notebook(source)
    cell = nbformat.v4.new_code_cell(INSTALL_CELL.strip(), metadata={"tags": ["install"]})
    # After the title cell, so the notebook still opens on the chapter's title.
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, cell)
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"  # stable ids, so regenerating an unchanged chapter changes nothing
        if c.cell_type == "code":
            c["outputs"], c["execution_count"] = [], None
    nb.metadata.pop("jupytext", None)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def target(name: str) -> Path:
    """Path of a chapter's generated notebook."""
    return notebooks_dir() / "book" / f"{name}.ipynb"


def out_of_sync() -> list[str]:
    """Names of chapters whose generated notebook is missing or differs from its source."""
    stale = []
    for name, source in chapters().items():
        path = target(name)
        if not path.exists() or path.read_text(encoding="utf-8") != render(source):
            stale.append(name)
    return stale


def write_all() -> list[Path]:
    """(Re)generate every chapter's notebook; remove notebooks of chapters that no longer exist."""
    written = []
    found = chapters()
    for name, source in found.items():
        path = target(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render(source)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for path in (notebooks_dir() / "book").glob("*.ipynb"):
        if path.stem not in found:
            path.unlink()
    return written
