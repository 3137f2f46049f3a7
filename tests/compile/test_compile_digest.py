"""The semantic digest: blind to layout and comments, sensitive to every semantic edit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.diagnostics import GovlangError
from govlang.lang.fmt import format_document
from govlang.lang.frontend import parse_text

CompileText = Callable[..., CompiledInstitution]
REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "cournot_reference.gov"


def compile_source(text: str) -> CompiledInstitution:
    document = parse_text(text, "edited.gov")
    assert document.institution is not None and not document.diagnostics, document.diagnostics
    return compile_institution(document.institution, None, text.encode("utf-8"))


def _scan(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Offsets of the spaces between tokens, and the (start, end) of every comment."""
    gaps: list[int] = []
    comments: list[tuple[int, int]] = []
    in_string = escaped = False
    for offset, char in enumerate(text):
        if comments and comments[-1][1] < 0:
            if char == "\n":
                comments[-1] = (comments[-1][0], offset)
        elif in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char == '"':
            in_string = True
        elif char == "#":
            comments.append((offset, -1))
        elif char == " ":
            gaps.append(offset)
    return gaps, comments


def _without_comments(text: str) -> str:
    _, comments = _scan(text)
    for start, end in reversed(comments):
        text = text[:start] + (text[end:] if end >= 0 else "")
    return text


LAYOUTS = ["  ", "\t", "\n", "\n\n    ", " # a remark\n", "\r\n  "]


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_digest_ignores_random_layout_and_comments(data: st.DataObject) -> None:
    reference_text = REFERENCE.read_text(encoding="utf-8")
    gaps, _ = _scan(reference_text)
    chosen = data.draw(st.lists(st.sampled_from(gaps), max_size=60, unique=True))
    layout = data.draw(
        st.lists(st.sampled_from(LAYOUTS), min_size=len(chosen), max_size=len(chosen))
    )
    text = reference_text
    for offset, replacement in sorted(zip(chosen, layout, strict=True), reverse=True):
        text = text[:offset] + replacement + text[offset + 1 :]
    original = compile_source(reference_text)
    edited = compile_source(text)
    assert edited.digest == original.digest
    assert (edited.file_digest == original.file_digest) == (text == reference_text)


def test_digest_ignores_comments_line_endings_and_indentation(
    reference: CompiledInstitution, reference_text: str
) -> None:
    stripped = _without_comments(reference_text)
    assert "#" not in stripped
    variants = [
        stripped,
        reference_text.replace("\n", "\r\n"),
        reference_text.replace("\n  ", "\n\t\t"),
        "# leading comment\n\n" + reference_text + "\n# trailing comment\n",
        reference_text.replace(" -> ", "->").replace("{\n", "{\n\n"),
    ]
    for text in variants:
        compiled = compile_source(text)
        assert compiled.digest == reference.digest
        assert compiled.file_digest != reference.file_digest


def test_digest_survives_the_formatter(reference: CompiledInstitution, reference_text: str) -> None:
    formatted = format_document(parse_text(reference_text, "reference.gov"))
    assert compile_source(formatted).digest == reference.digest


def test_spans_change_but_digest_does_not(
    reference: CompiledInstitution, reference_text: str
) -> None:
    moved = compile_source("\n\n\n" + reference_text)
    key = "R1_expiry:warning->active"
    old_edge = reference.manifest["scopes"]["agent"]["edges"][key]
    new_edge = moved.manifest["scopes"]["agent"]["edges"][key]
    assert new_edge["span"]["line"] == old_edge["span"]["line"] + 3
    assert moved.digest == reference.digest


SEMANTIC_EDITS = {
    "param number": ("param fine_floor: float = 200", "param fine_floor: float = 250"),
    "param range": ("credit_max: int = 3 in [0, 10]", "credit_max: int = 3 in [0, 11]"),
    "param doc": ('"Smallest fine"', '"Smallest fine in money"'),
    "rule id": ("restore R1_expiry", "restore R1_lapse"),
    "guard operator": ("concentration <= recovery_hhi", "concentration < recovery_hhi"),
    "guard operand": ("warning -> fined when coordination", "warning -> fined when high_hhi"),
    "priority": ("spend 1 credits priority 1", "spend 1 credits priority 2"),
    "count": ("spend 1 credits", "spend 2 credits"),
    "count written differently": ("for suspension_streak rounds", "for 3 rounds"),
    "label": ('"UNDER REVIEW"', '"UNDER INVESTIGATION"'),
    "description": ('"In good standing."', '"In good standing, no evidence."'),
    "rule text": ('"Warnings and suspensions lapse."', '"Warnings lapse."'),
    "notice text": ("this round.", "in this round."),
    "sanction": ("floor fine_floor to treasury", "floor fine_floor to consumers"),
    "state marker": ("state credited", "terminal state credited"),
    "edge target": ("credited -> fined when", "credited -> warning when"),
    "monitor": ("held(quantity_spread <", "held(quantity_spread <="),
    "institution name": ("institution CournotAntiCollusion", "institution CournotRules"),
    "observe type": ("observe nash.cv: number[agent]", "observe nash.cv: number[agent, commodity]"),
    "action bound": ("in [0, 100]", "in [0, 120]"),
    "credit policy": ("credits earn 1 per", "credits earn 2 per"),
}


@pytest.mark.parametrize("edit", sorted(SEMANTIC_EDITS))
def test_each_semantic_edit_changes_the_digest(
    edit: str, reference: CompiledInstitution, reference_text: str
) -> None:
    old, new = SEMANTIC_EDITS[edit]
    assert reference_text.count(old) == 1, old
    edited = compile_source(reference_text.replace(old, new))
    assert edited.digest != reference.digest


def test_semantic_edits_give_distinct_digests(reference_text: str) -> None:
    digests = {
        compile_source(reference_text.replace(old, new)).digest
        for old, new in SEMANTIC_EDITS.values()
    }
    assert len(digests) == len(SEMANTIC_EDITS)


def test_override_changes_digest_and_snapshot(reference: CompiledInstitution) -> None:
    overridden = compile_institution(
        reference.institution, {"fine_floor": 300, "suspension_streak": 4}
    )
    assert overridden.digest != reference.digest
    assert overridden.manifest["params"]["fine_floor"]["value"] == 300.0
    assert overridden.params["suspension_streak"] == 4
    edges = overridden.manifest["scopes"]["agent"]["edges"]
    assert edges["P2_independent_decision:fined->suspended"]["persistence"] == 4
    assert edges["P2_independent_decision:fined->suspended"]["guard"] == "coordination"
    fined = overridden.manifest["scopes"]["agent"]["states"][2]
    assert fined["on_enter"][0]["floor"] == {"text": "fine_floor", "value": 300.0}


def test_ladder_override_reaches_the_sanction(reference: CompiledInstitution) -> None:
    overridden = compile_institution(reference.institution, {"fine_ladder": (0.5, 1.0)})
    fined = overridden.manifest["scopes"]["agent"]["states"][2]
    assert fined["on_enter"][0]["amount"] == {"text": "fine_ladder", "value": [0.5, 1.0]}
    assert overridden.digest != reference.digest


def test_override_with_the_default_value_keeps_the_digest(reference: CompiledInstitution) -> None:
    same = compile_institution(reference.institution, {"fine_floor": 200, "credit_max": 3})
    assert same.digest == reference.digest


def test_invalid_overrides_raise_govlang_error(reference: CompiledInstitution) -> None:
    with pytest.raises(GovlangError) as unknown:
        compile_institution(reference.institution, {"fine_flor": 1})
    assert [d.code for d in unknown.value.diagnostics] == ["GL222"]
    assert "fine_floor" in (unknown.value.diagnostics[0].hint or "")
    with pytest.raises(GovlangError) as out_of_range:
        compile_institution(reference.institution, {"fine_ladder": (0.5, 1.5)})
    assert [d.code for d in out_of_range.value.diagnostics] == ["GL221"]
    with pytest.raises(GovlangError) as wrong_type:
        compile_institution(reference.institution, {"suspension_rounds": 2.5})
    assert [d.code for d in wrong_type.value.diagnostics] == ["GL223"]


def test_compiling_twice_gives_identical_manifests(reference_text: str) -> None:
    first, second = compile_source(reference_text), compile_source(reference_text)
    assert first.manifest_json() == second.manifest_json()
    assert first.digest == second.digest
