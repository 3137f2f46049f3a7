"""The canonical printer: IR -> ``.gov`` text.

:func:`format_expr` prints one expression with the fewest parentheses the grammar needs.
Precedence, loosest first: ``if`` < ``or`` < ``and`` < ``not`` < comparison < ``+ -`` <
``* /`` < unary ``-`` < atoms. Arithmetic and logic are left-associative, so ``a - (b - c)``
keeps its parentheses; comparisons do not chain, so ``(a < b) == c`` keeps them.

Numbers print so that they parse back to the same value and the same ``is_int``: integers
without a fraction, other values in Python's shortest round-tripping form (``0.35``,
``1e-05``, ``1e+20``), negative values with a leading ``-`` (the parser folds ``-3`` into a
negative literal). ``Negate`` of a literal cannot be written (it parses as a literal) and
prints as ``-(3)``.
"""

from __future__ import annotations

import math

from govlang import ir

# Binding strength of each expression form (higher binds tighter).
_IF, _OR, _AND, _NOT, _COMPARE, _ADD, _MUL, _UNARY, _ATOM = range(9)

_ARITH_LEVEL = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL}
_LOGIC_LEVEL = {"or": _OR, "and": _AND}

_BIG_INT = "1" + "0" * 309
"""An integer literal too large for a float: it parses as ``inf`` with ``is_int`` set."""


def format_number(value: float, is_int: bool) -> str:
    """A numeric literal that parses back to ``value`` (and ``is_int``)."""
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    magnitude = abs(value)
    if math.isinf(magnitude):
        return sign + (_BIG_INT if is_int else "1e999")
    if math.isnan(magnitude):
        return "(1e999 - 1e999)"  # not a literal the parser produces; shown for completeness
    if is_int and magnitude.is_integer():
        return f"{sign}{int(magnitude)}"
    return sign + repr(magnitude)  # shortest round-trip form: "0.35", "1e-05", "1e+20"


def expr_level(expr: ir.Expr) -> int:
    """How tightly ``expr``'s outermost form binds (see the module docstring)."""
    if isinstance(expr, ir.IfThenElse):
        return _IF
    if isinstance(expr, ir.Logic):
        return _LOGIC_LEVEL[expr.op]
    if isinstance(expr, ir.Not):
        return _NOT
    if isinstance(expr, ir.Compare):
        return _COMPARE
    if isinstance(expr, ir.Binary):
        return _ARITH_LEVEL[expr.op]
    if isinstance(expr, ir.Negate):
        return _UNARY
    if isinstance(expr, ir.Number) and math.copysign(1.0, expr.value) < 0:
        return _UNARY
    return _ATOM


def format_expr(expr: ir.Expr) -> str:
    """The canonical one-line text of ``expr``, with minimal parentheses."""
    if isinstance(expr, ir.Number):
        return format_number(expr.value, expr.is_int)
    if isinstance(expr, ir.Boolean):
        return "true" if expr.value else "false"
    if isinstance(expr, ir.NameRef):
        return expr.name
    if isinstance(expr, ir.ListLit):
        return "[" + ", ".join(format_expr(item) for item in expr.items) + "]"
    if isinstance(expr, ir.Call):
        over = f" over {expr.over}" if expr.over is not None else ""
        args = ", ".join(format_expr(arg) for arg in expr.args)
        return f"{expr.function}({args}{over})"
    return _format_compound(expr)


def _format_compound(expr: ir.Expr) -> str:
    """Operators and conditionals."""
    if isinstance(expr, ir.Negate):
        if isinstance(expr.operand, ir.Number):
            return f"-({format_expr(expr.operand)})"
        return "-" + _operand(expr.operand, _UNARY)
    if isinstance(expr, ir.Not):
        return "not " + _operand(expr.operand, _NOT)
    if isinstance(expr, ir.IfThenElse):
        return (
            f"if {format_expr(expr.condition)} then {format_expr(expr.then)} "
            f"else {format_expr(expr.otherwise)}"
        )
    assert isinstance(expr, ir.Binary | ir.Compare | ir.Logic)
    level = expr_level(expr)
    if isinstance(expr, ir.Compare):  # not chainable: both sides one level tighter
        left, right = _operand(expr.left, level + 1), _operand(expr.right, level + 1)
    else:  # left-associative
        left, right = _operand(expr.left, level), _operand(expr.right, level + 1)
    return f"{left} {expr.op} {right}"


def _operand(expr: ir.Expr, minimum: int) -> str:
    """``expr`` as an operand that must bind at least as tightly as ``minimum``."""
    text = format_expr(expr)
    return text if expr_level(expr) >= minimum else f"({text})"
