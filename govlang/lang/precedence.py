"""Operator precedence: a flat chain of operands and operators -> one IR expression tree.

The grammar parses ``not a > b and -c * d`` as a flat chain (operands, and the operator
tokens between and before them); this module applies precedence and associativity with a
Pratt parser. Loosest first:

====================  ===============  =============================
operators             kind             associativity
====================  ===============  =============================
``or``                infix            left
``and``               infix            left
``not``               prefix           applies to a comparison
``<`` ``<=`` ... ``!=``  infix         none (``a < b < c`` is an error)
``+`` ``-``           infix            left
``*`` ``/``           infix            left
``-``                 prefix           applies to an operand
====================  ===============  =============================

An operator where the grammar of precedence forbids it (``a + not b``, ``a < b < c``)
raises :class:`ChainError`, which the front end reports as a syntax error (GL001).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lark import Token, Tree

from govlang.lang import ir
from govlang.lang.token_spans import joined, node_span, token_span

_INFIX_POWER = {"OR": 1, "AND": 2, "COMPARE_OP": 4, "ADD_OP": 5, "MUL_OP": 6}
_NOT_POWER = 3
"""``not`` binds looser than a comparison and tighter than ``and``."""
_COMPARE_POWER = _INFIX_POWER["COMPARE_OP"]


class ChainError(Exception):
    """An operator the precedence rules do not allow where it stands."""

    def __init__(self, token: Token, message: str, hint: str) -> None:
        super().__init__(message)
        self.token = token
        self.message = message
        self.hint = hint


def build(items: Sequence[Any], written: Sequence[Any]) -> Any:
    """The expression a chain denotes.

    ``items`` alternate prefix operators, operands (IR expressions) and infix operators, as
    the grammar's ``chain`` rule produces them; ``written`` are the same children before they
    became IR, so that a parenthesised operand counts its parentheses in the spans of the
    nodes around it (the operand's own span excludes them).
    """
    return _Chain(items, written).infix(0)[0]


_Built = tuple[Any, ir.Span]
"""An expression, and the source it covers as an operand (with any parentheses)."""


class _Chain:
    def __init__(self, items: Sequence[Any], written: Sequence[Any]) -> None:
        self.items = items
        self.written = written
        self.at = 0

    def infix(self, minimum: int) -> _Built:
        """Operands joined by infix operators binding at least as tightly as ``minimum``."""
        left = self.prefix(minimum)
        items = self.items
        compared = False
        while self.at < len(items):
            operator: Token = items[self.at]
            power = _INFIX_POWER[operator.type]
            if power < minimum:
                break
            if power == _COMPARE_POWER:
                if compared:  # `a < b < c`: the left operand is itself this comparison
                    self._chained_comparison(operator)
                compared = True
            self.at += 1
            right = self.infix(power + 1)
            left = _combine(operator, left, right)
        return left

    def prefix(self, minimum: int) -> _Built:
        """One operand with its prefix operators."""
        item = self.items[self.at]
        written = self.written[self.at]
        self.at += 1
        if not isinstance(item, Token):
            if isinstance(written, Tree) and written.data == "atom":  # ( expr )
                return item, node_span(written)
            return item, item.span
        if item.type == "NOT":
            if minimum > _NOT_POWER:
                raise ChainError(
                    item,
                    "unexpected `not`: it cannot stand inside an arithmetic or comparison operand",
                    "put the `not` expression in parentheses",
                )
            following = self.items[self.at]
            if isinstance(following, Token) and following.type == "NOT":
                operand, extent = self.prefix(_NOT_POWER)  # `not not x`
            else:
                operand, extent = self.infix(_NOT_POWER + 1)
            span = joined(token_span(item), extent)
            return ir.Not(operand=operand, span=span), span
        literal = not isinstance(self.items[self.at], Token)  # a number, not `- -3`
        operand, extent = self.prefix(_INFIX_POWER["MUL_OP"] + 1)  # MINUS: the tightest binding
        span = joined(token_span(item), extent)
        if literal and isinstance(operand, ir.Number) and operand.span == extent:
            # "-3" is a negative literal; "-(3)" stays a negation, so each prints as written
            return ir.Number(value=-operand.value, is_int=operand.is_int, span=span), span
        return ir.Negate(operand=operand, span=span), span

    @staticmethod
    def _chained_comparison(token: Token) -> None:
        raise ChainError(
            token,
            f"unexpected `{token}`: comparisons do not chain",
            "compare two values at a time and join them with `and`: `a < b and b < c`",
        )


def _combine(operator: Token, left: _Built, right: _Built) -> _Built:
    span = joined(left[1], right[1])
    kind = operator.type
    op: Any = str(operator)  # the grammar's operator token: one of the node's ``op`` literals
    node: Any
    if kind == "OR" or kind == "AND":
        node = ir.Logic(op=op, left=left[0], right=right[0], span=span)
    elif kind == "COMPARE_OP":
        node = ir.Compare(op=op, left=left[0], right=right[0], span=span)
    else:
        node = ir.Binary(op=op, left=left[0], right=right[0], span=span)
    return node, span
