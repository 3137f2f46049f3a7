"""format_expr: minimal parentheses, numbers that read back, and a round trip property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from govlang.lang import ir
from govlang.lang.frontend import parse_text
from govlang.lang.unparse import format_expr, format_number
from govlang.testing.strategies import expressions


def parse_expr(text: str) -> ir.Expr:
    doc = parse_text(f"institution T monitor m = {text}")
    assert doc.institution is not None, doc.diagnostics
    assert not doc.diagnostics
    return doc.institution.monitors[0].expr


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a / (b * c)", "a / (b * c)"),
        ("(a / b) * c", "a / b * c"),
        ("a + (b * c)", "a + b * c"),
        ("(a + b) * c", "(a + b) * c"),
        ("(a < b) == c", "(a < b) == c"),
        ("a < (b == c)", "a < (b == c)"),
        ("not (a == b)", "not a == b"),
        ("(not a) == b", "(not a) == b"),
        ("not (a and b)", "not (a and b)"),
        ("not not a", "not not a"),
        ("a or (b and c)", "a or b and c"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b or c)", "a or (b or c)"),
        ("-(a * b)", "-(a * b)"),
        ("(-a) * b", "-a * b"),
        ("- - a", "--a"),
        ("a - -3", "a - -3"),
        ("a * (-2)", "a * -2"),
        ("(if c then a else b) + 1", "(if c then a else b) + 1"),
        ("if c then a else (b or d)", "if c then a else b or d"),
        ("if (if a then b else c) then d else e", "if if a then b else c then d else e"),
        ("not (if a then b else c)", "not (if a then b else c)"),
        ("sum((x + 1) over agents)", "sum(x + 1 over agents)"),
        ("clip(x, (0), 1)", "clip(x, 0, 1)"),
        ("[1, (2), -3.5]", "[1, 2, -3.5]"),
        ("nash.hhi", "nash.hhi"),
        ("true and false", "true and false"),
    ],
)
def test_minimal_parentheses(written: str, canonical: str) -> None:
    expr = parse_expr(written)
    assert format_expr(expr) == canonical
    assert parse_expr(canonical) == expr


@pytest.mark.parametrize(
    ("written", "printed"),
    [
        ("3", "3"),
        ("3.0", "3.0"),
        ("0.10", "0.1"),
        ("1e-05", "1e-05"),
        ("1.5e-7", "1.5e-07"),
        ("1e+20", "1e+20"),
        ("1E20", "1e+20"),
        ("12345678901234567890", "12345678901234567168"),
        ("1e999", "1e999"),
        ("-0", "-0"),
        ("-0.0", "-0.0"),
    ],
)
def test_numbers_read_back_exactly(written: str, printed: str) -> None:
    expr = parse_expr(written)
    assert format_expr(expr) == printed
    again = parse_expr(printed)
    assert isinstance(expr, ir.Number) and isinstance(again, ir.Number)
    assert (again.value, again.is_int) == (expr.value, expr.is_int)
    assert math.copysign(1, again.value) == math.copysign(1, expr.value)


def test_integer_too_large_for_a_float_stays_an_integer() -> None:
    expr = parse_expr("9" * 400)
    assert isinstance(expr, ir.Number) and expr.is_int and math.isinf(expr.value)
    assert parse_expr(format_expr(expr)) == expr


def test_format_number_never_uses_a_form_the_grammar_rejects() -> None:
    for value in (1e-300, 5e-324, 1.7976931348623157e308, 123456.789, 0.1 + 0.2):
        text = format_number(value, False)
        assert "inf" not in text and "nan" not in text
        assert parse_expr(text) == ir.Number(value=value)


def test_negated_literal_prints_parenthesised_and_reads_back_as_a_negation() -> None:
    expr = ir.Negate(operand=ir.Number(value=3.0, is_int=True))
    assert format_expr(expr) == "-(3)"
    assert parse_expr("-(3)") == expr
    assert parse_expr("-3") == ir.Number(value=-3.0, is_int=True)


@given(expressions())
def test_expressions_round_trip(expr: ir.Expr) -> None:
    text = format_expr(expr)
    assert parse_expr(text) == expr
    assert format_expr(parse_expr(text)) == text
