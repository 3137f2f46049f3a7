"""A validated manifest -> govlang IR -> canonical ``.gov`` text, checked before it is returned.

:func:`import_manifest` is ``govlang import``: read, validate against
:mod:`govlang.interop.schema`, resolve every cross-reference (an edge's states and rule, the
names in ``then``/``on_enter``/``each_round``, the evidence signal), parse every expression,
build the :class:`~govlang.lang.ir.Institution`, print it with
:func:`govlang.lang.fmt.format_institution`,
parse the text back and run the checker on it. Any problem at any step raises
:class:`InteropError` naming the manifest key path it came from; nothing is dropped.
"""

from __future__ import annotations

from typing import Any, Literal

from govlang.interop import schema as sm
from govlang.interop.checked import Imported, Origins, checked
from govlang.interop.exprs import ExprError, parse_expr, parse_property, value_text
from govlang.interop.problems import InteropError, KeyPath, Problem, known
from govlang.interop.source import ManifestSource, read_manifest
from govlang.interop.validate import validate
from govlang.lang import ir

__all__ = ["Imported", "import_manifest", "import_source", "validate"]


def import_manifest(path: str) -> Imported:
    """``govlang import PATH``: the checked ``.gov`` text of a manifest file."""
    return import_source(read_manifest(path))


def import_source(source: ManifestSource) -> Imported:
    """The checked ``.gov`` text of a parsed manifest; :class:`InteropError` on any problem."""
    manifest = validate(source)
    builder = _Builder(source, manifest)
    institution = builder.institution()
    if builder.problems:
        raise InteropError(source.name, builder.problems)
    return checked(source, institution, builder.origins)


class _Builder:
    """Builds the IR, collecting every problem with its key path."""

    def __init__(self, source: ManifestSource, manifest: sm.Manifest) -> None:
        self.source = source
        self.m = manifest
        self.problems: list[Problem] = []
        self.origins: Origins = {
            k: [] for k in ("observe", "param", "monitor", "state", "rule", "edge", "assert")
        }

    def problem(self, path: KeyPath, message: str, hint: str | None = None) -> None:
        self.problems.append(self.source.problem(path, message, hint))

    def expr(self, path: KeyPath, value: int | float | str) -> ir.Expr:
        """``value`` parsed; on failure a problem at ``path`` and a placeholder ``false``."""
        try:
            return parse_expr(value)
        except ExprError as exc:
            what = "the guard" if path[-1] == "guard" else "the expression"
            text = value_text(value)
            self.problem(
                path,
                f"{what} `{text}` does not parse: {exc.message} (column {exc.column})",
                exc.hint or "write it in govlang's expression syntax (specs/language.md)",
            )
            return ir.Boolean(value=False)

    def opt(self, path: KeyPath, value: int | float | str | None) -> ir.Expr | None:
        return None if value is None else self.expr(path, value)

    def type_(self, path: KeyPath, text: str) -> ir.TypeExpr:
        base, _, rest = text.strip().partition("[")
        dims = [d.strip() for d in rest.removesuffix("]").split(",")] if rest else []
        if base.strip() not in ("number", "bool") or (rest and not rest.endswith("]")):
            self.problem(path, f"`{text}` is not a type", "write number, bool or number[agent]")
            return ir.TypeExpr(base="number")
        if any(not d.isidentifier() for d in dims):
            self.problem(path, f"`{text}` has an empty or invalid dimension", None)
            dims = []
        return ir.TypeExpr(base="bool" if base.strip() == "bool" else "number", dims=tuple(dims))

    def institution(self) -> ir.Institution:
        m = self.m
        observes = [self.observe(name, o) for name, o in m.observe.items()]
        action = None
        if m.action is not None:
            low, high = m.action.range
            action = ir.ActionDecl(
                type=self.type_(("action", "type"), m.action.type),
                low=self.expr(("action", "range", 0), low),
                high=self.expr(("action", "range", 1), high),
            )
        return ir.Institution(
            name=m.institution.name,
            doc=m.institution.description,
            observes=tuple(observes),
            action=action,
            params=tuple(self.param(name, p) for name, p in m.params.items()),
            monitors=tuple(self.signal(name, s) for name, s in m.signals.items()),
            scopes=(self.scope(),),
            asserts=tuple(self.assertion(name, a) for name, a in m.asserts.items()),
        )

    def observe(self, name: str, decl: sm.Observe) -> ir.ObserveDecl:
        self.origins["observe"].append(("observe", name))
        if not all(part.isidentifier() for part in name.split(".")):
            self.problem(("observe", name), f"`{name}` is not a name", "write `name` or `a.b`")
        return ir.ObserveDecl(
            name=name, type=self.type_(("observe", name, "type"), decl.type), doc=decl.doc
        )

    def param(self, name: str, decl: sm.Param) -> ir.ParamDecl:
        path: KeyPath = ("params", name)
        self.origins["param"].append(path)
        self.name(path, name)
        default = decl.default
        if isinstance(default, bool):
            expr: ir.Expr = ir.Boolean(value=default)
        elif isinstance(default, list):
            items = [self.expr((*path, "default", i), v) for i, v in enumerate(default)]
            expr = ir.ListLit(items=tuple(items))
        else:
            expr = self.expr((*path, "default"), default)
        low, high = decl.range if decl.range is not None else (None, None)
        return ir.ParamDecl(
            name=name,
            type=decl.type,
            default=expr,
            low=self.opt((*path, "range", 0), low),
            high=self.opt((*path, "range", 1), high),
            doc=decl.doc,
        )

    def signal(self, name: str, decl: sm.Signal) -> ir.MonitorDecl:
        path: KeyPath = ("signals", name)
        self.origins["monitor"].append(path)
        self.name(path, name)
        type_ = self.type_((*path, "type"), decl.type) if decl.type is not None else None
        return ir.MonitorDecl(
            name=name, type=type_, expr=self.expr((*path, "expr"), decl.expr), doc=decl.doc
        )

    def name(self, path: KeyPath, name: str) -> None:
        if not name.isidentifier():
            self.problem(path, f"`{name}` is not a govlang name", "use letters, digits and _")

    # ---------------------------------------------------------------------------- the graph

    def scope(self) -> ir.ScopeDecl:
        m = self.m
        if m.evidence is not None and m.evidence not in m.signals:
            self.problem(
                ("evidence",),
                f"the evidence `{m.evidence}` is not a signal",
                known(set(m.signals), "signals"),
            )
        credits = None
        if m.credits is not None:
            credits = ir.CreditPolicy(
                earn=self.expr(("credits", "earn"), m.credits.earn),
                per=self.expr(("credits", "per"), m.credits.per),
                max=self.opt(("credits", "max"), m.credits.max),
            )
        overlap = set(m.notices) & set(m.sanctions)
        for name in sorted(overlap):
            self.problem(
                ("notices", name),
                f"`{name}` names both a notice and a sanction",
                "give each notice and sanction its own name",
            )
        states = tuple(self.state(name, s) for name, s in m.states.items())
        rules = self.rules()
        return ir.ScopeDecl(
            kind=m.scope, evidence=m.evidence, credits=credits, states=states, rules=rules
        )

    def state(self, name: str, decl: sm.State) -> ir.StateDecl:
        path: KeyPath = ("states", name)
        self.origins["state"].append(path)
        self.name(path, name)
        if decl.description is not None and decl.label is None:
            self.problem(
                (*path, "description"),
                "a description needs a label",
                "give the state a `label` (shown first to firms)",
            )
        return ir.StateDecl(
            name=name,
            initial=decl.initial,
            terminal=decl.terminal,
            label=decl.label if decl.label is not None or decl.description is None else name,
            description=decl.description,
            on_enter=self.effects((*path, "on_enter"), decl.on_enter),
            on_round=self.effects((*path, "each_round"), decl.each_round),
        )

    def effects(self, path: KeyPath, names: list[str]) -> tuple[ir.Sanction, ...]:
        found: list[ir.Sanction] = []
        for index, name in enumerate(names):
            if name in self.m.notices:
                found.append(ir.Notice(text=self.m.notices[name]))
            elif name in self.m.sanctions:
                found.append(self.sanction(("sanctions", name), self.m.sanctions[name]))
            else:
                self.problem(
                    (*path, index),
                    f"`{name}` is neither a notice nor a sanction",
                    known(set(self.m.notices) | set(self.m.sanctions), "notices and sanctions"),
                )
        return tuple(found)

    def sanction(self, path: KeyPath, decl: sm.Sanction) -> ir.Sanction:
        if decl.fine is not None:
            return self.fine((*path, "fine"), decl.fine)
        if decl.cap is not None:
            return ir.ActionBound(bound="cap", value=self.expr((*path, "cap", "at"), decl.cap.at))
        if decl.floor is not None:
            at = self.expr((*path, "floor", "at"), decl.floor.at)
            return ir.ActionBound(bound="floor", value=at)
        if decl.grant is not None:
            return ir.Grant(amount=self.expr((*path, "grant", "amount"), decl.grant.amount))
        return ir.Suspend() if decl.suspend is not None else ir.Exclude()

    def fine(self, path: KeyPath, fine: sm.FineSpec) -> ir.Fine:
        key, raw = next(
            (k, getattr(fine, k))
            for k in ("rate", "rates", "amount", "amounts")
            if getattr(fine, k) is not None
        )
        if isinstance(raw, list):
            amount: ir.Expr = ir.ListLit(
                items=tuple(self.expr((*path, key, i), v) for i, v in enumerate(raw))
            )
        else:
            amount = self.expr((*path, key), raw)
        return ir.Fine(
            ladder=key in ("rates", "amounts"),
            amount=amount,
            of_profit=key in ("rate", "rates"),
            plus=self.opt((*path, "plus"), fine.plus),
            floor=self.opt((*path, "floor"), fine.floor),
            cap=self.opt((*path, "cap"), fine.cap),
            recipient=fine.to,
        )

    def rules(self) -> tuple[ir.RuleDecl, ...]:
        m = self.m
        grouped: dict[str, list[ir.Edge]] = {rule_id: [] for rule_id in m.rules}
        edge_paths: dict[str, list[KeyPath]] = {rule_id: [] for rule_id in m.rules}
        for index, edge in enumerate(m.edges):
            built = self.edge(("edges", index), edge)
            if edge.rule in grouped:
                grouped[edge.rule].append(built)
                edge_paths[edge.rule].append(("edges", index))
        rules = []
        for rule_id, rule in m.rules.items():
            self.name(("rules", rule_id), rule_id)
            self.origins["rule"].append(("rules", rule_id))
            self.origins["edge"].extend(edge_paths[rule_id])
            kind: Literal["rule", "restore"] = "rule" if rule.kind == "escalation" else "restore"
            rules.append(
                ir.RuleDecl(kind=kind, id=rule_id, text=rule.text, edges=tuple(grouped[rule_id]))
            )
        return tuple(rules)

    def edge(self, path: KeyPath, edge: sm.Edge) -> ir.Edge:
        m = self.m
        if edge.rule not in m.rules:
            self.problem(
                (*path, "rule"), f"unknown rule `{edge.rule}`", known(set(m.rules), "rules")
            )
        for key, state in (("from", edge.source), ("to", edge.target)):
            if state not in m.states:
                self.problem(
                    (*path, key), f"unknown state `{state}`", known(set(m.states), "states")
                )
        counts = {
            "persistence": ("for_rounds", edge.for_rounds),
            "dwell": ("after_rounds", edge.after_rounds),
            "clean": ("after_clean_rounds", edge.after_clean_rounds),
            "credits": ("spend_credits", edge.spend_credits),
            "cooldown": ("cooldown_rounds", edge.cooldown_rounds),
        }
        clauses: dict[str, Any] = {
            field: self.opt((*path, key), value) for field, (key, value) in counts.items()
        }
        return ir.Edge(
            source=edge.source,
            target=edge.target,
            guard=self.opt((*path, "guard"), edge.guard),
            priority=edge.priority,
            sanctions=self.effects((*path, "then"), edge.then),
            **clauses,
        )

    def assertion(self, name: str, decl: sm.Assertion) -> ir.AssertDecl:
        path: KeyPath = ("asserts", name)
        self.origins["assert"].append(path)
        self.name(path, name)
        try:
            parsed = parse_property(decl.property)
        except ExprError as exc:
            self.problem(
                (*path, "property"),
                f"the property does not parse: {exc.message} (column {exc.column})",
                exc.hint
                or "write `never X`, `always X`, `reachable X` or `X leads to Y within N rounds`",
            )
            return ir.AssertDecl(id=name, form="reachable", condition=ir.Boolean(value=True))
        fields = parsed.model_dump(exclude={"id", "text", "scope"})
        return ir.AssertDecl.model_validate(
            {**fields, "id": name, "text": decl.text, "scope": decl.scope}
        )
