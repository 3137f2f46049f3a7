"""The diagnostic sink shared by the checker's passes."""

from __future__ import annotations

from govlang.lang import ir
from govlang.lang.check import locate
from govlang.lang.check.codes import severity
from govlang.lang.diagnostics import Diagnostic, Source

_SHOWN_MAX = 40
"""Longest source excerpt quoted in a message; longer ones are shortened."""


class Reporter:
    """Collects diagnostics for one file; knows the source to quote and locate names in."""

    def __init__(self, file: str = "<input>", source: Source | None = None) -> None:
        self.file = file
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def emit(self, code: str, message: str, span: ir.Span, hint: str | None = None) -> None:
        """Report ``code`` (its severity comes from the catalogue) at ``span``."""
        self.diagnostics.append(
            Diagnostic(code, message, span, severity(code), hint=hint, file=self.file)
        )

    def show(self, expr: ir.Expr) -> str:
        """The source text of ``expr`` in backticks, shortened when long."""
        text = self.text(expr.span)
        if not text:
            return f"this {expr.kind} expression"
        text = " ".join(text.split())
        if len(text) > _SHOWN_MAX:
            text = text[: _SHOWN_MAX - 3] + "..."
        return f"`{text}`"

    def text(self, span: ir.Span) -> str:
        """The source text covered by ``span`` ('' without a source)."""
        if self.source is None or span == ir.NO_SPAN:
            return ""
        return self.source.text[span.start : span.end]

    def name(self, span: ir.Span, name: str, after: str | None = None) -> ir.Span:
        """The span of ``name`` inside the construct at ``span`` (see :mod:`.locate`)."""
        return locate.name_span(self.source, span, name, after)

    def line_of(self, span: ir.Span) -> str:
        """``line N`` for a hint that points elsewhere."""
        return f"line {span.line}"
