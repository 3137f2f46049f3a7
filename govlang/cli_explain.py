"""The ``explain`` subcommand of the ``govlang`` command line (``specs/explain.md``).

Exit codes are the command line's: 0 ok, 1 an unknown run, agent or round, an unreadable
input or a replay that does not reproduce the record (one message listing what exists),
2 usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from govlang.cli_runtime import RegisteredMarkets

if TYPE_CHECKING:
    from govlang.lang.compile import CompiledInstitution

EXIT_OK, EXIT_INVALID = 0, 1


class OverlayError(Exception):
    """``govlang render --path``: no such run or agent, or an unreadable trace (exit 1)."""


def cmd_explain(args: argparse.Namespace) -> int:
    """``govlang explain RESULTS_OR_RUN``: why the institution acted as it did."""
    from govlang.explain import ExplainError, explain
    from govlang.explain.replay import ReplayMismatch
    from govlang.lang.manifest import canonical_json

    try:
        found = explain(
            args.target,
            run=args.run,
            agent=args.agent,
            round=args.round,
            why_not_name=args.why_not,
            institution=args.institution,
            market=args.market,
            seed=args.seed,
        )
    except (ExplainError, ReplayMismatch) as exc:
        print(f"govlang: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json":
        sys.stdout.write(canonical_json(found.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write(found.text())
    return EXIT_OK


def path_overlay(args: argparse.Namespace, compiled: CompiledInstitution) -> list[str] | None:
    """``govlang render --path TRACE``: the node keys of the chosen agent's run path."""
    if args.path is None:
        if args.run is not None or args.agent is not None:
            from govlang.cli_args import UsageError

            raise UsageError("--run and --agent choose a run path: they need --path TRACE")
        return None
    from govlang.explain import ExplainError
    from govlang.explain.path import run_path
    from govlang.lang.render import RenderError

    try:
        agent, path = run_path(compiled, args.path, args.run, args.agent)
    except (ExplainError, RenderError) as exc:
        raise OverlayError(str(exc)) from None
    print(f"path of {agent}: {len(path) - 1} rounds", file=sys.stderr)
    return path


def add_path_options(parser: argparse.ArgumentParser) -> None:
    """``--path``, ``--run`` and ``--agent`` of ``govlang render``."""
    parser.add_argument(
        "--path",
        metavar="TRACE",
        help="highlight the states and edges an agent traversed (results folder, run or trace)",
    )
    parser.add_argument("--run", metavar="ID", help="with --path: the run of a results folder")
    parser.add_argument("--agent", help="with --path: whose path (needed with several agents)")


def add_explain_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``explain`` on the command line's subparsers."""
    exp = sub.add_parser(
        "explain",
        help="why the institution warned, fined, suspended or restored an agent",
        description="Replays the institution over a recorded run and explains each act: rule "
        "and edge, source line, evidence signals against their thresholds, counters, params, "
        "fine arithmetic and governance-log entry. See specs/explain.md.",
    )
    exp.add_argument(
        "target", metavar="RESULTS_OR_RUN", help="results folder, run folder or trace (JSONL)"
    )
    exp.add_argument("--run", metavar="ID", help="the run of a results folder (id or prefix)")
    exp.add_argument("--agent", help="one agent (or `market`); default: every instance")
    exp.add_argument("--round", type=int, metavar="N", help="one round; default: the timeline")
    exp.add_argument(
        "--why-not", metavar="NAME", help="why a state, rule or edge was not reached in --round"
    )
    exp.add_argument("--format", choices=("text", "json"), default="text")
    exp.add_argument(
        "--institution", metavar="FILE", help="the .gov file of a bare trace (no summary.json)"
    )
    exp.add_argument(
        "--market",
        choices=RegisteredMarkets(),
        metavar="MARKET",
        default="cournot",
        help="a registered market, of a bare trace (default cournot)",
    )
    exp.add_argument("--seed", type=int, default=0, help="of a bare trace (default 0)")
    exp.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    exp.set_defaults(handler=cmd_explain)
