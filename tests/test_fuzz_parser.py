"""Parser fuzzing: whatever the input, only govlang diagnostics come out, never an exception.

Inputs that parse also go through the checker and the formatter, which must round-trip them.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govlang.lang.check import check
from govlang.lang.diagnostics import Diagnostic, render_all, to_json
from govlang.lang.fmt import format_document
from govlang.lang.frontend import Document, parse_bytes, parse_text
from govlang.testing.strategies import grammar_texts, raw_texts


def through_everything(doc: Document) -> list[Diagnostic]:
    """Check, render and (when it parsed cleanly) format ``doc``; return its diagnostics."""
    assert all(isinstance(d, Diagnostic) for d in doc.diagnostics)
    assert doc.institution is not None or doc.diagnostics
    diagnostics = check(doc)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    render_all(diagnostics, doc.source)
    to_json(diagnostics)
    if doc.institution is not None and not any(d.is_error for d in doc.diagnostics):
        out = format_document(doc)
        again = parse_text(out)
        assert not again.diagnostics, out
        assert again.institution == doc.institution
        assert format_document(again) == out
    return diagnostics


NO_HANG = settings(deadline=timedelta(seconds=10))
"""A deadline per input: a pathological slowdown fails the test instead of stalling it."""


def codes(text: str) -> list[str]:
    return [d.code for d in through_everything(parse_text(text)) if d.is_error]


@NO_HANG
@given(raw_texts())
def test_arbitrary_text(text: str) -> None:
    through_everything(parse_text(text))


@NO_HANG
@given(grammar_texts())
def test_token_soup(text: str) -> None:
    through_everything(parse_text(text))


@NO_HANG
@given(st.binary(max_size=200))
def test_arbitrary_bytes(data: bytes) -> None:
    through_everything(parse_bytes(data, "junk.gov"))


def test_empty_file() -> None:
    assert codes("") == ["GL004"]
    assert codes("   \n\t# only a comment\n") == ["GL004"]


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)),
        b"\x00" * 100,
        b"institution T\x00",
        b"\xff\xfe i\x00n\x00",
        b"\xef\xbb\xbfinstitution T\n",
        b"institution T \xc3",
    ],
)
def test_binary_junk(data: bytes) -> None:
    through_everything(parse_bytes(data, "junk.gov"))


def test_utf8_with_bom_parses() -> None:
    doc = parse_bytes(b"\xef\xbb\xbfinstitution T\n", "bom.gov")
    assert doc.institution is not None and not doc.diagnostics


def test_megabyte_inputs() -> None:
    started = time.monotonic()
    assert codes("x@" * 500_000) == ["GL001"]
    assert codes("institution T " + "#" * 1_000_000) == []
    notice = "n" * 1_000_000
    big = f'institution T per agent {{ initial state a {{ on enter: notice "{notice}" }} }}'
    assert codes(big) == []
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    "text",
    [
        'institution T "never closed',
        'institution T "two\nlines"',
        'institution T per agent { initial state a "label }',
        'institution T "escape \\q"',
        'institution T "ends with a backslash\\"',
    ],
)
def test_unterminated_strings(text: str) -> None:
    assert codes(text) == ["GL003"]


def test_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    started = time.monotonic()
    deep_calls = "institution T monitor m = " + "abs(" * 5000 + "a" + ")" * 5000
    assert codes(deep_calls) == ["GL005"]
    deep_brackets = "institution T monitor m = " + "[" * 3000 + "]" * 3000
    assert codes(deep_brackets) == ["GL005"]
    deep_parens = "institution T monitor m = " + "(" * 5000 + "a + a" + ")" * 5000
    assert "GL005" not in codes(deep_parens)  # parentheses alone add no depth
    assert codes("institution T monitor m = " + "not " * 5000 + "a") == ["GL005"]
    assert codes("institution T monitor m = " + "-" * 5000 + "a") == ["GL005"]
    assert time.monotonic() - started < 60


def test_five_thousand_term_chain() -> None:
    assert codes("institution T monitor m = " + " + ".join(["a"] * 5000)) == ["GL005"]


@pytest.mark.parametrize(
    "text",
    [
        "institution T frobnicate x",
        "institution T per agent { initial state a rule R { a -> a unless x } }",
        'institution T per agent { initial state a { on exit: notice "x" } }',
        "institution T param p: string = 1",
        "institution T monitor m = a && b",
        "institution T monitor m = a = b",
        "institution T monitor m = 10%",
        "institution T monitor m = 'a'",
        "institution T; param p: int = 1",
    ],
)
def test_unknown_keywords_and_common_mistakes(text: str) -> None:
    assert codes(text)[:1] in (["GL001"], ["GL002"])


def test_windows_line_endings() -> None:
    text = "institution T\r\nparam p: int = 1 # c\r\nper agent {\r\n  initial state a\r\n}\r\n"
    doc = parse_text(text)
    assert not [d for d in through_everything(doc) if d.is_error]
    assert doc.comments[0].text == "# c"
    expected = "institution T\n\nparam p: int = 1  # c\n\nper agent {\n  initial state a\n}\n"
    assert format_document(doc) == expected


def test_non_ascii_in_strings_and_comments_round_trips() -> None:
    text = (
        'institution T "Institution \u2018\u00e9conomique\u2019 \u2014 \u4e2d\u6587 \U0001f600"\n\n'
        "# commentaire: na\u00efve fa\u00e7ade, \u2211 \u03b1 \u2264 \u03b2, \u65e5\u672c\u8a9e\n"
        'param p: int = 1 "\u03b1\u03b2\u03b3 \\"quoted\\" \\\\ back\\tslash\\n"\n'
    )
    doc = parse_text(text)
    assert not doc.diagnostics
    out = format_document(doc)
    assert out == text
    assert parse_text(out).institution == doc.institution


def test_non_ascii_names_are_a_diagnostic() -> None:
    assert codes("institution \u03a4") == ["GL002"]
