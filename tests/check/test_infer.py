"""Type inference: every built-in's typing, broadcasting by name, and each type error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govlang.lang.builtins import BUILTINS
from govlang.lang.check import ValueType, dimension_order, infer_types, normalise_dim
from govlang.lang.check.types import DimOrder
from govlang.lang.dims import plural, singular
from govlang.lang.frontend import parse_text

TYPINGS = [
    ("round", "number"),
    ("reward", "number[agent]"),
    ("action", "number[agent, commodity]"),
    ("price", "number[commodity]"),
    ("nash.hhi", "number[commodity]"),
    ("sum(quantity over agents)", "number[commodity]"),
    ("sum(quantity over agent)", "number[commodity]"),
    ("mean(quantity over commodities)", "number[agent]"),
    ("min(quantity over agents)", "number[commodity]"),
    ("max(quantity over commodities)", "number[agent]"),
    ("std(profit over agents)", "number"),
    ("cv(quantity over agents)", "number[commodity]"),
    ("hhi(quantity over agents)", "number[commodity]"),
    ("dispersion(profit over agents)", "number"),
    ("count(quantity > 1 over agents)", "number[commodity]"),
    ("any(quantity > 1 over commodities)", "bool[agent]"),
    ("all(profit > 0 over agents)", "bool"),
    ("share(quantity over agents)", "number[agent, commodity]"),
    ("abs(profit)", "number[agent]"),
    ("excess(hhi(quantity over agents), nash.hhi)", "number[commodity]"),
    ("min(profit, 3)", "number[agent]"),
    ("max(price, profit)", "number[agent, commodity]"),
    ("clip(price, 0, profit)", "number[agent, commodity]"),
    ("lag(profit, 2)", "number[agent]"),
    ("lag(profit > 0, 1)", "bool[agent]"),
    ("mean_last(price, 3)", "number[commodity]"),
    ("min_last(price, 3)", "number[commodity]"),
    ("max_last(price, 3)", "number[commodity]"),
    ("sum_last(profit, 3)", "number[agent]"),
    ("held(profit > 0, 3)", "bool[agent]"),
    ("count_last(price > 1, 5)", "number[commodity]"),
    ("pct_change(price)", "number[commodity]"),
    ("pct_change(price, 2)", "number[commodity]"),
    ("price + profit", "number[agent, commodity]"),
    ("profit - price * 2 / round", "number[agent, commodity]"),
    ("-price", "number[commodity]"),
    ("price >= 3", "bool[commodity]"),
    ("profit > 0 and price < 5", "bool[agent, commodity]"),
    ("not (profit > 0)", "bool[agent]"),
    ("if profit > 0 then price else 0", "number[agent, commodity]"),
    ("if round > 3 then true else profit > 0", "bool[agent]"),
    ("lag(price, window * 2)", "number[commodity]"),
    ("lag(price, window / 3 + 1)", "number[commodity]"),
]


@pytest.mark.parametrize(("expr", "expected"), TYPINGS)
def test_typing(type_of: Callable[..., str | None], expr: str, expected: str) -> None:
    assert type_of(expr, "param window: int = 3") == expected


def test_every_builtin_function_is_exercised() -> None:
    used = {expr.split("(")[0].lstrip("-") for expr, _ in TYPINGS}
    assert set(BUILTINS) <= used


ERRORS = [
    ("price + (profit > 0)", "GL201"),
    ("not price", "GL201"),
    ("-(price > 1)", "GL201"),
    ("if price then 1 else 0", "GL201"),
    ("if round > 0 then 1 else true", "GL201"),
    ("[1, 2]", "GL201"),
    ("rates + 1", "GL201"),
    ("lag(rates, 1)", "GL201"),
    ("sum(profit > 0 over agents)", "GL201"),
    ("any(profit over agents)", "GL201"),
    ("lag(price)", "GL202"),
    ("clip(price, 0)", "GL202"),
    ("pct_change(price, 1, 2)", "GL202"),
    ("max(price, profit over agents)", "GL202"),
    ("sum(price)", "GL203"),
    ("share(price)", "GL203"),
    ("abs(price over commodities)", "GL204"),
    ("lag(price, 2 over commodities)", "GL204"),
    ("sum(profit over commodities)", "GL205"),
    ("sum(sum(profit over agents) over agents)", "GL205"),
    ("lag(price, 0)", "GL206"),
    ("lag(price, 1001)", "GL206"),
    ("lag(price, 2.5)", "GL206"),
    ("lag(price, rate)", "GL206"),
    ("lag(price, round)", "GL206"),
    ("held(profit > 0, 5 / 2)", "GL206"),
    ("held(profit > 0, 2.0)", "GL206"),
    ("undefined_name + 1", "GL101"),
    ("summ(price over commodities)", "GL103"),
    ("sum(price over regions)", "GL104"),
]


@pytest.mark.parametrize(("expr", "code"), ERRORS)
def test_type_error(codes: Callable[..., list[str]], expr: str, code: str) -> None:
    declarations = "param rates: list[float] = [0.1]\nparam rate: float = 2\n"
    assert codes(declarations + f"monitor m = {expr}\n") == [code]


def test_type_errors_do_not_cascade(codes: Callable[..., list[str]]) -> None:
    found = codes("monitor a: number = sum(price over regions)\nmonitor b: bool = a + 1 > 2\n")
    assert found == ["GL104"]


def test_action_needs_a_declaration() -> None:
    document = parse_text("institution T\nmonitor m = sum(action over agents)\n")
    from govlang.lang.check import check

    [found] = [d for d in check(document) if d.code == "GL101"]
    assert found.hint is not None and "action:" in found.hint


def test_declared_type_wins_after_a_mismatch(codes: Callable[..., list[str]]) -> None:
    found = codes("monitor a: bool = profit\nmonitor b: bool = a and true\n")
    assert found == ["GL209"]


def test_declared_dimensions_may_be_written_in_any_order(
    codes: Callable[..., list[str]],
) -> None:
    assert codes("monitor q: number[commodity, agent] = quantity * 2\n") == []


def test_canonical_order_follows_first_appearance() -> None:
    document = parse_text(
        "institution T\nobserve a: number[region]\nobserve b: number[commodity, agent]\n"
        "observe c: number[commodity, region]\nmonitor m = c + b\n"
    )
    assert document.institution is not None
    assert dimension_order(document.institution) == ("agent", "region", "commodity")
    assert infer_types(document.institution)["m"] == ValueType(
        "number", ("agent", "region", "commodity")
    )


def test_broadcast_union_sorts_canonically() -> None:
    order = DimOrder(("agent", "commodity", "region"))
    left, right = ValueType("number", ("region",)), ValueType("bool", ("commodity", "agent"))
    assert order.union("bool", (left, right)) == ValueType("bool", ("agent", "commodity", "region"))
    assert order.sort(["zeta", "region", "alpha"]) == ("region", "alpha", "zeta")


def test_value_type_operations() -> None:
    typed = ValueType("number", ("agent", "commodity"))
    assert str(typed) == "number[agent, commodity]"
    assert str(ValueType("bool")) == "bool"
    assert typed.without("agent") == ValueType("number", ("commodity",))
    assert typed.with_base("bool").base == "bool"
    assert typed.has("commodity") and not typed.is_scalar


@pytest.mark.parametrize(
    ("written", "known", "expected"),
    [
        ("agents", ("agent",), "agent"),
        ("agent", ("agent",), "agent"),
        ("commodities", ("agent", "commodity"), "commodity"),
        ("news", ("agent", "news"), "news"),
        ("regions", ("agent",), "region"),
        ("s", ("agent",), "s"),
    ],
)
def test_singular(written: str, known: tuple[str, ...], expected: str) -> None:
    assert singular(written, known) == expected


def test_plural_and_normalise_dim() -> None:
    assert plural("commodity") == "commodities" and plural("agent") == "agents"
    document = parse_text("institution T\nobserve q: number[agent, commodity]\n")
    assert document.institution is not None
    assert normalise_dim(document.institution, "commodities") == "commodity"


def test_infer_types_of_the_reference() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "cournot_reference.gov"
    document = parse_text(path.read_text(encoding="utf-8"))
    assert document.institution is not None
    types = {name: str(t) for name, t in infer_types(document.institution).items()}
    assert types == {
        "total_output": "number[agent]",
        "nash_output": "number[agent]",
        "nash_distance": "number[agent]",
        "toward_nash": "bool[agent]",
        "at_nash": "bool[agent]",
        "synchronised": "bool",
        "sync_move": "bool[agent]",
        "quantity_spread": "number",
        "nash_spread": "number",
        "variance_collapse": "bool",
        "high_hhi": "bool",
        "specialised": "bool[agent]",
        "market_output": "number[commodity]",
        "nash_market": "number[commodity]",
        "monopoly_market": "number[commodity]",
        "restriction": "number",
        "monopoly_output": "number[agent]",
        "own_restriction": "number[agent]",
        "restricting": "bool[agent]",
        "coordination": "bool[agent]",
        "concentration": "number",
    }


def test_ill_typed_monitors_are_left_out(type_of: Callable[..., str | None]) -> None:
    assert type_of("price + (profit > 0)") is None
