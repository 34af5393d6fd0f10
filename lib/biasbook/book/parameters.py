"""A chapter's parameters: their defaults, types and bounds, checked before any kernel starts.

The ``parameters`` cell of a chapter declares each parameter with a type annotation and a literal
default (``n_seeds: int | None = None``); its front matter may bound them::

    biasbook:
      parameters:
        n_seeds: {min: 2, warn_above: 64}     # an error below 2; a cost warning above 64
        split: {choices: [train, valid, test]}

Bounds apply to each element of a list, and not to ``None``. The keys (:data:`BOUND_KEYS`) are
``min``/``max`` (inclusive), ``above``/``below`` (exclusive), ``parity`` (``odd`` or ``even``),
``choices``, ``min_items`` (of a list) and ``warn_above`` (the value is allowed, but the run will
take much longer than with the defaults: say so before it starts).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any


class UsageError(ValueError):
    """Bad input from the user (unknown chapter, unknown parameter, wrong type): exit code 2."""


def parameter_defaults(notebook: Any) -> dict[str, Any]:
    """Return ``{name: default}`` of the cell tagged ``parameters``.

    Raises
    ------
    UsageError
        If the notebook has no ``parameters`` cell, a default is not a Python literal, or one
        statement assigns several names (``a = b = 1``).
    """
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            defaults: dict[str, Any] = {}
            for node in ast.parse(cell.source).body:
                target = None
                if isinstance(node, ast.Assign) and len(node.targets) > 1:
                    # papermill overrides a parameter by a plain `name = value` after the cell;
                    # a chained default would be read for one name only or for none
                    names = " = ".join(ast.unparse(t) for t in node.targets)
                    raise UsageError(
                        f"the parameters cell assigns {names} in one statement; "
                        "give each parameter its own line"
                    )
                if isinstance(node, ast.Assign):
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                if isinstance(target, ast.Name):
                    try:
                        defaults[target.id] = ast.literal_eval(value)
                    except ValueError as err:
                        raise UsageError(
                            f"parameter {target.id!r} must default to a literal "
                            f"(number, string, bool, list, tuple, None)"
                        ) from err
            return defaults
    raise UsageError("the notebook has no cell tagged 'parameters'")


def parameter_annotations(notebook: Any) -> dict[str, str]:
    """``{name: annotation}`` as written, of the annotated parameters (e.g. ``int | None``)."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return {
                node.target.id: ast.unparse(node.annotation)
                for node in ast.parse(cell.source).body
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            }
    return {}


_SIMPLE_TYPES: dict[str, type] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "None": type(None),
}


def _matches(value: Any, annotation: str) -> bool | None:
    """Whether ``value`` fits ``annotation`` (``int``, ``float | None``, ``list[int]``, ...).

    ``None`` if the annotation uses a form this check does not read (then the default decides).
    """
    for alt in (a.strip() for a in annotation.split("|")):
        inner = re.fullmatch(r"(list|tuple)\[(\w+)\]", alt)
        if inner:
            if isinstance(value, list | tuple):
                fits = [_matches(v, inner.group(2)) for v in value]
                if None in fits:
                    return None
                if all(fits):
                    return True
            continue
        t = _SIMPLE_TYPES.get(alt)
        if t is None:
            return None
        if isinstance(value, bool) and t is not bool:
            continue  # True is an int to Python, not to a reader
        if isinstance(value, t) or (t is float and isinstance(value, int)):
            return True
    return False


def parse_value(text: str) -> Any:
    """Parse a command-line parameter value: a Python literal, ``true``/``false``, else a string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _type_name(value: Any) -> str:
    return type(value).__name__


def validate_parameters(
    chapter: str,
    defaults: Mapping[str, Any],
    given: Mapping[str, Any],
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check ``given`` against the chapter's parameters; return the coerced values.

    An annotated parameter (``n_seeds: int | None = None``) must fit its annotation; any other
    must match its default's type (a ``None`` default then accepts anything). Ints are accepted
    where a float is expected.
    """
    annotations = annotations or {}
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in defaults:
            raise UsageError(
                f"unknown parameter {name!r} for chapter {chapter!r}; "
                f"valid parameters: {', '.join(sorted(defaults))}"
            )
        default = defaults[name]
        fits = _matches(value, annotations[name]) if name in annotations else None
        if fits is False:
            raise UsageError(
                f"parameter {name!r} of chapter {chapter!r} must be {annotations[name]} "
                f"(default {default!r}), got {_type_name(value)} {value!r}"
            )
        if fits:
            floats = "float" in annotations[name] and "int" not in annotations[name]
            is_int = isinstance(value, int) and not isinstance(value, bool)
            out[name] = float(value) if floats and is_int else value
        elif default is None or value is None:
            out[name] = value
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise UsageError(f"parameter {name!r} must be true or false, got {value!r}")
            out[name] = value
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            out[name] = float(value)
        elif isinstance(default, list | tuple) and isinstance(value, list | tuple):
            out[name] = type(default)(value)
        elif type(value) is not type(default):
            raise UsageError(
                f"parameter {name!r} of chapter {chapter!r} must be {_type_name(default)} "
                f"(default {default!r}), got {_type_name(value)} {value!r}"
            )
        else:
            out[name] = value
    return out


#: The keys a parameter's bounds may use.
BOUND_KEYS = ("min", "max", "above", "below", "parity", "choices", "min_items", "warn_above")


def check_bounds(
    chapter: str, values: Mapping[str, Any], bounds: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Check ``values`` against the chapter's ``bounds``; return the cost warnings (one line each).

    Raises
    ------
    UsageError
        If a value (or an element of a list value) is out of its bounds, or a bound is malformed.
    """
    warnings = []
    for name, value in values.items():
        spec = bounds.get(name) or {}
        unknown = set(spec) - set(BOUND_KEYS)
        if unknown:
            raise UsageError(
                f"chapter {chapter!r}: bounds of {name!r} use unknown key(s) "
                f"{', '.join(sorted(unknown))}; valid keys: {', '.join(BOUND_KEYS)}"
            )
        items = value if isinstance(value, list | tuple) else [value]
        if isinstance(value, list | tuple) and len(value) < spec.get("min_items", 0):
            raise UsageError(
                f"parameter {name!r} of chapter {chapter!r} needs at least {spec['min_items']} "
                f"element(s), got {value!r}"
            )
        for item in items:
            if item is None:
                continue
            problem = _out_of_bounds(item, spec)
            if problem:
                shown = f"{value!r}" if item is value else f"{value!r} (element {item!r})"
                raise UsageError(
                    f"parameter {name!r} of chapter {chapter!r} must be {problem}, got {shown}"
                )
        limit = spec.get("warn_above")
        big = [v for v in items if isinstance(v, int | float) and limit is not None and v > limit]
        if big:
            warnings.append(
                f"warning: {name}={value!r} in chapter {chapter!r} is above {limit}; the run may "
                "take far longer than with the defaults (see the chapter's run times)"
            )
    return warnings


def _out_of_bounds(value: Any, spec: Mapping[str, Any]) -> str:
    """What ``value`` must be, if it breaks ``spec``; ``""`` if it is within bounds."""
    if "choices" in spec and value not in spec["choices"]:
        return "one of " + ", ".join(repr(c) for c in spec["choices"])
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    tests = {
        "min": (lambda b: value >= b, "≥"),
        "max": (lambda b: value <= b, "≤"),
        "above": (lambda b: value > b, ">"),
        "below": (lambda b: value < b, "<"),
    }
    for key, (ok, sign) in tests.items():
        if key in spec and not ok(spec[key]):
            return f"{sign} {spec[key]}"
    parity = spec.get("parity")
    if parity is not None and (value % 2 != (parity == "odd")):
        return f"an {parity} number"
    return ""
