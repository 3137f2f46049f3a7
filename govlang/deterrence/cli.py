"""``govlang deterrence``: the deterrence analysis on the command line.

Registered by :mod:`govlang.cli`; exit codes are the command line's: 0 the analysis ran (the
verdicts are in the output, whatever they are), 1 the institution has errors (its diagnostics
are printed), 2 usage (unknown ``--env``, bad ``--market-param``, ``--horizon`` or
``--discount``), 3 I/O failure.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
MAX_HORIZON = 10_000


def cmd_deterrence(args: argparse.Namespace) -> int:
    """``govlang deterrence FILE --env MARKET``: whether the institution deters collusion."""
    from govlang.api import load
    from govlang.cli_args import UsageError, parse_params
    from govlang.deterrence.analysis import assess
    from govlang.deterrence.market import MarketError, market_from_cli, parse_market_params
    from govlang.deterrence.report import to_json, to_text
    from govlang.lang.manifest import canonical_json

    if not 1 <= args.horizon <= MAX_HORIZON:
        raise UsageError(f"--horizon must be between 1 and {MAX_HORIZON}, got {args.horizon}")
    if not 0.0 < args.discount <= 1.0:
        raise UsageError(f"--discount must be in (0, 1], got {args.discount:g}")
    params = parse_params(args.param)
    try:
        market = market_from_cli(args.env, parse_market_params(args.market_param))
    except MarketError as exc:
        raise UsageError(str(exc)) from None
    compiled = load(args.file, params, market.schema())
    assessment = assess(compiled, market, args.horizon, args.discount, search=not args.no_search)
    if args.format == "json":
        print(canonical_json(to_json(assessment), indent=2))
    else:
        sys.stdout.write(to_text(assessment) + "\n")
    return EXIT_OK


def add_deterrence_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``deterrence`` on the command line's subparsers."""
    det = sub.add_parser(
        "deterrence",
        help="can the institution's sanctions deter collusion in a market?",
        description="Play each collusive pattern of the market through the institution and "
        "report rent, deviation gain, detection, sanction path, verdict and the minimum "
        "deterring fine (specs/deterrence.md).",
    )
    det.add_argument("file", metavar="FILE", help=".gov institution, or - for stdin")
    det.add_argument(
        "--env",
        required=True,
        metavar="MARKET|SCHEMA",
        help="cournot, bertrand, or a schema file whose name is one of them",
    )
    det.add_argument(
        "--market-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="market parameter (JSON value, repeatable), e.g. --market-param capacity=30",
    )
    det.add_argument("--horizon", type=int, default=50, help="rounds played (default 50)")
    det.add_argument(
        "--discount", type=float, default=0.95, help="per-round discount factor (default 0.95)"
    )
    det.add_argument("--format", choices=("text", "json"), default="text")
    det.add_argument(
        "--no-search", action="store_true", help="skip the minimum-fine search (faster)"
    )
    det.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an institution param (repeatable)",
    )
    det.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    det.set_defaults(handler=cmd_deterrence)
