"""A chapter's parameters: types, annotations and bounds, checked before any kernel starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from biasbook.book import chapters, parameters
from biasbook.book.parameters import UsageError

from conftest import ROOT, chapter_source, run_cli


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("0.5", 0.5),
        ("true", True),
        ("False", False),
        ("parity", "parity"),
        ("[1, 2]", [1, 2]),
    ],
)
def test_parse_value(text: str, value: object) -> None:
    assert parameters.parse_value(text) == value


def test_validate_parameters_accepts_int_for_float_and_rejects_bad_types() -> None:
    defaults = {"quick": False, "seed": 0, "lr": 0.1, "name": "parity", "ns": [4, 8]}
    assert parameters.validate_parameters("c", defaults, {"lr": 1}) == {"lr": 1.0}
    assert parameters.validate_parameters("c", defaults, {"ns": (2, 3)}) == {"ns": [2, 3]}
    with pytest.raises(UsageError, match="valid parameters: lr, name, ns, quick, seed"):
        parameters.validate_parameters("c", defaults, {"sed": 1})
    with pytest.raises(UsageError, match="must be int"):
        parameters.validate_parameters("c", defaults, {"seed": "one"})
    with pytest.raises(UsageError, match="true or false"):
        parameters.validate_parameters("c", defaults, {"quick": 1})


def test_every_chapter_has_quick_and_seed_parameters() -> None:
    found = chapters.chapters()
    assert found, "no chapters found"
    for name, path in found.items():
        defaults = parameters.parameter_defaults(chapters.read_notebook(path))
        assert defaults.get("quick") is False, f"{name}: parameters cell needs `quick = False`"
        assert isinstance(defaults.get("seed"), int), f"{name}: parameters cell needs an int `seed`"


def test_annotations_decide_where_the_default_is_none() -> None:
    ann = {"n": "int | None", "x": "float", "ls": "list[int]", "odd": "dict[str, int]"}
    defaults = {"n": None, "x": 0.5, "ls": [1], "odd": None}
    check = parameters.validate_parameters
    assert check("c", defaults, {"n": 3, "x": 1, "ls": [2, 3]}, ann) == {
        "n": 3,
        "x": 1.0,
        "ls": [2, 3],
    }
    assert check("c", defaults, {"n": None}, ann) == {"n": None}
    assert check("c", defaults, {"odd": {"a": 1}}, ann) == {"odd": {"a": 1}}  # not read: default
    for bad in ({"n": "abc"}, {"n": True}, {"ls": [1.5]}, {"x": "fast"}):
        with pytest.raises(UsageError, match="must be"):
            check("c", defaults, bad, ann)


def test_an_optional_float_takes_none_as_none_and_an_int_as_a_float():
    # `lr: float | None = 0.1`: None is a value of the annotation, kept as it is (not turned into
    # a float); an int is widened to the float it stands for.
    check = parameters.validate_parameters
    ann = {"lr": "float | None"}
    assert check("c", {"lr": 0.1}, {"lr": None}, ann) == {"lr": None}
    got = check("c", {"lr": 0.1}, {"lr": 2}, ann)
    assert got == {"lr": 2.0} and type(got["lr"]) is float


def test_annotated_parameters_are_checked_before_any_kernel_starts(demo_project: Path) -> None:
    params = "quick = False\nseed = 0\nn_seeds: int | None = None\nlengths: list[int] = [4, 8]"
    (demo_project / "book" / "demo.md").write_text(
        chapter_source("Demo", "print(n_seeds, lengths)", params=params)
    )
    for bad in (["n_seeds", "abc"], ["n_seeds", "1.5"], ["lengths", "[4, 'x']"]):
        proc = run_cli(demo_project, "run", "demo", "-p", *bad)
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and bad[0] in proc.stderr
        assert not (demo_project / "_build" / "executed" / "demo.ipynb").exists()
    assert run_cli(demo_project, "run", "demo", "-p", "n_seeds", "3").returncode == 0


# ------------------------------------------------------------------------------------ bounds


def _every_chapter() -> dict[str, Path]:
    return {**chapters.chapters(), "_template": ROOT / "book" / "_template.md"}


def test_every_parameter_of_every_chapter_is_typed_and_its_bounds_are_well_formed() -> None:
    for name, path in _every_chapter().items():
        nb = chapters.read_notebook(path)
        defaults = parameters.parameter_defaults(nb)
        annotations = parameters.parameter_annotations(nb)
        assert set(annotations) == set(defaults), (
            f"{name}: untyped {set(defaults) - set(annotations)}"
        )
        # every default fits its own annotation: the annotation is not decoration
        assert parameters.validate_parameters(name, defaults, defaults, annotations) == defaults
        bounds = chapters.config(path).get("parameters") or {}
        assert set(bounds) <= set(defaults), (
            f"{name}: bounds of undeclared {set(bounds) - set(defaults)}"
        )
        # the defaults lie within their bounds, without a cost warning
        assert parameters.check_bounds(name, defaults, bounds) == [], name


BOUNDS = {
    "n": {"min": 2, "warn_above": 64},
    "eps": {"above": 0, "below": 1},
    "level": {"max": 1},
    "d": {"parity": "even"},
    "s": {"parity": "odd"},
    "split": {"choices": ["train", "valid"]},
    "lengths": {"min": 2, "min_items": 1},
}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"n": 0}, "must be ≥ 2, got 0"),
        ({"eps": 0.0}, "must be > 0"),
        ({"eps": 1}, "must be < 1"),
        ({"level": 1.5}, "must be ≤ 1"),
        ({"d": 15}, "must be an even number"),
        ({"s": 4}, "must be an odd number"),
        ({"split": "tset"}, "must be one of 'train', 'valid'"),
        ({"lengths": [4, 1]}, "(element 1)"),
        ({"lengths": []}, "at least 1 element"),
        ({"eps": -0.5}, "must be > 0"),  # below an open lower bound, not only at it
        ({"lengths": [None, 1]}, "(element 1)"),  # a None element does not end the check
    ],
)
def test_a_value_out_of_bounds_is_refused_naming_the_bound(values: dict, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        parameters.check_bounds("c", values, BOUNDS)


def test_values_within_bounds_pass_and_huge_ones_warn_of_their_cost() -> None:
    fine = {"n": 2, "eps": 0.5, "level": 1, "d": 16, "s": 3, "split": "valid", "lengths": [2, 8]}
    assert parameters.check_bounds("c", fine, BOUNDS) == []
    assert parameters.check_bounds("c", {"n": None}, BOUNDS) == []  # None: the chapter's default
    (warning,) = parameters.check_bounds("c", {"n": 100_000_000}, BOUNDS)
    assert "n=100000000" in warning and "above 64" in warning
    with pytest.raises(UsageError, match="unknown key"):
        parameters.check_bounds("c", {"n": 3}, {"n": {"minimum": 1}})


def _bounded_chapter(root: Path, name: str, declaration: str, bounds: str) -> None:
    """A chapter ``name`` with one extra parameter (``declaration``) and its ``bounds``."""
    parameter = declaration.split(":")[0]
    (root / "book" / f"{name}.md").write_text(
        chapter_source(
            name.title(),
            f"print({parameter})",
            params=f"quick: bool = False\nseed: int = 0\n{declaration}",
            front=f"biasbook:\n  parameters:\n    {parameter}: {bounds}",
        )
    )


def test_bounds_are_checked_before_any_kernel_starts_and_costs_are_announced(
    demo_project: Path,
) -> None:
    _bounded_chapter(
        demo_project, "demo", "train_steps: int | None = None", "{min: 1, warn_above: 1000}"
    )
    proc = run_cli(demo_project, "run", "demo", "-p", "train_steps", "0")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: parameter 'train_steps' of chapter 'demo' must be ≥ 1, got 0"
    ]
    assert not (demo_project / "_build" / "work").exists()  # no kernel was started
    proc = run_cli(demo_project, "run", "demo", "-p", "train_steps", "100000000")
    assert proc.returncode == 0, proc.stderr
    assert "warning: train_steps=100000000" in proc.stderr.splitlines()[0]


def test_with_several_chapters_bad_input_for_the_last_stops_all_before_any_runs(
    demo_project: Path,
) -> None:
    _bounded_chapter(demo_project, "late", "n_seeds: int = 3", "{min: 2}")
    proc = run_cli(demo_project, "run", "--all", "-p", "n_seeds", "0")
    assert proc.returncode == 2
    assert "'n_seeds' of chapter 'late' must be ≥ 2" in proc.stderr
    assert not (demo_project / "_build" / "executed").exists()  # demo, first in order, never ran


def _notebook(source: str):
    import nbformat

    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]})
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), cell])


def test_plain_and_annotated_defaults_are_read_and_a_chained_one_is_refused() -> None:
    nb = _notebook("quick = False\nseed: int = 3\nns: list[int] = [4, 8]\nprint(seed)")
    assert parameters.parameter_defaults(nb) == {"quick": False, "seed": 3, "ns": [4, 8]}
    with pytest.raises(UsageError, match="assigns a = b in one statement"):
        parameters.parameter_defaults(_notebook("a = b = 3"))


@pytest.mark.parametrize(
    ("default", "value"), [([4, 8], "48"), ([4, 8], 4), (4, [4, 8]), ((1, 2), "12")]
)
def test_a_list_for_a_scalar_or_a_scalar_for_a_list_is_refused(default, value) -> None:
    # not converted (list("48") would be ['4', '8']), but refused with the expected type
    with pytest.raises(UsageError, match="must be"):
        parameters.validate_parameters("c", {"x": default}, {"x": value})


def test_an_empty_list_is_accepted_unless_its_bounds_ask_for_elements() -> None:
    assert parameters.check_bounds("c", {"lengths": []}, {"lengths": {"min": 2}}) == []


def test_a_value_that_misses_a_list_alternative_is_tried_against_the_next() -> None:
    # `list[int] | str`: a string is no list, and must still match the alternative after it
    assert parameters._matches("parity", "list[int] | str") is True
    assert parameters._matches([4, 8], "list[int] | str") is True
    assert parameters._matches(3.5, "list[int] | str") is False
