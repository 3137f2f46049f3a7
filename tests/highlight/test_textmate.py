"""The TextMate grammar: its keywords are the Lark grammar's, and it covers every `.gov` file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govlang.lang.builtins import BUILTINS
from govlang.lang.check import check
from govlang.lang.frontend import parse_text
from govlang.lang.parse import keywords
from tests.highlight.textmate import GRAMMAR, load, tokenise
from tests.test_repository_gov_files import ALL_GOV, INVALID, ROOT, VALID

LARK = sorted((ROOT / "grammars").glob("*.lark"))
_WORDS = re.compile(r"\\b\(\?:([A-Za-z_|]+)\)\\b")


def lark_keywords() -> set[str]:
    """Every word the Lark grammars quote (comments left out)."""
    words: set[str] = set()
    for path in LARK:
        for line in path.read_text(encoding="utf-8").splitlines():
            code = line.split("//", 1)[0]
            words.update(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', code))
    return words


def alternatives(pattern: str) -> set[str]:
    """The words of a ``\\b(?:a|b|c)\\b`` pattern."""
    found = _WORDS.search(pattern)
    assert found is not None, pattern
    return set(found.group(1).split("|"))


def test_every_lark_keyword_is_a_textmate_keyword() -> None:
    grammar, _ = load()
    highlighted: set[str] = set()
    for rule in grammar["repository"]["keywords"]["patterns"]:
        highlighted |= alternatives(rule["match"])
    assert LARK
    assert lark_keywords() - highlighted == set()
    assert keywords() - highlighted == set()
    # and nothing that is not a keyword is highlighted as one
    assert highlighted - keywords() == set()


def test_every_builtin_function_is_highlighted_as_one() -> None:
    grammar, _ = load()
    calls = grammar["repository"]["function-call"]["patterns"]
    builtins = [rule for rule in calls if rule["name"].startswith("support.function")]
    named = set().union(*(alternatives(r["match"]) for r in builtins if "(?:" in r["match"]))
    assert named == set(BUILTINS)


def test_patterns_are_plain_regular_expressions() -> None:
    """Every pattern compiles with Python's ``re`` (and uses nothing beyond Oniguruma's)."""
    text = GRAMMAR.read_text(encoding="utf-8")
    _, rules = load()
    assert rules
    for construct in ("(?<", "(?P", "\\Z", "(?i"):
        assert construct not in text


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        assert path.name.startswith("GL007"), path  # a file that is not text at all
        return None


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_valid_file_is_covered(path: Path) -> None:
    text = _text(path)
    assert text is not None
    _, rules = load()
    tokens, unmatched = tokenise(text, rules)
    assert unmatched == []
    assert tokens


@pytest.mark.parametrize("path", INVALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_invalid_files_are_covered_except_their_bad_characters(path: Path) -> None:
    """Only a character the language does not have (GL002) is left unmatched."""
    text = _text(path)
    if text is None:
        return
    _, rules = load()
    _, unmatched = tokenise(text, rules)
    bad = {
        (d.span.line - 1, d.span.column - 1)
        for d in check(parse_text(text, path.name))
        if d.code == "GL002"
    }
    for token in unmatched:
        stripped = len(token.text) - len(token.text.lstrip())
        assert (token.line, token.start + stripped) in bad, token


def test_the_bad_character_file_is_really_left_unmatched() -> None:
    (path,) = [p for p in INVALID if p.name.startswith("GL002")]
    _, unmatched = tokenise(path.read_text(encoding="utf-8"), load()[1])
    assert [token.text.strip() for token in unmatched] == ["&"]


def test_scopes_of_a_sample() -> None:
    text = (
        'institution T "doc" # note\n'
        "param fine_ladder: list[float] = [0.35, 1e3] in [0, 1]\n"
        "monitor m: bool[agent] = max(cv(q over agents), 1) >= -2 and not held(x, 3)\n"
        '  initial state ok "A \\"quoted\\" label"\n'
        "    ok -> bad when m then fine 1 of profit to treasury\n"
    )
    tokens, unmatched = tokenise(text, load()[1])
    assert unmatched == []
    scope = {(t.line, t.text): t.scopes[-1] for t in tokens}
    assert scope[(0, "institution")] == "keyword.other.declaration.govlang"
    assert scope[(0, "# note")] == "comment.line.number-sign.govlang"
    assert scope[(1, "list[float]")] == "storage.type.govlang"
    assert scope[(1, "1e3")] == "constant.numeric.govlang"
    assert scope[(2, "max")] == "support.function.builtin.govlang"
    assert scope[(2, "over")] == "keyword.control.clause.govlang"
    assert scope[(2, ">=")] == "keyword.operator.comparison.govlang"
    assert scope[(2, "not")] == "keyword.operator.logical.govlang"
    assert scope[(3, "initial")] == "storage.modifier.govlang"
    assert scope[(3, '\\"')] == "constant.character.escape.govlang"
    assert scope[(4, "->")] == "keyword.operator.arrow.govlang"
    assert scope[(4, "treasury")] == "constant.language.govlang"
    assert scope[(4, "bad")] == "variable.other.govlang"


def test_the_corpus_is_every_gov_file() -> None:
    assert len(ALL_GOV) == len(VALID) + len(INVALID) > 60
