"""The manifest: the compiled institution as canonical JSON, and its semantic digest.

The manifest (``specs/artifacts.md``) holds the format version, name and doc, a snapshot of
every param's value after overrides, the observables and action space, the monitors (canonical
text and IR), each scope's states, rules, edges keyed ``RULE_ID:from->to`` and restoration
paths, every agent-facing text, the constitution text, and (only when there are any) the
assertions. Values written as constant
expressions appear twice: as canonical text and evaluated under the params (``null`` when not
constant), so a ladder ``fine_ladder`` shows the rates after overrides while guards stay
symbolic.

The semantic digest hashes the canonical JSON of the manifest without source spans, without
the file digest and without the digest itself (:func:`semantic_content`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from govlang.lang import ir
from govlang.lang.assertions import scope_of
from govlang.lang.graph import is_sanction_state, node_key
from govlang.lang.params import NotConstant, ParamValue, constant_value
from govlang.lang.unparse import format_edge, format_expr, format_property, format_sanction

if TYPE_CHECKING:
    from govlang.lang.compile import CompiledEdge

MANIFEST_FORMAT = "govlang.manifest"
MANIFEST_VERSION = 1
SCOPE_TITLES = {"agent": "per agent", "market": "market"}
COUNT_CLAUSES = ("persistence", "dwell", "clean", "credits", "cooldown")
"""Edge clauses whose value is a count of rounds or credits, resolved to an int."""
MAX_RESTORATION_PATHS = 16
"""At most this many restoration paths are listed per sanction state (shortest first)."""

JSON = dict[str, Any]
_EARN = ("earn", "per", "max")


def try_constant(expr: ir.Expr, values: Mapping[str, ParamValue]) -> ParamValue | None:
    """The value of a constant expression under ``values``, or ``None`` if it is not one."""
    try:
        return constant_value(expr, values)
    except NotConstant:
        return None


def priority_order(edge: CompiledEdge) -> tuple[int, int]:
    """Sort key of the edges out of a state: larger priority first, then declaration order."""
    return -edge.priority, edge.order


# ------------------------------------------------------------------------------- helpers


def type_text(type_: ir.TypeExpr) -> str:
    """``number``, ``bool[agent]``, ``number[agent, commodity]``."""
    return type_.base + (f"[{', '.join(type_.dims)}]" if type_.dims else "")


def _plain(value: ParamValue | None) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _expr_ir(expr: ir.Expr) -> Any:
    return json.loads(canonical_json(expr.model_dump(mode="python")))


def _span_json(span: ir.Span) -> JSON:
    return {k: getattr(span, k) for k in ("line", "column", "end_line", "end_column")}


# ------------------------------------------------------------------------------- manifest


def build_manifest(
    institution: ir.Institution, values: Mapping[str, ParamValue], edges: Sequence[CompiledEdge]
) -> JSON:
    """The manifest of ``institution`` (without ``file_digest`` and ``digest``)."""
    return _Manifest(values, edges).institution(institution)


class _Manifest:
    """Builds the manifest's parts; holds the param values and the compiled edges."""

    def __init__(self, values: Mapping[str, ParamValue], edges: Sequence[CompiledEdge]) -> None:
        self.values = values
        self.edges = edges

    def value(self, expr: ir.Expr | None) -> JSON | None:
        """``{"text": canonical text, "value": evaluated value or null}``."""
        if expr is None:
            return None
        return {"text": format_expr(expr), "value": _plain(try_constant(expr, self.values))}

    def institution(self, inst: ir.Institution) -> JSON:
        """The whole manifest."""
        action = inst.action
        manifest = {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_VERSION,
            "name": inst.name,
            "doc": inst.doc,
            "params": {p.name: self.param(p) for p in inst.params},
            "observes": [
                {"name": o.name, "type": type_text(o.type), "doc": o.doc} for o in inst.observes
            ],
            "action": None if action is None else self.action(action),
            "monitors": [self.monitor(m) for m in inst.monitors],
            "scopes": {s.kind: self.scope(s) for s in inst.scopes},
            "notices": self.notices(inst),
            "constitution": constitution_text(inst),
        }
        if inst.asserts:  # only when present: institutions without assertions keep their digest
            manifest["asserts"] = [self.assertion(inst, a) for a in inst.asserts]
        return manifest

    def assertion(self, inst: ir.Institution, decl: ir.AssertDecl) -> JSON:
        """An assertion: id, text, scope (as resolved), form, canonical property and count."""
        scope = scope_of(inst, decl)
        return {
            "id": decl.id,
            "text": decl.text,
            "scope": None if scope is None else scope.kind,
            "form": decl.form,
            "property": format_property(decl),
            "within": self.value(decl.within),
        }

    def action(self, action: ir.ActionDecl) -> JSON:
        """The action space: type and bounds."""
        low, high = self.value(action.low), self.value(action.high)
        return {"type": type_text(action.type), "low": low, "high": high}

    def param(self, param: ir.ParamDecl) -> JSON:
        """A param's entry in the snapshot: type, value, default text, range, doc."""
        bounds = [try_constant(b, self.values) for b in (param.low, param.high) if b is not None]
        value = _plain(self.values[param.name])
        default = format_expr(param.default)
        return {
            "type": param.type,
            "value": value,
            "default": default,
            "range": bounds or None,
            "doc": param.doc,
        }

    def monitor(self, monitor: ir.MonitorDecl) -> JSON:
        """A monitor: name, declared type, canonical expression text and its IR."""
        type_ = None if monitor.type is None else type_text(monitor.type)
        expr = format_expr(monitor.expr)
        return {
            "name": monitor.name,
            "type": type_,
            "expr": expr,
            "expr_ir": _expr_ir(monitor.expr),
            "doc": monitor.doc,
        }

    def sanction(self, sanction: ir.Sanction) -> JSON:
        """A sanction: kind, canonical text and its values (text and evaluated)."""
        out: JSON = {"kind": sanction.kind, "text": format_sanction(sanction)}
        if isinstance(sanction, ir.Notice):
            out["message"] = sanction.text
        elif isinstance(sanction, ir.Fine):
            out.update(
                ladder=sanction.ladder, of_profit=sanction.of_profit, recipient=sanction.recipient
            )
            out.update(
                {k: self.value(getattr(sanction, k)) for k in ("amount", "plus", "floor", "cap")}
            )
        elif isinstance(sanction, ir.Grant):
            out["amount"] = self.value(sanction.amount)
        elif isinstance(sanction, ir.ActionBound):
            out.update(bound=sanction.bound, value=self.value(sanction.value))
        return out

    def scope(self, scope: ir.ScopeDecl) -> JSON:
        """A scope: its states, rules, edges (by key) and restoration paths."""
        edges = [e for e in self.edges if e.scope == scope.kind]
        policy = scope.credits
        credits = None if policy is None else {k: self.value(getattr(policy, k)) for k in _EARN}
        sanctioned = [s.name for s in scope.states if is_sanction_state(s)]
        out: dict[str, list[CompiledEdge]] = {}  # each edge looked at once, not once per state
        by_rule: dict[int, list[str]] = {}
        for edge in edges:
            out.setdefault(edge.source, []).append(edge)
            by_rule.setdefault(id(edge.rule), []).append(edge.key)
        ways_back = _restoration_steps(scope, edges)
        return {
            "kind": scope.kind,
            "title": SCOPE_TITLES[scope.kind],
            "evidence": scope.evidence,
            "credits": credits,
            "initial": next((s.name for s in scope.states if s.initial), None),
            "states": [self.state(scope.kind, s, out.get(s.name, [])) for s in scope.states],
            "rules": [self.rule(r, by_rule.get(id(r), [])) for r in scope.rules],
            "edges": {e.key: self.edge(e) for e in edges},
            "restoration": {name: _paths(name, scope, ways_back) for name in sanctioned},
        }

    def state(self, scope: str, state: ir.StateDecl, leaving: list[CompiledEdge]) -> JSON:
        """A state, its sanctions and its out-edges (``leaving``) in priority order."""
        out = sorted(leaving, key=priority_order)
        return {
            **state_attributes(scope, state),
            "node": node_key(scope, state.name),
            "on_enter": [self.sanction(s) for s in state.on_enter],
            "on_round": [self.sanction(s) for s in state.on_round],
            "out_edges": [e.key for e in out],
        }

    def rule(self, rule: ir.RuleDecl, keys: list[str]) -> JSON:
        """A rule: id, kind, norm text, its edges' keys (declaration order) and its span."""
        kind = "escalation" if rule.kind == "rule" else "restoration"
        return {
            "id": rule.id,
            "kind": kind,
            "text": rule.text,
            "edges": keys,
            "span": _span_json(rule.span),
        }

    def edge(self, edge: CompiledEdge) -> JSON:
        """An edge: endpoints, guard (text and IR), resolved counts, priority, sanctions, spans."""
        guard, clauses = edge.edge.guard, {c: getattr(edge.edge, c) for c in COUNT_CLAUSES}
        return {
            **edge_attributes(edge),
            "key": edge.key,
            "text": format_edge(edge.edge),
            "norm": edge.rule.text,
            "source": edge.source,
            "target": edge.target,
            "guard_ir": None if guard is None else _expr_ir(guard),
            "clause_texts": {c: format_expr(e) for c, e in clauses.items() if e is not None},
            "sanctions": [self.sanction(s) for s in edge.edge.sanctions],
            "span": _span_json(edge.edge.span),
            "rule_span": _span_json(edge.rule.span),
        }

    def notices(self, inst: ir.Institution) -> JSON:
        """Every agent-facing text: state labels and descriptions, rule texts, notices."""
        states, notices = [], []
        for scope in inst.scopes:
            for state in scope.states:
                node = node_key(scope.kind, state.name)
                states.append(
                    {"node": node, "label": state.label, "description": state.description}
                )
                for when in ("on_enter", "on_round"):
                    texts = [s.text for s in getattr(state, when) if isinstance(s, ir.Notice)]
                    notices += [{"node": node, "when": when, "text": t} for t in texts]
        for edge in self.edges:
            texts = [s.text for s in edge.edge.sanctions if isinstance(s, ir.Notice)]
            notices += [{"edge": edge.key, "when": "on_transition", "text": t} for t in texts]
        rules = [
            {"rule": r.id, "kind": r.kind, "text": r.text} for s in inst.scopes for r in s.rules
        ]
        return {"states": states, "rules": rules, "sanctions": notices}


def state_attributes(scope: str, state: ir.StateDecl) -> JSON:
    """The attributes of a state shared by its manifest entry and its graph node."""
    return {
        "scope": scope,
        "name": state.name,
        "label": state.label,
        "description": state.description,
        "initial": state.initial,
        "terminal": state.terminal,
        "sanctioning": is_sanction_state(state),
    }


def edge_attributes(edge: CompiledEdge) -> JSON:
    """The attributes of an edge shared by its manifest entry and its graph edge."""
    guard = edge.edge.guard
    return {
        "rule": edge.rule.id,
        "kind": edge.kind,
        "guard": None if guard is None else format_expr(guard),
        **{c: getattr(edge, c) for c in COUNT_CLAUSES},
        "priority": edge.priority,
        "order": edge.order,
    }


def restoration_paths(
    state: str, scope: ir.ScopeDecl, edges: Sequence[CompiledEdge]
) -> list[list[str]]:
    """The simple paths of restoration edges from ``state`` to the scope's initial state.

    Each path is a list of edge keys; shortest first, then by keys; at most
    :data:`MAX_RESTORATION_PATHS`. Empty when there is no way back.
    """
    return _paths(state, scope, _restoration_steps(scope, edges))


def _restoration_steps(
    scope: ir.ScopeDecl, edges: Sequence[CompiledEdge]
) -> dict[str, list[CompiledEdge]]:
    """The scope's restoration edges by source state, in the order of ``edges``."""
    steps: dict[str, list[CompiledEdge]] = {}
    for edge in edges:
        if edge.kind == "restoration" and edge.scope == scope.kind:
            steps.setdefault(edge.source, []).append(edge)
    return steps


def _paths(
    state: str, scope: ir.ScopeDecl, steps: Mapping[str, Sequence[CompiledEdge]]
) -> list[list[str]]:
    """:func:`restoration_paths` with the restoration edges indexed by source."""
    goal = next((s.name for s in scope.states if s.initial), None)
    found: list[list[str]] = []

    def walk(at: str, visited: frozenset[str], path: list[str]) -> None:
        if at == goal and path:
            found.append(path)
            return
        for edge in steps.get(at, ()):
            if edge.target not in visited:
                walk(edge.target, visited | {edge.target}, [*path, edge.key])

    walk(state, frozenset({state}), [])
    found.sort(key=lambda p: (len(p), p))
    return found[:MAX_RESTORATION_PATHS]


def constitution_text(institution: ir.Institution) -> str:
    """The written constitution: the institution's name and doc, then each rule's norm text.

    Rules (escalation and restoration) appear in declaration order as ``RULE_ID: text``;
    rules without norm text are left out. This is the text an agent reads under the
    constitutional regime.
    """
    head = institution.name + (f": {institution.doc}" if institution.doc else "")
    lines = [f"{r.id}: {r.text}" for scope in institution.scopes for r in scope.rules if r.text]
    return "\n".join([head, "", *lines]) if lines else head


# ------------------------------------------------------------------------------- digests


def canonical_json(data: Any, indent: int | None = None) -> str:
    """Canonical JSON: keys sorted, no insignificant whitespace, non-ASCII kept as UTF-8.

    Separators are ``","`` and ``":"`` (or the ``indent`` layout, for people); floats print
    in Python's shortest round-tripping form; tuples become lists; non-finite floats, which
    JSON cannot represent, become the strings ``"Infinity"``, ``"-Infinity"`` and ``"NaN"``.
    Encode the result as UTF-8 to hash it.
    """
    separators = (",", ":") if indent is None else (",", ": ")
    try:  # one pass when every float is finite, as nearly always
        return json.dumps(
            data,
            sort_keys=True,
            separators=separators,
            ensure_ascii=False,
            allow_nan=False,
            indent=indent,
        )
    except ValueError:
        pass
    return json.dumps(
        _finite(data),
        sort_keys=True,
        separators=separators,
        ensure_ascii=False,
        allow_nan=False,
        indent=indent,
    )


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return "NaN" if math.isnan(data) else ("Infinity" if data > 0 else "-Infinity")
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def semantic_content(manifest: Mapping[str, Any]) -> JSON:
    """The manifest without spans, ``file_digest`` and ``digest``: what the digest covers."""
    content = {k: v for k, v in manifest.items() if k not in ("digest", "file_digest")}
    scopes = {}
    for kind, scope in manifest.get("scopes", {}).items():
        rules = [{k: v for k, v in r.items() if k != "span"} for r in scope["rules"]]
        edges = {
            key: {k: v for k, v in e.items() if k not in ("span", "rule_span")}
            for key, e in scope["edges"].items()
        }
        scopes[kind] = {**scope, "rules": rules, "edges": edges}
    content["scopes"] = scopes
    return content


def semantic_digest(manifest: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of :func:`semantic_content`."""
    return sha256_digest(canonical_json(semantic_content(manifest)).encode("utf-8"))


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()
