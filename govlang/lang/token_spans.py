"""Source spans of parse-tree tokens and nodes (the parser keeps every token)."""

from __future__ import annotations

from lark import Token, Tree

from govlang.lang import ir


def joined(first: ir.Span, last: ir.Span) -> ir.Span:
    """The span from the start of ``first`` to the end of ``last``."""
    return ir.Span(first.line, first.column, last.end_line, last.end_column, first.start, last.end)


def token_span(token: Token) -> ir.Span:
    """The span of one token."""
    return ir.Span(
        token.line or 1,
        token.column or 1,
        token.end_line or 1,
        token.end_column or 1,
        token.start_pos or 0,
        token.end_pos or 0,
    )


def _end_token(node: Tree[Token], last: bool) -> Token | None:
    """The first (or ``last``) token of ``node``, skipping absent optional children."""
    while True:
        for child in reversed(node.children) if last else node.children:
            if child is not None:
                break
        else:
            return None
        if isinstance(child, Token):
            return child
        node = child


def node_span(node: Tree[Token]) -> ir.Span:
    """The span from the first token of ``node`` to its last (``NO_SPAN`` if it has none)."""
    first, last = _end_token(node, False), _end_token(node, True)
    if first is None or last is None:
        return ir.NO_SPAN
    return ir.Span(
        first.line or 1,
        first.column or 1,
        last.end_line or 1,
        last.end_column or 1,
        first.start_pos or 0,
        last.end_pos or 0,
    )
