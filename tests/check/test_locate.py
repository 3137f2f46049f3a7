"""Locating names inside larger constructs, skipping strings and comments."""

from __future__ import annotations

from govlang.lang.check import locate
from govlang.lang.diagnostics import Source
from govlang.lang.ir import NO_SPAN


def whole(source: Source):  # type: ignore[no-untyped-def]
    return source.span(0, len(source.text))


def text_of(source: Source, span) -> str:  # type: ignore[no-untyped-def]
    return source.text[span.start : span.end]


def test_name_after_a_marker_skips_strings_and_comments() -> None:
    source = Source("t", 'a # a -> a\n"a -> a" -> a when x')
    span = locate.name_span(source, whole(source), "a", after="->")
    assert span.start == source.text.rindex("-> a") + 3


def test_dotted_names() -> None:
    source = Source("t", "observe nash . hhi: number")
    assert text_of(source, locate.name_span(source, whole(source), "nash.hhi")) == "nash . hhi"


def test_missing_name_falls_back_to_the_span() -> None:
    source = Source("t", "state active")
    assert locate.name_span(source, whole(source), "idle") == whole(source)
    assert locate.name_span(None, whole(source), "active") == whole(source)
    assert locate.name_span(source, NO_SPAN, "active") == NO_SPAN


def test_clause_and_header_and_keyword() -> None:
    source = Source("t", "a -> b after 3 clean rounds priority 2")
    inner = source.span(13, 14)
    span = locate.clause_span(source, whole(source), inner, "after", ("rounds",))
    assert text_of(source, span) == "after 3 clean rounds"
    block = Source("t", 'per agent {\n evidence flag\n state "evidence x" }')
    assert text_of(block, locate.header_span(block, whole(block))) == "per agent"
    assert text_of(block, locate.keyword_span(block, whole(block), "evidence", "flag")) == "flag"
