"""What every ``govlang`` command shares: usage errors, ``--param`` options, diagnostics.

Kept apart from :mod:`govlang.cli` so that the command modules (:mod:`govlang.cli_runtime`,
:mod:`govlang.cli_explain`, :mod:`govlang.deterrence.cli`) that :mod:`govlang.cli` registers do
not import it back.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from govlang.lang.diagnostics import Diagnostic, render_all, sort_key, to_json
from govlang.lang.frontend import Document
from govlang.lang.params import ParamValue, parse_override


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


def parse_params(pairs: Sequence[str]) -> dict[str, ParamValue]:
    """``--param NAME=VALUE`` options as a dict; :class:`UsageError` on malformed text."""
    values: dict[str, ParamValue] = {}
    for pair in pairs:
        try:
            name, value = parse_override(pair)
        except ValueError as exc:
            raise UsageError(f"--param: {exc}") from None
        values[name] = value
    return values


def print_diagnostics(document: Document, diagnostics: list[Diagnostic], fmt: str) -> None:
    """Print ``diagnostics`` in source order: JSON on stdout, or text with excerpts on stderr."""
    ordered = sorted(diagnostics, key=sort_key)
    if fmt == "json":
        print(to_json(ordered))
    elif ordered:
        print(render_all(ordered, document.source), file=sys.stderr)
