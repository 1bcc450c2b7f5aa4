"""The ``dendrites`` command: list the studies, run one, or regenerate every figure.

::

    dendrites list
    dendrites run STUDY [--quick] [--out DIR] [--results DIR] [--force]
    dendrites figures [--quick] [--out DIR] [--results DIR] [--force] [--only NAME ...]
    dendrites readme [--check] [--figures DIR] [--readme FILE]

``dendrites figures`` in full mode into ``figures/`` also rewrites the studies table of the
repository's ``README.md`` (between the lines ``<!-- studies-table:start -->`` and
``<!-- studies-table:end -->``) from ``figures/*.json``; ``dendrites readme`` does only that, and
with ``--check`` writes nothing and exits 1 when the table is out of date. See
:mod:`dendrites.gallery`.

A study script runs itself through :func:`run_script` (``python studies/x.py [--quick]``).

Exit codes: 0 when every study ran (a claim that does not hold is a result, not an error), 1 when
a study raised, 2 on a usage error (bad option, unknown study). Folders: :mod:`dendrites.paths`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

__all__ = ["main", "run_script"]

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
    readme = sub.add_parser(
        "readme", help="write the README's studies table from the figure records (figures/*.json)"
    )
    readme.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the table is out of date"
    )
    readme.add_argument(
        "--figures", metavar="DIR", help="folder of the records (default: figures/)"
    )
    readme.add_argument("--readme", metavar="FILE", help="the README (default: README.md)")
    return parser


def _claims_table(claims) -> str:
    """Findings first, then checks: name, kind, value, target and whether it holds."""
    ordered = sorted(claims, key=lambda c: c.kind != "finding")  # stable: study order kept
    rows = [("claim", "kind", "value", "target", "holds")]
    rows += [(c.name, c.kind, c.value_text, c.target, _MARK[c.holds]) for c in ordered]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
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
    """``"2 studies: 2 ran, 0 failed; 5 findings: 4 hold, 0 do not, 1 reported; 1 check"``."""
    from .claims import plural
    from .gallery import headline

    claims = [c for r in results for c in r.claims]
    n = len(results) + len(failures)
    text = f"{plural(n, 'study', 'studies')}: {len(results)} ran, {len(failures)} failed; "
    return text + headline(claims)


def _update_readme(args) -> None:
    """After full-mode figures written into figures/: rewrite the README's studies table."""
    from pathlib import Path

    from .errors import ParameterError
    from .gallery import update_readme
    from .paths import figures_dir

    published = figures_dir(False)
    if args.quick or (args.out is not None and Path(args.out).resolve() != published.resolve()):
        return
    try:
        changed = update_readme(figures_dir=published)
    except ParameterError as exc:
        print(f"README studies table not updated: {exc}", file=sys.stderr)
        return
    print("README: studies table " + ("updated" if changed else "already up to date"))


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
    _update_readme(args)
    print(_summary(results, failures))
    if failures:
        print("failed: " + ", ".join(f.name for f in failures), file=sys.stderr)
        return 1
    return 0


def _cmd_readme(args) -> int:
    from .errors import ParameterError
    from .gallery import update_readme

    try:
        changed = update_readme(args.readme, args.figures, check=args.check)
    except ParameterError as exc:
        print(f"dendrites readme: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if changed:
            print("README studies table is out of date: run `dendrites readme`", file=sys.stderr)
            return 1
        print("README studies table is up to date")
        return 0
    print("README: studies table " + ("updated" if changed else "already up to date"))
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
        command = {
            "list": _cmd_list,
            "run": _cmd_run,
            "figures": _cmd_figures,
            "readme": _cmd_readme,
        }[args.command]
        if args.command in ("run", "figures"):
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


def run_script(path, argv: Sequence[str] | None = None) -> None:
    """Run the study script at `path` from the command line: ``python studies/x.py [--quick]``.

    Accepts the options of ``dendrites run`` (``--quick --out --results --force``) and exits with
    its exit code. A study script ends with::

        if __name__ == "__main__":
            run_script(__file__)
    """
    from pathlib import Path

    args = list(sys.argv[1:] if argv is None else argv)
    raise SystemExit(main(["run", str(Path(path).resolve()), *args]))
