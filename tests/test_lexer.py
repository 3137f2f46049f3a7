"""The tokenizer: context-typed tokens, whole words, exact positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark import Lark, Token

from govlang.lang import ir
from govlang.lang.frontend import parse_text
from govlang.lang.lexer import GovLexer
from govlang.lang.parse import _collect_comment, grammar_text, parser

ROOT = Path(__file__).resolve().parent.parent
GOV_FILES = sorted(p for p in ROOT.glob("**/*.gov") if ".git" not in p.parts)

_LARK_CONTEXTUAL = Lark(
    grammar_text(),
    parser="lalr",
    lexer="contextual",
    keep_all_tokens=True,
    maybe_placeholders=True,
    lexer_callbacks={"COMMENT": _collect_comment},
)
"""Lark's own contextual lexer on the same grammar: the reference for valid files."""


def token_fields(tree: object) -> list[tuple[object, ...]]:
    tokens = tree.scan_values(lambda v: isinstance(v, Token))  # type: ignore[attr-defined]
    return [
        (t.type, str(t), t.line, t.column, t.end_line, t.end_column, t.start_pos, t.end_pos)
        for t in tokens
    ]


def valid_gov_texts() -> list[tuple[str, str]]:
    texts = []
    for path in GOV_FILES:
        text = path.read_bytes().decode("utf-8", errors="replace")
        if parse_text(text).institution is not None:
            texts.append((str(path.relative_to(ROOT)), text))
    return texts


VALID = valid_gov_texts()


@pytest.mark.parametrize(("name", "text"), VALID, ids=[name for name, _ in VALID])
def test_tokens_match_larks_contextual_lexer_on_valid_files(name: str, text: str) -> None:
    expected = token_fields(_LARK_CONTEXTUAL.parse(text))
    assert token_fields(parser().parse(text)) == expected


def expression(text: str) -> ir.Expr | list[str]:
    document = parse_text(f"institution X\nmonitor m = {text}\n", "x.gov")
    if document.institution is None:
        return [f"{d.code}: {d.message}" for d in document.diagnostics]
    return document.institution.monitors[0].expr


@pytest.mark.parametrize(
    "name", ["true_rate", "falsely", "ladder_x", "notable", "order", "android", "rounds_held"]
)
def test_a_word_that_starts_with_a_keyword_is_a_name(name: str) -> None:
    found = expression(f"{name} > 1")
    assert isinstance(found, ir.Compare)
    assert found.left == ir.NameRef(name=name)


def test_keywords_glued_together_are_an_error_not_two_words() -> None:
    text = (
        "institution X\nmonitor m: bool = true\n"
        "per agent {\n  initial state a\n  state b\n"
        "  rule R { a -> b when m for 2 roundscooldown 3 rounds }\n}\n"
    )
    (diagnostic,) = parse_text(text, "x.gov").diagnostics
    assert diagnostic.message.startswith("unexpected `roundscooldown`; expected `rounds`")


def test_list_types_are_one_token_only_where_a_param_type_is_due() -> None:
    document = parse_text("institution X\nparam list: list[float] = [1, 2]\n", "x.gov")
    assert document.institution is not None
    (param,) = document.institution.params
    assert (param.name, param.type) == ("list", "list[float]")
    assert expression("list + 1") == ir.Binary(
        op="+", left=ir.NameRef(name="list"), right=ir.Number(value=1, is_int=True)
    )
    bad = parse_text("institution X\nparam p: list[str] = 1\n", "x.gov").diagnostics
    assert [d.message.split(";")[0] for d in bad] == ["unexpected `list`"]


def test_minus_is_unary_before_an_operand_and_binary_after_one() -> None:
    assert expression("a - -1") == ir.Binary(
        op="-", left=ir.NameRef(name="a"), right=ir.Number(value=-1, is_int=True)
    )


def test_positions_across_tabs_crlf_and_comments() -> None:
    text = "institution X # c1\r\n\t# c2\r\nmonitor\tm = 1 +\r\n    foo\r\n"
    tokens = token_fields(parser().parse(text))
    assert tokens[-1] == ("NAME", "foo", 4, 5, 4, 8, text.index("foo"), text.index("foo") + 3)
    monitor = next(t for t in tokens if t[1] == "monitor")
    assert monitor[2:4] == (3, 1)


def test_a_bad_character_is_reported_where_it_stands() -> None:
    text = "institution X\n\n  monitor m = 1 +\n    2 § 3\n"
    (diagnostic,) = parse_text(text, "x.gov").diagnostics
    assert diagnostic.code == "GL002"
    assert (diagnostic.span.line, diagnostic.span.column) == (4, 7)


def test_expected_tokens_are_those_really_possible() -> None:
    (diagnostic,) = parse_text("institution X\nmonitor m = 1 + + 2\n", "x.gov").diagnostics
    assert diagnostic.message == (
        "unexpected `+`; expected one of `(`, `-`, `[`, `false`, `not`, `true`, a name, a number"
    )


def test_a_grammar_terminal_the_lexer_cannot_produce_is_refused() -> None:
    grammar = grammar_text().replace(
        'suspend: "suspend"', 'suspend: "suspend" | PERCENT\nPERCENT: "%"'
    )
    assert grammar != grammar_text()
    with pytest.raises(ValueError, match="cannot produce the terminals \\['PERCENT'\\]"):
        Lark(grammar, parser="lalr", lexer=GovLexer, keep_all_tokens=True)
