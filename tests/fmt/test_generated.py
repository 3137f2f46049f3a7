"""Generated valid institutions: the formatter round-trips them and the checker accepts them."""

from __future__ import annotations

from hypothesis import given

from govlang.lang import ir
from govlang.lang.check import check
from govlang.lang.fmt import format_document, format_institution
from govlang.lang.frontend import parse_text
from govlang.testing.strategies import institutions


@given(institutions())
def test_generated_institutions_round_trip(inst: ir.Institution) -> None:
    text = format_institution(inst)
    doc = parse_text(text)
    assert not doc.diagnostics, text
    assert doc.institution == inst
    assert format_document(doc) == text


UNUSED = {"GL109", "GL110"}
"""Unused param, unused monitor: the strategy makes every declaration count."""


@given(institutions())
def test_generated_institutions_check_without_errors(inst: ir.Institution) -> None:
    text = format_institution(inst)
    unwanted = [d for d in check(parse_text(text)) if d.is_error or d.code in UNUSED]
    assert not unwanted, text + "\n" + "\n".join(d.render() for d in unwanted)
