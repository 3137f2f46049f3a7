"""The abstraction: a scope's conditions as formulas over free atoms and exact trackers.

Every bool condition the controller reads (the evidence, each guard) and every condition of an
assertion is compiled to a :data:`Formula`. Bool monitors that are ``and``/``or``/``not`` (or
``if``) of other bool values are expanded down to their leaves, so that "the evidence is false"
constrains those leaves consistently. What remains is:

- an **atom**: a leaf the analysis treats as a free input each round (a comparison of values
  from the market, an aggregate such as ``all(...)``, a bool observable). Atoms are identified
  by their canonical text; an atom that is the whole expression of a monitor is labelled by the
  monitor's name. A comparison that interval reasoning decides (``share(...) > 1``) is a
  constant, not an atom; comparisons of one term with constants constrain each other (``x > 5``
  and ``x < 3`` cannot both hold: :meth:`Abstraction.consistent`);
- a **tracker**: a temporal function the analysis models exactly, with a counter in the
  configuration: ``held(b, k)`` (a streak of ``b`` capped at ``k``) and ``count_last(b, n)``
  compared with a constant (the last ``n - 1`` values of ``b``, for ``n <= 17``);
- in assertions only: a state of the scope (the instance is in it after the round),
  ``entered(S)`` and ``clean``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from govlang.analyse.formulas import (
    FALSE,
    AtomF,
    CleanF,
    Const,
    CountF,
    EnteredF,
    Formula,
    HeldF,
    StateF,
    Tracker,
    conjunction,
    disjunction,
    negate,
)
from govlang.analyse.intervals import FLIPPED, NEGATED, Ranges, compare, region
from govlang.lang import ir
from govlang.lang.assertions import CLEAN, ENTERED
from govlang.lang.interval import Interval
from govlang.lang.params import NotConstant, ParamValue, constant_value
from govlang.lang.unparse import format_expr

WINDOW_LIMIT = 17
"""Largest ``count_last`` window modelled exactly (its configuration keeps n - 1 bits)."""


@dataclass(frozen=True)
class Constraint:
    """What a comparison atom ``term op bound`` says about ``term`` (whose range is ``range``)."""

    term: str
    op: str
    bound: Interval
    range: Interval


@dataclass(frozen=True)
class Atom:
    """A free input: its canonical text, the label shown to people, and its constraint."""

    index: int
    key: str
    label: str
    expr: ir.Expr
    constraint: Constraint | None = None


class Abstraction:
    """Compiles the conditions of one scope to formulas; owns their atoms and trackers."""

    def __init__(
        self,
        institution: ir.Institution,
        values: Mapping[str, ParamValue],
        scope: ir.ScopeDecl,
        ranges: Ranges,
    ) -> None:
        self.institution = institution
        self.values = values
        self.scope = scope
        self.ranges = ranges
        self.atoms: list[Atom] = []
        self.trackers: list[Tracker] = []
        self._atom_keys: dict[str, int] = {}
        self._tracker_keys: dict[tuple[str, str, int], int] = {}
        self._monitors: dict[str, Formula] = {}
        self._states = {state.name for state in scope.states}
        self._assertion = False

    def condition(self, expr: ir.Expr) -> Formula:
        """The formula of a guard or of the evidence."""
        self._assertion = False
        return self._compile(expr)

    def assertion(self, expr: ir.Expr) -> Formula:
        """The formula of an assertion's condition (states, ``entered``, ``clean`` allowed)."""
        self._assertion = True
        try:
            return self._compile(expr)
        finally:
            self._assertion = False

    def evidence(self) -> Formula:
        """The formula of the scope's evidence (false when it declares none)."""
        name = self.scope.evidence
        return FALSE if name is None else self.condition(ir.NameRef(name=name))

    # --------------------------------------------------------------------- compiling
    def _compile(self, expr: ir.Expr, label: str | None = None) -> Formula:
        if isinstance(expr, ir.Boolean):
            return Const(expr.value)
        if isinstance(expr, ir.Not):
            return negate(self._compile(expr.operand))
        if isinstance(expr, ir.Logic):
            parts = [self._compile(expr.left), self._compile(expr.right)]
            return conjunction(parts) if expr.op == "and" else disjunction(parts)
        if isinstance(expr, ir.IfThenElse):
            test = self._compile(expr.condition)
            then, otherwise = self._compile(expr.then), self._compile(expr.otherwise)
            return disjunction([conjunction([test, then]), conjunction([negate(test), otherwise])])
        if isinstance(expr, ir.NameRef):
            return self._name(expr)
        if isinstance(expr, ir.Compare):
            return self._compare(expr, label)
        if isinstance(expr, ir.Call):
            return self._call(expr, label)
        return self._atom(expr, label)

    def _name(self, ref: ir.NameRef) -> Formula:
        name = ref.name
        declared = self.institution.param(name) or self.institution.monitor(name)
        if self._assertion and name in self._states:
            return StateF(name)
        if self._assertion and name == CLEAN and declared is None:
            return CleanF()
        param = self.institution.param(name)
        if param is not None:
            return Const(bool(self.values.get(name)))
        monitor = self.institution.monitor(name)
        if monitor is None:
            return self._atom(ref, name)
        if name not in self._monitors:
            self._monitors[name] = self._compile(monitor.expr, label=name)
        return self._monitors[name]

    def _call(self, call: ir.Call, label: str | None) -> Formula:
        if self._assertion and call.function == ENTERED and call.args:
            arg = call.args[0]
            return EnteredF(arg.name if isinstance(arg, ir.NameRef) else "")
        if call.function == "held" and len(call.args) == 2:
            size = self._count(call.args[1])
            if size is not None and size >= 1:
                base = self._compile(call.args[0])
                return HeldF(self._tracker("held", base, size, label or format_expr(call)))
        return self._atom(call, label)

    def _compare(self, expr: ir.Compare, label: str | None) -> Formula:
        left, right = self.ranges.of(expr.left), self.ranges.of(expr.right)
        known = compare(expr.op, left, right)
        if known is not None:
            return Const(known)
        window = self._window(expr)
        if window is not None:
            return window
        constraint = self._constraint(expr)
        return self._atom(expr, label, constraint)

    def _window(self, expr: ir.Compare) -> Formula | None:
        """``count_last(b, n) op c`` (either side) as a window tracker, when it can be one."""
        for counted, other, op in ((expr.left, expr.right, expr.op), (expr.right, expr.left, "")):
            if not (isinstance(counted, ir.Call) and counted.function == "count_last"):
                continue
            size = self._count(counted.args[1]) if len(counted.args) == 2 else None
            bound = self._number(other)
            if size is None or bound is None or not 1 <= size <= WINDOW_LIMIT:
                return None
            base = self._compile(counted.args[0])
            tracker = self._tracker("window", base, size, format_expr(counted))
            return CountF(tracker, op or FLIPPED[expr.op], bound)
        return None

    def _constraint(self, expr: ir.Compare) -> Constraint | None:
        for term, bound, op in ((expr.left, expr.right, expr.op), (expr.right, expr.left, "")):
            interval = self.ranges.constant(bound)
            if interval is not None and self.ranges.constant(term) is None:
                real = op or FLIPPED[expr.op]
                return Constraint(format_expr(term), real, interval, self.ranges.of(term))
        return None

    # --------------------------------------------------------------------- leaves
    def _atom(
        self, expr: ir.Expr, label: str | None, constraint: Constraint | None = None
    ) -> AtomF:
        key = format_expr(expr)
        index = self._atom_keys.get(key)
        if index is None:
            index = len(self.atoms)
            self._atom_keys[key] = index
            self.atoms.append(Atom(index, key, label or key, expr, constraint))
        elif label is not None and self.atoms[index].label == key:
            old = self.atoms[index]
            self.atoms[index] = Atom(index, key, label, old.expr, old.constraint)
        return AtomF(index)

    def _tracker(self, kind: Literal["held", "window"], base: Formula, size: int, text: str) -> int:
        key = (kind, repr(base), size)
        index = self._tracker_keys.get(key)
        if index is None:
            index = len(self.trackers)
            self._tracker_keys[key] = index
            self.trackers.append(Tracker(index, kind, base, size, text))
        return index

    def _count(self, expr: ir.Expr) -> int | None:
        value = self._number(expr)
        return int(value) if value is not None and float(value).is_integer() else None

    def _number(self, expr: ir.Expr) -> float | None:
        try:
            value = constant_value(expr, self.values)
        except NotConstant:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    # --------------------------------------------------------------------- assignments
    def consistent(self, assignment: Sequence[bool], only: Sequence[int] | None = None) -> bool:
        """Whether the comparison atoms of ``assignment`` can hold together (see module doc).

        ``only`` restricts the check to those atoms (the others are ignored).
        """
        regions: dict[str, Interval] = {}
        indices = range(len(self.atoms)) if only is None else only
        for index in indices:
            constraint = self.atoms[index].constraint
            if constraint is None:
                continue
            op = constraint.op if assignment[index] else NEGATED[constraint.op]
            current = regions.get(constraint.term, constraint.range)
            met = current.meet(region(op, constraint.bound))
            if met.empty:
                return False
            regions[constraint.term] = met
        return True
