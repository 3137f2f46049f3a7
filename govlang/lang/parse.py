"""Stage 1: ``.gov`` text -> Lark parse tree, or syntax diagnostics.

The LALR parser is built once per process from ``govlang.lark`` (found inside an installed
wheel, or in the checkout's ``grammars/`` folder). No Lark exception leaves this module: every
syntax problem becomes a :class:`~govlang.lang.diagnostics.Diagnostic` with a readable message and,
for common mistakes, a hint. Comments are collected (with their positions) for the formatter,
in a list private to each call: parsing from several threads at once is safe.
"""

from __future__ import annotations

import functools
import os
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from govlang.lang import parser_cache
from govlang.lang.codes import diagnostic
from govlang.lang.diagnostics import Diagnostic, Source
from govlang.lang.lexer import GovLexer, terminal_words
from govlang.lang.token_spans import node_span

GRAMMAR_FILE = "govlang.lark"
MAX_NESTING = 64
"""Deepest expression nesting accepted (parentheses, brackets, operators)."""


def grammar_text() -> str:
    """The grammar source, from the installed package or from the checkout."""
    packaged = resources.files("govlang").joinpath("grammars").joinpath(GRAMMAR_FILE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammars" / GRAMMAR_FILE
    return checkout.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Comment:
    """A source comment: its text (with the leading ``#``) and where it stood."""

    text: str
    line: int
    column: int
    own_line: bool
    """True when nothing but whitespace precedes it on its line."""


@dataclass(frozen=True)
class ParseResult:
    """A successful parse: the tree and the comments in source order."""

    tree: Tree[Token]
    comments: tuple[Comment, ...]


_COMMENTS: ContextVar[list[Token] | None] = ContextVar("govlang_comments", default=None)
"""The COMMENT tokens of the parse running in this thread (the parser itself is shared)."""

_CACHED_CLASSES: dict[str, type] = {"govlang.lang.lexer.GovLexer": GovLexer}
"""The classes the parser's tables refer to, by the names the cache file uses."""


def _collect_comment(token: Token) -> Token:
    """The lexer's COMMENT callback: keep the token for the current call of :func:`parse`."""
    comments = _COMMENTS.get()
    if comments is not None:
        comments.append(token)
    return token


@functools.cache
def keywords() -> frozenset[str]:
    """The reserved words: every word a terminal of the grammar stands for."""
    return frozenset(
        word
        for terminal in parser().terminals
        for word in terminal_words(terminal.pattern.type, terminal.pattern.value)
    )


@functools.cache
def parser() -> Lark:
    """The process-wide LALR parser (built on first use, its tables cached on disk).

    It holds no per-parse state: :func:`parse` may run in several threads at once.
    """
    grammar = grammar_text()
    location = parser_cache_file(grammar)
    key = parser_cache.cache_key(grammar)
    callbacks = {"lexer_callbacks": {"COMMENT": _collect_comment}}
    if location:
        cached = parser_cache.load(Path(location), key, _CACHED_CLASSES, **callbacks)
        if cached is not None:
            return cached
    built = Lark(
        grammar,
        parser="lalr",
        lexer=GovLexer,
        keep_all_tokens=True,  # spans come from the first and last token of each node
        maybe_placeholders=True,
        **callbacks,
    )
    if location:
        parser_cache.save(Path(location), key, built, _CACHED_CLASSES)
    return built


def parser_cache_file(grammar: str) -> str | Literal[False]:
    """Where the analysed grammar is kept between runs (``False``: build it every time).

    Building the LALR tables takes several times longer than loading them. The file lives in
    the user's own cache directory (``$XDG_CACHE_HOME/govlang`` or ``~/.cache/govlang``); it is
    JSON, never code, and is used only when private to the user and intact
    (:mod:`govlang.lang.parser_cache`). Set ``GOVLANG_NO_PARSER_CACHE=1`` to never read or write it.
    """
    if os.environ.get("GOVLANG_NO_PARSER_CACHE"):
        return False
    directory = parser_cache.cache_directory()
    if directory is None:
        return False
    return str(directory / f"parser-{parser_cache.cache_key(grammar)[:16]}.json")


def parse(source: Source) -> ParseResult | list[Diagnostic]:
    """Parse ``source``; return the tree and comments, or the syntax diagnostics."""
    comments: list[Token] = []
    collecting = _COMMENTS.set(comments)
    try:
        tree = parser().parse(source.text)
    except UnexpectedInput as exc:
        return [syntax_diagnostic(source, exc)]
    except LarkError as exc:  # defensive: any other Lark failure is still a diagnostic
        return [diagnostic("GL001", f"cannot parse: {exc}", file=source.name)]
    finally:
        _COMMENTS.reset(collecting)
    too_deep = _bound_nesting(source, tree)
    if too_deep is not None:
        return [too_deep]
    return ParseResult(tree, tuple(_comment(source, tok) for tok in comments))


def _comment(source: Source, token: Token) -> Comment:
    line, column = int(token.line or 1), int(token.column or 1)
    own_line = not source.line_text(line)[: column - 1].strip()
    return Comment(str(token).rstrip("\r"), line, column, own_line)


def _bound_nesting(source: Source, tree: Tree[Token]) -> Diagnostic | None:
    """GL005 when an expression nests deeper than :data:`MAX_NESTING` (checked iteratively).

    A node is one level below its parent; an operator chain (``a + b * -c``) adds a level per
    operator, since each operator becomes a node of the expression tree. Parentheses add no
    level: redundant ones (``((x))``) are collapsed here into the outermost pair, so that
    later recursive stages never see them.
    """
    limit = MAX_NESTING + 12  # declarations add a dozen levels above expressions
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        children = node.children
        if node.data == "chain":
            operators = [child for child in children if isinstance(child, Token)]
            if depth + len(operators) > limit:
                return _too_deep(source, operators[max(0, limit - depth)], node)
            depth += len(operators)
        elif node.data == "atom":  # "(" expr ")"
            while isinstance(children[1], Tree) and children[1].data == "atom":
                children[1] = children[1].children[1]
            depth -= 1
        elif depth > limit:
            return _too_deep(source, None, node)
        stack.extend((child, depth + 1) for child in children if isinstance(child, Tree))
    return None


def _too_deep(source: Source, operator: Token | None, node: Tree[Token]) -> Diagnostic:
    """GL005 from ``operator`` (or the start of ``node``) to the end of ``node``."""
    span = node_span(node)
    start = span.start if operator is None else int(operator.start_pos or 0)
    return diagnostic(
        "GL005",
        f"expression nested too deeply (more than {MAX_NESTING} levels)",
        source.span(start, span.end),
        hint="split it into several monitors",
        file=source.name,
    )


# ------------------------------------------------------------------------- syntax messages

_READABLE = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "INT": "an integer",
    "$END": "end of file",
    "COMPARE_OP": "a comparison",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*` or `/`",
    "MINUS": "`-`",
    "BASE_TYPE": "`number` or `bool`",
    "PARAM_TYPE": "a type (`int`, `float`, `bool`)",
    "PARAM_LIST_TYPE": "a list type (`list[float]`)",
    "RECIPIENT": "`treasury`, `consumers` or `others`",
}

_MISTAKES = {
    "=": "use `==` to compare two values",
    "&": "use `and` to combine conditions",
    "|": "use `or` to combine conditions",
    "!": "use `not` to negate, or `!=` to compare",
    "'": 'strings use double quotes: "..."',
    ";": "declarations need no separator; remove the `;`",
    "%": "write a percentage as a fraction: 10% is 0.10",
}


def _terminal_text(name: str) -> str:
    if name in _READABLE:
        return _READABLE[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"`{pattern.value}`"


def _expected_text(expected: set[str]) -> str:
    names = sorted({_terminal_text(name) for name in expected})
    if len(names) > 8:
        return "one of " + ", ".join(names[:8]) + ", ..."
    if len(names) == 1:
        return names[0]
    return "one of " + ", ".join(names)


def syntax_diagnostic(source: Source, exc: UnexpectedInput) -> Diagnostic:
    """Turn a Lark syntax exception into a readable diagnostic."""
    offset = max(0, min(int(getattr(exc, "pos_in_stream", 0) or 0), len(source.text)))
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(source, offset, exc)
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    expected = _acceptable(exc)
    if token.type == "$END":
        end = len(source.text)
        return diagnostic(
            "GL004",
            f"unexpected end of file; expected {_expected_text(expected)}",
            source.span(end, end),
            hint="a block may be missing its closing `}`" if "RBRACE" in expected else None,
            file=source.name,
        )
    start = int(token.start_pos or 0)
    text = str(token)
    hint = _MISTAKES.get(text)
    if hint is None and text in keywords() and "NAME" in expected:
        hint = f"`{text}` is a reserved word; choose another name"
    return diagnostic(
        "GL001",
        f"unexpected `{text}`; expected {_expected_text(expected)}",
        source.span(start, start + len(text)),
        hint=hint,
        file=source.name,
    )


def _acceptable(exc: UnexpectedToken) -> set[str]:
    """The terminals that could really have come instead of the unexpected token.

    The LALR state where the error shows may belong to several contexts (after ``x`` in a
    monitor, the state also serves ``f(x)`` and ``[x]``), so its table row overstates what was
    possible; trying each terminal on a copy of the parser gives the exact set.
    """
    try:
        accepts = getattr(exc, "accepts", None)  # Lark >= 1.1.6
    except LarkError:  # defensive: fall back on the state's table row
        accepts = None
    return set(accepts or exc.expected)


def _bad_character(source: Source, offset: int, exc: UnexpectedCharacters) -> Diagnostic:
    char = source.text[offset] if offset < len(source.text) else ""
    if char == '"':
        line_end = source.text.find("\n", offset)
        end = len(source.text) if line_end < 0 else line_end
        return diagnostic(
            "GL003",
            "unterminated string",
            source.span(offset, end),
            hint='close the string with `"` on the same line',
            file=source.name,
        )
    shown = char if char.isprintable() else repr(char)[1:-1]
    return diagnostic(
        "GL002",
        f"unexpected character `{shown}`",
        source.span(offset, offset + 1),
        hint=_MISTAKES.get(char),
        file=source.name,
    )
