"""A validated manifest -> govlang IR -> canonical ``.gov`` text, checked before it is returned.

:func:`import_manifest` is ``govlang import``: read, validate against
:mod:`govlang.interop.schema`, resolve every cross-reference (an edge's states and rule, the
names in ``then``/``on_enter``/``each_round``, the evidence signal), parse every expression,
build the :class:`~govlang.ir.Institution`, print it with :func:`govlang.fmt.format_institution`,
parse the text back and run the checker on it. Any problem at any step raises
:class:`InteropError` naming the manifest key path it came from; nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from govlang import ir
from govlang.interop import schema as sm
from govlang.interop.exprs import ExprError, parse_expr, parse_property, value_text
from govlang.interop.problems import InteropError, KeyPath, Problem, known
from govlang.interop.source import ManifestSource, read_manifest


@dataclass(frozen=True)
class Imported:
    """The result of an import: the ``.gov`` text, its institution and the checker's warnings."""

    text: str
    institution: ir.Institution
    warnings: list[str]


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
    return _checked(source, institution, builder.origins)


def validate(source: ManifestSource) -> sm.Manifest:
    """The manifest model of ``source``; every schema problem at once otherwise."""
    if not isinstance(source.data, dict):
        kind = "empty" if source.data is None else type(source.data).__name__
        problem = source.problem((), f"a manifest is a mapping at the top level, got {kind}")
        raise InteropError(source.name, [problem])
    try:
        return sm.Manifest.model_validate(source.data)
    except ValidationError as exc:
        problems = [_schema_problem(source, error) for error in exc.errors()]
        raise InteropError(source.name, problems) from None


def _schema_problem(source: ManifestSource, error: Any) -> Problem:
    path: KeyPath = tuple(part for part in error["loc"] if isinstance(part, str | int))
    path = tuple(_alias(part) for part in path)
    kind, message = error["type"], str(error["msg"]).removeprefix("Value error, ")
    hint = None
    if kind == "extra_forbidden":
        parent = _allowed_keys(path[:-1])
        message = f"unknown key `{path[-1]}`"
        hint = f"the keys allowed here are: {', '.join(parent)}" if parent else None
    elif kind == "missing":
        message = f"`{path[-1]}` is required"
    elif kind == "literal_error":
        message = f"{message}, got {error.get('input')!r}"
    elif kind.endswith("_type"):
        message = f"{message}, got {type(error.get('input')).__name__} {error.get('input')!r}"
    return source.problem(path, message, hint)


def _alias(part: str | int) -> str | int:
    return {"source": "from", "target": "to"}.get(part, part) if isinstance(part, str) else part


_SECTION_MODELS: Mapping[str, type[sm.Model]] = {
    "institution": sm.Meta,
    "observe": sm.Observe,
    "action": sm.Action,
    "params": sm.Param,
    "signals": sm.Signal,
    "sanctions": sm.Sanction,
    "credits": sm.Credits,
    "states": sm.State,
    "rules": sm.Rule,
    "edges": sm.Edge,
    "asserts": sm.Assertion,
}
_NESTED_MODELS: Mapping[str, type[sm.Model]] = {
    "fine": sm.FineSpec,
    "cap": sm.Bound,
    "floor": sm.Bound,
    "grant": sm.Grant,
    "suspend": sm.Empty,
    "exclude": sm.Empty,
}


def _allowed_keys(path: KeyPath) -> list[str]:
    """The keys the model at ``path`` accepts (its aliases, as a manifest writes them)."""
    if not path:
        return list(sm.TOP_LEVEL_KEYS)
    model: type[sm.Model] | None = _SECTION_MODELS.get(str(path[0]))
    if path[0] == "sanctions" and len(path) >= 3:
        model = _NESTED_MODELS.get(str(path[2]))
    if model is None:
        return []
    return [str(_alias(name)) for name in model.model_fields]


# ------------------------------------------------------------------------------- building


Origins = dict[str, list[KeyPath]]
"""For each kind of declaration, the manifest key path of each one, in ``.gov`` order."""


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
            kind = "rule" if rule.kind == "escalation" else "restore"
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
        clauses = {field: self.opt((*path, key), value) for field, (key, value) in counts.items()}
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


# ------------------------------------------------------------------------------- checking


def _checked(source: ManifestSource, institution: ir.Institution, origins: Origins) -> Imported:
    """Format, parse back and check; map the checker's errors to manifest key paths."""
    from govlang.check import check
    from govlang.fmt import format_institution
    from govlang.frontend import parse_text

    text = format_institution(institution)
    document = parse_text(text, "<generated>")
    diagnostics = check(document)
    parsed = document.institution
    if parsed is None or parsed != institution:  # the printer and parser disagree: a bug
        detail = "; ".join(d.message for d in diagnostics if d.is_error) or "different IR"
        raise InteropError(
            source.name,
            [
                Problem(
                    (),
                    f"the generated .gov does not read back: {detail}",
                    "report this as a govlang bug",
                )
            ],
        )
    located = _locations(parsed, origins)
    problems, warnings = [], []
    for diagnostic in diagnostics:
        path = _path_at(located, diagnostic.span.line)
        line_text = document.source.line_text(diagnostic.span.line).strip()
        message = f"{diagnostic.message} [{diagnostic.code}] in the generated line `{line_text}`"
        if diagnostic.is_error:
            problems.append(source.problem(path, message, diagnostic.hint))
        elif diagnostic.severity == "warning":
            warnings.append(source.problem(path, message, diagnostic.hint).render(source.name))
    if problems:
        raise InteropError(source.name, problems)
    return Imported(text, parsed, warnings)


def _locations(inst: ir.Institution, origins: Origins) -> list[tuple[int, int, KeyPath]]:
    """(first line, last line, key path) of every generated declaration."""
    scope = inst.scopes[0]
    nodes: dict[str, list[Any]] = {
        "observe": list(inst.observes),
        "param": list(inst.params),
        "monitor": list(inst.monitors),
        "state": list(scope.states),
        "rule": list(scope.rules),
        "edge": [edge for rule in scope.rules for edge in rule.edges],
        "assert": list(inst.asserts),
    }
    scope_path: KeyPath = ("states",)  # where scope-wide problems are reported
    found = [(scope.span.line, scope.span.end_line, scope_path)]
    for kind, paths in origins.items():
        for node, path in zip(nodes[kind], paths, strict=True):
            found.append((node.span.line, node.span.end_line, path))
    return found


def _path_at(located: list[tuple[int, int, KeyPath]], line: int) -> KeyPath:
    """The innermost declaration's key path at ``line`` (``()`` for the header)."""
    best: tuple[int, KeyPath] | None = None
    for first, last, path in located:
        if first <= line <= last and (best is None or last - first < best[0]):
            best = (last - first, path)
    return best[1] if best is not None else ()
