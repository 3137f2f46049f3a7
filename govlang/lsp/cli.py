"""The ``lsp`` subcommand of the ``govlang`` command line: the language server over stdio.

pygls is imported only when the command runs, so other commands start as fast as before.
"""

from __future__ import annotations

import argparse
import sys

EXIT_IO = 3


def cmd_lsp(args: argparse.Namespace) -> int:
    """``govlang lsp``: serve the Language Server Protocol on standard input and output.

    Exit code 0 after the client's ``shutdown`` and ``exit``; 3 when pygls is missing.
    """
    try:
        from govlang.lsp.server import main
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in ("pygls", "lsprotocol"):
            raise
        print(
            f"govlang: error: govlang lsp needs {missing}, which is not installed\n"
            "  hint: pip install 'pygls>=2' (or reinstall govlang, which depends on it)",
            file=sys.stderr,
        )
        return EXIT_IO
    return main()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``lsp`` on the command line's subparsers."""
    lsp = sub.add_parser(
        "lsp",
        help="run the language server (LSP over stdio) for editors",
        description="Speaks the Language Server Protocol on standard input and output: "
        "diagnostics as you type (the codes of `govlang check`), hover, go to definition, "
        "find references, document symbols, formatting (as `govlang fmt`) and completion.",
    )
    lsp.add_argument(
        "--stdio", action="store_true", help="use standard input and output (the default)"
    )
    lsp.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    lsp.set_defaults(handler=cmd_lsp)
