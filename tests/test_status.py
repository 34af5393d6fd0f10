"""The reproduction-check mechanism: verdicts from a test, its data, its controls and its items."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from biasbook.book import status as book_status
from biasbook.book.status import ReproductionFailure, report
from biasbook.checks import prose
from biasbook.checks import verdicts as st
from biasbook.checks.verdicts import Outcome, at_least, at_most, claim


def slope_test(slope: float) -> Outcome:
    """The claim 'the curve rises' as a test: slope above 0.5."""
    return at_least(slope, 0.5)


def row(data, controls, **kw):
    return claim(
        "the curve rises",
        paper="ours: rises",
        check="slope ≥ 0.5",
        test=slope_test,
        data=data,
        controls=controls,
        **kw,
    )


def test_a_row_passes_only_when_its_negative_control_fails() -> None:
    assert row(1.0, {"flat": 0.0}).verdict == st.PASSED
    lenient = row(1.0, {"flat": 0.9})  # the control (claim false) passes the test
    assert lenient.verdict == st.INCONCLUSIVE
    assert "negative control 'flat' passes" in lenient.reasons[0]


def test_a_valid_failing_test_fails_or_is_documented_as_not_reproduced() -> None:
    assert row(0.1, {"flat": 0.0}).verdict == st.FAILED
    assert row(0.1, {"flat": 0.0}, expected=False).verdict == st.NOT_REPRODUCED


def test_a_positive_control_that_fails_makes_a_failure_inconclusive() -> None:
    # The exactly symmetric data fail the test too: the test is invalid, not the claim false.
    c = row(0.1, {"flat": 0.0}, positives={"true by construction": 0.2})
    assert c.verdict == st.INCONCLUSIVE
    assert any("positive control" in r for r in c.reasons)
    assert row(0.1, {"flat": 0.0}, positives={"ok": 2.0}).verdict == st.FAILED


def test_items_are_judged_one_by_one_and_the_failing_ones_named() -> None:
    data = {"FIRST": 1.0, "MAJORITY": 0.2, "SPARSE": 0.9}
    controls = {"shuffled": {"FIRST": 0.0, "MAJORITY": 0.0, "SPARSE": 0.1}}
    c = row(data, controls, itemised=True, expected=False, pooled="0.70")
    assert c.verdict == st.NOT_REPRODUCED  # the pooled 0.70 would pass; MAJORITY does not
    assert c.reasons == ("fails for MAJORITY",)
    assert c.ours.startswith("worst: MAJORITY 0.2; failing: MAJORITY")
    assert "pooled: 0.70" in book_status.to_markdown([c])


def test_items_may_be_named_by_numbers() -> None:
    c = row({3: 1.0, 5: 0.1}, {"flat": {3: 0.0, 5: 0.0}}, itemised=True)
    assert c.verdict == st.FAILED and c.reasons == ("fails for 5",)


def test_a_control_must_fail_on_every_item() -> None:
    data = {"k=1": 1.0, "k=2": 1.0}
    c = row(data, {"wrong law": {"k=1": 0.0, "k=2": 0.8}}, itemised=True)
    assert c.verdict == st.INCONCLUSIVE
    assert "(k=2)" in c.reasons[0]
    with pytest.raises(ValueError, match="same|items"):
        row(data, {"wrong law": {"k=1": 0.0}}, itemised=True)


def test_censored_and_underpowered_measurements_are_undecided() -> None:
    assert at_least(math.inf, 512).holds is None  # a censored threshold cannot confirm a bound
    assert at_least(-math.inf, 0).holds is False
    assert at_most(0.8986, 0.9, se=0.0005).holds is True
    close = at_least(0.8986, 0.9, se=0.001)  # 0.9 lies within 2 SE: no power
    assert close.holds is None and "within 2 SE" in close.reason
    c = row(math.inf, {"flat": 0.0})
    assert c.verdict == st.INCONCLUSIVE and "censored" in c.reasons[0]
    # A control the test cannot decide has not been accepted: the row may pass.
    assert row(1.0, {"flat": math.inf}).verdict == st.PASSED
    # A valid failure is decisive even when other items are undecided.
    mixed = row({"a": 0.1, "b": math.inf}, {"f": {"a": 0, "b": 0}}, itemised=True)
    assert mixed.verdict == st.FAILED and "b: undecided" in mixed.reasons[1]


def test_all_of_fails_fast_and_carries_undecided_reasons() -> None:
    assert st.all_of(at_least(1, 0), at_least(-1, 0), at_least(math.inf, 0)).holds is False
    o = st.all_of(at_least(1, 0), at_least(math.inf, 0))
    assert o.holds is None and "censored" in o.reason


def test_every_row_names_its_source_and_a_control() -> None:
    with pytest.raises(ValueError, match="source"):
        claim("c", paper="the paper says so", check="", test=slope_test, data=1, controls={"x": 0})
    with pytest.raises(ValueError, match="negative control"):
        row(1.0, {})
    with pytest.raises(TypeError):
        Outcome(0.99, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Outcome(None, "x")  # an undecided outcome must say why


def test_report_records_counts_and_stops_only_on_failed(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "status.json"
    monkeypatch.setenv("BIASBOOK_STATUS_FILE", str(out))
    good = row(np.float64(1.0), {"flat": 0.0})
    skipped = st.not_tested("Figure 3 dynamics", paper="figure 3: loss drop", why="too slow")
    report([good, skipped, row(0.1, {"flat": 0.0}, expected=False)], chapter="demo")
    record = json.loads(out.read_text())
    assert record["counts"] == {
        "passed": 1,
        "FAILED": 0,
        "not reproduced": 1,
        "inconclusive": 0,
        "not tested": 1,
    }
    rebuilt = [st.Claim.from_record(c) for c in record["claims"]]
    assert book_status.to_markdown(rebuilt) == book_status.to_markdown([good, skipped, rebuilt[2]])
    with pytest.raises(ReproductionFailure, match="1 of 2"):
        report([good, row(0.1, {"flat": 0.0})], chapter="demo")
    bad = claim("b | pipe", paper="ours: x", check="", test=slope_test, data=0, controls={"f": 0})
    assert "b \\| pipe" in book_status.to_markdown(
        [bad]
    )  # pipes escaped so the table stays a table


def test_prose_check_catches_hard_coded_numbers_only() -> None:
    text = """Some text with a glued {glue:text}`x:.3f` number and maths $\\alpha = 0.5$.
The slope was 0.75, and 12 % of runs failed, ×3.2 the control.
A fixed fact: 2,088,628 tokens, $\\sigma = 0.02$ and 0.1 weight decay. <!-- fixed -->
See §2.2 and `code 1.5`.

```{code-cell} ipython3
x = 0.123
```

```{math}
y = 0.5
```
"""
    hits = [h.split()[0] for h in prose.hard_coded_numbers(text)]
    assert hits == ["0.75", "12 %", "×3.2"] or hits == ["0.75", "12", "×3.2"]


def test_a_failed_claim_stops_the_chapter_even_without_a_status_file(monkeypatch) -> None:
    # Run directly in Jupyter (no runner, so no status file), a failure must still stop the
    # notebook rather than show a FAILED row and carry on.
    monkeypatch.delenv("BIASBOOK_STATUS_FILE", raising=False)
    with pytest.raises(ReproductionFailure, match="1 of 1"):
        report([row(0.1, {"flat": 0.0})], chapter="demo")


def test_the_status_cell_flags_a_documented_failure_that_now_passes_and_gives_reasons() -> None:
    note = "documented as not reproduced: revisit the text"
    surprise = row(1.0, {"flat": 0.0}, expected=False)  # passes, though documented as failing
    assert surprise.verdict == st.PASSED and note in book_status.verdict_cell(surprise)
    assert note not in book_status.verdict_cell(row(1.0, {"flat": 0.0}))
    documented = row(0.1, {"flat": 0.0}, expected=False)  # fails, as documented
    cell = book_status.verdict_cell(documented)
    assert cell.startswith(f"{st.SYMBOL[st.NOT_REPRODUCED]} {st.NOT_REPRODUCED}: ")
    assert note not in cell and documented.reasons[0] in cell  # the reasons follow the verdict


def test_the_table_shows_controls_or_a_dash() -> None:
    table = book_status.to_markdown(
        [row(1.0, {"flat": 0.0}), st.not_tested("Figure 3", paper="figure 3: x", why="slow")]
    )
    tested, untested = table.splitlines()[2:]
    assert "flat" in tested and "| — |" in untested


def test_the_record_names_the_runner_s_chapter_and_keeps_nan_values(
    tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "status.json"
    monkeypatch.setenv("BIASBOOK_STATUS_FILE", str(out))
    monkeypatch.setenv("BIASBOOK_CHAPTER", "from-the-runner")
    report([row(float("nan"), {"flat": 0.0})])  # a test undecided on NaN data: still recorded
    record = json.loads(out.read_text())
    assert record["chapter"] == "from-the-runner"
    assert record["counts"]["inconclusive"] == 1


# ------------------------------------------------------------------ bounds, intervals, controls


def test_a_limit_exactly_z_standard_errors_away_is_decided() -> None:
    # 1.5 - 1.0 = 0.5 = 2 * 0.25 exactly in binary: "within 2 SE" means strictly inside
    assert at_least(1.5, 1.0, se=0.25).holds is True
    assert at_most(0.5, 1.0, se=0.25).holds is True
    assert at_least(1.4375, 1.0, se=0.25).holds is None  # 1.75 SE away


def test_between_holds_on_the_closed_interval_with_the_distance_to_the_nearer_end() -> None:
    for x, holds, margin in [
        (3.0, True, 2.0),
        (8.0, True, 2.0),
        (1.0, True, 0.0),
        (10.0, True, 0.0),
        (0.5, False, -0.5),
        (12.0, False, -2.0),
    ]:
        o = st.between(x, 1.0, 10.0)
        assert (o.holds, o.margin) == (holds, margin), x


def _control(negative: bool, *holds: bool | None) -> st.Control:
    items = ["a", "b", "c"][: len(holds)] if len(holds) > 1 else [""]
    results = tuple(
        st.Evaluated(i, h, f"v{i}", 0.0, "" if h is not None else "no power")
        for i, h in zip(items, holds, strict=True)
    )
    return st.Control("null", negative, results)


def test_a_controls_cell_says_how_it_behaved_in_words() -> None:
    # negative controls: the test must not hold on them
    assert _control(True, False).summary() == "null: v → fails ✓"
    assert _control(True, None).summary() == "null: v → does not pass ✓"
    assert _control(True, False, None).summary() == "null: a va, b vb → does not pass ✓"
    assert _control(True, True).summary() == "null: v → passes ✗"
    assert (
        _control(True, True, False, True).summary() == "null: a va, b vb, c vc → passes on a, c ✗"
    )
    # positive controls: the test must hold on them
    assert _control(False, True).summary() == "positive: null: v → holds ✓"
    assert _control(False, True, None).summary() == "positive: null: a va, b vb → does not fail ✓"
    assert _control(False, False, True).summary() == "positive: null: a va, b vb → fails on a ✗"


def test_an_itemised_row_counts_its_items_in_words() -> None:
    one = row({"L=4": 1.0}, {"flat": {"L=4": 0.0}}, itemised=True)
    two = row({"L=4": 1.0, "L=8": 0.2}, {"flat": {"L=4": 0.0, "L=8": 0.0}}, itemised=True)
    assert "(1 item: L=4 1)" in one.ours
    assert two.ours.startswith("worst: L=8 0.2; failing: L=8 (2 items: L=4 1, L=8 0.2)")


def test_at_most_has_the_same_two_standard_errors_as_at_least() -> None:
    assert at_most(0.5, 1.0, se=0.3).holds is None  # 1.67 SE below the limit: no power at z = 2
    assert at_most(0.5, 1.0, se=0.3, z=1.0).holds is True


def test_an_itemised_control_needs_exactly_the_datas_items_in_order() -> None:
    data = {"a": 1.0, "b": 1.0}
    for bad, got in [
        ({"b": 0.0, "a": 0.0}, "['b', 'a']"),
        ({"a": 0.0, "b": 0.0, "c": 0.0}, "c"),
        ({"a": 0.0}, "['a']"),
        (0.0, "float"),
    ]:
        with pytest.raises(ValueError, match="must have the items") as err:
            row(data, {"flat": bad}, itemised=True)
        assert got in str(err.value)


def test_counts_read_verdicts_rebuilt_from_their_json_records() -> None:
    rows = [row(1.0, {"flat": 0.0}), row(0.1, {"flat": 0.0}), row(1.0, {"flat": 0.9})]
    rebuilt = [st.Claim.from_record(json.loads(json.dumps(dataclasses.asdict(c)))) for c in rows]
    want = {st.PASSED: 1, st.FAILED: 1, st.INCONCLUSIVE: 1}
    for claims in (rows, rebuilt):
        got = st.counts(claims)
        assert {v: n for v, n in got.items() if n} == want


def test_a_controls_behaviour_is_a_truth_value() -> None:
    assert _control(True, False).behaves is True and _control(True, None).behaves is True
    assert _control(True, True).behaves is False and _control(False, False).behaves is False


def test_a_single_item_control_that_passes_names_no_items() -> None:
    lenient = row(1.0, {"flat": 0.9})
    assert lenient.reasons[0] == (
        "negative control 'flat' passes: the test cannot tell the claim from its negation"
    )


def test_the_worst_item_is_ranked_among_measured_margins() -> None:
    # the unmeasured item (nan, undecided) cannot be ranked; the worst measured one is shown
    r = row(
        {"a": 1.0, "b": 0.6, "c": math.nan}, {"flat": {"a": 0.0, "b": 0.0, "c": 0.0}}, itemised=True
    )
    assert r.ours.startswith("worst: b 0.6 (3 items")


def test_an_itemised_claim_needs_items_and_a_bound_without_error_shows_none() -> None:
    with pytest.raises(ValueError, match="has no items"):
        row({}, {"flat": {}}, itemised=True)
    assert at_most(0.5, 1.0).value == "0.5" and at_least(0.5, 0.1).value == "0.5"
