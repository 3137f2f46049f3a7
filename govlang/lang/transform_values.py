"""Stage 2, values: the IR of expressions and sanctions (handlers shared by :class:`ToIR`).

Operator chains go to :mod:`govlang.lang.precedence`; every other handler reads its rule's
children as written (the parser keeps every token).
"""

from __future__ import annotations

import ast
from typing import Any

from lark import Token, Tree

from govlang.lang import ir
from govlang.lang.precedence import build
from govlang.lang.token_spans import joined, node_span, token_span

_Children = list[Any]
_Node = Tree[Token]


def unquote(token: Token) -> str:
    r"""The value of a STRING token (escapes ``\\"``, ``\\\\``, ``\\n``, ``\\t`` decoded)."""
    text = str(token)
    if "\\" not in text:
        return text[1:-1]
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


class Part:
    """An optional part of a fine (``of profit``, ``plus``, ``floor``, ``cap``, ``to``)."""

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value


FINE_PART_RULES = {"plus_amount": "plus", "fine_floor": "floor", "fine_cap": "cap"}
"""Parts of a fine written as a keyword and a value, and the field each sets."""


class ValueHandlers:
    """Handlers of the sanction and expression rules (each gets the node and its children)."""

    # -------------------------------------------------------------------------- sanctions
    def notice(self, node: _Node, children: _Children) -> ir.Notice:
        return ir.Notice(text=unquote(children[1]), span=node_span(node))

    def fine(self, node: _Node, children: _Children) -> ir.Fine:
        # "fine" LADDER? expr of_profit? plus_amount? fine_floor? fine_cap? recipient?
        ladder = isinstance(children[1], Token) and children[1].type == "LADDER"
        amount = children[2] if ladder else children[1]
        fields = {p.field: p.value for p in children if isinstance(p, Part)}
        return ir.Fine(ladder=ladder, amount=amount, span=node_span(node), **fields)

    def of_profit(self, node: _Node, children: _Children) -> Part:
        return Part("of_profit", True)

    def recipient(self, node: _Node, children: _Children) -> Part:
        return Part("recipient", str(children[1]))

    def grant(self, node: _Node, children: _Children) -> ir.Grant:
        # "grant" expr "from" "treasury"
        return ir.Grant(amount=children[1], span=node_span(node))

    def cap(self, node: _Node, children: _Children) -> ir.ActionBound:
        # "cap" "action" "at" expr
        return ir.ActionBound(bound="cap", value=children[3], span=node_span(node))

    def floor(self, node: _Node, children: _Children) -> ir.ActionBound:
        return ir.ActionBound(bound="floor", value=children[3], span=node_span(node))

    def suspend(self, node: _Node, children: _Children) -> ir.Suspend:
        return ir.Suspend(span=node_span(node))

    def exclude(self, node: _Node, children: _Children) -> ir.Exclude:
        return ir.Exclude(span=node_span(node))

    # -------------------------------------------------------------------------- expressions
    def chain(self, node: _Node, children: _Children) -> ir.Expr:
        expression: ir.Expr = build(children, node.children)
        return expression

    def atom(self, node: _Node, children: _Children) -> ir.Expr:
        # "(" expr ")": the value is the inner expression (its span excludes the parentheses)
        inner: ir.Expr = children[1]
        return inner

    def if_expr(self, node: _Node, children: _Children) -> ir.IfThenElse:
        # "if" expr "then" expr "else" expr
        return ir.IfThenElse(
            condition=children[1], then=children[3], otherwise=children[5], span=node_span(node)
        )

    def number(self, node: _Node, children: _Children) -> ir.Number:
        token = children[0]
        text = str(token)
        return ir.Number(value=float(text), is_int=text.isdigit(), span=token_span(token))

    def true(self, node: _Node, children: _Children) -> ir.Boolean:
        return ir.Boolean(value=True, span=token_span(children[0]))

    def false(self, node: _Node, children: _Children) -> ir.Boolean:
        return ir.Boolean(value=False, span=token_span(children[0]))

    def name_ref(self, node: _Node, children: _Children) -> ir.NameRef:
        # NAME ("." NAME)*
        if len(children) == 1:
            token = children[0]
            return ir.NameRef(name=str(token), span=token_span(token))
        name = "".join(str(part) for part in children)
        return ir.NameRef(name=name, span=joined(token_span(children[0]), token_span(children[-1])))

    def call(self, node: _Node, children: _Children) -> ir.Call:
        # NAME "(" call_args ")"
        args, over = children[2]
        span = joined(token_span(children[0]), token_span(children[3]))
        return ir.Call(
            function=str(children[0]),
            function_span=token_span(children[0]),
            args=tuple(args),
            over=None if over is None else str(over),
            over_span=ir.NO_SPAN if over is None else token_span(over),
            span=span,
        )

    def call_args(self, node: _Node, children: _Children) -> tuple[list[Any], Token | None]:
        # expr ("," expr)* over_clause?
        over = children[-1] if isinstance(children[-1], Token) else None
        args = [c for c in children if not isinstance(c, (Token, str))]
        return args, over

    def over_clause(self, node: _Node, children: _Children) -> Token:
        # "over" NAME (the token, so that the call records its span)
        token: Token = children[1]
        return token

    def list_lit(self, node: _Node, children: _Children) -> ir.ListLit:
        # "[" [expr ("," expr)*] "]"
        items = tuple(c for c in children if c is not None and not isinstance(c, Token))
        return ir.ListLit(items=items, span=node_span(node))
