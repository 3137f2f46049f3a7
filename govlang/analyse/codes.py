"""The analyser's findings: GL6xx codes, their severities, and the sink that emits them.

Codes are stable, as the checker's are (:mod:`govlang.lang.check.codes`). ``specs/analysis.md``
documents every code with a flawed institution from ``tests/analyse/flawed/`` and exactly what
``govlang analyse`` prints for it.
"""

from __future__ import annotations

from typing import Final

from govlang.lang import ir
from govlang.lang.check import locate
from govlang.lang.diagnostics import Diagnostic, Severity, Source

ANALYSIS_CODES: Final[dict[str, tuple[Severity, str]]] = {
    # structure of the governance graph
    "GL601": ("warning", "unreachable state"),
    "GL602": ("warning", "state never entered"),
    "GL603": ("warning", "edge never traversed"),
    "GL604": ("warning", "state with no way out"),
    "GL605": ("error", "sanction state with no usable way back"),
    "GL606": ("warning", "condition never holds"),
    "GL607": ("warning", "condition always holds"),
    "GL608": ("warning", "edges of equal priority can fire together"),
    # behaviour: built-in properties
    "GL609": ("error", "sanction without evidence (P1)"),
    "GL610": ("error", "sanction not left under clean conduct (P2)"),
    "GL611": ("warning", "declared persistence bypassed (P3)"),
    "GL612": ("warning", "no return to good standing under clean conduct (P4)"),
    # behaviour: assertions and limits
    "GL613": ("error", "assertion violated"),
    "GL614": ("error", "assertion's condition unreachable"),
    "GL615": ("warning", "state space not exhausted within the bound"),
    "GL616": ("warning", "behaviour not analysed"),
    # deterrence (opt-in: --env MARKET --deterrence)
    "GL617": ("warning", "collusion not deterred"),
}
"""Every analysis code: (severity, title)."""


class Findings:
    """Collects the analyser's diagnostics for one file; locates names in its source."""

    def __init__(self, file: str, source: Source | None) -> None:
        """A sink for ``file`` (``source``: its text, to underline names; may be unknown)."""
        self.file = file
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def emit(self, code: str, message: str, span: ir.Span, hint: str | None = None) -> None:
        """Report ``code`` (its severity comes from :data:`ANALYSIS_CODES`) at ``span``."""
        severity = ANALYSIS_CODES[code][0]
        self.diagnostics.append(Diagnostic(code, message, span, severity, hint, self.file))

    def state(self, state: ir.StateDecl) -> ir.Span:
        """The span of a state's name in its declaration."""
        return locate.name_span(self.source, state.span, state.name, after="state")

    def arrow(self, edge: ir.Edge) -> ir.Span:
        """The span of ``source -> target`` in an edge."""
        start = locate.name_span(self.source, edge.span, edge.source)
        end = locate.name_span(self.source, edge.span, edge.target, after="->")
        if self.source is None or end.end < start.start or start == edge.span:
            return edge.span
        return self.source.span(start.start, end.end)

    def scope(self, scope: ir.ScopeDecl) -> ir.Span:
        """The span of a scope's header (``per agent``, ``market``)."""
        return locate.header_span(self.source, scope.span)

    def evidence(self, scope: ir.ScopeDecl) -> ir.Span:
        """The span of the evidence monitor's name in ``evidence NAME``."""
        name = scope.evidence or ""
        return locate.keyword_span(self.source, scope.span, "evidence", name)

    def assertion(self, decl: ir.AssertDecl) -> ir.Span:
        """The span of an assertion's id."""
        return locate.name_span(self.source, decl.span, decl.id, after="assert")
