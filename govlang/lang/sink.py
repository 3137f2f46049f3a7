"""The diagnostic sink every pass that collects diagnostics for one file emits through."""

from __future__ import annotations

from govlang.lang import ir
from govlang.lang.codes import diagnostic
from govlang.lang.diagnostics import Diagnostic, Source


class Sink:
    """Collects diagnostics for one file; each code's severity comes from the catalogue."""

    def __init__(self, file: str = "<input>", source: Source | None = None) -> None:
        """A sink for ``file`` (``source``: its text, to quote and locate names; may be unknown)."""
        self.file = file
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def emit(self, code: str, message: str, span: ir.Span, hint: str | None = None) -> None:
        """Report ``code`` (its severity comes from :mod:`govlang.lang.codes`) at ``span``."""
        self.diagnostics.append(diagnostic(code, message, span, hint, self.file))
