"""Walking expressions: children, all sub-expressions, and every expression of a file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from govlang import ir


def _unary(expr: Any) -> tuple[ir.Expr, ...]:
    return (expr.operand,)


def _binary(expr: Any) -> tuple[ir.Expr, ...]:
    return (expr.left, expr.right)


_CHILDREN: dict[type[Any], Callable[[Any], tuple[ir.Expr, ...]]] = {
    ir.Negate: _unary,
    ir.Not: _unary,
    ir.Binary: _binary,
    ir.Compare: _binary,
    ir.Logic: _binary,
    ir.IfThenElse: lambda e: (e.condition, e.then, e.otherwise),
    ir.Call: lambda e: e.args,
    ir.ListLit: lambda e: e.items,
}


def children(expr: ir.Expr) -> tuple[ir.Expr, ...]:
    """The direct sub-expressions of ``expr`` (none for a literal or a name)."""
    get = _CHILDREN.get(type(expr))
    return get(expr) if get is not None else ()


def walk(expr: ir.Expr) -> Iterator[ir.Expr]:
    """``expr`` and all its sub-expressions, outermost first (iterative: no recursion limit)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def names(expr: ir.Expr) -> Iterator[ir.NameRef]:
    """Every name ``expr`` reads."""
    return (node for node in walk(expr) if isinstance(node, ir.NameRef))


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
