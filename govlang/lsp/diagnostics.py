"""Checker diagnostics as LSP diagnostics: the same codes, spans, messages and hints.

The hint goes into ``relatedInformation`` (where an editor shows it under the problem), at
the line it names when it points elsewhere (``the first declaration is on line 12``), else at
the problem itself; a client that does not support related information gets it appended to
the message instead, as ``govlang check`` prints it.
"""

from __future__ import annotations

import re

from lsprotocol import types

from govlang.lang import ir
from govlang.lang.diagnostics import Diagnostic
from govlang.lsp.analysis import Analysis
from govlang.lsp.positions import Lines

SOURCE = "govlang"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "note": types.DiagnosticSeverity.Information,
}
_LINE = re.compile(r"\bline (\d+)\b")


def span_range(lines: Lines, span: ir.Span) -> types.Range:
    """The LSP range of a span (by its offsets)."""
    start = lines.position(span.start)
    end = lines.position(max(span.start, span.end))
    return types.Range(types.Position(*start), types.Position(*end))


def line_range(lines: Lines, line: int) -> types.Range:
    """The range of a 1-based line's text, leading and trailing blanks left out."""
    start = lines.offset(line - 1, 0)
    end = lines.offset(line - 1, 1 << 30)
    text = lines.text[start:end]
    lead = len(text) - len(text.lstrip())
    return types.Range(
        types.Position(*lines.position(start + lead)),
        types.Position(*lines.position(start + len(text.rstrip()))),
    )


def to_lsp(
    diagnostic: Diagnostic, uri: str, lines: Lines, related: bool = True
) -> types.Diagnostic:
    """One diagnostic in the protocol's terms (``related``: the client shows related info)."""
    where = span_range(lines, diagnostic.span)
    message = diagnostic.message
    information = None
    if diagnostic.hint:
        if related:
            named = _LINE.search(diagnostic.hint)
            place = where
            if named is not None and 1 <= int(named.group(1)) <= len(lines.starts):
                place = line_range(lines, int(named.group(1)))
            location = types.Location(uri, place)
            information = [types.DiagnosticRelatedInformation(location, f"hint: {diagnostic.hint}")]
        else:
            message = f"{message}\nhint: {diagnostic.hint}"
    return types.Diagnostic(
        range=where,
        message=message,
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source=SOURCE,
        related_information=information,
    )


def lsp_diagnostics(analysis: Analysis, uri: str, related: bool = True) -> list[types.Diagnostic]:
    """Every diagnostic of a buffer, in the order ``govlang check`` prints them."""
    if analysis.refused is not None:
        start = types.Position(0, 0)
        return [
            types.Diagnostic(
                range=types.Range(start, start),
                message=analysis.refused.message,
                severity=types.DiagnosticSeverity.Error,
                source=SOURCE,
            )
        ]
    return [to_lsp(d, uri, analysis.lines, related) for d in analysis.diagnostics]
