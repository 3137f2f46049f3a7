"""Hypothesis strategies: expressions, valid institutions, and text to fuzz the parser with.

- :func:`expressions`: any printable expression (not necessarily well typed), for the
  formatter's round trip.
- :func:`institutions`: institutions the checker accepts without an error: observables with
  dimensions, an optional action space, params with in-range defaults, well-typed monitors
  (aggregates, temporal and element-wise built-ins), one or two scopes with exactly one
  initial state, rules and restore rules with every kind of clause and sanction, a way back
  out of every sanction state that is not terminal, and every param and monitor used.
- :func:`raw_texts` and :func:`grammar_texts`: arbitrary text, and token soup drawn from the
  grammar's vocabulary.

Every name is built from a role prefix (``o``, ``p``, ``m``, ``s``, ``R``) and an index, so
names never collide with each other, with reserved words or with built-ins.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from govlang.lang import ir
from govlang.lang.fmt import format_institution
from govlang.testing import _build
from govlang.testing._build import DIM_POOL, SUFFIX
from govlang.testing._typed import Env

__all__ = ["expressions", "grammar_texts", "institutions", "raw_texts", "strings"]


def strings(max_size: int = 12) -> st.SearchStrategy[str]:
    """Text for labels, notices and docs: escapes, quotes, tabs, newlines and non-ASCII."""
    return st.text(alphabet=_STRING_ALPHABET, max_size=max_size)


_STRING_ALPHABET = ' "\\\n\tabcXYZ019.,:;#{}()%éß€→中😀\u00a0\u2028\x7f'
"""Characters worth escaping or encoding, and a few plain ones."""
_STRINGS = strings()


# ------------------------------------------------------------------------------- expressions


def _numbers() -> st.SearchStrategy[ir.Number]:
    ints = st.integers(min_value=-(10**25), max_value=10**25).map(
        lambda i: ir.Number(value=float(i), is_int=True)
    )
    floats = st.floats(allow_nan=False).map(lambda f: ir.Number(value=f, is_int=False))
    return st.one_of(ints, floats)


def _names() -> st.SearchStrategy[str]:
    part = st.builds(lambda i, s: f"n{i}{s}", st.integers(0, 9), SUFFIX)
    return st.one_of(part, st.builds(lambda a, b: f"{a}.{b}", part, part))


def expressions(max_leaves: int = 12) -> st.SearchStrategy[ir.Expr]:
    """Any expression the formatter can print and the parser read back unchanged."""
    leaves: st.SearchStrategy[ir.Expr] = st.one_of(
        _numbers(),
        st.builds(ir.Boolean, value=st.booleans()),
        st.builds(ir.NameRef, name=_names()),
    )

    def extend(children: st.SearchStrategy[ir.Expr]) -> st.SearchStrategy[ir.Expr]:
        pairs = {"left": children, "right": children}
        return st.one_of(
            st.builds(ir.Negate, operand=children),
            st.builds(ir.Not, operand=children),
            st.builds(ir.Binary, op=st.sampled_from(["+", "-", "*", "/"]), **pairs),
            st.builds(ir.Compare, op=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), **pairs),
            st.builds(ir.Logic, op=st.sampled_from(["and", "or"]), **pairs),
            st.builds(ir.IfThenElse, condition=children, then=children, otherwise=children),
            st.builds(
                ir.Call,
                function=_names().filter(lambda n: "." not in n),
                args=st.lists(children, min_size=1, max_size=3).map(tuple),
                over=st.none() | st.sampled_from(["agent", "agents", *DIM_POOL]),
            ),
            st.builds(ir.ListLit, items=st.lists(children, max_size=3).map(tuple)),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


# ------------------------------------------------------------------------------- fuzz input

_PUNCTUATION = [
    "{", "}", "(", ")", "[", "]", ",", ":", ".", "->", "=", "+", "-", "*", "/",
    "<", "<=", ">", ">=", "==", "!=", "!", "&", "|", ";", "%", "'", '"', "#",
]  # fmt: skip
_KEYWORDS = [
    "institution", "observe", "action", "param", "monitor", "per", "agent", "market",
    "evidence", "credits", "earn", "clean", "rounds", "max", "initial", "terminal", "state",
    "on", "enter", "each", "round", "rule", "restore", "when", "for", "after", "spend",
    "cooldown", "priority", "then", "notice", "fine", "ladder", "of", "profit", "plus",
    "floor", "cap", "to", "treasury", "consumers", "others", "grant", "from", "at",
    "suspend", "exclude", "number", "bool", "int", "float", "list[float]", "list[int]",
    "in", "if", "else", "and", "or", "not", "true", "false", "over", "sum", "held",
]  # fmt: skip


def raw_texts() -> st.SearchStrategy[str]:
    """Arbitrary text: any unicode, Windows line endings, NUL, stray quotes and comments."""
    fragments = st.sampled_from(["\r\n", "\n", "\r", "\x00", '"', "#", "\\", "\ufeff", "{"])
    return st.one_of(
        st.text(),
        st.lists(st.one_of(fragments, st.text(max_size=4)), max_size=30).map("".join),
    )


def _tokens() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(_KEYWORDS),
        st.sampled_from(_PUNCTUATION),
        _names(),
        st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
        strings(6).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
        st.just('"unterminated'),
        st.just("# a comment\n"),
    )


def grammar_texts() -> st.SearchStrategy[str]:
    """Token soup from the grammar's vocabulary, and valid institutions with a few mutations.

    A mutation drops, repeats or swaps a token, or inserts a grammar token or a comment, so
    most mutated texts still parse: they exercise the checker and the formatter too.
    """
    space = st.sampled_from([" ", "\n", "\t", "\r\n", ""])
    soup = st.lists(st.tuples(_tokens(), space).map("".join), max_size=60).map("".join)
    return st.one_of(soup, soup.map(lambda s: "institution X " + s), _mutated())


_LEXEMES = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[^\s"#]+|\s+')


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    """The canonical text of a valid institution, with up to three token-level mutations."""
    parts = _LEXEMES.findall(format_institution(draw(institutions())))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(parts) - 1))
        change = draw(st.sampled_from(["drop", "repeat", "swap", "insert", "comment"]))
        if change == "drop":
            del parts[at]
        elif change == "repeat":
            parts.insert(at, parts[at])
        elif change == "swap" and at + 1 < len(parts):
            parts[at], parts[at + 1] = parts[at + 1], parts[at]
        elif change == "insert":
            parts.insert(at, " " + draw(_tokens()) + " ")
        elif change == "comment":
            parts.insert(at, " # " + draw(strings(8)).replace("\n", " ") + "\n")
    return "".join(parts)


# ------------------------------------------------------------------------------- institutions


@st.composite
def _institutions(draw: st.DrawFn) -> ir.Institution:
    return _build.institution(Env(draw, _STRINGS))


def institutions() -> st.SearchStrategy[ir.Institution]:
    """A valid institution: the checker reports no error on its canonical text."""
    return _institutions()
