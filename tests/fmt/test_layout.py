"""format_institution / format_document: the canonical layout, exactly."""

from __future__ import annotations

import pytest

from govlang.lang import ir
from govlang.lang.diagnostics import GovlangError
from govlang.lang.fmt import format_document, format_institution
from govlang.lang.frontend import parse_text
from govlang.lang.unparse import format_string

MESSY = """institution  T   "A test"
per agent { rule R { b -> a after 2 rounds
 a -> b cooldown 1 rounds then notice "hi" priority 2 for k rounds when x > 1 }
 state b "B" { on each round: suspend on enter: fine 0.5 of profit to others }
 initial state a  evidence m
 restore S "back" { b -> a after 3 clean rounds } credits earn 1 per k clean rounds max 2 }
market { initial state open }
monitor m: bool = x > 0
param k: int = 2 in [1, 5] "rounds"
action: number in [0, 10]
observe x: number[agent]
"""

CANONICAL = """institution T "A test"

observe x: number[agent]

action: number in [0, 10]

param k: int = 2 in [1, 5] "rounds"

monitor m: bool = x > 0

per agent {
  evidence m
  credits earn 1 per k clean rounds max 2

  state b "B" {
    on enter: fine 0.5 of profit to others
    on each round: suspend
  }
  initial state a

  rule R {
    b -> a after 2 rounds
    a -> b when x > 1 for k rounds cooldown 1 rounds priority 2 then notice "hi"
  }
  restore S "back" {
    b -> a after 3 clean rounds
  }
}

market {
  initial state open
}
"""


def test_canonical_layout() -> None:
    doc = parse_text(MESSY)
    assert not doc.diagnostics
    assert format_document(doc) == CANONICAL
    again = parse_text(CANONICAL)
    assert again.institution == doc.institution
    assert format_document(again) == CANONICAL


def test_every_fine_part_and_sanction_in_canonical_order() -> None:
    text = """institution T

action: number in [0, 10]

per agent {
  initial state a {
    on enter: grant 5 from treasury
  }
  state b {
    on enter: fine ladder [0.1, 0.2] of profit plus 1 floor 2 cap 3 to consumers
    on each round: cap action at 4
    on each round: floor action at 1
    on each round: exclude
  }

  restore R {
    b -> a after 1 rounds spend 2 credits priority -1 then fine 3 to treasury then notice "x"
  }
}
"""
    doc = parse_text(text)
    assert format_document(doc) == text


def test_long_monitor_moves_its_doc_then_breaks_before_top_level_or() -> None:
    short = "monitor a: bool = x > 1 or y > 2"
    doc = parse_text(f'institution T\n{short} "{"d" * 80}"\n')
    lines = format_document(doc).splitlines()
    assert lines[2:4] == [short, f'    "{"d" * 80}"']
    long = " or ".join(f"signal_number_{i} > threshold_{i}" for i in range(5))
    doc = parse_text(f"institution T monitor a = {long} and z")
    lines = format_document(doc).splitlines()
    assert lines[2] == "monitor a = signal_number_0 > threshold_0"
    assert lines[3] == "    or signal_number_1 > threshold_1"
    assert lines[-1] == "    or signal_number_4 > threshold_4 and z"
    assert parse_text(format_document(doc)).institution == doc.institution


def test_long_and_chain_keeps_parenthesised_or_operands() -> None:
    parts = [f"(first_signal_{i} or second_signal_{i})" for i in range(4)]
    doc = parse_text("institution T monitor a = " + " and ".join(parts))
    lines = format_document(doc).splitlines()
    assert lines[2] == "monitor a = (first_signal_0 or second_signal_0)"
    assert lines[3] == "    and (first_signal_1 or second_signal_1)"
    assert parse_text(format_document(doc)).institution == doc.institution


def test_long_lines_without_a_logic_chain_are_not_wrapped() -> None:
    long = " + ".join(f"value_{i}" for i in range(30))
    doc = parse_text(f"institution T monitor a = {long}")
    assert format_document(doc).splitlines()[2] == f"monitor a = {long}"


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ('say "hi"', r'"say \"hi\""'),
        ("a\\b", r'"a\\b"'),
        ("two\nlines", r'"two\nlines"'),
        ("tab\there", r'"tab\there"'),
        ("naïve €→中 😀", '"naïve €→中 😀"'),
    ],
)
def test_strings_are_re_escaped(value: str, literal: str) -> None:
    assert format_string(value) == literal
    doc = parse_text(f"institution T {literal}")
    assert doc.institution is not None and doc.institution.doc == value


def test_format_institution_needs_no_source() -> None:
    inst = ir.Institution(
        name="T",
        scopes=(
            ir.ScopeDecl(
                kind="market",
                states=(ir.StateDecl(name="a", initial=True, label="A", description="Calm."),),
            ),
        ),
    )
    text = format_institution(inst)
    assert text == 'institution T\n\nmarket {\n  initial state a "A" "Calm."\n}\n'


def test_a_description_without_a_label_is_not_a_state() -> None:
    with pytest.raises(ValueError, match="description needs a label"):
        ir.StateDecl(name="a", description="only a description")


@pytest.mark.parametrize(
    "text",
    [
        "institution",  # a syntax error
        "institution T action: number in [0, 1] action: number in [0, 2]",  # GL006
        "institution T per agent { rule R { a -> b when x when y } }",  # GL006
        "institution T per agent { evidence a evidence b }",  # GL006
    ],
)
def test_documents_with_errors_are_refused(text: str) -> None:
    doc = parse_text(text)
    with pytest.raises(GovlangError) as info:
        format_document(doc)
    assert info.value.diagnostics == doc.diagnostics
