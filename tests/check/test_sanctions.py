"""Sanctions: placement, amounts, ladders, and the action space with interval reasoning."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govlang.lang.diagnostics import Diagnostic

Codes = Callable[..., list[str]]
Diagnostics = Callable[..., list[Diagnostic]]


def state(sanction: str, head: str = "per agent", when: str = "on each round") -> str:
    return (
        f"{head} {{\n initial state a\n state s {{ {when}: {sanction} }}\n"
        " rule R { a -> s when round > 1 }\n restore S { s -> a after 2 rounds }\n}\n"
    )


PARAMS = (
    "param level: float = 50 in [0, 200]\n"
    "param safe: float = 50 in [10, 90]\n"
    "param loose: float = 50\n"
    "param big: float = 150\n"
    "param rates: list[float] = [0.1, 0.5]\n"
    "monitor flag: bool[agent] = profit > 1\n"
)


@pytest.mark.parametrize(
    ("sanction", "expected"),
    [
        ("cap action at 100", []),
        ("cap action at 101", ["GL403"]),
        ("floor action at -1", ["GL403"]),
        ("cap action at big", ["GL403"]),
        ("cap action at level", ["GL404"]),
        ("cap action at safe", []),
        ("cap action at safe * 2", ["GL404"]),
        ("cap action at safe - 20", ["GL404"]),
        ("cap action at 100 - safe", []),
        ("cap action at -safe + 100", []),
        ("cap action at 1000 / safe", []),
        ("cap action at 2000 / safe", ["GL404"]),
        ("cap action at 10 / (safe - 50)", []),
        ("cap action at loose", []),
        ("cap action at clip(level, 0, 100)", []),
        ("cap action at price", []),
        ("cap action at profit", []),
        ("cap action at flag", ["GL405"]),
        ("cap action at quantity", []),
        ("suspend", []),
        ("exclude", []),
        ("fine 10 to consumers", []),
        ("fine 0.5 of profit plus 10 floor 5 cap 100 to others", []),
        ("fine ladder rates of profit", []),
        ("fine ladder [0.1, 0.2, 1] of profit", []),
        ("fine ladder [0.1, flag] of profit", ["GL201"]),
        ("fine ladder 0.5", ["GL406"]),
        ("fine rates", ["GL405"]),
        ("fine flag", ["GL405"]),
        ("fine 1 plus price", ["GL405"]),
        ("fine profit", []),
        ("grant 5 from treasury", []),
        ("grant flag from treasury", ["GL405"]),
        ('notice "behave"', []),
    ],
)
def test_sanction(codes: Codes, sanction: str, expected: list[str]) -> None:
    assert codes(PARAMS, state(sanction)) == expected


@pytest.mark.parametrize("sanction", ["cap action at 5", "floor action at 5", "suspend", "exclude"])
@pytest.mark.parametrize("when", ["on enter"])
def test_action_constraints_only_each_round(codes: Codes, sanction: str, when: str) -> None:
    assert codes(PARAMS, state(sanction, when=when)) == ["GL401"]


def test_action_constraint_as_a_transition_sanction(codes: Codes) -> None:
    text = "per agent {\n initial state a\n rule R { a -> a when round > 1 then suspend }\n}\n"
    assert codes(scope=text) == ["GL401"]


def test_fines_anywhere(codes: Codes) -> None:
    text = (
        "per agent {\n initial state a\n state f { on enter: fine 1 }\n"
        ' rule R { a -> f when round > 1 then fine 2 then notice "x" then grant 1 from treasury }\n'
        " restore S { f -> a after 1 rounds }\n}\n"
    )
    assert codes(scope=text) == []


def test_per_agent_amounts_in_the_market(codes: Codes) -> None:
    assert codes(PARAMS, state("fine profit", "market")) == ["GL208"]
    assert codes(PARAMS, state("fine sum(profit over agents)", "market")) == []


def test_constraints_need_an_action_declaration() -> None:
    from govlang.lang.check import check
    from govlang.lang.frontend import parse_text

    text = "institution T\n" + state("suspend")
    assert [d.code for d in check(parse_text(text))] == ["GL402"]


def test_zero_outside_the_space(diagnostics: Diagnostics) -> None:
    from govlang.lang.check import check
    from govlang.lang.frontend import parse_text

    text = "institution T\naction: number in [10, 100]\n" + state("suspend")
    [found] = check(parse_text(text))
    assert found.code == "GL403"
    assert (
        found.message
        == "`suspend` forces the action to 0, which is outside the action space [10, 100]"
    )


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("action: number in [0, 100]", []),
        ("action: number in [hi, 0]", ["GL411"]),
        ("action: bool in [0, 1]", ["GL411"]),
        ("action: number[agent] in [0, 1]", ["GL411"]),
        ("action: number in [0, flag]", ["GL411"]),
        ("action: number in [0, nothing]", ["GL101"]),
        ("action: number in [0, hi]", []),
    ],
)
def test_action_space(action: str, expected: list[str]) -> None:
    from govlang.lang.check import check
    from govlang.lang.frontend import parse_text

    text = (
        "institution T\nobserve profit: number[agent]\nparam hi: float = 50\n"
        f"monitor flag: bool = sum(profit over agents) > hi\n{action}\n"
        "market { initial state a rule R { a -> a when flag } }\n"
    )
    assert [d.code for d in check(parse_text(text))] == expected
