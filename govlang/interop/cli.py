"""``govlang import`` and ``govlang export-sft`` on the command line (``specs/interop.md``).

Only :mod:`argparse` is imported here; each command imports its machinery when it runs, so
registering them costs ``govlang check`` nothing. Exit codes are the command line's: 0 ok,
1 an input that cannot be used (every problem printed, nothing written), 2 usage, 3 I/O.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

EXIT_OK, EXIT_INVALID = 0, 1


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder (no torn file)."""
    from govlang.inputs import InputError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None


def cmd_import(args: argparse.Namespace) -> int:
    """``govlang import MANIFEST [-o FILE.gov]``: a checked, formatted ``.gov`` file."""
    from govlang.interop.problems import InteropError
    from govlang.interop.to_gov import import_manifest

    try:
        imported = import_manifest(args.manifest)
    except InteropError as exc:
        print(exc, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"{args.manifest}: {count} problem{'s' * (count != 1)}, nothing written",
            file=sys.stderr,
        )
        return EXIT_INVALID
    for warning in imported.warnings:
        print(warning.replace(": error: ", ": warning: ", 1), file=sys.stderr)
    if args.output is None:
        sys.stdout.write(imported.text)
    else:
        write_atomically(Path(args.output), imported.text)
        print(f"wrote {args.output} ({imported.institution.name}, checked)", file=sys.stderr)
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``import`` and ``export-sft`` on the command line's subparsers."""
    imp = sub.add_parser(
        "import",
        help="turn a paper-style institution manifest (YAML or JSON) into a checked .gov file",
        description="Reads a manifest (schema: specs/interop.md), prints it as canonical .gov "
        "text and checks it; writes the file only if it checks without errors.",
    )
    imp.add_argument("manifest", metavar="MANIFEST", help="manifest file (.yaml, .yml or .json)")
    imp.add_argument("-o", "--output", metavar="FILE.gov", help="write here instead of stdout")
    imp.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    imp.set_defaults(handler=cmd_import)
