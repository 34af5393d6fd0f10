"""Command line: ``python -m biasbook {list,run,build}``.

Exit codes: 0 success, 1 a chapter or the HTML build failed, 2 bad input (unknown chapter,
unknown parameter, wrong parameter type).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from biasbook.book import runner


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m biasbook", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list the chapters and their parameters")

    def add_run_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
            help="set a chapter parameter (a Python literal, true/false, or a string)",
        )  # fmt: skip
        sp.add_argument("--quick", action="store_true", help="quick mode (same as -p quick true)")
        sp.add_argument("--force", action="store_true", help="re-execute even if cached")

    run = sub.add_parser("run", help="execute chapters with papermill")
    run.add_argument("chapters", nargs="*", help="chapter names (see `list`)")
    run.add_argument("--all", action="store_true", help="every chapter, in book order")
    add_run_options(run)

    build = sub.add_parser("build", help="execute every chapter, then build the HTML book")
    add_run_options(build)
    build.add_argument("--clean", action="store_true", help="rebuild the HTML from scratch")

    nbs = sub.add_parser("notebooks", help="regenerate notebooks/ (Colab/Binder) from the chapters")
    nbs.add_argument("--check", action="store_true", help="only check they are in sync")
    return p


def _params(args: argparse.Namespace) -> dict[str, object]:
    params = {name: runner.parse_value(value) for name, value in args.param}
    if args.quick:
        params["quick"] = True
    return params


def _run(names: Sequence[str], args: argparse.Namespace) -> int:
    start = time.perf_counter()
    results = runner.run_many(names, _params(args), force=args.force)
    failed = [r for r in results if r.status == "failed"]
    n_cached = sum(r.status == "cached" for r in results)
    print(
        f"{len(results) - len(failed)} of {len(results)} chapters ok ({n_cached} cached) "
        f"in {time.perf_counter() - start:.1f} s; report: {runner.build_dir() / 'execution.json'}",
        file=sys.stderr,
    )
    for r in failed:
        notebook = runner.build_dir() / "failed" / f"{r.chapter}.ipynb"
        print(f"FAILED {r.chapter}: {r.error}\n  notebook: {notebook}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            for name, path in runner.chapters().items():
                defaults = runner.parameter_defaults(runner.read_notebook(path))
                shown = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
                print(f"{name:20s} {shown}")
            return 0
        if args.command == "run":
            if args.all == bool(args.chapters):
                raise runner.UsageError("name chapters or give --all (not both)")
            names = list(runner.chapters()) if args.all else args.chapters
            return _run(names, args)
        if args.command == "notebooks":
            from biasbook.book import notebooks

            if args.check:
                stale = notebooks.out_of_sync()
                if stale:
                    print(
                        f"out of sync: {', '.join(stale)}; run `python -m biasbook notebooks`",
                        file=sys.stderr,
                    )
                    return 1
                return 0
            for path in notebooks.write_all():
                print(f"wrote {path}", file=sys.stderr)
            return 0
        if args.command == "build":
            from biasbook.book import build

            code = _run(list(runner.chapters()), args)
            if code:
                print("not building the HTML: a chapter failed", file=sys.stderr)
                return code
            out = build.build_html(clean=args.clean)
            print(f"HTML book: {out / 'index.html'}", file=sys.stderr)
            return 0
    except runner.UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        from biasbook.book.build import BuildError

        if isinstance(err, BuildError):
            print(f"error: {err}", file=sys.stderr)
            return 1
        raise
    return 2
