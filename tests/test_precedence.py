"""Operator precedence: the flat operator chains of the grammar become the right trees.

The grammar reads ``a + b * c`` as one flat chain and :mod:`govlang.lang.precedence` applies the
precedence table of specs/language.md §3.1. A differential test compares it, on random
operator soups, with a classic one-rule-per-level LALR grammar for the same table.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from govlang.lang import ir
from govlang.lang.frontend import parse_text


def parsed(expression: str) -> ir.Expr | list[str]:
    """The expression of a one-monitor institution, or the diagnostics (code: message)."""
    document = parse_text(f"institution X\nmonitor m = {expression}\n", "x.gov")
    if document.institution is None:
        return [f"{d.code}: {d.message}" for d in document.diagnostics]
    return document.institution.monitors[0].expr


def shape(expr: Any) -> Any:
    """An expression as nested tuples (operators and leaves), spans left out."""
    if isinstance(expr, ir.NameRef):
        return expr.name
    if isinstance(expr, ir.Number):
        return expr.value
    if isinstance(expr, ir.Boolean):
        return expr.value
    if isinstance(expr, ir.Not):
        return ("not", shape(expr.operand))
    if isinstance(expr, ir.Negate):
        return ("neg", shape(expr.operand))
    if isinstance(expr, (ir.Binary, ir.Compare, ir.Logic)):
        return (expr.op, shape(expr.left), shape(expr.right))
    raise AssertionError(f"unexpected node {expr!r}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a - b - c", ("-", ("-", "a", "b"), "c")),
        ("a + b * c", ("+", "a", ("*", "b", "c"))),
        ("a * b + c / d", ("+", ("*", "a", "b"), ("/", "c", "d"))),
        ("-a * b", ("*", ("neg", "a"), "b")),
        ("- -a", ("neg", ("neg", "a"))),
        ("- -3", ("neg", -3.0)),  # a negation of the literal -3, never folded into 3
        ("- - - 3", ("neg", ("neg", -3.0))),
        ("-3 + a", ("+", -3.0, "a")),
        ("-(3)", ("neg", 3.0)),
        ("a - -b", ("-", "a", ("neg", "b"))),
        ("not a > b", ("not", (">", "a", "b"))),
        ("not a and b", ("and", ("not", "a"), "b")),
        ("not not a or b", ("or", ("not", ("not", "a")), "b")),
        ("a or b and c", ("or", "a", ("and", "b", "c"))),
        ("a and b or c and d", ("or", ("and", "a", "b"), ("and", "c", "d"))),
        ("a and not b == c", ("and", "a", ("not", ("==", "b", "c")))),
        ("a + b < c * d", ("<", ("+", "a", "b"), ("*", "c", "d"))),
        ("(a + b) * c", ("*", ("+", "a", "b"), "c")),
        ("((((a))))", "a"),
        ("a + (not b)", ("+", "a", ("not", "b"))),
    ],
)
def test_precedence_and_associativity(text: str, expected: Any) -> None:
    assert shape(parsed(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a < b < c", "GL001: unexpected `<`: comparisons do not chain"),
        ("a == b != c", "GL001: unexpected `!=`: comparisons do not chain"),
        ("a + not b", "GL001: unexpected `not`: it cannot stand inside an arithmetic"),
        ("a == not b", "GL001: unexpected `not`: it cannot stand inside an arithmetic"),
        ("- not a", "GL001: unexpected `not`: it cannot stand inside an arithmetic"),
    ],
)
def test_operators_out_of_place_are_syntax_errors(text: str, message: str) -> None:
    found = parsed(text)
    assert isinstance(found, list) and len(found) == 1
    assert found[0].startswith(message)


def test_misplaced_operator_diagnostic_points_at_the_operator() -> None:
    document = parse_text("institution X\nmonitor m = a < b < c\n", "x.gov")
    (diagnostic,) = document.diagnostics
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (2, 19, 20)
    assert diagnostic.hint is not None and "and" in diagnostic.hint


def test_spans_of_operator_nodes_cover_their_parenthesised_operands() -> None:
    text = "institution X\nmonitor m = (a + b) * -(c)\n"
    document = parse_text(text, "x.gov")
    assert document.institution is not None
    product = document.institution.monitors[0].expr
    assert isinstance(product, ir.Binary)
    assert text[product.span.start : product.span.end] == "(a + b) * -(c)"
    assert text[product.left.span.start : product.left.span.end] == "a + b"
    assert text[product.right.span.start : product.right.span.end] == "-(c)"


# ------------------------------------------------------------------- differential reference

REFERENCE_GRAMMAR = r"""
?expr: or_expr
?or_expr: and_expr | or_expr "or" and_expr          -> or_op
?and_expr: not_expr | and_expr "and" not_expr       -> and_op
?not_expr: comparison | "not" not_expr              -> not_op
?comparison: arith | arith COMPARE_OP arith         -> compare
?arith: term | arith ADD_OP term                    -> binary
?term: unary | term MUL_OP unary                    -> binary
?unary: atom | MINUS unary                          -> negate
?atom: NAME -> name | NUMBER -> number | "(" expr ")" -> paren
NAME: /[a-e]/
NUMBER: /[0-9]/
COMPARE_OP: "<=" | ">=" | "==" | "!=" | "<" | ">"
ADD_OP: /[+-]/
MINUS: "-"
MUL_OP: "*" | "/"
%ignore " "
"""
"""One rule per precedence level: the textbook encoding of the table in specs/language.md."""

_REFERENCE = Lark(REFERENCE_GRAMMAR, start="expr", parser="lalr")


def reference_shape(tree: Tree[Token] | Token) -> Any:
    """The reference parse as nested tuples, reading ``-number`` as govlang does."""
    assert isinstance(tree, Tree)
    kids = tree.children
    if tree.data == "paren":
        return reference_shape(kids[0])
    if tree.data == "name":
        return str(kids[0])
    if tree.data == "number":
        return float(kids[0])
    if tree.data == "not_op":
        return ("not", reference_shape(kids[0]))
    if tree.data == "negate":  # "-3" is a literal, "-(3)" a negation
        operand = reference_shape(kids[1])
        literal = isinstance(kids[1], Tree) and kids[1].data == "number"
        return -operand if literal else ("neg", operand)
    if tree.data in {"or_op", "and_op"}:
        return (tree.data[:-3], reference_shape(kids[0]), reference_shape(kids[1]))
    return (str(kids[1]), reference_shape(kids[0]), reference_shape(kids[2]))


def _names_a_keyword(tree: Any) -> bool:
    if isinstance(tree, tuple):
        return any(_names_a_keyword(part) for part in tree[1:])
    return tree in {"and", "or", "not"}


_PIECES = ["a", "b", "c", "3", "(", ")", "not", "-", "+", "*", "/", "<", "==", "and", "or"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14))
def test_chain_precedence_matches_a_layered_grammar(pieces: list[str]) -> None:
    text = " ".join(pieces)
    try:
        expected = reference_shape(_REFERENCE.parse(text))
    except UnexpectedInput:
        expected = None
    found = parsed(text)
    if expected is None:
        # Keywords are reserved only where the grammar expects them: where an operand is due,
        # `and` is read as a name (which the checker then reports as undefined).
        assert isinstance(found, list) or _names_a_keyword(shape(found)), (text, found)
    else:
        assert not isinstance(found, list), (text, found)
        assert shape(found) == expected, text
