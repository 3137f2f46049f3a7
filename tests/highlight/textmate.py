"""A small TextMate tokeniser over Python ``re``, enough to test the govlang grammar.

It follows TextMate's rules for what the grammar uses: line by line; at each position the
pattern matching earliest wins (the first listed on a tie); a ``begin``/``end`` rule pushes
its nested patterns until ``end`` matches (``end`` wins ties with the nested patterns);
``include`` refers to the repository. Text inside a ``begin``/``end`` rule that no nested
pattern covers takes that rule's scope; text no pattern covers at the top level is reported
as unmatched.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GRAMMAR = Path(__file__).resolve().parents[2] / "grammars" / "govlang.tmLanguage.json"


@dataclass
class Rule:
    name: str
    match: re.Pattern[str] | None = None
    begin: re.Pattern[str] | None = None
    end: str | None = None
    patterns: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class Token:
    line: int
    start: int
    end: int
    scopes: tuple[str, ...]
    text: str


def load(path: Path = GRAMMAR) -> tuple[dict[str, Any], list[Rule]]:
    grammar = json.loads(path.read_text(encoding="utf-8"))
    return grammar, _rules(grammar["patterns"], grammar["repository"])


def _rules(patterns: list[dict[str, Any]], repository: dict[str, Any]) -> list[Rule]:
    rules: list[Rule] = []
    for pattern in patterns:
        if "include" in pattern:
            target = repository[pattern["include"].removeprefix("#")]
            rules += _rules([target], repository)
        elif "match" in pattern:
            rules.append(Rule(pattern.get("name", ""), match=re.compile(pattern["match"])))
        elif "begin" in pattern:
            nested = _rules(pattern.get("patterns", []), repository)
            rules.append(
                Rule(
                    pattern.get("name", ""),
                    begin=re.compile(pattern["begin"]),
                    end=pattern["end"],
                    patterns=nested,
                )
            )
        else:
            rules += _rules(pattern["patterns"], repository)
    return rules


def tokenise(text: str, rules: list[Rule]) -> tuple[list[Token], list[Token]]:
    """The tokens of ``text`` and the unmatched stretches (whitespace left out of both)."""
    tokens: list[Token] = []
    unmatched: list[Token] = []
    stack: list[tuple[Rule, re.Pattern[str]]] = []
    for number, line in enumerate(text.split("\n")):
        pos = 0
        while True:
            scopes = tuple(rule.name for rule, _ in stack)
            best = _earliest(line, pos, stack, rules)
            gaps = tokens if stack else unmatched
            if best is None:
                _gap(line, number, pos, len(line), scopes, gaps)
                break
            found, rule = best
            _gap(line, number, pos, found.start(), scopes, gaps)
            pos = found.end()
            if rule is None:  # the end of the innermost begin/end rule
                _emit(tokens, number, found, scopes)
                stack.pop()
                continue
            _emit(tokens, number, found, (*scopes, rule.name))
            if rule.begin is not None:
                assert found.end() > found.start(), f"zero-width begin: {rule.name}"
                assert rule.end is not None
                stack.append((rule, re.compile(rule.end)))
            elif found.end() == found.start():  # a zero-width match must not loop
                _gap(line, number, pos, pos + 1, scopes, gaps)
                pos += 1
                if pos > len(line):
                    break
    return tokens, unmatched


def _earliest(
    line: str, pos: int, stack: list[tuple[Rule, re.Pattern[str]]], rules: list[Rule]
) -> tuple[re.Match[str], Rule | None] | None:
    """The match starting first: the open rule's end (wins ties), else the first pattern."""
    best: tuple[re.Match[str], Rule | None] | None = None
    if stack:
        ending = stack[-1][1].search(line, pos)
        if ending is not None:
            best = (ending, None)
    for rule in stack[-1][0].patterns if stack else rules:
        regex = rule.match or rule.begin
        assert regex is not None
        found = regex.search(line, pos)
        if found is not None and (best is None or found.start() < best[0].start()):
            best = (found, rule)
    return best


def _emit(tokens: list[Token], line: int, found: re.Match[str], scopes: tuple[str, ...]) -> None:
    if found.group().strip():
        tokens.append(Token(line, found.start(), found.end(), scopes, found.group()))


def _gap(
    line: str, number: int, start: int, end: int, scopes: tuple[str, ...], out: list[Token]
) -> None:
    """Text no pattern matched: unmatched at the top level, else the open rule's content."""
    text = line[start:end]
    if text.strip():
        out.append(Token(number, start, end, scopes, text))
