"""Why a condition held or did not: an expression's truth, broken down to its comparisons.

:func:`condition` turns a boolean expression (an evidence monitor, an edge's guard) into a
tree of :class:`Condition` nodes evaluated at one scope instance in one round: ``and`` /
``or`` chains become lists, a boolean monitor is expanded into its definition, a comparison
shows both sides with their values (``max(excess(...)) 0.86 >= hhi_excess_max 0.50``), and
``held(b, k)`` shows for how many rounds in a row ``b`` has held. Values come from a replay
(:mod:`govlang.explain.replay`), which keeps every sub-expression :func:`watched` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govlang.lang import ir
from govlang.lang.ir import walk
from govlang.lang.params import ParamValue
from govlang.lang.unparse import format_expr
from govlang.runtime.plan import Plan, Ref
from govlang.runtime.values import Value, at_agent

MAX_DEPTH = 8
"""Monitors are expanded at most this deep (a definition chain longer than this is shown as
the monitor's value only)."""

SYMBOLS = {">=": "≥", "<=": "≤", "!=": "≠", "==": "=", "<": "<", ">": ">"}

ValueAt = Callable[[ir.Expr], Value]
"""The value of a watched expression at the explained instance, this round."""


@dataclass(frozen=True)
class Operand:
    """One side of a comparison: its source text and its value at the instance."""

    text: str
    value: Any

    def as_json(self) -> dict[str, Any]:
        """The operand as JSON."""
        return {"text": self.text, "value": self.value}


@dataclass(frozen=True)
class Condition:
    """A boolean (sub-)expression at an instance in a round, and why it has its truth value.

    ``kind``: ``monitor`` (a named boolean monitor; ``children`` holds its definition),
    ``all`` / ``any`` (an ``and`` / ``or`` chain), ``not``, ``compare`` (``left op right``),
    ``held`` (``held(b, k)``: ``streak`` rounds in a row of ``b``, ``window`` = ``k``),
    ``over`` (``all`` / ``any`` over a dim: ``op`` says which; over agents, its child is
    evaluated at every agent), or ``value`` (any other boolean expression).
    """

    kind: str
    text: str
    held: bool
    children: tuple[Condition, ...] = ()
    left: Operand | None = None
    op: str | None = None
    right: Operand | None = None
    streak: int | None = None
    window: int | None = None
    params: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The condition tree as JSON."""
        out: dict[str, Any] = {"kind": self.kind, "text": self.text, "held": self.held}
        if self.left is not None and self.right is not None:
            out.update(left=self.left.as_json(), op=self.op, right=self.right.as_json())
        if self.window is not None:
            out.update(streak=self.streak, window=self.window)
        if self.children:
            out["children"] = [c.as_json() for c in self.children]
        return out

    def line(self) -> str:
        """One line of text: what the node says, with its values."""
        if self.kind == "compare" and self.left is not None and self.right is not None:
            assert self.op is not None
            return f"{_side(self.left)} {SYMBOLS.get(self.op, self.op)} {_side(self.right)}"
        if self.kind == "held":
            return f"{self.text}: held {self.streak} round(s) in a row, needs {self.window}"
        if self.kind == "over" and self.children:
            return f"{self.op}: {self.children[0].line()}"
        return self.text

    def signals(self) -> list[tuple[Condition, bool]]:
        """The named monitors the top-level ``and`` / ``or`` / ``not`` chains combine.

        Each with whether it is negated (``not at_nash``): a signal *triggers* when it holds
        and is not negated. A monitor that combines no named monitor is its own one signal.
        """
        found: list[tuple[Condition, bool]] = []
        for child in self.children if self.kind == "monitor" else (self,):
            found += _signals(child, False)
        if not found and self.kind == "monitor":
            return [(self, False)]  # a monitor that combines none: it is its own signal
        return found


def _signals(node: Condition, negated: bool) -> list[tuple[Condition, bool]]:
    if node.kind == "monitor":
        return [(node, negated)]
    if node.kind in ("all", "any", "not"):
        flip = negated != (node.kind == "not")
        return [s for child in node.children for s in _signals(child, flip)]
    return []


def _side(operand: Operand) -> str:
    shown = format_operand(operand.value)
    return shown if operand.text == shown else f"{operand.text} {shown}"


def format_value(value: Any) -> str:
    """A value as short text: numbers to 2 decimals (4 significant digits when tiny)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        number = float(value)
        if number == int(number) and abs(number) < 1e15:
            return f"{number:.2f}" if not isinstance(value, int) else str(value)
        return f"{number:.4g}" if abs(number) < 0.01 else f"{number:.2f}"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def format_operand(value: Any) -> str:
    """A comparison operand: like :func:`format_value`, whole numbers without decimals."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(format_operand(v) for v in value) + "]"
    return format_value(value)


def watched(plan: Plan) -> list[ir.Expr]:
    """Every expression an explanation may need the value of: monitors' and guards' parts."""
    institution = plan.compiled.institution
    roots: list[ir.Expr] = [m.expr for m in institution.monitors]
    roots += [ir.NameRef(name=m.name) for m in institution.monitors]
    for scope in plan.scopes:
        roots += [e.guard.expr for e in scope.edges if isinstance(e.guard, Ref)]
    seen: dict[ir.Expr, None] = {}
    for root in roots:
        for node in walk(root):
            seen.setdefault(node, None)
    return list(seen)


class Explainer:
    """Builds condition trees for one institution from a replay's per-round values."""

    def __init__(self, institution: ir.Institution, params: Mapping[str, ParamValue]) -> None:
        """Explain expressions of ``institution`` with its resolved ``params``."""
        self.institution = institution
        self.params = params

    def condition(
        self,
        expr: ir.Expr,
        history: Sequence[Mapping[ir.Expr, Value]],
        agent: int | None,
    ) -> Condition:
        """The tree of ``expr`` in the last round of ``history``, at ``agent`` (or the market)."""
        return self._node(expr, history, agent, 0)

    def monitor(
        self, name: str, history: Sequence[Mapping[ir.Expr, Value]], agent: int | None
    ) -> Condition:
        """The tree of the monitor ``name``."""
        return self._node(ir.NameRef(name=name), history, agent, 0)

    def _value(
        self, expr: ir.Expr, history: Sequence[Mapping[ir.Expr, Value]], agent: int | None
    ) -> Value:
        value = history[-1][expr]
        return value if agent is None else at_agent(value, agent)

    def _truth(self, value: Value) -> bool:
        return bool(np.any(value.data))

    def _node(
        self,
        expr: ir.Expr,
        history: Sequence[Mapping[ir.Expr, Value]],
        agent: int | None,
        depth: int,
    ) -> Condition:
        held = self._truth(self._value(expr, history, agent))
        text = format_expr(expr)
        down = depth + 1
        if isinstance(expr, ir.NameRef):
            decl = self.institution.monitor(expr.name)
            if decl is None or depth >= MAX_DEPTH:
                return Condition("value", text, held)
            child = self._node(decl.expr, history, agent, down)
            return Condition("monitor", expr.name, held, (child,))
        if isinstance(expr, ir.Logic):
            parts = tuple(self._node(p, history, agent, down) for p in _chain(expr, expr.op))
            return Condition("all" if expr.op == "and" else "any", text, held, parts)
        if isinstance(expr, ir.Not):
            return Condition("not", text, held, (self._node(expr.operand, history, agent, down),))
        if isinstance(expr, ir.Compare):
            left = Operand(format_expr(expr.left), self._value(expr.left, history, agent).tolist())
            right = Operand(
                format_expr(expr.right), self._value(expr.right, history, agent).tolist()
            )
            return Condition("compare", text, held, left=left, op=expr.op, right=right)
        if isinstance(expr, ir.Call) and expr.function == "held" and len(expr.args) == 2:
            inner, window = expr.args
            k = int(float(self._value(window, history, agent).data))
            streak = 0
            for past in reversed(history):
                value = past[inner]
                if not self._truth(value if agent is None else at_agent(value, agent)):
                    break
                streak += 1
            child = self._node(inner, history, agent, down)
            return Condition("held", text, held, (child,), streak=streak, window=k)
        if isinstance(expr, ir.Call) and expr.function in ("all", "any") and expr.args:
            # Over agents: the operand at every agent (``all`` needs them all).
            whole = None if expr.over in ("agent", "agents") else agent
            child = self._node(expr.args[0], history, whole, down)
            return Condition("over", text, held, (child,), op=f"{expr.function} over {expr.over}")
        return Condition("value", text, held)


def _chain(expr: ir.Expr, op: str) -> Iterator[ir.Expr]:
    """The operands of a chain of the same logical operator, left to right."""
    if isinstance(expr, ir.Logic) and expr.op == op:
        yield from _chain(expr.left, op)
        yield from _chain(expr.right, op)
    else:
        yield expr


def params_in(institution: ir.Institution, exprs: Sequence[ir.Expr]) -> list[str]:
    """The params the expressions read, directly or through monitors, in declaration order."""
    order = [p.name for p in institution.params]
    params = set(order)
    found: dict[str, None] = {}
    stack, expanded = list(exprs), set()
    while stack:
        for node in walk(stack.pop()):
            if not isinstance(node, ir.NameRef):
                continue
            if node.name in params:
                found.setdefault(node.name, None)
            decl = institution.monitor(node.name)
            if decl is not None and node.name not in expanded:
                expanded.add(node.name)
                stack.append(decl.expr)
    return [name for name in order if name in found]


def signal_names(institution: ir.Institution, evidence: str) -> tuple[tuple[str, bool], ...]:
    """The signals of monitor ``evidence`` by structure alone: ``(name, negated)`` pairs.

    The named monitors its definition combines with ``and`` / ``or`` / ``not`` (the same
    signals :meth:`Condition.signals` finds in an evaluated tree).
    """
    decl = institution.monitor(evidence)
    if decl is None:
        return ()
    found: dict[tuple[str, bool], None] = {}
    stack: list[tuple[ir.Expr, bool]] = [(decl.expr, False)]
    while stack:
        expr, negated = stack.pop()
        if isinstance(expr, ir.Logic):
            stack += [(expr.right, negated), (expr.left, negated)]
        elif isinstance(expr, ir.Not):
            stack.append((expr.operand, not negated))
        elif isinstance(expr, ir.NameRef) and institution.monitor(expr.name) is not None:
            found.setdefault((expr.name, negated), None)
    return tuple(found) or ((evidence, False),)
