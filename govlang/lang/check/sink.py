"""The checker's diagnostic sink: the shared :class:`~govlang.lang.sink.Sink`, plus quoting."""

from __future__ import annotations

from govlang.lang import ir
from govlang.lang.sink import Sink

_SHOWN_MAX = 40
"""Longest source excerpt quoted in a message; longer ones are shortened."""


class Reporter(Sink):
    """The checker passes' sink: knows the source to quote."""

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

    def line_of(self, span: ir.Span) -> str:
        """``line N`` for a hint that points elsewhere."""
        return f"line {span.line}"
