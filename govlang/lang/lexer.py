"""Stage 1a: the tokenizer the LALR parser reads from (a Lark custom lexer).

It reads one lexeme at a time with a single regular expression (whitespace skipped in the
same match), then gives the lexeme the terminal type the parser can accept at that point:
a word is a keyword where the grammar expects that keyword and a name elsewhere, ``-`` is
unary where an operand is due and binary after one, ``3`` is an ``INT`` where only an
integer fits. This is what Lark's contextual lexer does, with two differences:

* a word is always read whole before it is classified, so ``true_rate`` or ``initials``
  are names, never the keyword ``true`` or ``initial`` followed by a fragment;
* it is about twice as fast, which matters on large files (one match per token instead of
  one per token and one per run of whitespace).

The lexeme classes and the keyword table are derived from the grammar's own terminals,
and the constructor refuses a grammar with a terminal it could not produce.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from lark import Token
from lark.common import LexerConf
from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer, LexerState, TerminalDef

_PUNCTUATION = ["->", "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/"]
_PUNCTUATION += ["(", ")", "[", "]", "{", "}", ",", ":", ".", "="]
"""Every operator and bracket of the language, longest first where one prefixes another."""

_NAME, _INT, _NUMBER = ("NAME",), ("NUMBER", "INT"), ("NUMBER",)
_BY_KIND = {"WORD": _NAME, "NUMBER": _NUMBER, "STRING": ("STRING",)}
_WHITESPACE = re.compile(r"[ \t\f\r\n]*")
_WORD_ALTERNATION = re.compile(r"\(\?:([A-Za-z_|]+)\)")


class GovLexer(Lexer):
    """Tokens for the LALR parser, typed by what the parser accepts at each point."""

    __future_interface__ = 2  # lex() receives the parser state

    def __init__(self, conf: LexerConf) -> None:
        by_name = {t.name: t for t in conf.terminals}
        self.callbacks: dict[str, Callable[[Token], Any]] = dict(conf.callbacks)
        self.ignored = frozenset(conf.ignore)
        pattern = by_name["NAME"].pattern.to_regexp()
        self.list_type = re.compile(by_name["PARAM_LIST_TYPE"].pattern.to_regexp())
        self.master = re.compile(
            r"[ \t\f\r\n]*(?:"
            + f"(?P<WORD>{pattern})"
            + f"|(?P<NUMBER>{_plain(by_name['NUMBER'].pattern.to_regexp())})"
            + f"|(?P<STRING>{_plain(by_name['STRING'].pattern.to_regexp())})"
            + f"|(?P<COMMENT>{by_name['COMMENT'].pattern.to_regexp()})"
            + "|(?P<PUNCT>"
            + "|".join(re.escape(p) for p in _PUNCTUATION)
            + "))"
        )
        ordered = sorted(
            conf.terminals, key=lambda t: (-t.priority, t.pattern.type != "str", t.name)
        )
        keywords: dict[str, tuple[str, ...]] = {}
        for terminal in ordered:
            for word in terminal_words(terminal.pattern.type, terminal.pattern.value):
                keywords[word] = (*keywords.get(word, ()), terminal.name)
        self.punctuation = {
            lexeme: tuple(t.name for t in ordered if _matches(t, lexeme)) for lexeme in _PUNCTUATION
        }
        self._refuse_unknown_terminals(set(by_name), keywords)
        # The candidate types of each keyword and punctuation lexeme, most specific first
        # (any other word is a NAME, any number a NUMBER, and an INT too if it has no fraction).
        self.fixed_types = {word: (*types, "NAME") for word, types in keywords.items()}
        self.fixed_types["list"] = ("PARAM_LIST_TYPE", *self.fixed_types.get("list", _NAME))
        self.fixed_types.update(self.punctuation)

    def _refuse_unknown_terminals(
        self, names: set[str], keywords: dict[str, tuple[str, ...]]
    ) -> None:
        produced = {"NAME", "NUMBER", "INT", "STRING", "COMMENT", "PARAM_LIST_TYPE"}
        produced |= self.ignored
        for types in (*keywords.values(), *self.punctuation.values()):
            produced.update(types)
        unknown = names - produced
        if unknown or any(not types for types in self.punctuation.values()):
            raise ValueError(f"the lexer cannot produce the terminals {sorted(unknown)}")

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        """Yield the tokens of the text, each typed for the parser state it is read in."""
        source = lexer_state.text  # a TextSlice since Lark 1.3, the text itself before
        if isinstance(source, str):
            text, pos, end = source, 0, len(source)
        else:
            text, pos, end = source.text, source.start, source.end
        line, line_start = 1, 0
        match = self.master.match
        states = parser_state.parse_conf.states
        fixed = self.fixed_types
        while True:
            found = match(text, pos, end)
            if found is None:
                self._refuse_rest(text, pos, end, line, line_start, parser_state)
                return
            kind = found.lastgroup
            assert kind is not None
            start, pos = found.span(kind)
            if text.find("\n", found.start(), start) >= 0:
                line, line_start = _advance(text, found.start(), start, line, line_start)
            value = text[start:pos]
            column = start - line_start + 1
            if kind == "COMMENT":
                self._comment(
                    Token("COMMENT", value, start, line, column, line, column + len(value), pos)
                )
                continue
            types = fixed.get(value) or _BY_KIND[kind]  # keywords and punctuation are fixed
            if types is _NUMBER and value.isdigit():
                types = _INT
            type_ = types[0]
            if len(types) > 1:
                accepted = states[parser_state.position]
                if type_ == "PARAM_LIST_TYPE":  # the word `list`: is it `list[int]`?
                    typed = self.list_type.match(text, start, end)
                    if typed is None or type_ not in accepted:
                        types = types[1:]
                    else:
                        value, pos, types = typed.group(), typed.end(), types[:1]
                type_ = next((t for t in types if t in accepted), types[0])
            token = Token(type_, value, start, line, column, line, column + pos - start, pos)
            lexer_state.last_token = token
            yield token

    @staticmethod
    def _refuse_rest(
        text: str, pos: int, end: int, line: int, line_start: int, parser_state: Any
    ) -> None:
        """Raise at the first character after ``pos`` that starts no token (if any)."""
        bad = _WHITESPACE.match(text, pos, end).end()  # type: ignore[union-attr]
        if bad == end:
            return
        line, line_start = _advance(text, pos, bad, line, line_start)
        accepted = set(parser_state.parse_conf.states[parser_state.position])
        raise UnexpectedCharacters(  # type: ignore[no-untyped-call]
            text, bad, line, bad - line_start + 1, allowed=accepted, state=parser_state.position
        )

    def _comment(self, token: Token) -> None:
        callback = self.callbacks.get("COMMENT")
        if callback is not None:
            callback(token)


def _matches(terminal: TerminalDef, lexeme: str) -> bool:
    """Whether ``terminal`` matches all of ``lexeme`` (a plain string by comparison: fast)."""
    pattern = terminal.pattern
    if pattern.type == "str" and not pattern.flags:
        return bool(pattern.value == lexeme)
    return re.fullmatch(pattern.to_regexp(), lexeme) is not None


def _plain(pattern: str) -> str:
    """``pattern`` with its capturing groups made non-capturing (the names stay meaningful)."""
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


def terminal_words(kind: str, value: str) -> list[str]:
    """The keywords a terminal stands for: ``"state"``, or each word of ``(?:int|float)``."""
    if kind == "str" and value.isidentifier():
        return [value]
    alternation = _WORD_ALTERNATION.fullmatch(value) if kind == "re" else None
    return alternation.group(1).split("|") if alternation else []


def _advance(text: str, since: int, upto: int, line: int, line_start: int) -> tuple[int, int]:
    """The line number and line start at ``upto``, from those at ``since``."""
    newlines = text.count("\n", since, upto)
    if not newlines:
        return line, line_start
    return line + newlines, text.rindex("\n", since, upto) + 1
