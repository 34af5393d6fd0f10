"""The book's chapters: finding them, reading them, and what each declares in its front matter.

A chapter is a jupytext MyST-markdown notebook under ``book/`` (its front matter names a
kernelspec), listed in ``_toc.yml``. Besides jupytext's own keys, its front matter may hold a
``biasbook`` section, read by the runner before any kernel starts::

    biasbook:
      inputs: [wikitext-2]          # external data, fingerprinted into the chapter's key
      parameters:                   # bounds of the parameters (see biasbook.book.parameters)
        n_seeds: {min: 2, warn_above: 64}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from biasbook.book.parameters import UsageError
from biasbook.store.paths import book_dir, checkout_root, project_root


def front_matter(path: Path) -> dict[str, Any]:
    """The YAML front matter of a Markdown file (``{}`` if it has none)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    return yaml.safe_load(text[3:end]) or {}


def is_notebook(path: Path) -> bool:
    """True if ``path`` is a jupytext notebook (its front matter names a kernelspec)."""
    return path.suffix == ".md" and "kernelspec" in front_matter(path)


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


def config(path: Path) -> dict[str, Any]:
    """The chapter's ``biasbook`` front-matter section (``{}`` if it has none).

    Raises
    ------
    UsageError
        If the section is not a mapping of the known keys (``inputs``, ``parameters``).
    """
    section = front_matter(path).get("biasbook") or {}
    if not isinstance(section, dict) or set(section) - {"inputs", "parameters"}:
        raise UsageError(
            f"{path}: the front matter's `biasbook` section may only hold `inputs` (a list) and "
            "`parameters` (a mapping)"
        )
    return section


def require_chapters() -> dict[str, Path]:
    """:func:`chapters`, or a :class:`UsageError` saying why there are none and what to do."""
    found = chapters()
    if found:
        return found
    if checkout_root() is None:
        raise UsageError(
            "no chapters: biasbook is installed without the book's checkout; clone the book and "
            "run from it, or set BIASBOOK_ROOT to the checkout (the folder holding _toc.yml)"
        )
    raise UsageError(
        f"no chapters found under {project_root()} (none of _toc.yml's files is a jupytext "
        "notebook in book/); set BIASBOOK_ROOT to the book's checkout"
    )
