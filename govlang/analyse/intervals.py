"""Interval reasoning: the values a numeric expression can take, and what a comparison can be.

:class:`~govlang.lang.interval.Interval` is a set of reals ``lo .. hi`` whose ends may be open or
infinite. :class:`Ranges` computes, for a numeric expression, an interval containing every
value it can take, from the expression's structure alone (each built-in function's rule is
its ``bound`` in :data:`govlang.lang.builtins.BUILTINS`):

- a literal is itself; a param is its declared range (``in [lo, hi]``) in *ranges* mode, its
  value in *values* mode (a param without a range is always its value);
- ``action`` lies in the declared action space, ``round`` is at least 1, ``count_last(b, n)``
  is in ``[0, n]``, ``count(...)`` is at least 0;
- ``share`` and ``hhi`` of a non-negative value are in ``[0, 1]``; ``std``, ``cv``,
  ``dispersion`` and ``abs`` are at least 0; ``excess`` and ``pct_change`` of non-negative
  values are at least -1; ``min``/``max``/``mean`` and the windowed means keep their
  argument's range; ``clip`` is bounded by its limits; arithmetic is interval arithmetic
  (``x / 0 = 0``, so a divisor that may be 0 adds 0 to the result);
- observables and everything else are unbounded.

:func:`compare` says whether a comparison of two intervals always holds, never holds, or may go
either way; :func:`region` gives the set of values of ``x`` for which ``x op c`` can hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from govlang.lang import builtins, ir
from govlang.lang.interval import EVERYTHING, INF, Interval, point, product
from govlang.lang.ir import names
from govlang.lang.params import NotConstant, ParamValue, constant_value

Mode = Literal["values", "ranges"]


# ------------------------------------------------------------------------------- comparisons

Truth = bool | None
"""``True``: always holds; ``False``: never holds; ``None``: depends."""


def compare(op: str, left: Interval, right: Interval) -> Truth:
    """Whether ``left op right`` holds for every, no, or some values of the two intervals."""
    if op in ("<", ">="):
        lt: Truth = True if left.hi < right.lo else (False if left.lo >= right.hi else None)
        return lt if op == "<" or lt is None else not lt
    if op in (">", "<="):
        gt: Truth = True if left.lo > right.hi else (False if left.hi <= right.lo else None)
        return gt if op == ">" or gt is None else not gt
    if left.hi < right.lo or right.hi < left.lo:
        return op == "!="
    if left.lo == left.hi == right.lo == right.hi:
        return op == "=="
    return None


FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


def region(op: str, bound: Interval) -> Interval:
    """The values ``x`` for which ``x op c`` holds for some ``c`` in ``bound``.

    ``!=`` gives every value (its true set is not an interval: an over-approximation).
    """
    if op == "<":
        return Interval(-INF, bound.hi, hi_open=True)
    if op == "<=":
        return Interval(-INF, bound.hi)
    if op == ">":
        return Interval(bound.lo, INF, lo_open=True)
    if op == ">=":
        return Interval(bound.lo, INF)
    return Interval(bound.lo, bound.hi) if op == "==" else EVERYTHING


# ------------------------------------------------------------------------------- ranges


class Ranges:
    """The interval of every numeric expression of one institution (see the module doc)."""

    def __init__(
        self, institution: ir.Institution, values: Mapping[str, ParamValue], mode: Mode
    ) -> None:
        self.institution = institution
        self.values = values
        self.mode = mode
        self._monitors: dict[str, Interval] = {}
        self._rules: dict[type[ir.Node], Callable[[ir.Expr], Interval]] = {
            ir.Number: self._number,
            ir.NameRef: self._name,
            ir.Negate: self._negate,
            ir.Binary: self._binary,
            ir.IfThenElse: self._if,
            ir.Call: self._call,
        }

    def of(self, expr: ir.Expr) -> Interval:
        """An interval holding every value ``expr`` can take."""
        rule = self._rules.get(type(expr))
        return EVERYTHING if rule is None else rule(expr)

    def constant(self, expr: ir.Expr) -> Interval | None:
        """The interval of ``expr`` if it reads params and literals only, else ``None``."""
        try:
            constant_value(expr, self.values)
        except NotConstant:
            return None
        return self.of(expr)

    # --------------------------------------------------------------------- leaves
    def _number(self, expr: ir.Expr) -> Interval:
        assert isinstance(expr, ir.Number)
        return point(expr.value)

    def _negate(self, expr: ir.Expr) -> Interval:
        assert isinstance(expr, ir.Negate)
        inner = self.of(expr.operand)
        return Interval(-inner.hi, -inner.lo)

    def _if(self, expr: ir.Expr) -> Interval:
        assert isinstance(expr, ir.IfThenElse)
        return self.of(expr.then).join(self.of(expr.otherwise))

    def _name(self, expr: ir.Expr) -> Interval:
        assert isinstance(expr, ir.NameRef)
        name = expr.name
        param = self.institution.param(name)
        if param is not None:
            return self._param(param)
        monitor = self.institution.monitor(name)
        if monitor is not None:
            if name not in self._monitors:
                self._settle(name)
            return self._monitors[name]
        if name == "round":
            return Interval(1.0)
        if name == "action" and self.institution.action is not None:
            return self._action(self.institution.action)
        return EVERYTHING

    def _settle(self, name: str) -> None:
        """Compute the interval of monitor ``name`` after those of the monitors it reads.

        Depth first without recursion, so that a long chain of monitors (each reading the
        previous) costs no Python stack: each monitor's own expression is evaluated only once
        every monitor it reads has its interval.
        """
        stack: list[tuple[str, bool]] = [(name, False)]
        while stack:
            current, ready = stack.pop()
            monitor = self.institution.monitor(current)
            if monitor is None or (current in self._monitors and not ready):
                continue
            if ready:
                self._monitors[current] = self.of(monitor.expr)
                continue
            self._monitors[current] = EVERYTHING  # a cycle (reported by the checker) is unbounded
            stack.append((current, True))
            for ref in names(monitor.expr):
                if ref.name not in self._monitors and self.institution.monitor(ref.name):
                    stack.append((ref.name, False))

    def _param(self, param: ir.ParamDecl) -> Interval:
        value = self.values.get(param.name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return EVERYTHING
        here = point(float(value))
        if self.mode == "values" or param.low is None or param.high is None:
            return here
        low, high = self.of(param.low), self.of(param.high)
        return Interval(low.lo, high.hi).join(here)

    def _action(self, action: ir.ActionDecl) -> Interval:
        low, high = self.of(action.low), self.of(action.high)
        return Interval(low.lo, high.hi) if low.lo <= high.hi else EVERYTHING

    # --------------------------------------------------------------------- arithmetic
    def _binary(self, expr: ir.Expr) -> Interval:
        assert isinstance(expr, ir.Binary)
        left, right = self.of(expr.left), self.of(expr.right)
        if expr.op == "+":
            return Interval(left.lo + right.lo, left.hi + right.hi)
        if expr.op == "-":
            return Interval(left.lo - right.hi, left.hi - right.lo)
        if expr.op == "*":
            return product(left, right)
        if right.lo <= 0 <= right.hi:  # x / 0 = 0, and near 0 anything goes
            return EVERYTHING if (left.lo, left.hi) != (0.0, 0.0) else point(0.0)
        return product(left, Interval(1 / right.hi, 1 / right.lo))

    # --------------------------------------------------------------------- functions
    def _call(self, expr: ir.Expr) -> Interval:
        """The built-in's own interval abstraction (:data:`govlang.lang.builtins.BUILTINS`)."""
        assert isinstance(expr, ir.Call)
        return builtins.bound(expr.function, [self.of(arg) for arg in expr.args])
