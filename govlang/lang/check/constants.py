"""Constant expressions: window sizes, edge counts, and the interval a param expression spans.

A constant is a literal, a param, or arithmetic of them. Params have their resolved values
(defaults or overrides). For the action-space check, :meth:`Constants.interval` reasons over
the declared param *ranges*: an expression could take any value its params' ranges allow.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from govlang.lang import ir
from govlang.lang.check.sink import Reporter
from govlang.lang.ir import walk
from govlang.lang.params import NotConstant, ParamValue, constant_value

Interval = tuple[float, float]


def show_value(value: ParamValue) -> str:
    """A value as a user would write it (``3``, ``2.5``, ``true``, ``[0.1, 0.2]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return str(int(value))
    return str(value)


def _integers(low: int, high: int | None) -> str:
    """``integer from 1 to 1000``, ``non-negative integer``, ``positive integer``."""
    if high is not None:
        return f"integer from {low} to {high}"
    return {0: "non-negative integer", 1: "positive integer"}.get(low, f"integer >= {low}")


def _within(value: int, low: int, high: int | None) -> bool:
    return low <= value and (high is None or value <= high)


class Constants:
    """Evaluates constant expressions of one institution and reports those that are not."""

    def __init__(
        self,
        institution: ir.Institution,
        values: dict[str, ParamValue],
        names: Collection[str],
        reporter: Reporter,
    ) -> None:
        self.params = {p.name: p for p in institution.params}
        self.values = values
        self.names = names
        self.reporter = reporter

    def evaluate(self, expr: ir.Expr) -> ParamValue | None:
        """The value of ``expr``; ``None`` when an earlier error leaves it unknown.

        Raises :class:`NotConstant` when ``expr`` reads something other than params.
        """
        for node in walk(expr):
            if not isinstance(node, ir.NameRef):
                continue
            if node.name in self.params:
                if node.name not in self.values:
                    return None
            elif node.name in self.names:
                raise NotConstant(f"`{node.name}` is not a param", node.span)
            else:
                return None  # an undefined name, reported by the type checker
        return constant_value(expr, self.values)

    def integer(
        self, expr: ir.Expr, what: str, code: str, low: int, high: int | None = None
    ) -> int | None:
        """The value of ``expr`` if it is a constant integer in ``[low, high]``, else report."""
        need = f"{what} must be a constant {_integers(low, high)}"
        try:
            value = self.evaluate(expr)
        except NotConstant as exc:
            hint = "use an integer literal, an int param, or arithmetic of them"
            self.reporter.emit(code, f"{need}; {exc.message}", exc.span, hint)
            return None
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer() and self._integral(expr):
            value = int(value)  # arithmetic of integers, such as `window / 2`
        if isinstance(value, int) and not isinstance(value, bool) and _within(value, low, high):
            return value
        got = f"not {show_value(value)}"
        if not isinstance(expr, ir.Number):
            got = f"but {self.reporter.show(expr)} is {show_value(value)}"
        advice = "use an integer literal or an int param" if isinstance(value, float) else None
        self.reporter.emit(code, f"{need}, {got}", expr.span, advice)
        return None

    def _integral(self, expr: ir.Expr) -> bool:
        """Whether ``expr`` is built from integer literals and int params only."""
        for node in walk(expr):
            if isinstance(node, ir.Number) and not node.is_int:
                return False
            if isinstance(node, ir.NameRef) and self.params[node.name].type != "int":
                return False
        return True

    def number(self, expr: ir.Expr) -> float | None:
        """The value of ``expr`` as a number, or ``None`` (not constant or not a number)."""
        try:
            value = self.evaluate(expr)
        except NotConstant:
            return None
        if isinstance(value, (bool, tuple)) or value is None:
            return None
        return float(value)

    def interval(self, expr: ir.Expr) -> Interval | None:
        """The values ``expr`` can take as its params range over their declared ranges.

        ``None`` when ``expr`` is not arithmetic over numbers and params.
        """
        if isinstance(expr, ir.Number):
            return expr.value, expr.value
        if isinstance(expr, ir.NameRef):
            return self._param_interval(expr.name)
        if isinstance(expr, ir.Negate):
            inner = self.interval(expr.operand)
            return None if inner is None else (-inner[1], -inner[0])
        if isinstance(expr, ir.Binary):
            left, right = self.interval(expr.left), self.interval(expr.right)
            if left is None or right is None:
                return None
            return _combine(expr.op, left, right)
        return None

    def _param_interval(self, name: str) -> Interval | None:
        param = self.params.get(name)
        value = self.values.get(name)
        if param is None or isinstance(value, (bool, tuple)) or value is None:
            return None
        if param.low is None or param.high is None:
            return float(value), float(value)
        low, high = self.number(param.low), self.number(param.high)
        if low is None or high is None:
            return None
        return min(low, float(value)), max(high, float(value))


def _combine(op: str, left: Interval, right: Interval) -> Interval | None:
    if op == "+":
        return left[0] + right[0], left[1] + right[1]
    if op == "-":
        return left[0] - right[1], left[1] - right[0]
    if op == "/":
        if right[0] <= 0 <= right[1]:
            return None  # x / 0 = 0: too coarse to reason about
        right = (1 / right[1], 1 / right[0])
    corners = [a * b for a in left for b in right]
    if any(math.isnan(c) for c in corners):
        return None
    return min(corners), max(corners)
