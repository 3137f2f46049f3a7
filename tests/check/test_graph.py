"""The governance graph: initial and terminal states, triggers, counts, restoration."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govlang.lang.diagnostics import Diagnostic

Codes = Callable[..., list[str]]
Diagnostics = Callable[..., list[Diagnostic]]
FLAG = "monitor flag: bool[agent] = profit > 1\n"


def scope(body: str, head: str = "per agent") -> str:
    return f"{head} {{\n{body}\n}}\n"


def test_restoration_may_pass_through_other_sanction_states(codes: Codes) -> None:
    body = (
        "initial state a\nstate f { on enter: fine 10 }\nstate g { on enter: fine 5 }\n"
        "rule R { a -> f when round > 1 }\n"
        "restore S { f -> g after 1 rounds g -> a after 1 rounds }"
    )
    assert codes(scope=scope(body)) == []


def test_a_restore_loop_between_sanction_states_is_no_way_back(codes: Codes) -> None:
    body = (
        "initial state a\nstate f { on enter: fine 10 }\nstate g { on each round: fine 5 }\n"
        "rule R { a -> f when round > 1 g -> a when round > 9 }\n"
        "restore S { f -> g after 1 rounds g -> f after 1 rounds }"
    )
    assert codes(scope=scope(body)) == ["GL305", "GL305"]


def test_a_notice_does_not_make_a_sanction_state(codes: Codes) -> None:
    body = (
        'initial state a\nstate w { on enter: notice "careful" }\nrule R { a -> w when round > 1 }'
    )
    assert codes(scope=scope(body)) == []


@pytest.mark.parametrize(
    "sanction", ["fine 10", "cap action at 5", "floor action at 5", "suspend", "exclude"]
)
def test_sanction_states(codes: Codes, sanction: str) -> None:
    body = f"initial state a\nstate s {{ on each round: {sanction} }}\n"
    body += "rule R { a -> s when round > 1 }"
    assert codes(scope=scope(body)) == ["GL305"]


def test_a_terminal_state_is_a_note(diagnostics: Diagnostics) -> None:
    body = "initial state a\nterminal state x { on each round: exclude }\n"
    body += "rule R { a -> x when round > 1 }"
    [note] = diagnostics(scope=scope(body))
    assert (note.code, note.severity) == ("GL306", "note")
    assert note.message == "state `x` is terminal: agents who enter it never leave"


def test_a_terminal_market_state_says_market(diagnostics: Diagnostics) -> None:
    body = "initial state a\nterminal state closed\nrule R { a -> closed when round > 1 }"
    [note] = diagnostics(scope=scope(body, "market"))
    assert note.message == "state `closed` is terminal: once the market enters it, it never leaves"


def test_terminal_with_edges_is_reported_once(codes: Codes) -> None:
    body = (
        "initial state a\nterminal state x\nrule R { a -> x when round > 1 x -> a when round > 5 }"
    )
    assert codes(scope=scope(body)) == ["GL304"]


def test_edge_to_a_state_of_the_other_scope(diagnostics: Diagnostics) -> None:
    text = (
        "per agent {\n initial state a\n rule R { a -> calm when round > 1 }\n}\n"
        "market {\n initial state calm\n}\n"
    )
    [found] = diagnostics(scope=text)
    assert found.code == "GL105"
    assert found.hint is not None and "`market` scope" in found.hint


def test_edge_endpoints_are_located_exactly(diagnostics: Diagnostics) -> None:
    [found] = diagnostics(scope=scope("initial state a\nrule R { a -> b when round > 1 }"))
    assert (found.span.line, found.span.column, found.span.end_column) == (10, 15, 16)


@pytest.mark.parametrize(
    ("clauses", "expected"),
    [
        ("cooldown 2 rounds", ["GL307"]),
        ("priority 3", ["GL307"]),
        ("for 2 rounds after 3 rounds", ["GL312"]),
        ("when round > 1 for 2 rounds", []),
        ("after 0 rounds", []),
        ("after -1 rounds", ["GL210"]),
        ("after 1.5 rounds", ["GL210"]),
        ("after flag rounds", ["GL210"]),
        ("when round > 1 cooldown k rounds", []),
        ("when round > 1 cooldown rate rounds", ["GL210"]),
        ("after 2 clean rounds", ["GL308"]),
        ("spend 1 credits", ["GL309"]),
        ("when round", ["GL207"]),
        ("when flag", []),
        ("when quantity > 1", ["GL207"]),
        ("when any(quantity > 1 over commodities)", []),
    ],
)
def test_edge_clauses(codes: Codes, clauses: str, expected: list[str]) -> None:
    decls = FLAG + "param k: int = 2\nparam rate: float = 2\n"
    body = f"initial state a\nstate b\nrule R {{ a -> b {clauses} }}\n"
    body += "restore S { b -> a after 1 rounds }"
    assert codes(decls, scope(body)) == expected


def test_market_guards_must_aggregate(diagnostics: Diagnostics) -> None:
    body = "initial state a\nstate b\nrule R { a -> b when flag }"
    [found] = [d for d in diagnostics(FLAG, scope(body, "market")) if d.code != "GL110"]
    assert found.code == "GL208"
    assert found.hint is not None and "any(flag over agents)" in found.hint


def test_market_evidence_must_aggregate(codes: Codes) -> None:
    body = "evidence flag\ninitial state a"
    assert codes(FLAG, scope(body, "market")) == ["GL208"]


def test_evidence_must_be_bool(codes: Codes) -> None:
    assert codes("monitor level = profit\n", scope("evidence level\ninitial state a")) == ["GL207"]


def test_credits_need_evidence_and_constant_counts(codes: Codes) -> None:
    body = "credits earn 1 per 0 clean rounds max flag\ninitial state a"
    assert codes(FLAG, scope(body)) == ["GL308", "GL210", "GL210"]


def test_credits_with_evidence(codes: Codes) -> None:
    body = (
        "evidence flag\ncredits earn 1 per 3 clean rounds max 2\ninitial state a\n"
        "state f { on enter: fine 1 }\nrule R { a -> f when flag }\n"
        "restore S { f -> a spend 1 credits }"
    )
    assert codes(FLAG, scope(body)) == []


def test_scope_structure(codes: Codes) -> None:
    text = "per agent {\n state a\n}\nper agent {\n initial state b\n initial state c\n}\n"
    assert codes(scope=text) == ["GL301", "GL303", "GL302"]


def test_rule_without_edges_warns(codes: Codes) -> None:
    assert codes(scope=scope("initial state a\nrule R { }\nrestore S { }")) == ["GL310", "GL310"]


def test_edges_with_equal_ends_but_other_clauses_are_fine(codes: Codes) -> None:
    body = "initial state a\nstate b\nrule R { a -> b when round > 1 a -> b when round > 2 }"
    assert codes(scope=scope(body)) == []


def test_no_scope_warns(codes: Codes) -> None:
    assert codes(scope="") == ["GL311"]
