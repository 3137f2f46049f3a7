"""Names: the shared namespace, built-ins, reserved words, cycles and usage."""

from __future__ import annotations

import sys
from collections.abc import Callable

from govlang.lang.check import check
from govlang.lang.diagnostics import Diagnostic
from govlang.lang.frontend import parse_text

Codes = Callable[..., list[str]]
Diagnostics = Callable[..., list[Diagnostic]]


def test_params_monitors_and_observables_share_a_namespace(codes: Codes) -> None:
    assert codes("param price: float = 1\nmonitor quantity = 2\n") == ["GL102", "GL102"]


def test_the_first_declaration_wins(diagnostics: Diagnostics) -> None:
    found = diagnostics("param limit: float = 1\nmonitor limit: bool = round > 2\n")
    [duplicate] = [d for d in found if d.code == "GL102"]
    assert duplicate.message == "`limit` is already declared as a param"
    assert duplicate.span.line == 8 and duplicate.span.column == 9


def test_builtins_cannot_be_declared(codes: Codes) -> None:
    assert codes("param reward: float = 1\n") == ["GL102"]
    assert codes("monitor action = 1\n") == ["GL102"]
    assert codes("param round: int = 1\n") == ["GL102"]


def test_a_duplicate_monitor_is_still_checked(codes: Codes) -> None:
    assert codes("monitor m = 1\nmonitor m = nope\n") == ["GL102", "GL101"]


def test_rule_ids_are_unique_across_scopes(codes: Codes) -> None:
    scope = (
        "per agent {\n initial state a\n rule R { a -> a when round > 1 }\n}\n"
        "market {\n initial state m\n rule R { m -> m when round > 1 }\n}\n"
    )
    assert codes(scope=scope) == ["GL102"]


def test_states_are_unique_per_scope_only(codes: Codes) -> None:
    scope = "per agent {\n initial state a\n state a\n}\nmarket {\n initial state a\n}\n"
    assert codes(scope=scope) == ["GL102"]


def test_reserved_words_warn_for_chosen_names_only(codes: Codes) -> None:
    header = "institution T\nobserve profit: number[agent]\n"
    document = parse_text(
        header + "monitor max = sum(profit over agents)\n"
        "market { initial state clean rule rule { clean -> clean when max > 1 } }"
    )
    found = [d.code for d in check(document)]
    assert found == ["GL108", "GL108", "GL108"]


def test_self_reference_is_a_cycle(diagnostics: Diagnostics) -> None:
    [cycle] = [d for d in diagnostics("monitor m: number = lag(m, 1) + 1\n") if d.code == "GL106"]
    assert cycle.message == "monitor `m` depends on itself"


def test_a_longer_cycle_is_named_once(diagnostics: Diagnostics) -> None:
    text = "monitor a = b + 1\nmonitor b = c + 1\nmonitor c = a + 1\nmonitor d = a + 1\n"
    [cycle] = [d for d in diagnostics(text) if d.code == "GL106"]
    assert "`a` -> `b` -> `c` -> `a`" in cycle.message


def test_forward_references_are_fine(codes: Codes) -> None:
    assert codes("monitor a: bool = b > 1\nmonitor b: number = round\n") == []


def test_a_long_chain_of_monitors_needs_no_recursion() -> None:
    count = sys.getrecursionlimit() + 500
    lines = ["institution T", "monitor m0: number = round"]
    lines += [f"monitor m{i}: number = m{i - 1} + 1" for i in range(1, count)]
    lines += ["market {", "  initial state s", f"  rule R {{ s -> s when m{count - 1} > 1 }}", "}"]
    assert check(parse_text("\n".join(lines))) == []


def test_unused_params_and_monitors_warn(diagnostics: Diagnostics) -> None:
    found = diagnostics("param p: int = 1\nparam q: int = p\nmonitor m = q\nmonitor unused = 1\n")
    assert [(d.code, d.message) for d in found] == [
        ("GL110", "monitor `m` is never used"),
        ("GL110", "monitor `unused` is never used"),
    ]


def test_evidence_counts_as_a_use(codes: Codes) -> None:
    scope = (
        "per agent {\n evidence flag\n initial state a\n state w\n"
        " rule R { a -> w when round > 1 }\n restore S { w -> a after 2 clean rounds }\n}\n"
    )
    assert codes("monitor flag: bool[agent] = profit > 1\n", scope) == []


def test_evidence_must_be_a_monitor(diagnostics: Diagnostics) -> None:
    scope = "per agent {\n evidence flg\n initial state a\n}\n"
    found = diagnostics("monitor flag: bool[agent] = profit > 1\n", scope)[-1]
    assert found.code == "GL107"
    assert found.hint == "did you mean `flag`?"
    assert (found.span.line, found.span.column) == (10, 11)
