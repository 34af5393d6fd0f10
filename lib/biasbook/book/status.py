"""The reproduction-status table that closes every chapter, and its record for the status page.

A row is a :class:`~biasbook.checks.verdicts.Claim`, built by
:func:`~biasbook.checks.verdicts.claim` (a test run on the chapter's data and on its controls) or
:func:`~biasbook.checks.verdicts.not_tested`. :func:`report` shows the table, records it for the
book's overview page, and raises :class:`ReproductionFailure` if a row FAILED, so a claim that stops
holding fails the chapter, the runner and the book build.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict

from biasbook.checks.verdicts import (
    FAILED,
    PASSED,
    SYMBOL,
    Claim,
    counts,
)
from biasbook.store.files import write_text_atomic


class ReproductionFailure(AssertionError):
    """Raised when a valid live reproduction check fails for a claim reported as reproduced."""


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def verdict_cell(c: Claim) -> str:
    """The status cell of a row: symbol, verdict, and the reasons."""
    cell = f"{SYMBOL[c.verdict]} {c.verdict}"
    if c.verdict == PASSED and not c.expected:
        cell += " (documented as not reproduced: revisit the text)"
    if c.reasons:
        cell += ": " + "; ".join(c.reasons)
    return cell


def to_markdown(claims: Sequence[Claim]) -> str:
    """Render claims as a Markdown table with their controls and verdicts."""
    lines = [
        "| claim | paper (source) | ours | check | controls | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for c in claims:
        ours = c.ours + (f" (pooled: {c.pooled})" if c.pooled else "")
        controls = "<br>".join(ctrl.summary() for ctrl in c.controls) or "—"
        lines.append(
            f"| {_escape(c.claim)} | {_escape(c.paper)} | {_escape(ours)} | {_escape(c.check)} "
            f"| {_escape(controls)} | {_escape(verdict_cell(c))} |"
        )
    return "\n".join(lines)


def summary_line(claims: Sequence[Claim]) -> str:
    """``"7 passed · 0 FAILED · 1 not reproduced · 2 inconclusive · 1 not tested"``."""
    return " · ".join(f"{n} {v}" for v, n in counts(claims).items())


def report(claims: Sequence[Claim], chapter: str | None = None) -> None:
    """Display the reproduction-status table and stop if a claim reported as reproduced FAILED.

    Parameters
    ----------
    claims
        The chapter's rows, in reading order (from :func:`claim` and :func:`not_tested`).
    chapter
        Name recorded in the overview page; defaults to ``BIASBOOK_CHAPTER`` set by the runner.

    Raises
    ------
    ReproductionFailure
        If any row's verdict is FAILED (after the table has been shown and recorded).
    """
    if not claims:
        raise ValueError("report() needs at least one Claim")
    if not all(isinstance(c, Claim) for c in claims):
        raise TypeError("report() takes the Claims built by claim() and not_tested()")
    table = summary_line(claims) + "\n\n" + to_markdown(claims)
    try:
        from IPython.display import Markdown, display

        display(Markdown(table))
    except ImportError:  # pragma: no cover - IPython is a dependency, but stay usable without it
        print(table)

    status_file = os.environ.get("BIASBOOK_STATUS_FILE")
    if status_file:
        record = {
            "chapter": chapter or os.environ.get("BIASBOOK_CHAPTER", ""),
            "counts": counts(claims),
            "claims": [asdict(c) for c in claims],
        }
        write_text_atomic(status_file, json.dumps(record, indent=1, allow_nan=True))

    failed = [c.claim for c in claims if c.verdict == FAILED]
    if failed:
        raise ReproductionFailure(
            f"{len(failed)} of {len(claims)} reproduction checks failed: " + "; ".join(failed)
        )
