"""What every ``govlang`` command shares: usage errors and ``--param NAME=VALUE`` options.

Kept apart from :mod:`govlang.cli` so that the command modules (:mod:`govlang.cli_runtime`,
:mod:`govlang.cli_explain`, :mod:`govlang.deterrence.cli`) that :mod:`govlang.cli` registers do
not import it back.
"""

from __future__ import annotations

from collections.abc import Sequence

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
