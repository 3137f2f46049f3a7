"""The runtime's and results' subcommands of the command line: ``verify``, ``replay``, ``view``.

Kept apart from :mod:`govlang.cli` so that the language commands load nothing of the
runtime. Exit codes are the command line's (0 ok, 1 the log failed verification or the
institution has errors, 2 usage, 3 I/O or runtime failure).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from govlang.lang.frontend import InputError

EXIT_OK, EXIT_INVALID = 0, 1


class RegisteredMarkets:
    """The registered market names as argparse ``choices``, read only when argparse asks.

    The registry imports every market, so a command that takes no ``--market`` does not pay
    for it. An option with these choices needs a ``metavar``: argparse lists the choices to
    format an option without one, when the parser is built.
    """

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is a registered market."""
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        """The registered names, built-ins first."""
        return iter(self._names())

    @staticmethod
    def _names() -> tuple[str, ...]:
        from govlang.markets.registry import market_names

        return market_names()


def cmd_verify(args: argparse.Namespace) -> int:
    """``govlang verify LOG|RESULTS``: check governance logs' signatures, chains and runs."""
    from govlang.experiments.logcheck import check_log, check_results
    from govlang.lang.inputs import InputRefused
    from govlang.runtime.log import LogKeyError

    target = Path(args.log)
    key = Path(args.public_key) if args.public_key else None
    try:
        if target.is_dir():
            if args.manifest or args.run:
                raise InputError(f"{target}: a results folder takes neither --manifest nor --run")
            check = check_results(target, key)
        else:
            manifest = Path(args.manifest) if args.manifest else None
            check = check_log(target, manifest, args.run, key)
    except LogKeyError as exc:
        raise InputRefused(exc.message, exc.hint or "see specs/integrity.md") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot verify: {exc}") from None
    print("\n".join(check.lines), file=sys.stderr)
    return EXIT_OK if check.ok else EXIT_INVALID


def cmd_replay(args: argparse.Namespace) -> int:
    """``govlang replay SPEC ACTIONS``: what this institution would have done to that run."""
    from govlang.cli_args import parse_params
    from govlang.experiments.replay import replay
    from govlang.runtime.log import LogKeyError
    from govlang.runtime.replay import ReplayError

    try:
        result = replay(
            args.file,
            args.actions,
            market=args.market,
            params=parse_params(args.param),
            seed=args.seed,
            log=args.log,
        )
    except (ReplayError, LogKeyError) as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"cannot replay: {exc}") from None
    sys.stdout.write(result.summary() + "\n")
    return EXIT_OK


def cmd_view(args: argparse.Namespace) -> int:
    """``govlang view RESULTS``: serve the results viewer on 127.0.0.1 until Ctrl-C."""
    import threading

    from govlang.viewer import serve

    server = serve(Path(args.results), args.port, open_browser=not args.no_browser)
    port = server.server_address[1]
    print(f"govlang view: http://127.0.0.1:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    finally:
        server.shutdown()
        server.server_close()
    return EXIT_OK


def add_runtime_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``verify``, ``view`` and ``replay`` on the command line's subparsers."""
    ver = sub.add_parser(
        "verify",
        help="verify governance logs: signatures, chain, institution and run",
        description="Checks a governance log (or, given a results folder, every run's log) "
        "with a key you trust: --public-key, else the operator key from GOVLANG_LOG_KEY or "
        "GOVLANG_LOG_KEY_FILE, else your own signing key (GOVLANG_KEY_DIR) that the log names. "
        "A log of an experiment must be bound to its run. Exit 0 when intact, 1 with the "
        "first bad line otherwise. What this proves: specs/integrity.md.",
    )
    ver.add_argument(
        "log", metavar="LOG", help="governance log (JSONL), or a results folder of `govlang run`"
    )
    ver.add_argument(
        "--manifest",
        help="the manifest JSON (govlang compile, or a results folder's manifest.json); "
        "default: the manifest.json of the results folder the log is in",
    )
    ver.add_argument(
        "--run", metavar="RUN_ID", help="the run the log must be bound to (default: its folder)"
    )
    ver.add_argument(
        "--public-key", metavar="PEM", help="the signer's Ed25519 public key (PEM) to trust"
    )
    ver.set_defaults(handler=cmd_verify)

    view = sub.add_parser(
        "view",
        help="browse an experiment's results in a local web viewer",
        description="Serves RESULTS (a folder written by `govlang run`) on 127.0.0.1 only and "
        "opens it in the browser: regime, population, run, round, each firm's decision and "
        "reason, the institutional acts and the run's path through the institution.",
    )
    view.add_argument("results", metavar="RESULTS", help="results folder of `govlang run`")
    view.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    view.add_argument("--no-browser", action="store_true", help="do not open a browser")
    view.set_defaults(handler=cmd_view)

    rep = sub.add_parser(
        "replay",
        help="run recorded actions through an institution and print what it does",
        description='ACTIONS is JSONL, one line per round: {"round": 1, "actions": '
        '{"firm_0": [60, 0], "firm_1": [0, 60]}}.',
    )
    rep.add_argument("file", metavar="FILE", help=".gov institution")
    rep.add_argument("actions", metavar="ACTIONS", help="recorded requested actions (JSONL)")
    rep.add_argument(
        "--market",
        choices=RegisteredMarkets(),
        metavar="MARKET",
        default="cournot",
        help="a registered market (default cournot)",
    )
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("--log", help="also write a governance log here (needs an operator key)")
    rep.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="override a param"
    )
    rep.set_defaults(handler=cmd_replay)
