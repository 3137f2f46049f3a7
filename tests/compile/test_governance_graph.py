"""The governance graph: one model of states and transitions, and its two reachabilities."""

from __future__ import annotations

from govlang.lang.compile import CompiledInstitution
from govlang.lang.frontend import parse_text
from govlang.lang.graph import governance_graph


def test_the_compiled_graph_is_the_one_the_edges_and_the_export_come_from(
    reference: CompiledInstitution,
) -> None:
    graph = reference.governance
    assert [t.key for t in graph.transitions()] == [e.key for e in reference.edges]
    assert sorted(graph.nodes()) == sorted(reference.graph.nodes)
    assert "agent.fined" in graph and "agent.nowhere" not in graph and 3 not in graph


def test_reachability_forward_and_restoration_backward(reference: CompiledInstitution) -> None:
    scope = reference.governance.scope("agent")
    assert scope is not None and scope.initial == "active"
    assert scope.reachable("active") == set(scope.states)
    assert scope.reachable("suspended") == set(scope.states)  # suspended -> active -> ...
    assert scope.restorable() == set(scope.states)
    # without the expiry edges, nothing restores `suspended` (its only way back is R1)
    no_expiry = scope.restorable(lambda t: not t.key.startswith("R1_expiry"))
    assert "suspended" not in no_expiry and "fined" in no_expiry


def test_an_unchecked_graph_follows_declared_states_only() -> None:
    text = """institution T "t"
observe quantity: number[agent] "q"
per agent {
  initial state a "A" "a"
  state b "B" "b" {
    on enter: fine 1 to treasury
  }
  rule r "r" {
    a -> b when quantity > 1
    a -> ghost when quantity > 2
  }
  restore s "s" {
    b -> a after 1 rounds
  }
}
"""
    document = parse_text(text, "t.gov")
    assert document.institution is not None
    scope = governance_graph(document.institution).scope("agent")
    assert scope is not None
    assert scope.reachable("a") == {"a", "b"}
    assert [t.key for t in scope.transitions] == ["r:a->b", "r:a->ghost", "s:b->a"]
    assert scope.restorable() == {"a", "b"}
    assert scope.restorable(lambda t: False) == {"a"}
