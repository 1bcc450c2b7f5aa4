"""The ``dendrites`` command: list the studies, run one, or regenerate every figure.

::

    dendrites list
    dendrites run STUDY [--quick] [--out DIR] [--results DIR] [--force]
    dendrites figures [--quick] [--out DIR] [--results DIR] [--force] [--only NAME ...]

Exit codes: 0 when every study ran (a claim that does not hold is a result, not an error), 1 when
a study raised, 2 on a usage error (bad option, unknown study). Folders: :mod:`dendrites.paths`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

__all__ = ["main"]

_MARK = {True: "✔", False: "✘", None: "—"}


class _TqdmHandler(logging.Handler):
    """Log lines printed with ``tqdm.write`` so that they do not break progress bars."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dendrites",
        description="Run the studies of `dendrites`: each draws one figure and checks its claims.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debugging details as well"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="name and title of every study")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--quick",
            action="store_true",
            help="small runs for checking (never written into figures/)",
        )
        p.add_argument(
            "--out",
            metavar="DIR",
            help="folder for figures and claims (default: figures/, or the quick folder)",
        )
        p.add_argument(
            "--results", metavar="DIR", help="folder of cached results (default: results/)"
        )
        p.add_argument(
            "--force", action="store_true", help="recompute even when a cached result exists"
        )
        p.add_argument(
            "--workers", type=int, metavar="N", help="local processes for sweeps (default: cores)"
        )
        p.add_argument(
            "--scheduler",
            metavar="ADDRESS",
            help="run sweeps on this Dask distributed scheduler (e.g. tcp://host:8786)",
        )

    run = sub.add_parser("run", help="run one study and print its claims")
    run.add_argument("study", metavar="STUDY", help="study name (see `dendrites list`) or script")
    common(run)
    figures = sub.add_parser("figures", help="run every study, then write the gallery page")
    common(figures)
    figures.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these studies (gallery keeps others)"
    )
    return parser


def _claims_table(claims) -> str:
    rows = [("claim", "value", "target", "holds")]
    rows += [(c.name, c.value_text, c.target, _MARK[c.holds]) for c in claims]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths, strict=True)) + "  " + r[3]
        for r in rows
    )


def _print_result(result) -> None:
    from .studies import duration

    mode = "quick" if result.quick else "full"
    wall = result.provenance["wall_seconds"]
    status = "cached" if result.cached else f"computed in {duration(wall)}"
    print(f"{result.name} ({mode}, {status}): {result.title}")
    if result.claims:
        print(_claims_table(result.claims))
    print(f"  figure: {result.png} (+ .pdf)   claims: {result.json}")


def _summary(results, failures) -> str:
    from .studies import plural

    claims = [c for r in results for c in r.claims]
    hold = sum(c.holds is True for c in claims)
    fail = sum(c.holds is False for c in claims)
    n = len(results) + len(failures)
    text = f"{plural(n, 'study', 'studies')}: {len(results)} ran, {len(failures)} failed; "
    return text + f"{plural(len(claims), 'claim')}: {hold} hold, {fail} do not"


def _cmd_list(args) -> int:
    from .studies import find_studies, load_study

    found = find_studies()
    if not found:
        print("no studies found")
        return 0
    width = max(len(n) for n in found)
    code = 0
    for name, path in found.items():
        try:
            title = load_study(path).TITLE
        except Exception as exc:
            title, code = f"(cannot load: {type(exc).__name__}: {exc})", 1
        print(f"{name.ljust(width)}  {title}")
    return code


def _cmd_run(args) -> int:
    from .errors import ParameterError
    from .paths import check_out_dir
    from .studies import load_study, run_study

    try:
        module = load_study(args.study)
        if args.out is not None:
            check_out_dir(args.out, args.quick)
    except ParameterError as exc:
        print(f"dendrites run: error: {exc}", file=sys.stderr)
        return 2
    result = run_study(module, args.quick, args.out, args.results, args.force)
    _print_result(result)
    return 0


def _cmd_figures(args) -> int:
    from .errors import ParameterError
    from .paths import figures_dir
    from .studies import run_studies

    try:
        results, failures = run_studies(args.only, args.quick, args.out, args.results, args.force)
    except ParameterError as exc:
        print(f"dendrites figures: error: {exc}", file=sys.stderr)
        return 2
    for r in results:
        _print_result(r)
    for f in failures:
        print(f"\n{f.name} FAILED:\n{f.traceback}", file=sys.stderr)
    out = args.out if args.out is not None else figures_dir(args.quick)
    print(f"gallery: {out}/README.md")
    print(_summary(results, failures))
    if failures:
        print("failed: " + ", ".join(f.name for f in failures), file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default ``sys.argv[1:]``); return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)

    from .errors import DendritesError

    logger = logging.getLogger("dendrites")
    handler = _TqdmHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        command = {"list": _cmd_list, "run": _cmd_run, "figures": _cmd_figures}[args.command]
        if args.command != "list":
            from .sweep import configure

            configure(workers=args.workers, scheduler=args.scheduler)
        return command(args)
    except Exception as exc:
        # A study that raised. The package's own errors say what is wrong in their message; the
        # traceback is shown for other errors, and for all with --verbose.
        if args.verbose or not isinstance(exc, DendritesError):
            traceback.print_exc()
        print(f"dendrites {args.command}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
