"""The reproduction-status table that closes every chapter.

Each row is a claim of the paper, the paper's value, the value this run measured, and whether a live
check on the measured value passed. :func:`report` shows the table, records it for the book's
overview page, and raises :class:`ReproductionFailure` if any check failed, so a claim that stops
holding fails the chapter, the runner and the book build.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


class ReproductionFailure(AssertionError):
    """Raised when a live reproduction check fails."""


@dataclass(frozen=True)
class Claim:
    """One row of a reproduction-status table.

    Parameters
    ----------
    claim
        The paper's claim, in one sentence.
    paper
        What the paper states or predicts (a value, a scaling, or a qualitative statement).
    ours
        What this run measured, formatted for reading.
    passed
        The live check: a boolean computed from the measured numbers in the notebook.
    check
        The check in words, e.g. ``"|ours - n| < 1e-9"``: the tolerance the reader can audit.
    expected
        ``True`` (the default) if the chapter reproduces the claim. ``False`` marks a claim the
        chapter documents, in its text, as *not reproduced*: its check is still computed live and
        shown, as "not reproduced", but it does not fail the run. If such a check starts to pass,
        the row says so, so the text can be revisited.
    """

    claim: str
    paper: str
    ours: str
    passed: bool
    check: str = ""
    expected: bool = True

    def __post_init__(self) -> None:
        # Accept numpy booleans but refuse anything that is not a truth value (e.g. a float).
        if not hasattr(self.passed, "__bool__") or isinstance(self.passed, (str, float)):
            raise TypeError(f"Claim.passed must be a boolean check, got {self.passed!r}")
        object.__setattr__(self, "passed", bool(self.passed))


def outcome(c: Claim) -> str:
    """The status cell of a claim's row."""
    if c.expected:
        return "✓ passed" if c.passed else "✗ FAILED"
    return "✓ passed (documented as not reproduced)" if c.passed else "⚠ not reproduced"


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(claims: Sequence[Claim]) -> str:
    """Render claims as a Markdown table."""
    lines = [
        "| claim | paper | ours | check | status |",
        "|---|---|---|---|---|",
    ]
    for c in claims:
        lines.append(
            f"| {_escape(c.claim)} | {_escape(c.paper)} | {_escape(c.ours)} "
            f"| {_escape(c.check)} | {outcome(c)} |"
        )
    return "\n".join(lines)


def report(claims: Sequence[Claim], chapter: str | None = None) -> None:
    """Display the reproduction-status table and fail loudly if any claim's check failed.

    Parameters
    ----------
    claims
        The chapter's claims, in reading order.
    chapter
        Name recorded in the overview page; defaults to ``BIASBOOK_CHAPTER`` set by the runner.

    Raises
    ------
    ReproductionFailure
        If any claim expected to pass did not (after the table has been shown and recorded).
    """
    if not claims:
        raise ValueError("report() needs at least one Claim")
    table = to_markdown(claims)
    try:
        from IPython.display import Markdown, display

        display(Markdown(table))
    except ImportError:  # pragma: no cover - IPython is a dependency, but stay usable without it
        print(table)

    status_file = os.environ.get("BIASBOOK_STATUS_FILE")
    if status_file:
        record = {
            "chapter": chapter or os.environ.get("BIASBOOK_CHAPTER", ""),
            "claims": [asdict(c) for c in claims],
        }
        path = Path(status_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1))

    failed = [c.claim for c in claims if c.expected and not c.passed]
    if failed:
        raise ReproductionFailure(
            f"{len(failed)} of {len(claims)} reproduction checks failed: " + "; ".join(failed)
        )
