"""The chapter sources: launchable notebooks in sync, and prose that states no measured number."""

from __future__ import annotations

import json

import pytest

from biasbook.book import notebooks
from biasbook.book.chapters import chapters
from biasbook.checks.prose import hard_coded_numbers
from biasbook.store.paths import book_dir


def test_launch_notebooks_are_in_sync_with_chapters() -> None:
    stale = notebooks.out_of_sync()
    assert not stale, (
        f"notebooks out of sync with book/: {stale}; run `python -m biasbook notebooks`"
    )


def test_launch_notebook_installs_library_first_and_has_no_outputs() -> None:
    for name in chapters():
        nb = json.loads(notebooks.target(name).read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert "pip install" in "".join(code[0]["source"]), f"{name}: no install cell first"
        assert all(not c["outputs"] for c in code), f"{name}: has outputs"
        params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
        assert len(params) == 1, f"{name}: needs exactly one parameters cell"


@pytest.mark.parametrize("chapter", [*chapters(), "_template"])
def test_chapter_prose_states_no_hard_coded_measured_number(chapter: str) -> None:
    # A sentence whose truth depends on the run must be glued or chosen by code (CONTRIBUTING.md).
    hits = hard_coded_numbers((book_dir() / f"{chapter}.md").read_text())
    assert not hits, f"{chapter}: glue these, or mark a fixed fact with <!-- fixed -->: {hits}"
