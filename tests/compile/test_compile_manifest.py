"""The manifest: golden file, canonical JSON, and the content the runtime and notices read."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from govlang.lang.compile import CompiledInstitution
from govlang.lang.manifest import MANIFEST_FORMAT, MANIFEST_VERSION, canonical_json

GOLDEN = Path(__file__).parent / "golden" / "cournot_reference.manifest.json"

CompileText = Callable[..., CompiledInstitution]


def test_manifest_matches_golden(reference: CompiledInstitution) -> None:
    text = reference.manifest_json(indent=2) + "\n"
    if os.environ.get("GOVLANG_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_manifest_json_is_compact_sorted_and_round_trips(reference: CompiledInstitution) -> None:
    text = reference.manifest_json()
    assert "\n" not in text
    data = json.loads(text)
    stdlib = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert text == stdlib
    assert data == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert canonical_json(data) == text
    assert list(data) == sorted(data)


def test_canonical_json_keeps_unicode_and_encodes_non_finite_floats() -> None:
    text = canonical_json({"b": "Geldbuße é", "a": float("inf"), "c": [float("nan"), (1, 2)]})
    assert text == '{"a":"Infinity","b":"Geldbuße é","c":["NaN",[1,2]]}'


def test_header_and_digests(reference: CompiledInstitution, reference_text: str) -> None:
    manifest = reference.manifest
    assert manifest["format"] == MANIFEST_FORMAT
    assert manifest["format_version"] == MANIFEST_VERSION
    assert manifest["name"] == "CournotAntiCollusion"
    assert manifest["digest"] == reference.digest
    assert reference.digest.startswith("sha256:") and len(reference.digest) == 7 + 64
    assert manifest["file_digest"] == reference.file_digest
    assert reference.short_digest == reference.digest[7:19]


def test_params_snapshot(reference: CompiledInstitution) -> None:
    ladder = reference.manifest["params"]["fine_ladder"]
    assert ladder == {
        "type": "list[float]",
        "value": [0.35, 0.75, 1.0],
        "default": "[0.35, 0.75, 1.0]",
        "range": [0, 1],
        "doc": "Fine rates of round profit on successive offences",
    }
    assert reference.manifest["params"]["suspension_rounds"]["value"] == 5
    assert set(reference.manifest["params"]) == set(reference.params)


def test_monitors_carry_text_and_ir(reference: CompiledInstitution) -> None:
    monitors = {m["name"]: m for m in reference.manifest["monitors"]}
    concentration = monitors["concentration"]
    assert concentration["type"] == "number"
    assert concentration["expr"] == "max(hhi(quantity over agents) over commodities)"
    assert concentration["expr_ir"]["kind"] == "call"
    assert concentration["expr_ir"]["function"] == "max"
    assert monitors["total_output"]["type"] == "number[agent]"


def test_states_and_sanction_values(reference: CompiledInstitution) -> None:
    scope = reference.manifest["scopes"]["agent"]
    states = {s["name"]: s for s in scope["states"]}
    assert [s["name"] for s in scope["states"]] == [
        "active",
        "warning",
        "fined",
        "credited",
        "suspended",
    ]
    assert scope["initial"] == "active" and states["active"]["initial"]
    assert [n for n, s in states.items() if s["sanctioning"]] == ["fined", "suspended"]
    (fine,) = states["fined"]["on_enter"]
    assert fine["text"] == "fine ladder fine_ladder of profit floor fine_floor to treasury"
    assert fine["amount"] == {"text": "fine_ladder", "value": [0.35, 0.75, 1.0]}
    assert fine["floor"] == {"text": "fine_floor", "value": 200.0}
    assert fine["cap"] is None and fine["ladder"] and fine["of_profit"]
    assert states["suspended"]["on_round"] == [{"kind": "suspend", "text": "suspend"}]
    assert states["warning"]["label"] == "UNDER REVIEW"


def test_edges_resolve_counts_and_keep_guards_symbolic(reference: CompiledInstitution) -> None:
    edges = reference.manifest["scopes"]["agent"]["edges"]
    streak = edges["P2_independent_decision:fined->suspended"]
    assert streak["kind"] == "escalation"
    assert streak["guard"] == "coordination"
    assert streak["persistence"] == 5
    assert streak["clause_texts"] == {"persistence": "suspension_streak"}
    assert streak["priority"] == 2
    assert streak["norm"].startswith("Each firm must decide its quantities independently")
    lines = (
        (Path(__file__).resolve().parents[2] / "examples" / "cournot_reference.gov")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    at = 1 + next(i for i, t in enumerate(lines) if "fined -> suspended when coordination" in t)
    rule = 1 + next(i for i, t in enumerate(lines) if "rule P2_independent_decision" in t)
    assert streak["span"] == {"line": at, "column": 5, "end_line": at, "end_column": 81}
    assert streak["rule_span"]["line"] == rule
    gate = edges["R3_credits:credited->active"]
    assert gate["kind"] == "restoration"
    assert gate["guard"] == "concentration <= recovery_hhi"
    assert edges["R2_clean_conduct:fined->active"]["clean"] == 3
    assert edges["R1_expiry:warning->active"]["dwell"] == 5
    assert edges["R3_credits:fined->credited"]["credits"] == 1


def test_out_edges_in_priority_order(reference: CompiledInstitution) -> None:
    states = {s["name"]: s for s in reference.manifest["scopes"]["agent"]["states"]}
    assert states["fined"]["out_edges"] == [
        "P2_independent_decision:fined->suspended",
        "R3_credits:fined->credited",
        "P2_independent_decision:fined->fined",
        "R2_clean_conduct:fined->active",
    ]


def test_restoration_paths_per_sanction_state(reference: CompiledInstitution) -> None:
    assert reference.manifest["scopes"]["agent"]["restoration"] == {
        "fined": [
            ["R2_clean_conduct:fined->active"],
            ["R3_credits:fined->credited", "R3_credits:credited->active"],
            ["R3_credits:fined->credited", "R3_credits:credited->active#2"],
        ],
        "suspended": [["R1_expiry:suspended->active"]],
    }


def test_rules_notices_and_constitution(reference: CompiledInstitution) -> None:
    manifest = reference.manifest
    rules = manifest["scopes"]["agent"]["rules"]
    assert [(r["id"], r["kind"]) for r in rules] == [
        ("P2_independent_decision", "escalation"),
        ("R1_expiry", "restoration"),
        ("R2_clean_conduct", "restoration"),
        ("R3_credits", "restoration"),
    ]
    assert rules[1]["edges"] == ["R1_expiry:warning->active", "R1_expiry:suspended->active"]
    notices = manifest["notices"]
    assert notices["states"][2] == {
        "node": "agent.fined",
        "label": "PENALISED",
        "description": "Fined for coordination evidence; fines escalate on repeat offences.",
    }
    assert notices["rules"][1] == {
        "rule": "R1_expiry",
        "kind": "restore",
        "text": "Warnings and suspensions lapse.",
    }
    assert notices["sanctions"] == [
        {
            "edge": "P2_independent_decision:active->warning",
            "when": "on_transition",
            "text": "Warning under P2: coordination evidence this round.",
        }
    ]
    constitution = manifest["constitution"].splitlines()
    assert constitution[0].startswith("CournotAntiCollusion: Anti-collusion institution")
    assert constitution[2].startswith("P2_independent_decision: Each firm must decide")
    assert constitution[3:] == [
        "R1_expiry: Warnings and suspensions lapse.",
        "R2_clean_conduct: Clean conduct restores good standing.",
        "R3_credits: Credits earned by clean rounds buy a step down; the recovery gate clears.",
    ]


MARKET = """
institution Floor
param level: float = 10 in [0, 100]
param window: int = 4 in [1, 10]
monitor short: bool = false
market {
  initial state open "OPEN"
  state floored "FLOOR" { on enter: notice "Floor in force." on each round: floor action at level }
  rule M1 "Supply must be adequate." { open -> floored when short cooldown window rounds }
  restore M2 { floored -> open after 2 * window rounds }
}
"""


def test_market_scope_and_expressions_of_params(compile_text: CompileText) -> None:
    compiled = compile_text(MARKET)
    scope = compiled.manifest["scopes"]["market"]
    assert scope["title"] == "market"
    assert scope["edges"]["M1:open->floored"]["cooldown"] == 4
    assert scope["edges"]["M2:floored->open"]["dwell"] == 8
    assert scope["edges"]["M2:floored->open"]["clause_texts"] == {"dwell": "2 * window"}
    floored = scope["states"][1]
    assert floored["on_round"][0]["value"] == {"text": "level", "value": 10.0}
    assert compiled.manifest["notices"]["sanctions"] == [
        {"node": "market.floored", "when": "on_enter", "text": "Floor in force."}
    ]
    assert scope["restoration"] == {"floored": [["M2:floored->open"]]}
    assert compiled.manifest["constitution"] == "Floor\n\nM1: Supply must be adequate."
    assert compiled.manifest["action"] is None
