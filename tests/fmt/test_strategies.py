"""The strategies reach every construct of the language (so the properties test them all)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from govlang.lang import ir
from govlang.testing.strategies import expressions, institutions


def walk(expr: ir.Expr) -> Iterator[ir.Expr]:
    yield expr
    for value in (getattr(expr, name) for name in type(expr).model_fields):
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, ir.Node) and not isinstance(item, ir.Span):
                yield from walk(item)  # type: ignore[arg-type]


def edge_features(edge: ir.Edge) -> set[str]:
    clauses = ("guard", "persistence", "dwell", "clean", "credits", "cooldown")
    found = {f"edge:{name}" for name in clauses if getattr(edge, name) is not None}
    found |= {"edge:priority"} if edge.priority else set()
    return found | {f"then:{s.kind}" for s in edge.sanctions}


def scope_features(scope: ir.ScopeDecl) -> set[str]:
    found = {f"scope:{scope.kind}"}
    found |= {"evidence"} if scope.evidence else set()
    found |= {"credits"} if scope.credits else set()
    for state in scope.states:
        found |= {"terminal"} if state.terminal else set()
        found |= {"description"} if state.description is not None else set()
        for sanction in (*state.on_enter, *state.on_round):
            found.add(f"sanction:{sanction.kind}")
            if isinstance(sanction, ir.Fine):
                found |= {"ladder"} if sanction.ladder else {f"fine:{sanction.recipient}"}
                found |= {"fine:plus"} if sanction.plus else set()
    for rule in scope.rules:
        found.add(f"rule:{rule.kind}")
        for edge in rule.edges:
            found |= edge_features(edge)
    return found


def features(inst: ir.Institution) -> set[str]:
    found = {f"param:{p.type}" for p in inst.params}
    found |= {"action"} if inst.action else set()
    found |= {"benchmark" for o in inst.observes if "." in o.name}
    found |= {"observe:bool" for o in inst.observes if o.type.base == "bool"}
    for monitor in inst.monitors:
        found |= {"typed monitor"} if monitor.type else set()
        for node in walk(monitor.expr):
            found.add(f"expr:{node.kind}")
            if isinstance(node, ir.Call):
                found.add(f"call:{node.function}")
                found |= {"over plural"} if node.over and node.over.endswith("s") else set()
    for scope in inst.scopes:
        found |= scope_features(scope)
    return found


FEATURES = [
    *(f"param:{t}" for t in ("int", "float", "bool", "list[int]", "list[float]")),
    "action", "benchmark", "observe:bool", "typed monitor", "over plural",
    *(f"expr:{k}" for k in ("negate", "not", "binary", "compare", "logic", "if", "number")),
    *(f"call:{f}" for f in ("sum", "cv", "hhi", "count", "any", "all", "share", "abs", "clip")),
    *(f"call:{f}" for f in ("excess", "lag", "mean_last", "held", "count_last", "pct_change")),
    "scope:agent", "scope:market", "evidence", "credits", "terminal", "description",
    *(f"sanction:{k}" for k in ("notice", "fine", "grant", "action_bound", "suspend", "exclude")),
    "ladder", "fine:plus", "fine:others", "fine:consumers", "rule:rule", "rule:restore",
    *(f"edge:{c}" for c in ("guard", "persistence", "dwell", "clean", "credits", "cooldown")),
    "edge:priority", "then:fine", "then:notice", "then:grant",
]  # fmt: skip

SEARCH = settings(
    max_examples=2000,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_institutions_reach_every_construct() -> None:
    seen: set[str] = set()

    def everything_seen(inst: ir.Institution) -> bool:
        seen.update(features(inst))
        return seen >= set(FEATURES)

    try:
        find(institutions(), everything_seen, settings=SEARCH)
    except NoSuchExample:
        pytest.fail(f"never generated: {sorted(set(FEATURES) - seen)}")


@pytest.mark.parametrize(
    "kind", ["negate", "not", "binary", "compare", "logic", "if", "call", "list"]
)
def test_expressions_reach(kind: str) -> None:
    find(expressions(), lambda e: any(n.kind == kind for n in walk(e)), settings=SEARCH)
