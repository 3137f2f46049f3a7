"""Hover text (Markdown) for the name under the cursor.

A param shows its type, default, range and doc; a monitor its type and expression; an
observable its type and doc; a state its scope, markers, label, description and sanctions;
a rule its norm text and edges (with their clauses); an assertion its property; ``round``,
``reward`` and ``action`` their types; a built-in function every signature it has.
"""

from __future__ import annotations

from govlang.lang import ir
from govlang.lang.builtins import BUILTINS, Builtin
from govlang.lang.check.types import DimOrder, builtin_types
from govlang.lang.dims import dimension_order
from govlang.lang.unparse import (
    format_edge,
    format_expr,
    format_property,
    format_sanction,
    format_type,
)
from govlang.lsp.analysis import Analysis
from govlang.lsp.index import Occurrence, Symbol

_BUILTIN_DOCS = {
    "round": "The 1-based number of the current round.",
    "reward": "Each agent's raw payoff this round.",
    "action": "Each agent's effective action this round (after the institution's bounds).",
}
_ASSERTION_DOCS = {
    "clean": "In an assertion: true in a round without evidence (the scope's `evidence`).",
    "entered": "In an assertion: `entered(S)` is true in the round an instance enters state `S`.",
}
_KIND_WORDS = {
    "aggregate": "aggregate: reduces the `over` dimension",
    "share": "share: each entry's share of the total along the `over` dimension",
    "elementwise": "element-wise",
    "temporal": "temporal: looks back over the last rounds",
}


def _code(text: str) -> str:
    return f"```govlang\n{text}\n```"


def hover_text(analysis: Analysis, offset: int) -> tuple[str, Occurrence] | None:
    """The Markdown describing the name at ``offset``, and its occurrence; ``None`` if none."""
    index, institution = analysis.index, analysis.document.institution
    if index is None or institution is None:
        return None
    found = index.at(offset)
    if found is None:
        return None
    kind, _, name = found.key.partition(":")
    if kind == "function":
        return _function(name), found
    if kind == "builtin":
        text = _builtin(institution, name)
        return (text, found) if text else None
    symbols = index.definitions(found.key)
    if not symbols:
        return None
    return describe(analysis, symbols[0]), found


def describe(analysis: Analysis, symbol: Symbol) -> str:
    """The Markdown describing one declaration."""
    node = symbol.node
    if isinstance(node, ir.ParamDecl):
        return _param(node)
    if isinstance(node, ir.MonitorDecl):
        typed = analysis.monitor_types.get(node.name)
        return _monitor(node, str(typed) if typed is not None else None)
    if isinstance(node, ir.ObserveDecl):
        what = "benchmark" if symbol.kind == "benchmark" else "observable"
        return _with_doc(_code(f"observe {node.name}: {format_type(node.type)}"), node.doc, what)
    if isinstance(node, ir.StateDecl):
        return _state(node, symbol.scope or "agent")
    if isinstance(node, ir.RuleDecl):
        return _rule(node, symbol.scope or "agent")
    return _assert(node)


def _with_doc(head: str, doc: str | None, what: str) -> str:
    parts = [head, f"*{what}*"]
    if doc:
        parts.append(doc)
    return "\n\n".join(parts)


def _param(param: ir.ParamDecl) -> str:
    text = f"param {param.name}: {param.type} = {format_expr(param.default)}"
    if param.low is not None and param.high is not None:
        text += f" in [{format_expr(param.low)}, {format_expr(param.high)}]"
    return _with_doc(_code(text), param.doc, f"param of type `{param.type}`")


def _monitor(monitor: ir.MonitorDecl, typed: str | None) -> str:
    shown = f": {typed}" if typed is not None else ""
    head = _code(f"monitor {monitor.name}{shown} = {format_expr(monitor.expr)}")
    what = f"monitor of type `{typed}`" if typed else "monitor (its type could not be inferred)"
    return _with_doc(head, monitor.doc, what)


def _state(state: ir.StateDecl, scope: str) -> str:
    markers = [m for m, on in (("initial", state.initial), ("terminal", state.terminal)) if on]
    head = " ".join([*markers, "state", state.name])
    parts = [_code(head), f"*state of the `{_scope_word(scope)}` scope*"]
    if state.label is not None:
        parts.append(f"**{state.label}**")
    if state.description is not None:
        parts.append(state.description)
    sanctions = [f"- on enter: `{format_sanction(s)}`" for s in state.on_enter]
    sanctions += [f"- on each round: `{format_sanction(s)}`" for s in state.on_round]
    if sanctions:
        parts.append("\n".join(sanctions))
    return "\n\n".join(parts)


def _scope_word(scope: str) -> str:
    return "per agent" if scope == "agent" else "market"


def _rule(rule: ir.RuleDecl, scope: str) -> str:
    what = "restore rule" if rule.kind == "restore" else "rule"
    parts = [_code(f"{rule.kind} {rule.id}"), f"*{what} of the `{_scope_word(scope)}` scope*"]
    if rule.text:
        parts.append(rule.text)
    edges = [f"- `{format_edge(edge)}`" for edge in rule.edges]
    if edges:
        parts.append("\n".join(edges))
    return "\n\n".join(parts)


def _assert(decl: ir.AssertDecl) -> str:
    parts = [_code(f"assert {decl.id}: {format_property(decl)}"), "*assertion*"]
    if decl.text:
        parts.append(decl.text)
    return "\n\n".join(parts)


def _builtin(institution: ir.Institution, name: str) -> str | None:
    if name in _ASSERTION_DOCS:
        usage = "entered(STATE): bool" if name == "entered" else "clean: bool"
        return _with_doc(_code(usage), _ASSERTION_DOCS[name], "built-in of assertions")
    types = builtin_types(institution, DimOrder(dimension_order(institution)))
    if name not in types:
        return None
    return _with_doc(_code(f"{name}: {types[name]}"), _BUILTIN_DOCS[name], "built-in")


def _function(name: str) -> str:
    signatures = BUILTINS.get(name, ())
    if not signatures:
        return _code(f"{name}(...)") + "\n\n*not a built-in function*"
    lines = [_signature(s) for s in signatures]
    return "\n\n".join([_code("\n".join(s.usage for s in signatures)), *lines])


def _signature(signature: Builtin) -> str:
    result = signature.returns if signature.returns != "same" else "the type of its first argument"
    return f"`{signature.usage}` → {result} ({_KIND_WORDS[signature.kind]})"
