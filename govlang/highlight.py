"""A Pygments lexer for ``.gov`` files, so documentation and reports can highlight them.

Registered as the ``govlang`` lexer (aliases ``gov``; files ``*.gov``) through the
``pygments.lexers`` entry point, so ``pygmentize -l govlang FILE`` and Sphinx/MkDocs code
blocks marked ``govlang`` use it once govlang is installed. Its keyword lists are the Lark
grammar's keywords (a test keeps them in sync), grouped by role as in the TextMate grammar.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
    _TokenType,
)

from govlang.lang.builtins import BUILTINS

DECLARATIONS = (
    "institution",
    "observe",
    "action",
    "param",
    "monitor",
    "per",
    "agent",
    "market",
    "evidence",
    "credits",
    "state",
    "rule",
    "restore",
    "assert",
)
MODIFIERS = ("initial", "terminal")
CLAUSES = (
    "when",
    "for",
    "after",
    "rounds",
    "round",
    "clean",
    "spend",
    "cooldown",
    "priority",
    "then",
    "on",
    "enter",
    "each",
    "earn",
    "max",
    "in",
    "over",
    "if",
    "else",
    "leads",
    "to",
    "within",
    "while",
    "never",
    "always",
    "reachable",
    "unless",
)
SANCTIONS = (
    "notice",
    "fine",
    "ladder",
    "of",
    "profit",
    "plus",
    "floor",
    "cap",
    "grant",
    "from",
    "suspend",
    "exclude",
    "at",
)
TYPES = ("number", "bool", "int", "float")
CONSTANTS = ("true", "false", "treasury", "consumers", "others")
LOGIC = ("and", "or", "not")
KEYWORD_GROUPS = (DECLARATIONS, MODIFIERS, CLAUSES, SANCTIONS, TYPES, CONSTANTS, LOGIC)
"""Every keyword group; together, exactly the grammar's keywords."""

BUILTIN_FUNCTIONS = (*sorted(BUILTINS), "entered")
"""The built-in functions, and ``entered`` of assertions."""

_Rule = tuple[object, _TokenType] | tuple[object, _TokenType, str]


class GovlangLexer(RegexLexer):
    """Lexer for govlang institution files (``.gov``)."""

    name = "govlang"
    aliases: ClassVar[list[str]] = ["govlang", "gov"]
    filenames: ClassVar[list[str]] = ["*.gov"]
    mimetypes: ClassVar[list[str]] = ["text/x-govlang"]

    tokens: ClassVar[dict[str, list[_Rule]]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (r"\blist\[(?:int|float)\]", Keyword.Type),
            (words(BUILTIN_FUNCTIONS, prefix=r"\b", suffix=r"(?=\s*\()"), Name.Builtin),
            (r"[A-Za-z_][A-Za-z0-9_]*(?=\s*\()", Name.Function),
            (words(DECLARATIONS, prefix=r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(MODIFIERS, prefix=r"\b", suffix=r"\b"), Keyword.Reserved),
            (words(TYPES, prefix=r"\b", suffix=r"\b"), Keyword.Type),
            (words(CONSTANTS, prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (words(LOGIC, prefix=r"\b", suffix=r"\b"), Operator.Word),
            (words(CLAUSES + SANCTIONS, prefix=r"\b", suffix=r"\b"), Keyword),
            (r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", Number),
            (r"->|<=|>=|==|!=|[<>+\-*/=]", Operator),
            (r"[{}\[\](),:.]", Punctuation),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
        ],
        "string": [
            (r'\\["\\nt]', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\n", Text, "#pop"),  # an unterminated string ends with its line
            (r"\\", String.Double),
        ],
    }
