"""Locating clauses and block heads inside larger constructs, skipping strings and comments."""

from __future__ import annotations

from govlang.lang.check import locate
from govlang.lang.diagnostics import Source


def whole(source: Source):  # type: ignore[no-untyped-def]
    return source.span(0, len(source.text))


def text_of(source: Source, span) -> str:  # type: ignore[no-untyped-def]
    return source.text[span.start : span.end]


def test_clause_and_header() -> None:
    source = Source("t", "a -> b after 3 clean rounds priority 2")
    inner = source.span(13, 14)
    span = locate.clause_span(source, whole(source), inner, "after", ("rounds",))
    assert text_of(source, span) == "after 3 clean rounds"
    block = Source("t", 'per agent {\n evidence flag\n state "evidence x" }')
    assert text_of(block, locate.header_span(block, whole(block))) == "per agent"
