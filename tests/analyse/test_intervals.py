"""Interval reasoning: intervals, comparisons, ranges of expressions, atom consistency."""

from __future__ import annotations

import math

import pytest

from govlang.analyse.atoms import Abstraction
from govlang.analyse.formulas import AtomF, Const, CountF, Formula, HeldF
from govlang.analyse.intervals import (
    Mode,
    Ranges,
    compare,
    region,
)
from govlang.analyse.structure import values_of
from govlang.lang import ir
from govlang.lang.frontend import parse_text
from govlang.lang.interval import EVERYTHING, UNIT, Interval, point
from govlang.lang.params import resolve_params

INF = math.inf


def test_meet_respects_open_ends() -> None:
    above, below = Interval(5, INF, lo_open=True), Interval(-INF, 5, hi_open=True)
    assert above.meet(below).empty
    assert not Interval(5).meet(Interval(-INF, 5)).empty
    assert Interval(0, 1).meet(Interval(2, 3)).empty
    assert str(Interval(0, 1, hi_open=True)) == "[0, 1)"


@pytest.mark.parametrize(
    ("op", "left", "right", "truth"),
    [
        (">", UNIT, point(1), False),
        ("<=", UNIT, point(1), True),
        ("<", UNIT, point(0.5), None),
        ("<", Interval(0, 1), Interval(2, 3), True),
        (">=", Interval(0, 1), Interval(2, 3), False),
        ("==", point(2), point(2), True),
        ("!=", Interval(0, 1), point(5), True),
        ("==", EVERYTHING, point(0), None),
    ],
)
def test_compare(op: str, left: Interval, right: Interval, truth: bool | None) -> None:
    assert compare(op, left, right) is truth


def test_region_is_where_a_comparison_can_hold() -> None:
    assert region("<", Interval(1, 3)) == Interval(-INF, 3, hi_open=True)
    assert region(">=", Interval(1, 3)) == Interval(1, INF)
    assert region("!=", point(1)) == EVERYTHING


TEXT = """institution T
observe quantity: number[agent, commodity]
observe price: number
action: number[commodity] in [0, 100]
param limit: float = 0.5 in [0.2, 0.9]
param window: int = 4 in [1, 10]
monitor share_q: number[agent] = share(sum(quantity over commodities) over agents)
monitor conc: number = hhi(action over agents)
monitor spread: number = cv(price over agents)
per agent {
  initial state a
  state b
  rule R { a -> b when share_q > limit }
  restore Q { b -> a after 1 rounds }
}
"""


def ranges(mode: Mode) -> Ranges:
    document = parse_text(TEXT)
    assert document.institution is not None
    values, _ = resolve_params(document.institution)
    return Ranges(document.institution, values, mode)


def expr(text: str) -> ir.Expr:
    document = parse_text(TEXT + f"monitor probe: number = {text}\n")
    assert document.institution is not None
    probe = document.institution.monitor("probe")
    assert probe is not None
    return probe.expr


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("conc", Interval(0, 1)),
        ("share(action over agents)", Interval(0, 1)),
        ("spread", Interval(0, INF)),
        ("max(action over commodities) * 2", Interval(0, 200)),
        ("count_last(price > 3, window)", Interval(0, 4)),
        ("clip(price, 1, 2)", Interval(1, 2)),
        ("round", Interval(1, INF)),
        ("price / 0", EVERYTHING),
        ("excess(conc, conc)", Interval(-1, INF)),
        ("if price > 1 then 3 else 5", Interval(3, 5)),
        ("limit", Interval(0.5, 0.5)),
    ],
)
def test_ranges_from_structure(text: str, interval: Interval) -> None:
    assert ranges("values").of(expr(text)) == interval


def test_a_param_spans_its_declared_range_in_ranges_mode() -> None:
    assert ranges("ranges").of(expr("limit")) == Interval(0.2, 0.9)
    assert ranges("ranges").of(expr("window")) == Interval(1, 10)


def abstraction(guard_text: str) -> tuple[Abstraction, Formula]:
    document = parse_text(TEXT.replace("share_q > limit", guard_text))
    assert document.institution is not None
    values, _ = resolve_params(document.institution)
    scope = document.institution.scopes[0]
    inst = document.institution
    made = Abstraction(inst, values, scope, Ranges(inst, values, "values"))
    guard = scope.rules[0].edges[0].guard
    assert guard is not None
    return made, made.condition(guard)


def test_decided_comparisons_are_constants_and_others_are_atoms() -> None:
    assert abstraction("conc > 1")[1] == Const(False)
    assert abstraction("conc <= 1")[1] == Const(True)
    made, formula = abstraction("share_q > limit")
    assert formula == AtomF(0) and made.atoms[0].constraint is not None


def test_comparisons_of_one_term_constrain_each_other() -> None:
    made, formula = abstraction("price > 5 and price < 3")
    assert values_of(formula, made) == {False}
    made, formula = abstraction("price > 5 and price < 7")
    assert values_of(formula, made) == {False, True}
    made, formula = abstraction("price >= 5 and price <= 5")
    assert values_of(formula, made) == {False, True}
    made, formula = abstraction("price > 5 and 5 > price")
    assert values_of(formula, made) == {False}


def test_held_and_count_last_become_trackers() -> None:
    made, formula = abstraction("held(price > 3, 2) or count_last(price > 3, window) >= 3")
    assert [t.kind for t in made.trackers] == ["held", "window"]
    parts = getattr(formula, "parts", ())
    assert HeldF(0) in parts and CountF(1, ">=", 3.0) in parts
    assert len(made.atoms) == 1  # both read the same atom
