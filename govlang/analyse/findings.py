"""The analyser's sink: the shared :class:`~govlang.lang.sink.Sink`, plus where findings point.

The GL6xx codes and their severities are catalogued with every other code in
:mod:`govlang.lang.codes`. ``specs/analysis.md`` documents every code with a flawed institution
from ``tests/analyse/flawed/`` and exactly what ``govlang analyse`` prints for it.
"""

from __future__ import annotations

from govlang.lang import ir
from govlang.lang.check import locate
from govlang.lang.sink import Sink


class Findings(Sink):
    """The analyser's sink: locates the states, edges, scopes and assertions findings name."""

    def state(self, state: ir.StateDecl) -> ir.Span:
        """The span of a state's name in its declaration."""
        return ir.name_or_node(state.name_span, state)

    def arrow(self, edge: ir.Edge) -> ir.Span:
        """The span of ``source -> target`` in an edge."""
        start = ir.name_or_node(edge.source_span, edge)
        end = ir.name_or_node(edge.target_span, edge)
        if self.source is None or end.end < start.start or start == edge.span:
            return edge.span
        return self.source.span(start.start, end.end)

    def scope(self, scope: ir.ScopeDecl) -> ir.Span:
        """The span of a scope's header (``per agent``, ``market``)."""
        return locate.header_span(self.source, scope.span)

    def evidence(self, scope: ir.ScopeDecl) -> ir.Span:
        """The span of the evidence monitor's name in ``evidence NAME``."""
        return ir.name_or_node(scope.evidence_span, scope)

    def assertion(self, decl: ir.AssertDecl) -> ir.Span:
        """The span of an assertion's id."""
        return ir.name_or_node(decl.name_span, decl)
