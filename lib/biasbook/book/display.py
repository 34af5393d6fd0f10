"""Small display helpers every chapter uses: Markdown tables and glued values for the prose.

Kept here, once, rather than redefined at the top of each chapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np


def md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table from a header and rows of already formatted cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def show_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Display :func:`md_table` as rendered Markdown in the notebook."""
    from IPython.display import Markdown, display

    display(Markdown(md_table(header, rows)))


def glue(name: str, value: Any, display: bool = False) -> None:
    """Glue a value for ``{glue:text}`` in the prose, as a plain Python value.

    A NumPy scalar would be rendered as ``np.float64(...)``; it is converted with ``.item()``.
    ``display=False`` (the default) keeps the value out of the cell's visible output.
    """
    from myst_nb import glue as myst_glue  # the book extra; chapters run with it installed

    myst_glue(name, value.item() if isinstance(value, np.generic) else value, display=display)


def glue_all(values: Mapping[str, Any]) -> None:
    """:func:`glue` every ``name: value`` of a mapping (an experiment summary's ``"glue"``)."""
    for name, value in values.items():
        glue(name, value)
