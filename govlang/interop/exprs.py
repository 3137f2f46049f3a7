"""Manifest strings -> govlang IR, through govlang's own parser.

An expression string is parsed as the body of a one-monitor institution (``monitor m =
(TEXT)``), an assertion property as the property of a one-assertion institution; the
parenthesis makes a trailing doc string or a second declaration a syntax error instead of
something silently dropped. Problems come back with the column inside the string.
"""

from __future__ import annotations

from govlang.lang import ir
from govlang.lang.diagnostics import Diagnostic
from govlang.lang.frontend import parse_text
from govlang.lang.unparse import format_number

_EXPR_HEAD = "institution Manifest\nmonitor m = ("
_ASSERT_HEAD = "institution Manifest\nassert A: "


class ExprError(Exception):
    """A string that is not one govlang expression (or property); ``column`` is 1-based."""

    def __init__(self, message: str, column: int, hint: str | None) -> None:
        """Keep the parser's message, the column in the string and its hint."""
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint


def value_text(value: int | float | str) -> str:
    """The govlang text of a manifest value (numbers printed as literals)."""
    if isinstance(value, str):
        return value
    return format_number(float(value), isinstance(value, int))


def parse_expr(value: int | float | str) -> ir.Expr:
    """One expression; :class:`ExprError` when ``value`` is not exactly one."""
    text = value_text(value)
    if "\n" in text.strip():
        text = " ".join(text.split())  # a folded YAML scalar: one line, same tokens
    document = parse_text(_EXPR_HEAD + text + ")\n")
    _raise_first(document.diagnostics, len(_EXPR_HEAD) - len("institution Manifest\n"), text)
    inst = document.institution
    if inst is None or len(inst.monitors) != 1 or inst.params or inst.scopes or inst.asserts:
        raise ExprError("not a single expression", 1, "write one expression")
    return _without_spans(inst.monitors[0].expr)


def parse_property(text: str) -> ir.AssertDecl:
    """An assertion property (``never entered(suspended) unless ...``) as an assertion."""
    text = " ".join(text.split())
    document = parse_text(_ASSERT_HEAD + text + "\n")
    _raise_first(document.diagnostics, len(_ASSERT_HEAD) - len("institution Manifest\n"), text)
    inst = document.institution
    if inst is None or len(inst.asserts) != 1 or inst.monitors or inst.scopes:
        raise ExprError("not a single property", 1, "write one property")
    return inst.asserts[0]


def _raise_first(diagnostics: list[Diagnostic], head: int, text: str) -> None:
    """Raise the first error, its column counted in ``text`` (the wrapper's tail is its end)."""
    for diagnostic in diagnostics:
        if not diagnostic.is_error:
            continue
        column = diagnostic.span.column - head if diagnostic.span.line == 2 else len(text) + 1
        message = diagnostic.message
        if column > len(text):  # the parser stopped at the wrapper: the text ended too early
            column = len(text) + 1
            _, _, expected = message.partition("; ")
            message = "the expression ends too early" + (f"; {expected}" if expected else "")
        raise ExprError(message, max(1, column), diagnostic.hint)


def _without_spans(expr: ir.Expr) -> ir.Expr:
    """The expression re-validated without source spans (they point into the wrapper)."""
    return (
        ir.Institution.model_validate(
            {"name": "M", "monitors": [{"name": "m", "expr": expr.model_dump()}]}
        )
        .monitors[0]
        .expr
    )
