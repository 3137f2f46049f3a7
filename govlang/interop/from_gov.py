"""The reverse direction: a checked institution -> a manifest (``govlang import --export``).

Every construct of a one-scope institution has a manifest form (``specs/interop.md``), so
importing the exported manifest gives back the same institution (equal IR); comments and
layout are not kept. Notices and sanctions get names from where they are used (``fined_fine``,
``P2_independent_decision_notice``); equal ones share a name.
"""

from __future__ import annotations

from typing import Any

from govlang.lang import ir
from govlang.lang.unparse import format_expr, format_property, format_type


class ExportManifestError(Exception):
    """An institution the manifest schema cannot hold (more than one scope)."""


def value(expr: ir.Expr) -> Any:
    """A manifest value: a number literal as a number, anything else as its text."""
    if isinstance(expr, ir.Number):
        return int(expr.value) if expr.is_int and expr.value.is_integer() else expr.value
    return format_expr(expr)


def _optional(**fields: Any) -> dict[str, Any]:
    """The fields that are set (``None``, ``False``, empty lists and 0 priorities left out)."""
    return {k: v for k, v in fields.items() if v not in (None, False, [], ())}


class _Names:
    """Names for the notices and sanctions of a manifest, equal content sharing one."""

    def __init__(self) -> None:
        self.notices: dict[str, str] = {}
        self.sanctions: dict[str, dict[str, Any]] = {}

    def name(self, where: str, sanction: ir.Sanction) -> str:
        if isinstance(sanction, ir.Notice):
            table: dict[str, Any] = self.notices
            content: Any = sanction.text
        else:
            table, content = self.sanctions, _sanction(sanction)
        for name, existing in {**self.notices, **self.sanctions}.items():
            if existing == content and name in table:
                return name
        base = f"{where}_{'notice' if isinstance(sanction, ir.Notice) else sanction.kind}"
        name, count = base, 1
        while name in self.notices or name in self.sanctions:
            count += 1
            name = f"{base}_{count}"
        table[name] = content
        return name


def _sanction(sanction: ir.Sanction) -> dict[str, Any]:
    if isinstance(sanction, ir.Fine):
        key = (
            ("rates" if sanction.ladder else "rate")
            if sanction.of_profit
            else ("amounts" if sanction.ladder else "amount")
        )
        amount = sanction.amount
        base = [value(i) for i in amount.items] if isinstance(amount, ir.ListLit) else value(amount)
        extra = {k: value(e) for k in ("plus", "floor", "cap") if (e := getattr(sanction, k))}
        return {"fine": {key: base, **extra, "to": sanction.recipient}}
    if isinstance(sanction, ir.ActionBound):
        return {sanction.bound: {"at": value(sanction.value)}}
    if isinstance(sanction, ir.Grant):
        return {"grant": {"amount": value(sanction.amount)}}
    return {"suspend" if isinstance(sanction, ir.Suspend) else "exclude": {}}


def _default(expr: ir.Expr) -> Any:
    if isinstance(expr, ir.Boolean):
        return expr.value
    if isinstance(expr, ir.ListLit) and all(isinstance(i, ir.Number) for i in expr.items):
        return [value(i) for i in expr.items]
    return value(expr)


def to_manifest(inst: ir.Institution) -> dict[str, Any]:
    """The manifest of a one-scope institution (:class:`ExportManifestError` otherwise)."""
    if len(inst.scopes) != 1:
        raise ExportManifestError(
            f"institution {inst.name} has {len(inst.scopes)} scopes; a manifest holds exactly one"
        )
    scope = inst.scopes[0]
    names = _Names()
    states = {
        s.name: _optional(
            label=s.label,
            description=s.description,
            initial=s.initial,
            terminal=s.terminal,
            on_enter=[names.name(s.name, x) for x in s.on_enter],
            each_round=[names.name(s.name, x) for x in s.on_round],
        )
        for s in scope.states
    }
    edges = []
    for rule in scope.rules:
        for edge in rule.edges:
            clauses = {
                key: value(expr)
                for key, expr in (
                    ("guard", edge.guard),
                    ("for_rounds", edge.persistence),
                    ("after_rounds", edge.dwell),
                    ("after_clean_rounds", edge.clean),
                    ("spend_credits", edge.credits),
                    ("cooldown_rounds", edge.cooldown),
                )
                if expr is not None
            }
            if "guard" in clauses:
                clauses["guard"] = format_expr(edge.guard) if edge.guard is not None else None
            edges.append(
                {
                    "rule": rule.id,
                    "from": edge.source,
                    "to": edge.target,
                    **clauses,
                    **_optional(priority=edge.priority),
                    **_optional(then=[names.name(rule.id, x) for x in edge.sanctions]),
                }
            )
    data: dict[str, Any] = {
        "version": 1,
        "institution": _optional(name=inst.name, description=inst.doc),
        "observe": {o.name: _optional(type=format_type(o.type), doc=o.doc) for o in inst.observes},
    }
    if inst.action is not None:
        data["action"] = {
            "type": format_type(inst.action.type),
            "range": [value(inst.action.low), value(inst.action.high)],
        }
    data["params"] = {
        p.name: {
            "type": p.type,
            "default": _default(p.default),
            **(
                {"range": [value(p.low), value(p.high)]}
                if p.low is not None and p.high is not None
                else {}
            ),
            **_optional(doc=p.doc),
        }
        for p in inst.params
    }
    data["signals"] = {
        m.name: _optional(
            type=format_type(m.type) if m.type is not None else None,
            expr=format_expr(m.expr),
            doc=m.doc,
        )
        for m in inst.monitors
    }
    data["notices"], data["sanctions"] = names.notices, names.sanctions
    data["scope"] = scope.kind
    if scope.evidence is not None:
        data["evidence"] = scope.evidence
    if scope.credits is not None:
        credits = scope.credits
        data["credits"] = {"earn": value(credits.earn), "per": value(credits.per)}
        if credits.max is not None:
            data["credits"]["max"] = value(credits.max)
    data["states"] = states
    data["rules"] = {
        r.id: _optional(kind="escalation" if r.kind == "rule" else "restoration", text=r.text)
        for r in scope.rules
    }
    data["edges"] = edges
    data["asserts"] = {
        a.id: _optional(text=a.text, scope=a.scope, property=format_property(a))
        for a in inst.asserts
    }
    return {k: v for k, v in data.items() if v not in ({}, [])}


def manifest_text(data: dict[str, Any], json_format: bool) -> str:
    """The manifest as YAML (keys in schema order) or, with ``json_format``, as JSON."""
    if json_format:
        import json

        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
