"""Reproduction checks that can fail: a claim's test, its controls, its items and its verdict.

A row of a chapter's reproduction-status table is a :class:`Claim`, built by :func:`claim` from

- a **test**: a function of measured data returning an :class:`Outcome` (does the claim hold on
  these data, by how much, or why the data cannot decide);
- the chapter's **data**, either one data set or, for a row that ranges over items (functions,
  lengths, embeddings, blocks), a mapping ``{item: data}``, tested item by item;
- at least one **negative control**: data, a model or a normalisation for which the claim is false
  (the wrong scaling law, null data, a learner without the bias, a deliberately wrong closed form).
  The same test is applied to it, item by item, and must fail on every item;
- optionally **positive controls**: data for which the claim is true by construction (an exactly
  symmetric data set), on which the test must hold.

The verdict follows from these outcomes alone (:func:`verdict`), never from the chapter:

=================  =============================================================================
passed             the test holds on every item, and every control behaves (negatives fail,
                   positives hold)
FAILED             a valid test (controls behave) fails on an item of a claim the chapter reports
                   as reproduced: ``biasbook.book.status.report`` raises, so the chapter and
                   the book build stop
not reproduced     the same, for a claim the chapter documents as not reproduced
                   (``expected=False``): shown, does not stop the build
inconclusive       a control misbehaved (a negative control passed: the test cannot tell the claim
                   from its negation; a positive control failed: the test rejects true claims), or
                   an item could not be decided (no power, a censored threshold); the row says which
not tested         an experiment of the paper the chapter does not run (:func:`not_tested`)
=================  =============================================================================

A pooled number may be shown beside the items (``pooled=``), never as the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PASSED, FAILED, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTED = (
    "passed",
    "FAILED",
    "not reproduced",
    "inconclusive",
    "not tested",
)
#: Every verdict a row can get, in the order the status page counts them.
VERDICTS = (PASSED, FAILED, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTED)
SYMBOL = {PASSED: "✓", FAILED: "✗", NOT_REPRODUCED: "⚠", INCONCLUSIVE: "?", NOT_TESTED: "–"}

#: Where a claim comes from. The paper column must start with one of these, so that no row credits
#: a paper with an experiment it does not contain: ``ours`` marks the chapter's own experiment or
#: construction, ``definition`` a mathematical identity the chapter relies on, ``third-party`` a
#: summary of a paper whose body could not be read.
SOURCE_KINDS = (
    "abstract",
    "introduction",
    "theorem",
    "corollary",
    "figure",
    "authors' code",
    "follow-up",
    "third-party",
    "definition",
    "ours",
)


@dataclass(frozen=True)
class Outcome:
    """What a test says about one data set.

    Parameters
    ----------
    holds
        ``True`` or ``False`` when the data decide; ``None`` when they cannot (too little power, a
        censored threshold, a tolerance inside the confidence interval): then ``reason`` says why.
    value
        The measured value, formatted for reading (e.g. ``"0.58 ± 0.06"``).
    margin
        How far inside (positive) or outside (negative) the tolerance the value lies, in the test's
        own units; ranks items so that the row can show the worst one. ``nan`` if not ranked.
    reason
        Why the data cannot decide (only with ``holds=None``).
    """

    holds: bool | None
    value: str
    margin: float = math.nan
    reason: str = ""

    def __post_init__(self) -> None:
        if self.holds is not None:
            if not hasattr(self.holds, "__bool__") or isinstance(self.holds, (str, float)):
                raise TypeError(f"Outcome.holds must be a truth value or None, got {self.holds!r}")
            object.__setattr__(self, "holds", bool(self.holds))
        elif not self.reason:
            raise ValueError("an undecided Outcome needs a reason")
        object.__setattr__(self, "margin", float(self.margin))


#: A test of measured data.
Test = Callable[[Any], Outcome]


def _fmt(x: float, fmt: str) -> str:
    return format(x, fmt) if math.isfinite(x) else str(x)


def _bound(
    x: float, limit: float, se: float, z: float, fmt: str, label: str, lower: bool
) -> Outcome:
    value = (f"{label} " if label else "") + _fmt(x, fmt) + (f" ± {_fmt(se, fmt)}" if se else "")
    margin = x - limit if lower else limit - x
    if math.isnan(x):
        return Outcome(None, value, reason="not measured (nan)")
    if math.isinf(x):
        if x > 0:  # a censored measurement (beyond the budget) decides neither bound
            return Outcome(None, value, reason="censored at the budget")
        return Outcome(not lower, value, margin)
    if se and abs(x - limit) < z * se:
        return Outcome(None, value, margin, f"within {z:g} SE of {_fmt(limit, fmt)}")
    return Outcome(margin >= 0, value, margin)


def at_least(
    x: float,
    limit: float,
    *,
    se: float = 0.0,
    z: float = 2.0,
    fmt: str = ".3g",
    label: str = "",
) -> Outcome:
    """``x ≥ limit``; undecided when ``limit`` lies within ``z`` standard errors of ``x``.

    ``+inf`` is a censored measurement (a threshold beyond the budget): it cannot confirm a lower
    bound it was censored into, so it is undecided; ``-inf`` fails. ``label`` prefixes the value.
    """
    return _bound(x, limit, se, z, fmt, label, lower=True)


def at_most(
    x: float,
    limit: float,
    *,
    se: float = 0.0,
    z: float = 2.0,
    fmt: str = ".3g",
    label: str = "",
) -> Outcome:
    """``x ≤ limit``; undecided when ``limit`` lies within ``z`` standard errors of ``x``.

    ``-inf`` holds; ``+inf`` (censored) is undecided, as for :func:`at_least`.
    """
    return _bound(x, limit, se, z, fmt, label, lower=False)


def between(x: float, low: float, high: float, *, fmt: str = ".3g") -> Outcome:
    """``low ≤ x ≤ high``."""
    return Outcome(bool(low <= x <= high), _fmt(x, fmt), min(x - low, high - x))


def all_of(*outcomes: Outcome) -> Outcome:
    """All sub-tests hold; decided ``False`` as soon as one is ``False``; values joined."""
    value = "; ".join(o.value for o in outcomes)
    margin = min((o.margin for o in outcomes), default=math.nan)
    if any(o.holds is False for o in outcomes):
        return Outcome(False, value, margin)
    undecided = [o.reason for o in outcomes if o.holds is None]
    if undecided:
        return Outcome(None, value, margin, "; ".join(undecided))
    return Outcome(True, value, margin)


@dataclass(frozen=True)
class Evaluated:
    """A test's outcome on one item of one data set (stored in the status record)."""

    item: str
    holds: bool | None
    value: str
    margin: float
    reason: str


@dataclass(frozen=True)
class Control:
    """A control and the test's outcome on it, item by item."""

    name: str
    negative: bool
    results: tuple[Evaluated, ...]

    def wrong(self) -> list[Evaluated]:
        """The items on which the control misbehaves.

        A negative control misbehaves where the test *holds* on it (the test accepts data for which
        the claim is false); a positive control where the test *fails* on it (the test rejects data
        for which the claim is true). An undecided outcome is no misbehaviour: a test that cannot
        confirm a false claim on null data has not accepted it.
        """
        bad = self.negative
        return [r for r in self.results if r.holds is bad]

    @property
    def behaves(self) -> bool:
        """No item on which the control misbehaves."""
        return not self.wrong()

    def summary(self) -> str:
        """One cell: the control, its value(s) and whether it behaved."""
        if len(self.results) == 1:
            values = self.results[0].value
        else:
            values = ", ".join(f"{r.item} {r.value}" for r in self.results)
        wrong = self.wrong()
        if not wrong:
            decided = all(r.holds is not None for r in self.results)
            if self.negative:
                word = "fails ✓" if decided else "does not pass ✓"
            else:
                word = "holds ✓" if decided else "does not fail ✓"
        else:
            what = "passes" if self.negative else "fails"
            where = "" if len(self.results) == 1 else " on " + ", ".join(r.item for r in wrong)
            word = f"{what}{where} ✗"
        kind = "" if self.negative else "positive: "
        return f"{kind}{self.name}: {values} → {word}"


@dataclass(frozen=True)
class Claim:
    """One row of a reproduction-status table, with its verdict (built by :func:`claim`)."""

    claim: str
    paper: str
    check: str
    ours: str
    verdict: str
    reasons: tuple[str, ...] = ()
    items: tuple[Evaluated, ...] = ()
    controls: tuple[Control, ...] = ()
    expected: bool = True
    pooled: str = ""
    itemised: bool = False

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Claim:
        """Rebuild a claim from its JSON record (:func:`report` writes them)."""
        r = dict(record)
        r["reasons"] = tuple(r.get("reasons", ()))
        r["items"] = tuple(Evaluated(**e) for e in r.get("items", ()))
        r["controls"] = tuple(
            Control(c["name"], c["negative"], tuple(Evaluated(**e) for e in c["results"]))
            for c in r.get("controls", ())
        )
        return cls(**r)


def _check_source(paper: str) -> None:
    if not paper.lower().startswith(SOURCE_KINDS):
        raise ValueError(
            f"the paper column must start with its source ({', '.join(SOURCE_KINDS)}), "
            f"got {paper!r}"
        )


def _evaluate(test: Test, data: Any, itemised: bool, keys: Sequence[str]) -> tuple[Evaluated, ...]:
    if itemised:
        if not isinstance(data, Mapping) or [str(k) for k in data] != list(keys):
            got = list(data) if isinstance(data, Mapping) else type(data).__name__
            raise ValueError(f"an itemised control must have the items {list(keys)}, got {got}")
        pairs = list(data.items())
    else:
        pairs = [("", data)]
    out = []
    for item, d in pairs:
        o = test(d)
        if not isinstance(o, Outcome):
            raise TypeError(f"a test must return an Outcome, got {type(o).__name__}")
        out.append(Evaluated(str(item), o.holds, o.value, o.margin, o.reason))
    return tuple(out)


def verdict(
    items: Sequence[Evaluated], controls: Sequence[Control], expected: bool = True
) -> tuple[str, tuple[str, ...]]:
    """The verdict of a row from its outcomes, and the reasons behind it.

    Failing items make the row FAILED (or not reproduced) only if every control behaved (see
    :meth:`Control.wrong`); a misbehaving control makes the row inconclusive, and so do undecided
    items when no item failed.
    """
    reasons = []
    for c in controls:
        wrong = c.wrong()
        if not wrong:
            continue
        where = "" if len(c.results) == 1 else " (" + ", ".join(r.item for r in wrong) + ")"
        if c.negative:
            reasons.append(
                f"negative control '{c.name}' passes{where}: the test cannot tell the claim "
                "from its negation"
            )
        else:
            reasons.append(
                f"positive control '{c.name}' fails{where}: the test rejects data for which "
                "the claim is true"
            )
    failing = [i for i in items if i.holds is False]
    undecided = [
        f"{i.item + ': ' if i.item else ''}undecided, {i.reason}" for i in items if i.holds is None
    ]
    if failing:
        names = ", ".join(i.item for i in failing if i.item)
        why = f"fails for {names}" if names else "the test fails"
        if not reasons:  # a valid test said no: undecided items are listed, not decisive
            return (FAILED if expected else NOT_REPRODUCED), (why, *undecided)
        return INCONCLUSIVE, (why, *reasons, *undecided)
    if reasons or undecided:
        return INCONCLUSIVE, (*reasons, *undecided)
    return PASSED, ()


def claim(
    claim: str,
    *,
    paper: str,
    check: str,
    test: Test,
    data: Any,
    controls: Mapping[str, Any],
    positives: Mapping[str, Any] | None = None,
    itemised: bool = False,
    expected: bool = True,
    pooled: str = "",
) -> Claim:
    """Evaluate one claim on the chapter's data and its controls.

    Parameters
    ----------
    claim
        The claim, in one sentence.
    paper
        What the paper states, starting with its source (one of :data:`SOURCE_KINDS`, e.g.
        ``"figure 1: sharpness grows with n for PARITY"``, ``"ours: …"``).
    check
        The test in words, with its tolerance, fixed before measuring.
    test
        ``test(data) -> Outcome``, applied to the data and to every control.
    data
        The measured data; with ``itemised=True`` a mapping ``{item: data}``.
    controls
        Named negative controls (at least one): data on which the claim is false, with the same
        items as ``data``. The test must fail on each of their items.
    positives
        Named positive controls: data on which the claim is true; the test must hold on them.
    itemised
        Apply the test item by item; the row shows the worst item and names every failing one.
    expected
        ``False`` for a claim the chapter documents as not reproduced: a valid failing test is then
        "not reproduced" and does not stop the build.
    pooled
        A pooled number shown beside the items, never the verdict.
    """
    _check_source(paper)
    if not controls:
        raise ValueError(f"claim {claim!r} needs at least one negative control")
    keys = [str(k) for k in data] if itemised else [""]
    if itemised and not keys:
        raise ValueError(f"claim {claim!r} is itemised but has no items")
    items = _evaluate(test, data, itemised, keys)
    ctrls = [
        Control(name, True, _evaluate(test, d, itemised, keys)) for name, d in controls.items()
    ]
    ctrls += [
        Control(name, False, _evaluate(test, d, itemised, keys))
        for name, d in (positives or {}).items()
    ]
    word, reasons = verdict(items, ctrls, expected)
    if itemised:
        ranked = [i for i in items if not math.isnan(i.margin)] or list(items)
        worst = min(ranked, key=lambda i: (i.holds is not False, i.margin))
        failing = [i.item for i in items if i.holds is False]
        ours = f"worst: {worst.item} {worst.value}"
        if failing:
            ours += f"; failing: {', '.join(failing)}"
        ours += (
            f" ({len(items)} item{'s' if len(items) != 1 else ''}: "
            + ", ".join(f"{i.item} {i.value}" for i in items)
            + ")"
        )
    else:
        ours = items[0].value
    return Claim(
        claim, paper, check, ours, word, reasons, items, tuple(ctrls), expected, pooled, itemised
    )


def not_tested(claim: str, *, paper: str, why: str) -> Claim:
    """A row for an experiment of the paper that the chapter does not run."""
    _check_source(paper)
    return Claim(claim, paper, check="", ours="", verdict=NOT_TESTED, reasons=(why,))


def counts(claims: Sequence[Claim]) -> dict[str, int]:
    """How many rows got each verdict."""
    return {v: sum(c.verdict == v for c in claims) for v in VERDICTS}
