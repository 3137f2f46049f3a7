"""Assertions in the language: parsing, the IR, formatting, checking, and the manifest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import govlang.api as api
from govlang.lang import ir
from govlang.lang.check import check
from govlang.lang.fmt import format_document, format_institution
from govlang.lang.frontend import parse_text
from govlang.testing.strategies import expressions

from .support import per_agent

BODY = """  initial state active
  state warned
  rule R1 {
    active -> warned when high
  }
  restore R2 {
    warned -> active after 3 clean rounds
  }"""


def institution(*asserts: str) -> str:
    return per_agent(BODY, tail="\n".join(asserts) + "\n")


def parsed(*asserts: str) -> ir.Institution:
    document = parse_text(institution(*asserts))
    assert not document.diagnostics
    assert document.institution is not None
    return document.institution


def test_each_form_parses_to_its_fields() -> None:
    inst = parsed(
        'assert A1 "text": never warned unless high',
        "assert A2 per agent: always not warned or high",
        "assert A3: reachable entered(warned)",
        "assert A4 market: high leads to warned within 2 + 1 rounds while clean",
    )
    never, always, reach, leads = inst.asserts
    assert (never.id, never.text, never.scope, never.form) == ("A1", "text", None, "never")
    assert never.unless == ir.NameRef(name="high")
    assert (always.scope, always.form, always.unless) == ("agent", "always", None)
    assert reach.condition == ir.Call(function="entered", args=(ir.NameRef(name="warned"),))
    assert (leads.scope, leads.form, leads.during) == (
        "market",
        "leads_to",
        ir.NameRef(name="clean"),
    )
    assert leads.within == ir.Binary(
        op="+", left=ir.Number(value=2, is_int=True), right=ir.Number(value=1, is_int=True)
    )


def test_assertions_print_after_the_scopes_and_round_trip_with_comments() -> None:
    text = institution(
        "# why\nassert A1: reachable warned  # trailing", "assert A2: never warned unless high"
    )
    document = parse_text(text)
    out = format_document(document)
    assert out.endswith(
        "}\n\n# why\nassert A1: reachable warned  # trailing\nassert A2: never warned unless high\n"
    )
    again = parse_text(out)
    assert again.institution == document.institution
    assert format_document(again) == out


FORMS = st.sampled_from(["never", "always", "reachable", "leads_to"])


@given(
    FORMS, expressions(6), expressions(6), st.booleans(), st.sampled_from([None, "agent", "market"])
)
def test_generated_assertions_round_trip(
    form: str, first: ir.Expr, second: ir.Expr, extra: bool, scope: str | None
) -> None:
    fields: dict[str, object] = {"id": "A1", "form": form, "condition": first, "scope": scope}
    if form == "leads_to":
        fields |= {"target": second, "within": ir.Number(value=3, is_int=True)}
        fields |= {"during": first} if extra else {}
    elif form == "never" and extra:
        fields["unless"] = second
    inst = ir.Institution(name="T", asserts=(ir.AssertDecl.model_validate(fields),))
    text = format_institution(inst)
    document = parse_text(text)
    assert not document.diagnostics, text
    assert document.institution == inst


def test_the_assertion_keywords_are_reserved_words() -> None:
    found = check(parse_text(per_agent(BODY, extra="monitor within: bool = true\n")))
    assert [d.message for d in found if d.code == "GL108"] == [
        "`within` is a reserved word of the language"
    ]


@pytest.mark.parametrize(
    ("tail", "code"),
    [
        ("assert A1: never warned unless clean", None),
        ("assert A1: reachable warnd", "GL501"),
        ("assert A1: never entered(high)", "GL502"),
        ("assert A1 market: reachable warned", "GL503"),
        ("assert A1: never reward", "GL505"),
        ("assert A1: reachable warned\nassert A1: reachable active", "GL506"),
        ("assert A1: warned leads to active within reward rounds", "GL210"),
        ("assert A1: warned leads to active within -1 rounds", "GL210"),
    ],
)
def test_checker_codes_of_assertions(tail: str, code: str | None) -> None:
    found = [d.code for d in check(parse_text(per_agent(BODY, tail=tail + "\n"))) if d.is_error]
    assert found == ([code] if code else [])


def test_clean_needs_evidence() -> None:
    text = per_agent(
        BODY.replace("after 3 clean rounds", "after 3 rounds"), tail="assert A1: reachable clean\n"
    )
    text = text.replace("  evidence high\n", "")
    assert [d.code for d in check(parse_text(text)) if d.is_error] == ["GL308"]


def test_a_per_agent_value_in_a_market_assertion_must_be_aggregated() -> None:
    text = (
        "institution T\naction: number in [0, 100]\nmonitor high: bool[agent] = action > 50\n"
        "market {\n  initial state open\n  state alert\n"
        "  rule R { open -> alert when any(high over agents) }\n"
        "  restore Q { alert -> open after 2 rounds }\n}\nassert A1: never alert unless high\n"
    )
    assert [d.code for d in check(parse_text(text)) if d.is_error] == ["GL208"]


def unused(text: str) -> list[str]:
    return [d.message for d in check(parse_text(text)) if d.code == "GL110"]


def test_a_monitor_read_only_by_an_assertion_is_used() -> None:
    extra = "monitor idle: bool[agent] = action < 1\n"
    assert "monitor `idle` is never used" in unused(per_agent(BODY, extra=extra))
    read = per_agent(BODY, extra=extra, tail="assert A1: reachable idle\n")
    assert "monitor `idle` is never used" not in unused(read)


def test_the_manifest_lists_assertions_and_the_digest_follows_them() -> None:
    plain = api.loads(institution())
    one = api.loads(institution("assert A1: reachable warned"))
    other = api.loads(institution("assert A1: reachable active"))
    assert "asserts" not in plain.manifest
    assert one.manifest["asserts"] == [
        {
            "id": "A1",
            "text": None,
            "scope": "agent",
            "form": "reachable",
            "property": "reachable warned",
            "within": None,
        }
    ]
    assert len({plain.digest, one.digest, other.digest}) == 3
    spaced = api.loads(institution("assert   A1 :   reachable   warned"))
    assert spaced.digest == one.digest
