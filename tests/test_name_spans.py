"""The transform records the span of every name a node holds as a string.

Each recorded span covers exactly the name's tokens; like ``span``, these spans are left out
of serialisation and equality, so a layout change leaves the IR equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govlang.lang import ir
from govlang.lang.check.exprs import all_exprs
from govlang.lang.frontend import parse_text

ROOT = Path(__file__).resolve().parent.parent
VALID = sorted(
    p
    for p in ROOT.rglob("*.gov")
    if ".git" not in p.parts and "site-packages" not in p.parts and "invalid" not in p.parts
)

TEXT = """\
institution  Watch # a comment naming param
observe quantity: number[agent, commodity]
observe nash . hhi: number[commodity]
action: number[commodity] in [0, 100]
param limit: float = 0.5
monitor high: bool[agent] = any(quantity > limit over commodity)
per agent {
  evidence   high
  initial state idle "Idle"
  state flagged
  rule R1 "watch" { idle -> flagged when high }
  restore R2 { flagged ->   idle after 2 rounds }
}
assert A1: reachable flagged
"""


def _named(institution: ir.Institution) -> Iterator[tuple[str, ir.Span]]:
    """Every (name, recorded span) pair of ``institution``."""
    yield institution.name, institution.name_span
    declared: list[ir.ObserveDecl | ir.ParamDecl | ir.MonitorDecl] = [*institution.observes]
    declared += [*institution.params, *institution.monitors]
    for decl in declared:
        yield decl.name, decl.name_span
    yield from _dims(institution)
    for scope in institution.scopes:
        yield from _scope(scope)
    for assertion in institution.asserts:
        yield assertion.id, assertion.name_span
    for expr in all_exprs(institution):
        for node in ir.walk(expr):
            if isinstance(node, ir.Call):
                yield node.function, node.function_span
                if node.over is not None:
                    yield node.over, node.over_span


def _dims(institution: ir.Institution) -> Iterator[tuple[str, ir.Span]]:
    types = [o.type for o in institution.observes]
    types += [m.type for m in institution.monitors if m.type is not None]
    if institution.action is not None:
        types.append(institution.action.type)
    for type_expr in types:
        yield from zip(type_expr.dims, type_expr.dim_spans, strict=True)


def _scope(scope: ir.ScopeDecl) -> Iterator[tuple[str, ir.Span]]:
    if scope.evidence is not None:
        yield scope.evidence, scope.evidence_span
    for state in scope.states:
        yield state.name, state.name_span
    for rule in scope.rules:
        yield rule.id, rule.name_span
        for edge in rule.edges:
            yield edge.source, edge.source_span
            yield edge.target, edge.target_span


def _covered(text: str, span: ir.Span) -> str:
    return "".join(text[span.start : span.end].split())


def test_each_name_span_covers_the_name_itself() -> None:
    document = parse_text(TEXT, "watch.gov")
    assert document.institution is not None
    found = list(_named(document.institution))
    assert len(found) == 22
    for name, span in found:
        assert span != ir.NO_SPAN, name
        assert _covered(TEXT, span) == name
    lines = TEXT.splitlines()
    for name, span in found:
        line = lines[span.line - 1]
        assert line[span.column - 1 : span.end_column - 1].replace(" ", "") == name


def test_the_target_of_an_edge_is_the_name_after_the_arrow() -> None:
    text = "institution X\nper agent {\n  initial state a\n  rule R { a -> a when round > 1 }\n}\n"
    institution = parse_text(text).institution
    assert institution is not None
    (edge,) = institution.scopes[0].rules[0].edges
    assert edge.source_span.start < edge.target_span.start
    assert text[edge.target_span.start - 3 : edge.target_span.end] == "-> a"


def test_each_call_records_its_own_over() -> None:
    text = "institution X\nmonitor m = max(hhi(q over agents) over commodities)\n"
    institution = parse_text(text).institution
    assert institution is not None
    outer = institution.monitors[0].expr
    assert isinstance(outer, ir.Call)
    inner = outer.args[0]
    assert isinstance(inner, ir.Call)
    assert text[outer.over_span.start : outer.over_span.end] == "commodities"
    assert text[inner.over_span.start : inner.over_span.end] == "agents"


def test_a_repeated_dimension_keeps_both_spans() -> None:
    text = "institution X\nobserve q: number[agent, agent]\n"
    institution = parse_text(text).institution
    assert institution is not None
    type_expr = institution.observes[0].type
    first, second = type_expr.dim_spans
    assert first.start < second.start
    assert type_expr.dim_span("agent") == first
    assert type_expr.dim_span("commodity") == type_expr.span


def test_name_spans_are_not_semantic() -> None:
    moved = parse_text("\n\n" + TEXT.replace("  ", " "), "watch.gov").institution
    original = parse_text(TEXT, "watch.gov").institution
    assert original is not None and moved is not None
    assert moved.params[0].name_span != original.params[0].name_span
    assert moved == original
    assert "name_span" not in str(original.model_dump())
    assert "dim_spans" not in original.model_dump_json()


def test_a_node_built_without_source_falls_back_to_its_own_span() -> None:
    span = ir.Span(2, 1, 2, 20, 14, 33)
    param = ir.ParamDecl(name="p", type="int", default=ir.Number(value=1, is_int=True), span=span)
    assert ir.name_or_node(param.name_span, param) == span


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_file_records_its_names(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    institution = parse_text(text, str(path)).institution
    assert institution is not None
    for name, span in _named(institution):
        assert _covered(text, span) == name, (name, span)
