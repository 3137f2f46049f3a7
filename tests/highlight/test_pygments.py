"""The Pygments lexer: lossless, no Error token on any valid `.gov`, keywords as the grammar's."""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path

import pytest
from pygments.token import Error, Keyword, Name, Number, Operator, String, Token

from govlang.highlight import BUILTIN_FUNCTIONS, KEYWORD_GROUPS, GovlangLexer
from govlang.lang.builtins import BUILTINS
from govlang.lang.check import check
from govlang.lang.frontend import parse_text
from govlang.lang.parse import keywords
from tests.highlight.test_textmate import lark_keywords
from tests.test_repository_gov_files import INVALID, ROOT, VALID


def lex(text: str) -> list[tuple[int, object, str]]:
    return list(GovlangLexer().get_tokens_unprocessed(text))


def test_keyword_groups_are_the_grammars_keywords() -> None:
    grouped = [word for group in KEYWORD_GROUPS for word in group]
    assert len(grouped) == len(set(grouped))
    assert set(grouped) == keywords()
    assert lark_keywords() <= set(grouped)
    assert set(BUILTIN_FUNCTIONS) == {*BUILTINS, "entered"}


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_valid_files_lex_without_errors_and_losslessly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tokens = lex(text)
    assert [(i, value) for i, kind, value in tokens if kind in Error] == []
    assert "".join(value for _, _, value in tokens) == text


@pytest.mark.parametrize("path", INVALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_invalid_files_have_errors_only_at_bad_characters(path: Path) -> None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        assert path.name.startswith("GL007")  # not text: nothing to highlight
        return
    bad = {d.span.start for d in check(parse_text(text, path.name)) if d.code == "GL002"}
    errors = {index for index, kind, _ in lex(text) if kind in Error}
    assert errors <= bad


def test_the_bad_character_is_an_error() -> None:
    (path,) = [p for p in INVALID if p.name.startswith("GL002")]
    errors = [value for _, kind, value in lex(path.read_text(encoding="utf-8")) if kind in Error]
    assert errors == ["&"]


def test_token_kinds_of_a_sample() -> None:
    text = (
        'param fine_ladder: list[float] = [0.35, 1e3] "Rates \\"of\\" fines"\n'
        "monitor m: bool[agent] = max(cv(q over agents), 1) >= -2 and not held(x, 3)\n"
        "  initial state ok\n"
        "    ok -> bad when m then fine 1 of profit to treasury # trailing\n"
    )
    kinds = {value: kind for _, kind, value in lex(text) if value.strip()}
    assert kinds["param"] is Keyword.Declaration
    assert kinds["list[float]"] is Keyword.Type
    assert kinds["1e3"] is Number
    assert kinds['\\"'] is String.Escape
    assert kinds["max"] is Name.Builtin
    assert kinds["over"] is Keyword
    assert kinds["not"] is Operator.Word
    assert kinds["initial"] is Keyword.Reserved
    assert kinds["->"] is Operator
    assert kinds["treasury"] is Keyword.Constant
    assert kinds["bad"] is Name
    assert kinds["# trailing"] is Token.Comment.Single


def test_the_entry_point_names_the_lexer() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["pygments.lexers"]["govlang"]
    module, _, name = target.partition(":")
    assert getattr(import_module(module), name) is GovlangLexer
