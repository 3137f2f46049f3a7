"""Every expression of a file, of its sanctions and of its edges (sub-expressions: ``ir``)."""

from __future__ import annotations

from collections.abc import Iterator

from govlang.lang import ir


def sanction_exprs(sanction: ir.Sanction) -> Iterator[ir.Expr]:
    """The expressions of one sanction (amounts, bounds)."""
    if isinstance(sanction, ir.Fine):
        yield from (e for e in (sanction.amount, sanction.plus, sanction.floor, sanction.cap) if e)
    elif isinstance(sanction, ir.Grant):
        yield sanction.amount
    elif isinstance(sanction, ir.ActionBound):
        yield sanction.value


def _edge_exprs(edge: ir.Edge) -> Iterator[ir.Expr]:
    counts = (edge.guard, edge.persistence, edge.dwell, edge.clean, edge.credits, edge.cooldown)
    yield from (e for e in counts if e is not None)
    for sanction in edge.sanctions:
        yield from sanction_exprs(sanction)


def _scope_exprs(scope: ir.ScopeDecl) -> Iterator[ir.Expr]:
    if scope.credits is not None:
        policy = scope.credits
        yield from (e for e in (policy.earn, policy.per, policy.max) if e is not None)
    for state in scope.states:
        for sanction in (*state.on_enter, *state.on_round):
            yield from sanction_exprs(sanction)
    for rule in scope.rules:
        for edge in rule.edges:
            yield from _edge_exprs(edge)


def all_exprs(institution: ir.Institution) -> Iterator[ir.Expr]:
    """Every top-level expression of an institution (params, monitors, action, scopes)."""
    for param in institution.params:
        yield from (e for e in (param.default, param.low, param.high) if e is not None)
    if institution.action is not None:
        yield from (institution.action.low, institution.action.high)
    for monitor in institution.monitors:
        yield monitor.expr
    for scope in institution.scopes:
        yield from _scope_exprs(scope)
