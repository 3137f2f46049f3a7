"""Edge keys, priority order, lookups, the networkx graph, and refusals of unchecked input."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import pytest

from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.diagnostics import GovlangError

REFERENCE_KEYS = [
    "P2_independent_decision:active->warning",
    "P2_independent_decision:warning->fined",
    "P2_independent_decision:fined->suspended",
    "P2_independent_decision:fined->fined",
    "P2_independent_decision:credited->fined",
    "R1_expiry:warning->active",
    "R1_expiry:suspended->active",
    "R2_clean_conduct:fined->active",
    "R3_credits:fined->credited",
    "R3_credits:credited->active",
    "R3_credits:credited->active#2",
]

CompileText = Callable[..., CompiledInstitution]


def test_edge_keys_in_declaration_order(reference: CompiledInstitution) -> None:
    assert [e.key for e in reference.edges] == REFERENCE_KEYS
    assert list(reference.manifest["scopes"]["agent"]["edges"]) == REFERENCE_KEYS
    assert [e.order for e in reference.edges] == list(range(len(REFERENCE_KEYS)))


def test_edge_key_of_ir_edges(reference: CompiledInstitution) -> None:
    (scope,) = reference.institution.scopes
    ir_edges = [edge for rule in scope.rules for edge in rule.edges]
    assert [reference.edge_key(edge) for edge in ir_edges] == REFERENCE_KEYS
    stranger = ir.Edge(source="active", target="warning")
    with pytest.raises(KeyError):
        reference.edge_key(stranger)


REPEATED = """
institution Repeats
monitor a: bool = true
monitor b: bool = false
per agent {
  initial state ok
  state bad { on each round: fine 10 }
  rule R "Behave." {
    ok -> bad when a
    ok -> bad when b priority 2
    ok -> bad when a and b
    bad -> bad when a
  }
  rule S { ok -> bad when b priority 2 }
  restore T { bad -> ok after 3 rounds }
}
"""


def test_repeated_edges_of_one_rule_are_numbered(compile_text: CompileText) -> None:
    compiled = compile_text(REPEATED)
    assert [e.key for e in compiled.edges] == [
        "R:ok->bad",
        "R:ok->bad#2",
        "R:ok->bad#3",
        "R:bad->bad",
        "S:ok->bad",
        "T:bad->ok",
    ]
    assert compiled.edge("agent", "R:ok->bad#2").edge.guard == ir.NameRef(name="b")
    with pytest.raises(KeyError):
        compiled.edge("market", "R:ok->bad")


def test_edges_from_follow_priority_then_declaration(compile_text: CompileText) -> None:
    compiled = compile_text(REPEATED)
    out = compiled.edges_from("agent", "ok")
    assert [e.key for e in out] == ["R:ok->bad#2", "S:ok->bad", "R:ok->bad", "R:ok->bad#3"]
    assert [e.key for e in compiled.edges_from("agent", "bad")] == ["R:bad->bad", "T:bad->ok"]
    assert compiled.edges_from("agent", "nowhere") == ()
    assert compiled.edges_from("market", "ok") == ()


def test_compiled_edges_resolve_counts(reference: CompiledInstitution) -> None:
    streak = reference.edge("agent", "P2_independent_decision:fined->suspended")
    assert (streak.kind, streak.persistence, streak.priority) == ("escalation", 5, 2)
    assert (streak.source, streak.target) == ("fined", "suspended")
    assert streak.rule.id == "P2_independent_decision"
    clean = reference.edge("agent", "R2_clean_conduct:fined->active")
    assert (clean.kind, clean.clean, clean.dwell, clean.persistence) == (
        "restoration",
        3,
        None,
        None,
    )
    assert reference.edge("agent", "R3_credits:fined->credited").credits == 1


def test_state_lookups(reference: CompiledInstitution) -> None:
    assert [s.name for s in reference.states("agent")] == [
        "active",
        "warning",
        "fined",
        "credited",
        "suspended",
    ]
    assert reference.initial_state("agent").name == "active"
    assert reference.states("market") == ()
    assert reference.scope("market") is None
    with pytest.raises(KeyError):
        reference.initial_state("market")


def test_params_are_a_read_only_snapshot(reference: CompiledInstitution) -> None:
    assert reference.params["fine_ladder"] == (0.35, 0.75, 1.0)
    with pytest.raises(TypeError):
        reference.params["fine_floor"] = 1.0  # type: ignore[index]


def test_graph_shape(reference: CompiledInstitution) -> None:
    graph = reference.graph
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.graph == {"name": "CournotAntiCollusion", "digest": reference.digest}
    assert sorted(graph.nodes) == [
        "agent.active",
        "agent.credited",
        "agent.fined",
        "agent.suspended",
        "agent.warning",
    ]
    assert graph.number_of_edges() == len(REFERENCE_KEYS)
    assert sorted(k for _, _, k in graph.edges(keys=True)) == sorted(REFERENCE_KEYS)
    assert graph.has_edge("agent.fined", "agent.fined", key="P2_independent_decision:fined->fined")
    active = graph.nodes["agent.active"]
    assert (active["scope"], active["state"], active["label"]) == ("agent", "active", "CLEAR")
    assert active["initial"] and not active["terminal"] and not active["sanctioning"]
    assert graph.nodes["agent.suspended"]["sanctions"] == ["suspend"]
    assert graph.nodes["agent.fined"]["sanctioning"]


def test_graph_edge_attributes(reference: CompiledInstitution) -> None:
    edge = reference.graph.edges["agent.fined", "agent.suspended", REFERENCE_KEYS[2]]
    assert edge["rule"] == "P2_independent_decision"
    assert edge["kind"] == "escalation"
    assert edge["guard"] == "coordination"
    assert (edge["persistence"], edge["priority"], edge["dwell"]) == (5, 2, None)
    gate = reference.graph.edges["agent.credited", "agent.active", "R3_credits:credited->active"]
    assert gate["kind"] == "restoration"
    assert gate["guard"] == "concentration <= recovery_hhi"
    warn = reference.graph.edges["agent.active", "agent.warning", REFERENCE_KEYS[0]]
    assert warn["sanctions"] == ['notice "Warning under P2: coordination evidence this round."']


def test_graph_reachability_matches_the_institution(reference: CompiledInstitution) -> None:
    graph = reference.graph
    assert nx.descendants(graph, "agent.active") == set(graph.nodes) - {"agent.active"}
    restoration = nx.MultiDiGraph(
        [(u, v) for u, v, kind in graph.edges(data="kind") if kind == "restoration"]
    )
    assert nx.has_path(restoration, "agent.fined", "agent.active")


BOTH_SCOPES = """
institution Both
monitor hot: bool = false
per agent {
  initial state ok
  terminal state out { on each round: exclude }
  rule X { ok -> out when hot }
}
market {
  initial state ok
  state tight { on each round: cap action at 5 }
  rule M { ok -> tight when hot }
  restore N { tight -> ok after 2 rounds }
}
"""


def test_two_scopes_share_state_names_without_clashing(compile_text: CompileText) -> None:
    compiled = compile_text(BOTH_SCOPES)
    assert sorted(compiled.graph.nodes) == ["agent.ok", "agent.out", "market.ok", "market.tight"]
    assert compiled.graph.nodes["agent.out"]["terminal"]
    assert compiled.graph.nodes["market.tight"]["sanctioning"]
    assert compiled.manifest["scopes"]["agent"]["restoration"] == {"out": []}
    assert [e.key for e in compiled.edges_from("market", "ok")] == ["M:ok->tight"]


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("per agent { initial state a state a }", "GL102", "state `a` is declared twice"),
        ("per agent { initial state a } per agent { initial state b }", "GL303", "twice"),
        ("per agent { initial state a rule R { a -> b } }", "GL105", "no state `b`"),
        ("per agent { initial state a rule R { a -> a for 2.5 rounds } }", "GL210", "whole"),
        ("per agent { initial state a rule R { a -> a for -1 rounds } }", "GL210", "whole"),
        ("per agent { initial state a rule R { a -> a after q rounds } }", "GL210", "constant"),
    ],
)
def test_unchecked_institutions_are_refused_with_the_checker_code(
    text: str, code: str, message: str
) -> None:
    from govlang.lang.frontend import parse_text

    document = parse_text("institution U monitor q: bool = true\n" + text, "u.gov")
    assert document.institution is not None, document.diagnostics
    with pytest.raises(GovlangError) as caught:
        compile_institution(document.institution)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == code
    assert message in diagnostic.message
    assert diagnostic.span.line >= 1
