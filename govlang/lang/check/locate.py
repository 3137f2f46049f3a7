"""Finding the exact span of a clause or a block's head inside a larger construct.

The IR keeps a span on every node, and the transform records the span of every name a node
holds as a string (``name_span``, an edge's ``source_span`` and ``target_span``, a scope's
``evidence_span``, a call's ``function_span`` and ``over_span``, a type's ``dim_spans``): the
checker and the language server read those. What is left here re-scans a node's source text
with a small lexer (which skips comments and strings) for positions that are not names: a
clause such as ``after 3 clean rounds`` and the head of a block (``per agent``). Every
function falls back to the node's own span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from govlang.lang.diagnostics import Source
from govlang.lang.ir import NO_SPAN, Span

_TOKEN = re.compile(r'\s+|#[^\n]*|"(?:[^"\\\n]|\\.)*"?|[A-Za-z_][A-Za-z0-9_]*|->|\S')


@dataclass(frozen=True)
class Token:
    """A word or a punctuation mark, with its offsets in the source text."""

    text: str
    start: int
    end: int


def iter_tokens(source: Source, span: Span) -> Iterator[Token]:
    """The tokens of ``span`` in order (whitespace, comments and strings left out)."""
    for match in _TOKEN.finditer(source.text, span.start, span.end):
        text = match.group()
        if not (text[0].isspace() or text[0] in '#"'):
            yield Token(text, match.start(), match.end())


def tokens(source: Source, span: Span) -> list[Token]:
    """All the tokens of ``span``."""
    return list(iter_tokens(source, span))


def _usable(source: Source | None, span: Span) -> bool:
    return source is not None and span != NO_SPAN and span.end <= len(source.text)


def clause_span(
    source: Source | None, outer: Span, inner: Span, opener: str, closers: Iterable[str]
) -> Span:
    """A clause such as ``after 3 clean rounds``: from ``opener`` before ``inner`` to a closer.

    ``inner`` is the span of the clause's expression; the clause starts at the last ``opener``
    token before it and ends after the first closer word that follows it.
    """
    if source is None or not _usable(source, outer) or not _usable(source, inner):
        return inner
    toks = tokens(source, outer)
    before = [tok for tok in toks if tok.end <= inner.start and tok.text == opener]
    ends = set(closers)
    closer = next((tok for tok in toks if tok.start >= inner.end and tok.text in ends), None)
    start = before[-1].start if before else inner.start
    return source.span(start, closer.end if closer is not None else inner.end)


def header_span(source: Source | None, span: Span) -> Span:
    """The head of a block (``per agent``, ``market``): its tokens before the first ``{``."""
    if source is None or not _usable(source, span):
        return span
    head = []
    for tok in iter_tokens(source, span):
        if tok.text == "{":
            break
        head.append(tok)
    if not head:
        return span
    return source.span(head[0].start, head[-1].end)
