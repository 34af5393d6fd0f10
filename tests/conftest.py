"""Shared fixtures: a throw-away book project for testing the runner and the build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Two CPU devices even on a one-core machine, so that the engine's sharded path is always tested
# (read when biasbook is first imported, which is after this file).
os.environ.setdefault("BIASBOOK_CPU_DEVICES", "2")

ROOT = Path(__file__).resolve().parent.parent

FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
"""


def chapter_source(
    title: str, body: str, params: str = "quick = False\nseed = 0", front: str = ""
) -> str:
    """A minimal jupytext chapter with a parameters cell and one code cell.

    ``front`` is extra front matter (YAML), e.g. a ``biasbook:`` section with inputs and bounds.
    """
    return (
        FRONT_MATTER
        + (front.rstrip("\n") + "\n" if front else "")
        + "---\n"
        + f"\n# {title}\n\n```{{code-cell}} ipython3\n:tags: [parameters]\n\n{params}\n```\n\n"
        + f"```{{code-cell}} ipython3\n{body}\n```\n"
    )


GOOD_BODY = """import matplotlib.pyplot as plt
from biasbook.book.status import report
from biasbook.checks.verdicts import claim, at_least
fig, ax = plt.subplots()
ax.plot([0, 1], [seed, seed + 1])
plt.show()
report([claim("one plus one is two", paper="definition: 2", check="sum ≥ 2",
              test=lambda s: at_least(s, 2), data=1 + 1, controls={"one plus zero": 1 + 0})])"""


@pytest.fixture
def demo_project(tmp_path: Path) -> Path:
    """A project root with the real configuration, a good chapter ``demo`` and the status page."""
    root = tmp_path / "project"
    (root / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(ROOT / "references.bib", root / "references.bib")
    shutil.copy(ROOT / "book" / "status.md", root / "book" / "status.md")
    (root / "book" / "intro.md").write_text("# Demo book\n\nA test book.\n")
    (root / "book" / "demo.md").write_text(chapter_source("Demo", GOOD_BODY))
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/demo\n  - file: book/status\n"
    )
    return root


def run_cli(
    root: Path, *args: str, pythonpath: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m biasbook ARGS`` against the project at ``root`` (extra ``env`` on top)."""
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIASBOOK_")}
    env["BIASBOOK_ROOT"] = str(root)
    env.update(extra)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "biasbook", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


#: Where the test suite's quick-mode build of the real book goes.
QUICK_BUILD = ROOT / "_build" / "test"


@pytest.fixture(scope="session")
def built_book() -> dict:
    """Build the whole book in quick mode once per test session; return the execution report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIASBOOK_")}
    env["BIASBOOK_BUILD"] = str(QUICK_BUILD)
    proc = subprocess.run(
        [sys.executable, "-m", "biasbook", "build", "--quick"],
        env=env,
        cwd=ROOT,
        timeout=1800,
    )
    report_path = QUICK_BUILD / "execution.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    assert proc.returncode == 0, f"quick build failed: {json.dumps(report, indent=1)}"
    return report
