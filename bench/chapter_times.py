"""Measure every chapter's wall time in quick and default mode and record it for the book.

Usage (from the repository root)::

    .venv/bin/python bench/chapter_times.py --mode quick      # about 3 minutes on 2 cores
    .venv/bin/python bench/chapter_times.py --mode both       # about 10 minutes
    .venv/bin/python bench/chapter_times.py --from-report _build/execution.json

Each chapter is executed from scratch (``--force``, result cache off, a temporary build folder, so
nothing of a previous run is reused), one after the other, by ``python -m biasbook run``. The times
go into ``book/run_times.json`` (committed), which the build prints under every chapter's title as
its reference run times. ``--from-report`` records the times of a run already made instead.
Run it on an otherwise idle machine: times measured beside other work are inflated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMES = ROOT / "book" / "run_times.json"


def machine() -> str:
    """A short description of the machine the times were measured on."""
    return f"{os.cpu_count()} CPU cores, {platform.machine()}, Python {platform.python_version()}"


def run_mode(quick: bool) -> dict:
    """Execute every chapter from scratch in one mode; return the runner's report."""
    with tempfile.TemporaryDirectory(prefix="biasbook-times-") as tmp:
        env = os.environ | {"BIASBOOK_BUILD": tmp, "BIASBOOK_NO_CACHE": "1"}
        cmd = [sys.executable, "-m", "biasbook", "run", "--all", "--force"]
        subprocess.run(cmd + (["--quick"] if quick else []), env=env, cwd=ROOT, check=True)
        return json.loads((Path(tmp) / "execution.json").read_text())


def record(report: dict, times: dict) -> dict:
    """Merge the ``ok`` chapters of a runner report into ``times`` (chapter -> mode -> seconds)."""
    for name, rec in report.get("chapters", {}).items():
        if rec.get("status") != "ok":
            print(f"{name}: status {rec.get('status')!r}, not recorded", file=sys.stderr)
            continue
        mode = "quick" if (rec.get("params") or {}).get("quick") else "default"
        entry = times.setdefault(name, {})
        entry[mode] = round(float(rec["wall_s"]), 1)
        entry[f"{mode}_measured"] = (rec.get("executed_at") or time.strftime("%Y-%m-%d"))[:10]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["quick", "default", "both"], default="quick")
    parser.add_argument("--from-report", type=Path, help="record an existing execution.json")
    args = parser.parse_args(argv)
    data = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    times = {k: v for k, v in data.items() if not k.startswith("_")}
    if args.from_report:
        reports = [json.loads(args.from_report.read_text())]
    else:
        modes = {"quick": [True], "default": [False], "both": [True, False]}[args.mode]
        reports = [run_mode(q) for q in modes]
    for report in reports:
        record(report, times)
    out = {"_machine": machine(), **dict(sorted(times.items()))}
    TIMES.write_text(json.dumps(out, indent=1) + "\n")
    for name, entry in sorted(times.items()):
        shown = ", ".join(f"{m} {entry[m]:.0f} s" for m in ("quick", "default") if m in entry)
        print(f"{name:20s} {shown}")
    print(f"written: {TIMES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
