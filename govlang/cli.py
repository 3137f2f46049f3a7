"""The ``govlang`` command line (also ``python -m govlang``).

Exit codes (documented in the README and ``govlang --help``):

* 0 — success (the institution is valid; warnings do not fail a check)
* 1 — the institution has errors (diagnostics were printed), or ``fmt --check`` found
  unformatted files, or a governance log failed verification, or an input was refused (over
  its size limit, or a device or FIFO instead of a regular file)
* 2 — usage error (unknown option, bad ``--param``)
* 3 — I/O or runtime failure (missing file, unwritable output, Graphviz missing)
* 130 — interrupted (Ctrl-C): one line, no traceback

Tracebacks are shown only with ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from govlang.cli_args import UsageError, parse_params, print_diagnostics
from govlang.lang.diagnostics import Diagnostic, GovlangError, Source
from govlang.lang.frontend import Document, InputError
from govlang.lang.inputs import InputRefused
from govlang.lang.money import AccountingError

if TYPE_CHECKING:
    from govlang.deterrence.market import Market
    from govlang.lang.schema import EnvironmentSchema

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_IO = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
INTERRUPTED = "govlang: interrupted"

EPILOG = """exit codes: 0 ok, 1 the institution has errors or an input was refused, 2 usage,
3 I/O or runtime failure, 130 interrupted.
Read a file from standard input with `-`."""


def _schema(spec: str | None) -> EnvironmentSchema | None:
    if spec is None:
        return None
    from govlang.channels.talk_env import environment_schema

    return environment_schema(spec)


# ---------------------------------------------------------------------------- handlers


def cmd_check(args: argparse.Namespace) -> int:
    """``govlang check FILE...``: report every problem, exit 1 if any is an error."""
    from govlang.api import check_file

    schema = _schema(args.env)
    params = parse_params(args.param)
    status = EXIT_OK
    for path in args.files:
        document, diagnostics = check_file(path, schema, params)
        print_diagnostics(document, diagnostics, args.format)
        errors = sum(d.is_error for d in diagnostics)
        if errors:
            status = EXIT_INVALID
        elif args.format == "text":
            print(f"{document.source.name}: ok{_tally(diagnostics)}", file=sys.stderr)
    return status


def _tally(diagnostics: list[Diagnostic]) -> str:
    counts = [
        f"{n} {severity}{'s' * (n != 1)}"
        for severity in ("warning", "note")
        if (n := sum(d.severity == severity for d in diagnostics))
    ]
    return f" ({', '.join(counts)})" if counts else ""


def cmd_fmt(args: argparse.Namespace) -> int:
    """``govlang fmt FILE...``: print (or ``--write``, or ``--check``) the canonical layout."""
    from govlang.api import read_document
    from govlang.lang.check import check
    from govlang.lang.fmt import format_document

    status = EXIT_OK
    for path in args.files:
        document, _ = read_document(path)
        problems = [d for d in check(document) if d.code < "GL100" and d.is_error]
        if document.institution is None or problems:
            print_diagnostics(document, problems or document.diagnostics, "text")
            status = EXIT_INVALID
            continue
        formatted = format_document(document)
        if args.check:
            if formatted != document.source.text:
                print(f"{document.source.name}: not formatted", file=sys.stderr)
                status = EXIT_INVALID
        elif args.write and path != "-":
            if formatted != document.source.text:
                _write(Path(path), formatted)
        else:
            sys.stdout.write(formatted)
    return status


def cmd_compile(args: argparse.Namespace) -> int:
    """``govlang compile FILE``: print or write the canonical manifest JSON."""
    from govlang.api import load

    compiled = load(args.file, parse_params(args.param), _schema(args.env))
    text = compiled.manifest_json() + "\n"
    if args.output:
        _write(Path(args.output), text)
        print(f"{args.output}: {compiled.digest}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """``govlang render FILE -o OUT``: draw the governance graph with Graphviz."""
    from govlang.api import load
    from govlang.cli_explain import OverlayError, path_overlay
    from govlang.lang.render import RenderError, render

    compiled = load(args.file, parse_params(args.param), _schema(args.env))
    try:
        overlay = path_overlay(args, compiled)
    except OverlayError as exc:
        print(f"govlang: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        written = render(compiled, Path(args.output), args.output_format, overlay)
    except RenderError as exc:
        raise InputError(str(exc)) from None
    print(f"wrote {written}", file=sys.stderr)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """``govlang run EXPERIMENT.toml -o RESULTS``: run or resume an experiment, write its report."""
    from govlang.experiments.config import ExperimentError
    from govlang.experiments.runner import run_experiment
    from govlang.experiments.tables import md_table, regime_table

    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, got {args.concurrency}")
    try:
        result = run_experiment(
            args.experiment, args.output, quiet=args.quiet, concurrency=args.concurrency
        )
    except ExperimentError as exc:
        print(f"govlang: error: invalid experiment\n{exc}", file=sys.stderr)
        return EXIT_INVALID
    if not args.quiet:
        print(md_table(regime_table(result.comparisons)))
    print(
        f"{len(result.executed)} run(s) played, {len(result.reused)} reused, "
        f"{result.wall_time_s:.1f} s; report: {result.report_html}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    """``govlang sweep SWEEP.toml -o RESULTS``: run or resume a sweep, write tables and summary."""
    import os

    from govlang.experiments.engine import LocalExecutor, RayExecutor
    from govlang.sweeps.config import SweepError, load_sweep
    from govlang.sweeps.run import run_sweep

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.address is not None and args.executor != "ray":
        raise UsageError("--address needs --executor ray")
    try:
        spec = load_sweep(args.sweep)
        workers = args.workers or os.cpu_count() or 1
        executor = (
            RayExecutor(args.address or "local", workers, spec.limits)
            if args.executor == "ray"
            else LocalExecutor(workers, spec.limits)
        )
        result = run_sweep(spec, args.output, executor, quiet=args.quiet)
    except SweepError as exc:
        print(f"govlang: error: invalid sweep\n{exc}", file=sys.stderr)
        return EXIT_INVALID
    except ImportError as exc:
        raise UsageError(f"--executor ray: {exc} (pip install 'govlang[ray]')") from None
    print(
        f"{len(result.executed)} run(s) played, {len(result.reused)} reused, "
        f"{result.wall_time_s:.1f} s; summary: {result.out_dir / 'summary.md'}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_analyse(args: argparse.Namespace) -> int:
    """``govlang analyse FILE``: what the institution can and cannot do; exit 1 on an error."""
    from govlang.analyse import analyse
    from govlang.api import read_document
    from govlang.lang.manifest import canonical_json

    if args.bound < 1:
        raise UsageError(f"--bound must be at least 1, got {args.bound}")
    schema, params = _schema(args.env), parse_params(args.param)
    market = _deterrence_market(args.env) if args.deterrence else None
    document, _ = read_document(args.file)
    report = analyse(document, args.bound, params, schema, market)
    if args.format == "json":
        print(canonical_json(report.to_json(), indent=2))
    else:
        print_diagnostics(document, report.diagnostics, "text")
        if report.scopes:
            print(report.text())
    if args.counterexample:
        _write(Path(args.counterexample), canonical_json(report.traces_json(), indent=2) + "\n")
    return EXIT_INVALID if report.errors else EXIT_OK


def _deterrence_market(env: str | None) -> Market:
    """The market of ``analyse --deterrence`` (``--env`` must name one)."""
    from govlang.deterrence.market import MarketError, market_from_cli

    if env is None:
        raise UsageError("--deterrence needs --env cournot, bertrand or a schema naming one")
    try:
        return market_from_cli(env, {})
    except MarketError as exc:
        raise UsageError(str(exc)) from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None


# ---------------------------------------------------------------------------- parser


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``govlang`` command.

    With ``command="check"`` the parser has that subcommand only: ``govlang check`` then
    neither imports nor builds the others (its parsing and messages are the same).
    """
    parser = argparse.ArgumentParser(
        prog="govlang",
        description="Governance graphs for multi-agent markets: check, format, compile, render, "
        "analyse.",
        epilog=EPILOG,
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_check(sub)
    if command != "check":
        _add_other_commands(sub)
    return parser


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser("check", help="report every problem in institution files")
    check.add_argument("files", nargs="+", metavar="FILE", help=".gov file, or - for stdin")
    _add_common(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=cmd_check)


def _add_other_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from govlang.cli_explain import add_explain_commands, add_path_options
    from govlang.cli_runtime import add_runtime_commands
    from govlang.deterrence.cli import add_deterrence_command
    from govlang.interop.cli import register as add_interop_commands
    from govlang.lsp.cli import register as add_lsp_command

    fmt = sub.add_parser("fmt", help="print files in the canonical layout")
    fmt.add_argument("files", nargs="+", metavar="FILE")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if a file is not formatted")
    mode.add_argument("-w", "--write", action="store_true", help="rewrite files in place")
    fmt.set_defaults(handler=cmd_fmt)

    comp = sub.add_parser("compile", help="print the canonical manifest (JSON) with its digest")
    comp.add_argument("file", metavar="FILE")
    comp.add_argument("-o", "--output", help="write the manifest here instead of stdout")
    _add_common(comp)
    comp.set_defaults(handler=cmd_compile)

    rend = sub.add_parser("render", help="draw the governance graph (svg, png, pdf, dot)")
    rend.add_argument("file", metavar="FILE")
    rend.add_argument("-o", "--output", required=True, help="output file; format from suffix")
    rend.add_argument("--output-format", choices=("svg", "png", "pdf", "dot"))
    add_path_options(rend)
    _add_common(rend)
    rend.set_defaults(handler=cmd_render)

    run = sub.add_parser("run", help="run (or resume) an experiment and write its report")
    run.add_argument("experiment", metavar="EXPERIMENT", help="experiment file (.toml)")
    run.add_argument("-o", "--output", required=True, metavar="RESULTS", help="results directory")
    run.add_argument("--concurrency", type=int, help="runs at a time (overrides the file)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no table")
    run.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    run.set_defaults(handler=cmd_run)

    swp = sub.add_parser("sweep", help="map where collusion appears along structural axes")
    swp.add_argument("sweep", metavar="SWEEP", help="sweep file (.toml)")
    swp.add_argument("-o", "--output", required=True, metavar="RESULTS", help="results directory")
    swp.add_argument("--executor", choices=("local", "ray"), default="local")
    swp.add_argument("--address", help="Ray cluster address, or `local` (the default)")
    swp.add_argument("--workers", type=int, help="processes / Ray CPUs (default: all cores)")
    swp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    swp.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    swp.set_defaults(handler=cmd_sweep)

    ana = sub.add_parser("analyse", help="prove or refute what an institution can do")
    ana.add_argument("file", metavar="FILE", help=".gov file, or - for stdin")
    ana.add_argument("--bound", type=int, default=200, help="rounds to explore (default 200)")
    ana.add_argument("--format", choices=("text", "json"), default="text")
    ana.add_argument(
        "--counterexample", metavar="FILE", help="write every counterexample and witness (JSON)"
    )
    ana.add_argument(
        "--deterrence",
        action="store_true",
        help="also play the market's collusive patterns through the institution (needs --env; "
        "GL617 warns about each one it cannot deter)",
    )
    _add_common(ana)
    ana.set_defaults(handler=cmd_analyse)

    add_runtime_commands(sub)
    add_explain_commands(sub)
    add_interop_commands(sub)
    add_deterrence_command(sub)
    add_lsp_command(sub)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a param (repeatable), e.g. --param fine_floor=100",
    )
    parser.add_argument(
        "--env",
        metavar="MARKET|SCHEMA",
        help=(
            "validate against an environment: a registered market (cournot, bertrand), the "
            "market with a channel between its firms (cournot+talk), or a schema .json/.toml"
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (130 after Ctrl-C, with one line)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED


def _interrupted(exc: BaseException) -> bool:
    """Whether a Ctrl-C lies in the chain of causes of ``exc``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _main(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # The only option before the command is --debug (a flag): the first other word names it.
    command = next((word for word in arguments if not word.startswith("-")), None)
    parser = build_parser(command)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"govlang: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GovlangError as exc:
        source = exc.source or Source("<input>", "")
        print_diagnostics(Document(source, None), exc.diagnostics, getattr(args, "format", "text"))
        return EXIT_INVALID
    except InputRefused as exc:
        print(f"govlang: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except InputError as exc:
        print(f"govlang: error: {exc}", file=sys.stderr)
        return EXIT_IO
    except AccountingError as exc:  # money beyond the limit, computed from the run's values
        print(f"govlang: error: {exc}", file=sys.stderr)
        return EXIT_IO
    except Exception as exc:  # a bug in govlang: say so plainly, keep the traceback for --debug
        if _interrupted(exc):  # e.g. a C extension that turned Ctrl-C into an ImportError
            raise KeyboardInterrupt from None
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(
                f"govlang: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback)",
                file=sys.stderr,
            )
        return EXIT_IO
