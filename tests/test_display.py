"""The chapters' display helpers: Markdown tables and glued values as plain Python values."""

from __future__ import annotations

import numpy as np
import pytest

from biasbook.book import display


def test_md_table() -> None:
    assert display.md_table(["a", "b"], [(1, "x"), (2.5, "y|")]) == (
        "| a | b |\n|---|---|\n| 1 | x |\n| 2.5 | y| |"
    )


def test_glue_passes_plain_python_values(monkeypatch: pytest.MonkeyPatch) -> None:
    import myst_nb

    seen = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.append((name, value)))
    display.glue("x", np.float64(0.25))
    display.glue("n", np.int64(3))
    display.glue("s", "text")
    assert seen == [("x", 0.25), ("n", 3), ("s", "text")]
    assert all(type(v) in (float, int, str) for _, v in seen)
