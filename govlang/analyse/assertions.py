"""User assertions (``assert ...``), checked on a scope's abstract transition system.

Every condition is evaluated at the end of a round (round 1 onwards): a state is true when the
instance is in it after the round's traversal; ``entered(S)`` when the round's traversal
entered ``S``; ``clean`` when the round had no evidence; monitors and comparisons are the
round's atoms and trackers.

- ``never C`` / ``always C`` / ``never C unless D``: no reachable round has ``C`` (``not C``,
  ``C and not D``);
- ``reachable C``: some reachable round has ``C`` (a witness is reported);
- ``C leads to D within k rounds [while E]``: whenever a round has ``C``, ``D`` holds in that
  round or one of the ``k`` rounds after it, on every continuation in which ``E`` holds in each
  of those later rounds (without ``while``: on every continuation). An observer counts the
  rounds the oldest open obligation has waited.
"""

from __future__ import annotations

from collections.abc import Hashable

from govlang.analyse.bmc import Node, Search, search
from govlang.analyse.formulas import Formula, evaluate, input_parts
from govlang.analyse.model import Config, Letter, ScopeModel, Step
from govlang.analyse.properties import PropertyResult, Status
from govlang.analyse.trace import Trace, TraceKind, build_trace
from govlang.lang import ir
from govlang.lang.params import constant_value
from govlang.lang.unparse import format_expr, format_property

_VIOLATED = "violated"
"""The observer's value once an obligation has waited too long."""


def check_assertion(model: ScopeModel, decl: ir.AssertDecl, bound: int) -> PropertyResult:
    """The verdict on one assertion about ``model``'s scope."""
    compile_ = model.abstraction.assertion
    condition = compile_(decl.condition)
    if decl.form == "leads_to":
        assert decl.target is not None and decl.within is not None
        during = None if decl.during is None else compile_(decl.during)
        within = constant_value(decl.within, model.compiled.params)
        assert isinstance(within, int | float) and not isinstance(within, bool)
        return _leads_to(
            model, decl, bound, (condition, compile_(decl.target), during), int(within)
        )
    unless = None if decl.unless is None else compile_(decl.unless)
    return _safety(model, decl, bound, condition, unless)


def _holds(formula: Formula, letter: Letter, step: Step, model: ScopeModel) -> bool:
    entered = None if step.edge is None else model.edges[step.edge].compiled.target
    return evaluate(formula, letter.round(step.config.state, entered))


def _safety(
    model: ScopeModel, decl: ir.AssertDecl, bound: int, condition: Formula, unless: Formula | None
) -> PropertyResult:
    """``never``, ``always`` and ``reachable``: one search for a round with a target."""
    parts = [*input_parts(condition), *(input_parts(unless) if unless is not None else [])]
    reach = decl.form == "reachable"

    def target(node: Node, letter: Letter, step: Step, after: Node) -> bool:
        value = _holds(condition, letter, step, model)
        if decl.form == "always":
            return not value
        if unless is not None and value:
            return not _holds(unless, letter, step, model)
        return value

    found = search(model, bound, target, extra=parts)
    if found.stopped is None:
        status: Status = ("unreachable" if reach else "proved") if found.exhausted else "bounded"
        detail = f"{'never' if reach else 'no violation'} in {_explored(found)}"
        return PropertyResult(decl.id, _title(decl), model.kind, status, detail)
    kind: TraceKind = "witness" if reach else "counterexample"
    shown = format_expr(decl.condition) if reach else format_property(decl)
    summary = f"`{shown}` {'holds' if reach else 'fails'} in round {{}}"
    trace = _trace(model, decl, found, kind, summary)
    verdict: Status = "reachable" if reach else "violated"
    return PropertyResult(decl.id, _title(decl), model.kind, verdict, trace.summary, trace=trace)


def _leads_to(
    model: ScopeModel,
    decl: ir.AssertDecl,
    bound: int,
    formulas: tuple[Formula, Formula, Formula | None],
    within: int,
) -> PropertyResult:
    """``C leads to D within k rounds [while E]``: a search with an obligation counter."""
    condition, target, during = formulas
    parts = [part for f in formulas if f is not None for part in input_parts(f)]

    def observe(pending: Hashable, config: Config, letter: Letter, step: Step) -> Hashable:
        if pending == _VIOLATED or _holds(target, letter, step, model):
            return None if pending != _VIOLATED else _VIOLATED
        alive = pending is not None and (during is None or _holds(during, letter, step, model))
        waited = pending + 1 if alive and isinstance(pending, int) else None
        if waited is None and _holds(condition, letter, step, model):
            waited = 0
        return _VIOLATED if waited is not None and waited >= within else waited

    def violated(node: Node, letter: Letter, step: Step, after: Node) -> bool:
        return after[1] == _VIOLATED

    found = search(model, bound, violated, extra=parts, observer=observe)
    if found.stopped is None:
        status: Status = "proved" if found.exhausted else "bounded"
        return PropertyResult(
            decl.id, _title(decl), model.kind, status, f"no violation in {_explored(found)}"
        )
    assert decl.target is not None
    trigger, goal = format_expr(decl.condition), format_expr(decl.target)
    summary = f"`{trigger}` is not followed by `{goal}` within {within} rounds (round {{}})"
    trace = _trace(model, decl, found, "counterexample", summary)
    return PropertyResult(decl.id, _title(decl), model.kind, "violated", trace.summary, trace=trace)


def _trace(
    model: ScopeModel, decl: ir.AssertDecl, found: Search, kind: TraceKind, summary: str
) -> Trace:
    """The trace to the round where the search stopped (``summary``: ``{}`` is that round)."""
    assert found.stopped is not None
    node, letter = found.stopped
    letters = [*found.letters_to(node), letter]
    text = summary.format(len(letters))
    return build_trace(model, letters, property_id=decl.id, kind=kind, summary=text)


def _title(decl: ir.AssertDecl) -> str:
    return decl.text or decl.id


def _explored(found: Search) -> str:
    configs = len(found.parents)
    if found.exhausted:
        return f"all {configs} configurations"
    return f"{configs} configurations within {found.rounds} rounds"
