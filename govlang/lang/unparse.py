r"""IR fragments -> ``.gov`` text: expressions, literals, sanctions, edges, assertions.

:func:`format_expr` prints one expression with the fewest parentheses the grammar needs.
Precedence, loosest first: ``if`` < ``or`` < ``and`` < ``not`` < comparison < ``+ -`` <
``* /`` < unary ``-`` < atoms. Arithmetic and logic are left-associative, so ``a - (b - c)``
keeps its parentheses; comparisons do not chain, so ``(a < b) == c`` keeps them.

Numbers print so that they parse back to the same value and the same ``is_int``: integers
without a fraction, other values in Python's shortest round-tripping form (``0.35``,
``1e-05``, ``1e+20``), negative values with a leading ``-`` (the parser reads ``-3`` as a
negative literal). ``Negate`` of a literal prints as ``-(3)``, which the parser reads back as a
negation.
"""

from __future__ import annotations

import math

from govlang.lang import ir

# Binding strength of each expression form (higher binds tighter).
_IF, _OR, _AND, _NOT, _COMPARE, _ADD, _MUL, _UNARY, _ATOM = range(9)

_OP_LEVEL = {"or": _OR, "and": _AND, "+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL}
_FORM_LEVEL = {ir.IfThenElse: _IF, ir.Not: _NOT, ir.Compare: _COMPARE, ir.Negate: _UNARY}

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
    if isinstance(expr, ir.Logic | ir.Binary):
        return _OP_LEVEL[expr.op]
    if isinstance(expr, ir.Number):  # a negative literal is written with a unary minus
        return _UNARY if math.copysign(1.0, expr.value) < 0 else _ATOM
    return _FORM_LEVEL.get(type(expr), _ATOM)


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
        return "-" + format_operand(expr.operand, _UNARY)
    if isinstance(expr, ir.Not):
        return "not " + format_operand(expr.operand, _NOT)
    if isinstance(expr, ir.IfThenElse):
        return (
            f"if {format_expr(expr.condition)} then {format_expr(expr.then)} "
            f"else {format_expr(expr.otherwise)}"
        )
    assert isinstance(expr, ir.Binary | ir.Compare | ir.Logic)
    level = expr_level(expr)
    if isinstance(expr, ir.Compare):  # not chainable: both sides one level tighter
        left, right = format_operand(expr.left, level + 1), format_operand(expr.right, level + 1)
    else:  # left-associative
        left, right = format_operand(expr.left, level), format_operand(expr.right, level + 1)
    return f"{left} {expr.op} {right}"


def format_operand(expr: ir.Expr, minimum: int) -> str:
    """``expr`` as an operand that must bind at least as tightly as ``minimum``."""
    text = format_expr(expr)
    return text if expr_level(expr) >= minimum else f"({text})"


# ------------------------------------------------------------------------------- strings, types

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


def format_string(value: str) -> str:
    """A double-quoted string literal for ``value`` (backslash, quote, newline, tab escaped)."""
    return '"' + "".join(_ESCAPES.get(char, char) for char in value) + '"'


def format_type(type_: ir.TypeExpr) -> str:
    """A type as written: ``number[agent, commodity]``."""
    return type_.base + (f"[{', '.join(type_.dims)}]" if type_.dims else "")


def format_doc(doc: str | None) -> str:
    """A doc string as a trailing `` "..."`` (empty when there is none)."""
    return "" if doc is None else " " + format_string(doc)


def format_sanction(sanction: ir.Sanction) -> str:
    """The canonical text of one sanction (``fine 0.5 of profit cap 100 to treasury``)."""
    if isinstance(sanction, ir.Notice):
        return "notice " + format_string(sanction.text)
    if isinstance(sanction, ir.Fine):
        return _fine(sanction)
    if isinstance(sanction, ir.Grant):
        return f"grant {format_expr(sanction.amount)} from treasury"
    if isinstance(sanction, ir.ActionBound):
        return f"{sanction.bound} action at {format_expr(sanction.value)}"
    return "suspend" if isinstance(sanction, ir.Suspend) else "exclude"


def _fine(fine: ir.Fine) -> str:
    parts = ["fine", "ladder" if fine.ladder else "", format_expr(fine.amount)]
    parts.append("of profit" if fine.of_profit else "")
    for word, value in (("plus", fine.plus), ("floor", fine.floor), ("cap", fine.cap)):
        parts.append(f"{word} {format_expr(value)}" if value is not None else "")
    parts.append(f"to {fine.recipient}")
    return " ".join(part for part in parts if part)


_EDGE_CLAUSES = (
    ("guard", "when {}"),
    ("persistence", "for {} rounds"),
    ("dwell", "after {} rounds"),
    ("clean", "after {} clean rounds"),
    ("credits", "spend {} credits"),
    ("cooldown", "cooldown {} rounds"),
)


def format_edge(edge: ir.Edge) -> str:
    """One edge with its clauses in canonical order."""
    parts = [f"{edge.source} -> {edge.target}"]
    for name, template in _EDGE_CLAUSES:
        value: ir.Expr | None = getattr(edge, name)
        if value is not None:
            parts.append(template.format(format_expr(value)))
    if edge.priority:
        parts.append(f"priority {edge.priority}")
    parts.extend("then " + format_sanction(s) for s in edge.sanctions)
    return " ".join(parts)


_SCOPE_WORDS = {"agent": " per agent", "market": " market", None: ""}


def format_assert(decl: ir.AssertDecl) -> str:
    """One assertion on one line: ``assert ID "text" [scope]: PROPERTY``."""
    scope = _SCOPE_WORDS[decl.scope]
    return f"assert {decl.id}{format_doc(decl.text)}{scope}: {format_property(decl)}"


def format_property(decl: ir.AssertDecl) -> str:
    """The property of an assertion (what follows the colon)."""
    condition = format_expr(decl.condition)
    if decl.form == "leads_to":
        assert decl.target is not None and decl.within is not None
        text = f"{condition} leads to {format_expr(decl.target)}"
        text += f" within {format_expr(decl.within)} rounds"
        return text + (f" while {format_expr(decl.during)}" if decl.during is not None else "")
    unless = f" unless {format_expr(decl.unless)}" if decl.unless is not None else ""
    return f"{decl.form} {condition}{unless}"
