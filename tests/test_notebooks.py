"""The chapter sources: launchable notebooks (full and student copies) in sync, and prose that
states no measured number."""

from __future__ import annotations

import json
import re

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


def _text(path) -> str:
    return "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])


def test_student_copies_keep_every_exercise_and_no_solution() -> None:
    for name, source in chapters().items():
        labels = re.findall(r"```\{exercise\}\n:label: (\S+)", source.read_text())
        assert labels, f"{name}: no exercise"
        student = _text(notebooks.target(name, "student"))
        kept = re.findall(r"```\{exercise\}\n:label: (\S+)", student)
        assert kept == labels, f"{name}: exercises {labels} in the source, {kept} in the copy"
        assert "{solution" not in student, f"{name}: a solution is left in the student copy"
        assert "Student copy" in student and "pip install" in student
        # Only solutions go: the student copy is the full notebook less them.
        full = _text(notebooks.target(name))
        assert full.count("{solution") == len(labels) and len(student) < len(full)


def test_strip_solutions_removes_whole_directives_and_nothing_else() -> None:
    source = "\n".join(
        [
            "Intro with `code`.",
            "",
            "```{exercise}",
            ":label: ex-a",
            "Prove it.",
            "```",
            "",
            "````{solution} ex-a",  # a longer fence: the code block inside does not close it
            ":class: dropdown",
            "```python",
            "x = 1",
            "```",
            "The answer.",
            "````",
            "",
            ":::{solution} ex-b",  # colon fence
            "Hidden.",
            ":::",
            "",
            "```{solution-start} ex-c",  # gated: everything up to {solution-end}
            "```",
            "Gated answer.",
            "```{code-block} python",
            "y = 2",
            "```",
            "```{solution-end}",
            "```",
            "",
            "Outro.",
        ]
    )
    assert notebooks.strip_solutions(source) == (
        "Intro with `code`.\n\n```{exercise}\n:label: ex-a\nProve it.\n```\n\nOutro."
    )
    assert not notebooks.has_solution("```{exercise}\nno solution\n```")


@pytest.mark.parametrize("chapter", [*chapters(), "_template"])
def test_chapter_prose_states_no_hard_coded_measured_number(chapter: str) -> None:
    # A sentence whose truth depends on the run must be glued or chosen by code (CONTRIBUTING.md).
    hits = hard_coded_numbers((book_dir() / f"{chapter}.md").read_text())
    assert not hits, f"{chapter}: glue these, or mark a fixed fact with <!-- fixed -->: {hits}"
