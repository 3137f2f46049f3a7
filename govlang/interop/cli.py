"""``govlang import`` and ``govlang export-sft`` on the command line (``specs/interop.md``).

Only :mod:`argparse` is imported here; each command imports its machinery when it runs, so
registering them costs ``govlang check`` nothing. Exit codes are the command line's: 0 ok,
1 an input that cannot be used (every problem printed, nothing written), 2 usage, 3 I/O.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID = 0, 1


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder (no torn file)."""
    import os
    import tempfile

    from govlang.lang.inputs import InputError

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

    if args.export:
        return _export_manifest(args)
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


def _export_manifest(args: argparse.Namespace) -> int:
    """``govlang import --export FILE.gov [-o MANIFEST]``: the manifest of an institution."""
    from govlang.api import read_document
    from govlang.cli_args import print_diagnostics
    from govlang.interop.from_gov import ExportManifestError, manifest_text, to_manifest
    from govlang.lang.check import check

    document, _ = read_document(args.manifest)
    errors = [d for d in check(document) if d.is_error]
    if errors or document.institution is None:
        print_diagnostics(document, errors or document.diagnostics, "text")
        return EXIT_INVALID
    try:
        data = to_manifest(document.institution)
    except ExportManifestError as exc:
        print(f"govlang: error: {args.manifest}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    as_json = args.output is not None and args.output.lower().endswith(".json")
    text = manifest_text(data, as_json)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomically(Path(args.output), text)
        print(f"wrote {args.output} (manifest of {document.institution.name})", file=sys.stderr)
    return EXIT_OK


def _rounds(text: str) -> tuple[int | None, int | None]:
    """``--rounds A:B`` (either end may be left out) as inclusive bounds."""
    first, sep, last = text.partition(":")
    try:
        low = int(first) if first.strip() else None
        high = (int(last) if last.strip() else None) if sep else low
    except ValueError:
        message = f"expected A:B, A: or :B (round numbers), got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if (low is not None and low < 1) or (low is not None and high is not None and high < low):
        raise argparse.ArgumentTypeError(f"{text!r} is not a range of rounds (1-based, A <= B)")
    return low, high


def cmd_export_sft(args: argparse.Namespace) -> int:
    """``govlang export-sft RESULTS -o data.jsonl``: chat-format JSONL and its dataset card."""
    from govlang.interop.card import card_path, card_text
    from govlang.interop.results_source import ExportError, open_results
    from govlang.interop.sft import Filters, export, jsonl

    first, last = args.rounds if args.rounds is not None else (None, None)
    filters = Filters(
        regimes=tuple(args.regime),
        tiers=tuple(args.tier),
        standings=tuple(args.standing),
        runs=tuple(args.run),
        agents=tuple(args.agent),
        first_round=first,
        last_round=last,
        unsanctioned=args.unsanctioned,
    )
    out = Path(args.output)
    try:
        results = open_results(args.results)
        done = export(results, filters)
    except ExportError as exc:
        print(f"govlang: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    write_atomically(out, jsonl(done.records))
    card = card_path(out)
    write_atomically(card, card_text(out, results, filters, done))
    print(
        f"wrote {out} ({len(done.records)} records from {len(done.runs)} runs) and {card}",
        file=sys.stderr,
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``import`` and ``export-sft`` on the command line's subparsers."""
    imp = sub.add_parser(
        "import",
        help="turn a paper-style institution manifest (YAML or JSON) into a checked .gov file",
        description="Reads a manifest (schema: specs/interop.md), prints it as canonical .gov "
        "text and checks it; writes the file only if it checks without errors.",
    )
    imp.add_argument(
        "manifest",
        metavar="MANIFEST",
        help="manifest file (.yaml, .yml or .json); with --export, the .gov file",
    )
    imp.add_argument("-o", "--output", metavar="FILE.gov", help="write here instead of stdout")
    imp.add_argument(
        "--export",
        action="store_true",
        help="the reverse direction: read a .gov file, write its manifest (YAML, or JSON for "
        "an -o ending in .json); comments are not kept",
    )
    imp.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    imp.set_defaults(handler=cmd_import)

    sft = sub.add_parser(
        "export-sft",
        help="export governed trajectories as chat-format JSONL (one record per firm-round)",
        description="Reads a results folder written by `govlang run` and writes one chat "
        "record per firm-round (system/user/assistant turns as the firm saw them) with its "
        "provenance (digest, run, round, agent, edges fired, governance-log line hashes), and "
        "a dataset card beside it. See specs/interop.md.",
    )
    sft.add_argument("results", metavar="RESULTS", help="results folder of `govlang run`")
    sft.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DATA.jsonl",
        help="the JSONL file; its dataset card is written beside it (DATA.card.md)",
    )
    sft.add_argument("--regime", action="append", default=[], help="only this regime (repeatable)")
    sft.add_argument(
        "--tier",
        action="append",
        type=int,
        default=[],
        help="only runs of this collusion tier, 0-4 (repeatable)",
    )
    sft.add_argument(
        "--standing",
        action="append",
        default=[],
        help="only rounds the firm decided in this state, e.g. fined (repeatable)",
    )
    sft.add_argument(
        "--run",
        action="append",
        default=[],
        metavar="ID",
        help="only this run (id or unique prefix; repeatable)",
    )
    sft.add_argument("--agent", action="append", default=[], help="only this agent (repeatable)")
    sft.add_argument("--rounds", type=_rounds, metavar="A:B", help="only rounds A to B (inclusive)")
    sft.add_argument(
        "--unsanctioned",
        action="store_true",
        help="only rounds in which no sanction took effect on the firm",
    )
    sft.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks"
    )
    sft.set_defaults(handler=cmd_export_sft)
