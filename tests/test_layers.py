"""The library's layers only import downwards, and no chapter's module is imported by another.

Layers, lowest first: ``store`` (paths, caches) < ``checks``, ``maths`` and ``data`` < ``nets``
< ``plotting`` < ``experiments`` < ``book``. A module may import its own layer or a lower one;
a module of ``experiments`` may import no other chapter's module. Every import counts, also those
inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import biasbook

PACKAGE = Path(biasbook.__file__).parent
RANK = {
    "store": 0,
    "checks": 1,
    "maths": 1,
    "data": 1,
    "nets": 2,
    "plotting": 3,
    "experiments": 4,
    "book": 5,
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, dotted module)`` of every ``biasbook`` import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from biasbook.maths import boolean` imports the module biasbook.maths.boolean
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return [(ln, m) for ln, m in found if m == "biasbook" or m.startswith("biasbook.")]


def _violations(path: Path, imports: list[tuple[int, str]]) -> list[str]:
    layer = path.relative_to(PACKAGE).parts[0]
    # The chapter a module of `experiments` belongs to: its module, or its package.
    chapter = path.relative_to(PACKAGE).with_suffix("").parts[1:2]
    chapter = chapter[0] if chapter else ""
    bad = []
    for line, module in imports:
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in RANK:
            continue  # `import biasbook` itself, or a name of the package root
        target = parts[1]
        where = f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        if RANK[target] > RANK[layer]:
            bad.append(f"{where} (layer {target!r} is above {layer!r})")
        elif target == layer == "experiments" and len(parts) > 2 and parts[2] != chapter:
            bad.append(f"{where} (one chapter's module may not import another's)")
    return bad


def test_every_module_sits_in_a_layer() -> None:
    layers = {p.relative_to(PACKAGE).parts[0] for p in _modules()}
    assert layers <= set(RANK), f"modules outside the known layers: {layers - set(RANK)}"


def test_layers_import_only_downwards() -> None:
    bad = [v for p in _modules() for v in _violations(p, _imports(p))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("layer", "source", "reason"),
    [
        ("maths", "from biasbook.nets.models import init_mlp\n", "above"),
        ("nets", "def f():\n    from biasbook.experiments import synthesis\n", "above"),
        ("store", "import biasbook.book.runner\n", "above"),
        (
            "experiments",
            "from biasbook.experiments.variable_creation import run_sweep\n",
            "another",
        ),
    ],
)
def test_the_check_catches_an_upward_import(
    tmp_path: Path, layer: str, source: str, reason: str
) -> None:
    # a module placed in `layer` with the given import must be reported
    fake = PACKAGE / layer / "_probe.py"
    path = tmp_path / "_probe.py"
    path.write_text(source)
    bad = _violations(fake, _imports(path))
    assert bad and reason in bad[0]


def test_a_chapter_package_may_import_its_own_modules_only(tmp_path: Path) -> None:
    fake = PACKAGE / "experiments" / "gp_limit" / "_probe.py"
    path = tmp_path / "_probe.py"
    path.write_text(
        "from biasbook.experiments.gp_limit.runs import tau\n"
        "from biasbook.experiments.sensitivity import runs\n"
    )
    bad = _violations(fake, _imports(path))
    assert bad and all(":2 imports biasbook.experiments.sensitivity" in b for b in bad)
