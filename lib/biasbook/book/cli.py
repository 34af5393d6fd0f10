"""Command line: ``python -m biasbook {list,run,build,notebooks,cache}``.

Exit codes: 0 success; 1 a chapter or the HTML build failed; 2 bad input (unknown chapter,
parameter or input, wrong type or out-of-bounds value, bad environment variable, damaged data,
unwritable build folder), reported in one line before any work starts; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from biasbook.book import runner
from biasbook.book.chapters import read_notebook, require_chapters
from biasbook.book.parameters import UsageError, parameter_defaults, parse_value
from biasbook.store.paths import build_dir, cache_dir
from biasbook.store.settings import SETTINGS, SettingError, check_environment, check_writable

EXIT_CODES = {
    0: "success",
    1: "a chapter (one of its cells or reproduction checks) or the HTML build failed",
    2: "bad input: chapter, parameter, data file, environment variable or build folder",
    130: "interrupted (Ctrl-C); the last good outputs are kept",
}


def _epilog() -> str:
    lines = ["exit codes:"]
    lines += [f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items()]
    lines += ["", "environment variables:"]
    for s in SETTINGS:
        lines += [f"  {s.name}", f"      {s.meaning}; default: {s.default}"]
    lines += [
        "",
        "outputs (under the build folder):",
        "  executed/<chapter>.ipynb  the last good execution of each chapter (what the book shows)",
        "  status/<chapter>.json     its reproduction-status record",
        "  failed/<chapter>.ipynb    the notebook of a chapter whose latest run failed",
        "  execution.json            the latest outcome of every chapter (ok, cached, failed, "
        "interrupted)",
        "  html/index.html           the HTML book (html/STALE.txt if a later build failed)",
        "  cache/                    cached results (`cache prune` removes orphaned ones)",
    ]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m biasbook",
        description="Execute the Inductive-Bias Book's chapters and build the HTML book.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

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

    nbs = sub.add_parser(
        "notebooks",
        help="regenerate notebooks/ from the chapters (Colab/Binder; student copies: no solutions)",
    )
    nbs.add_argument("--check", action="store_true", help="only check they are in sync")

    cache = sub.add_parser("cache", help="manage the result cache")
    cache.add_argument(
        "action", choices=["prune", "clear"],
        help="prune: remove entries the current library cannot read; clear: remove every entry",
    )  # fmt: skip
    return p


def _params(args: argparse.Namespace) -> dict[str, object]:
    params = {name: parse_value(value) for name, value in args.param}
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
        f"in {time.perf_counter() - start:.1f} s; report: {runner.report_path()}",
        file=sys.stderr,
    )
    for r in failed:
        notebook = runner.failed_dir() / f"{r.chapter}.ipynb"
        print(f"FAILED {r.chapter}: {r.error}\n  notebook: {notebook}", file=sys.stderr)
    if any(r.bad_input for r in failed):
        return 2
    return 1 if failed else 0


def _build(args: argparse.Namespace) -> int:
    from biasbook.book import build

    try:
        code = _run(list(require_chapters()), args)
        if code:
            reason = "a chapter failed (see execution.json)"
        else:
            out = build.build_html(clean=args.clean)
            print(f"HTML book: {out / 'index.html'}", file=sys.stderr)
            return 0
    except build.BuildError as err:
        code, reason = 1, str(err)
        print(f"error: {err}", file=sys.stderr)
    marker = build.mark_stale(reason)
    kept = f"; the HTML left from the last good build is marked stale ({marker})" if marker else ""
    print(f"not building the HTML: {reason}{kept}", file=sys.stderr)
    return code


def _cache(action: str) -> int:
    from biasbook.store import cache

    pruned = cache.prune(everything=action == "clear")
    print(
        f"removed {pruned.removed} cache entries ({pruned.removed_bytes / 1e6:.1f} MB), "
        f"kept {pruned.kept}, in {cache_dir()}",
        file=sys.stderr,
    )
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    check_environment()
    if args.command == "list":
        for name, path in require_chapters().items():
            defaults = parameter_defaults(read_notebook(path))
            print(f"{name:20s} " + ", ".join(f"{k}={v!r}" for k, v in defaults.items()))
        return 0
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
    # Every other command writes under the build folder: make sure it can, before any work.
    check_writable(build_dir(), "BIASBOOK_BUILD")
    if args.command == "cache":
        return _cache(args.action)
    if args.command == "run" and args.all == bool(args.chapters):
        raise UsageError("name chapters or give --all (not both)")
    check_writable(cache_dir(), "BIASBOOK_CACHE")  # chapters keep results there
    if args.command == "run":
        return _run(list(require_chapters()) if args.all else args.chapters, args)
    return _build(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except (UsageError, SettingError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"stopped by Ctrl-C; the last good outputs are kept (see {runner.report_path()})",
            file=sys.stderr,
        )
        return 130
