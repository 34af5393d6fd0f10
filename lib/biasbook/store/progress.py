"""Progress bars that the environment can switch off.

A bar is for someone watching a terminal or a live notebook. In a notebook executed by the book's
runner nobody watches, and a bar would only be stored in the notebook and published as a stderr
block, so the runner's kernels run with ``TQDM_DISABLE=1`` (``biasbook.book.runner.KERNEL_ENV``).
``tqdm`` reads that variable only once, when it is imported, and only as the *default* of
``disable``, which an explicit ``disable=False`` overrides. :func:`progress_bar` reads it at each
call and never lets a caller override it; library code makes its bars with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from tqdm import tqdm  # text bars: tqdm.auto warns in notebooks without ipywidgets


def hidden_by_environment() -> bool:
    """Whether ``TQDM_DISABLE`` is set to a true value (``1``, ``true``, ``yes``) now."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() in ("1", "true", "yes")


def progress_bar(
    iterable: Iterable | None = None, *, show: bool | None = None, **kwargs: Any
) -> tqdm:
    """A ``tqdm`` bar over ``iterable`` (or a manual one, with ``total=``).

    Parameters
    ----------
    iterable
        What to iterate over, as for ``tqdm``.
    show
        ``False`` hides the bar; ``True`` and ``None`` show it (tqdm's defaults, such as
        ``delay``, apply), unless ``TQDM_DISABLE`` is set (the runner's kernels), which hides it.
    **kwargs
        Passed to ``tqdm`` (``desc``, ``total``, ``delay``, ``leave``, …), except ``disable``.
    """
    if "disable" in kwargs:
        raise TypeError(
            "progress_bar takes show=, not disable= (which would override TQDM_DISABLE)"
        )
    if show is False or hidden_by_environment():
        kwargs["disable"] = True
    return tqdm(iterable, **kwargs)
