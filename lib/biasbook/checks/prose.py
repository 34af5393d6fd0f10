"""Prose that states outcomes: find measured numbers typed into a chapter instead of glued."""

from __future__ import annotations

import re

#: A measured-looking number in prose: a decimal, a percentage, a ratio "×3.1" or "3.1×".
_NUMBER = re.compile(r"(?<![\w.§])(?:\d+\.\d+|\d+(?:\.\d+)?\s?%|×\s?\d+(?:\.\d+)?|\d+(?:\.\d+)?×)")
#: Fenced blocks that are not prose: code cells, maths, raw reST, glued figures.
_FENCE = re.compile(
    r"^(`{3,}|~{3,})\{(code-cell|math|eval-rst|glue:figure|glue:math)\}.*?^\1\s*$", re.S | re.M
)
#: Spans in which numbers are not outcome prose: maths, inline code, glue and other roles, links,
#: comments, labels and directive options.
_EXEMPT = re.compile(
    r"\$\$.*?\$\$|\$[^$\n]+\$|\{[\w:-]+\}`[^`]*`|`[^`\n]*`|\]\([^)]*\)|<!--.*?-->"
    r"|^:[\w-]+:[^\n]*$|\A---\n.*?\n---\n",
    re.S | re.M,
)
#: A line ending in this comment states a fixed fact (a published figure, a protocol setting).
FIXED_MARK = "<!-- fixed -->"


def hard_coded_numbers(markdown: str) -> list[str]:
    """Numbers in a chapter's prose that look measured and are neither glued nor marked fixed.

    A chapter's prose may contain a measured number only through ``{glue:text}`` (or another
    role), inside maths or code, or on a line marked ``<!-- fixed -->`` because it states a fixed
    fact (a published count, a protocol setting), not an outcome of the run. Code cells and maths
    blocks are skipped; exercise and solution text is prose and is checked.

    Returns
    -------
    list of str
        One entry per suspicious number: the number and the start of its line.
    """
    kept = [ln for ln in markdown.splitlines() if not ln.rstrip().endswith(FIXED_MARK)]
    text = _EXEMPT.sub(" ", _FENCE.sub("", "\n".join(kept) + "\n"))
    return [
        f"{m.group(0)}  ← {line.strip()[:90]}"
        for line in text.splitlines()
        for m in _NUMBER.finditer(line)
    ]
