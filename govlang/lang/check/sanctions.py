"""Sanctions: where each may stand, the types of amounts, and the action space.

Fines, grants and notices may stand anywhere (``on enter:``, ``on each round:``, ``then``).
The four action constraints (``cap``, ``floor``, ``suspend``, ``exclude``) bind at the start
of a round, so only ``on each round:`` may carry them, and only when the institution declares
its action space. Constant bounds are checked against that space, over the declared ranges of
the params they use.
"""

from __future__ import annotations

from dataclasses import dataclass

from govlang.lang import ir
from govlang.lang.check.constants import show_value
from govlang.lang.check.context import Context
from govlang.lang.dims import AGENT
from govlang.lang.money import LIMIT_TEXT, within_limit
from govlang.lang.params import NotConstant

_CONSTRAINTS = (ir.ActionBound, ir.Suspend, ir.Exclude)
_ON_ROUND = "on each round"


def _interval_text(low: float | None, high: float | None) -> str:
    def shown(value: float | None) -> str:
        return "?" if value is None else show_value(value)

    return f"[{shown(low)}, {shown(high)}]"


@dataclass(frozen=True)
class ActionSpace:
    """The declared action space: its dimensions and, when constant, its bounds."""

    dims: tuple[str, ...]
    low: float | None
    high: float | None

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies within the bounds (true when they are unknown)."""
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def text(self) -> str:
        """``[0, 100]``."""
        return _interval_text(self.low, self.high)


def action_space(context: Context) -> ActionSpace | None:
    """Check the ``action:`` declaration (GL411) and return the space it declares."""
    action = context.institution.action
    if action is None:
        return None
    reporter = context.reporter
    if action.type.base != "number" or AGENT in action.type.dims:
        reporter.emit(
            "GL411",
            f"the action space must be numbers per agent, not `{reporter.text(action.type.span)}`",
            action.type.span,
            "each agent's action is `number` or `number[DIMS]`; the `agent` dimension is implied",
        )
    context.typer.declared_type(action.type)
    low, high = _bound(context, action.low), _bound(context, action.high)
    if low is not None and high is not None and low > high:
        reporter.emit(
            "GL411",
            f"the action space is empty: its low bound {show_value(low)} exceeds its high "
            f"bound {show_value(high)}",
            action.span,
            "write the bounds as `in [low, high]`",
        )
        low = high = None  # an empty space: nothing more to check against it
    return ActionSpace(tuple(d for d in action.type.dims if d != AGENT), low, high)


def _bound(context: Context, expr: ir.Expr) -> float | None:
    if context.typer.infer(expr) is None:
        return None
    value = context.constants.number(expr)
    if value is None and _known(context, expr):
        context.reporter.emit(
            "GL411",
            f"a bound of the action space must be a constant number, not "
            f"{context.reporter.show(expr)}",
            expr.span,
            "use a literal or a param",
        )
    return value


def _known(context: Context, expr: ir.Expr) -> bool:
    """Whether ``expr`` does not depend on a param whose value an error left unknown."""
    try:
        return context.constants.evaluate(expr) is not None
    except NotConstant:
        return True


class SanctionChecker:
    """Checks every sanction of the institution, in its context."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.reporter = context.reporter
        self.typer = context.typer
        self.space = action_space(context)

    def run(self) -> None:
        """Check each state's and each edge's sanctions."""
        for scope in self.context.institution.scopes:
            for state in scope.states:
                for sanction in state.on_enter:
                    self.check(sanction, scope.kind, "on enter")
                for sanction in state.on_round:
                    self.check(sanction, scope.kind, _ON_ROUND)
            for rule in scope.rules:
                for edge in rule.edges:
                    for sanction in edge.sanctions:
                        self.check(sanction, scope.kind, "then")

    def check(self, sanction: ir.Sanction, scope: str, where: str) -> None:
        """Check one sanction attached ``where`` in a scope of kind ``scope``."""
        if isinstance(sanction, ir.Fine):
            self._fine(sanction, scope)
        elif isinstance(sanction, ir.Grant):
            self._amount(sanction.amount, scope, "the grant")
        elif isinstance(sanction, _CONSTRAINTS):
            self._constraint(sanction, scope, where)

    # --------------------------------------------------------------------- money
    def _fine(self, fine: ir.Fine, scope: str) -> None:
        if fine.ladder:
            self._ladder(fine.amount)
        else:
            self._amount(fine.amount, scope, "the fine")
        parts = (("plus", fine.plus), ("floor", fine.floor), ("cap", fine.cap))
        for word, expr in parts:
            if expr is not None:
                self._amount(expr, scope, f"the fine's `{word}`")
        self._sum_limit(fine)

    def _sum_limit(self, fine: ir.Fine) -> None:
        """GL412 when a fixed fine's amount and `plus`, each within the limit, sum beyond it."""
        if fine.ladder or fine.of_profit or fine.plus is None or fine.cap is not None:
            return
        base = self.context.constants.number(fine.amount)
        plus = self.context.constants.number(fine.plus)
        if base is None or plus is None or not (within_limit(base) and within_limit(plus)):
            return
        if not within_limit(base + plus):
            self._beyond_limit(fine.plus, "the fine with its `plus`", base + plus)

    def _ladder(self, expr: ir.Expr) -> None:
        typed = self.typer.infer(expr)
        if typed is None:
            return
        if typed.base == "list":
            self._ladder_steps(expr)
            return
        self.reporter.emit(
            "GL406",
            f"`fine ladder` needs a list, but {self.reporter.show(expr)} is {typed}",
            expr.span,
            "write a list such as `[0.35, 0.75, 1.0]` or a list param, or drop `ladder`",
        )

    def _ladder_steps(self, expr: ir.Expr) -> None:
        """GL413 for a ladder without steps; GL412 for a step beyond the money limit."""
        try:
            value = self.context.constants.evaluate(expr)
        except NotConstant:
            return
        if not isinstance(value, tuple):
            return
        if not value:
            self.reporter.emit(
                "GL413",
                f"the fine ladder {self.reporter.show(expr)} has no steps",
                expr.span,
                "give the ladder at least one rate, e.g. `[0.35, 0.75, 1.0]`",
            )
            return
        beyond = [step for step in value if not within_limit(step)]
        if beyond:
            self._beyond_limit(expr, "a step of the fine ladder", beyond[0])

    def _money_limit(self, expr: ir.Expr, what: str) -> None:
        """GL412 when ``expr`` is a constant beyond the money limit."""
        value = self.context.constants.number(expr)
        if value is not None and not within_limit(value):
            self._beyond_limit(expr, what, value)

    def _beyond_limit(self, expr: ir.Expr, what: str, value: float) -> None:
        shown = self.reporter.show(expr)
        number = "" if isinstance(expr, ir.Number) else f" ({show_value(value)})"
        self.reporter.emit(
            "GL412",
            f"{what} {shown}{number} is beyond the money limit ({LIMIT_TEXT})",
            expr.span,
            "amounts of money are finite and at most 1e15 in magnitude",
        )

    def _amount(self, expr: ir.Expr, scope: str, what: str, allowed: tuple[str, ...] = ()) -> None:
        """Require a number per scope instance (per action dimension when ``allowed``)."""
        typed = self.typer.infer(expr)
        if typed is None:
            return
        if typed.base == "number" and not allowed:
            self._money_limit(expr, what)
        shown = self.reporter.show(expr)
        if typed.base != "number":
            hint = "add `ladder` to step through the list on repeat offences"
            self.reporter.emit(
                "GL405",
                f"{what} must be a number, but {shown} is {typed}",
                expr.span,
                hint if typed.base == "list" and what == "the fine" else None,
            )
            return
        scoped = self.typer.at_scope(typed, expr, scope, what)
        extra = [d for d in scoped.dims if d not in allowed] if scoped is not None else []
        if extra:
            text = self.reporter.text(expr.span) or "..."
            self.reporter.emit(
                "GL405",
                f"{what} must be a single number, but {shown} has the dimension `{extra[0]}`",
                expr.span,
                f"reduce it, e.g. `max({text} over {extra[0]})`",
            )

    # --------------------------------------------------------------------- constraints
    def _constraint(
        self, sanction: ir.ActionBound | ir.Suspend | ir.Exclude, scope: str, where: str
    ) -> None:
        word = _word(sanction)
        if where != _ON_ROUND:
            self.reporter.emit(
                "GL401",
                f"`{word}` constrains the action, so it binds only under `on each round:`, "
                f"not `{where}`",
                sanction.span,
                "move it to the state's `on each round:` (it applies in every round spent there)",
            )
        if self.space is None:
            self.reporter.emit(
                "GL402",
                f"`{word}` constrains the action, but the institution declares no action space",
                sanction.span,
                "declare it, e.g. `action: number in [0, 100]`",
            )
            return
        if isinstance(sanction, ir.ActionBound):
            self._amount(sanction.value, scope, f"the {sanction.bound}", self.space.dims)
            self._bound_range(sanction, word)
        elif not self.space.contains(0.0):
            self.reporter.emit(
                "GL403",
                f"`{word}` forces the action to 0, which is outside the action space "
                f"{self.space.text()}",
                sanction.span,
                "make 0 part of the action space, or use `cap action at` / `floor action at`",
            )

    def _bound_range(self, bound: ir.ActionBound, word: str) -> None:
        """GL403 when the bound is outside the space; GL404 when its params allow that."""
        space = self.space
        interval = self.context.constants.interval(bound.value)
        if space is None or interval is None or space.low is None or space.high is None:
            return
        current = self.context.constants.number(bound.value)
        shown = f"the {bound.bound} {self.reporter.show(bound.value)}"
        if current is not None and not space.contains(current):
            value = "" if isinstance(bound.value, ir.Number) else f" {show_value(current)},"
            self.reporter.emit(
                "GL403",
                f"{shown} is{value} outside the action space {space.text()}",
                bound.value.span,
                f"a {bound.bound} must lie within the declared action space",
            )
        elif not (space.contains(interval[0]) and space.contains(interval[1])):
            self.reporter.emit(
                "GL404",
                f"{shown} could push an action outside the action space {space.text()}: "
                f"over the declared param ranges it spans {_interval_text(*interval)}",
                bound.value.span,
                "narrow the ranges of the params it uses",
            )


def _word(sanction: ir.ActionBound | ir.Suspend | ir.Exclude) -> str:
    if isinstance(sanction, ir.ActionBound):
        return f"{sanction.bound} action at"
    return sanction.kind
