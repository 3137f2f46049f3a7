"""Stage 2: Lark parse tree -> IR (:mod:`govlang.ir`), spans on every node.

The transformer builds nodes only; it resolves nothing. Name resolution, types and graph
checks are the checker's job (:mod:`govlang.check`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from lark import Token, Tree
from lark.tree import Meta

from govlang import ir
from govlang.diagnostics import Diagnostic, Source

_Children = list[Any]

_CLAUSE_WORDS = {
    "guard": "when",
    "persistence": "for",
    "dwell": "after ... rounds",
    "clean": "after ... clean rounds",
    "credits": "spend",
    "cooldown": "cooldown",
    "priority": "priority",
}


def _unquote(token: Token) -> str:
    r"""The value of a STRING token (escapes ``\\"``, ``\\\\``, ``\\n``, ``\\t`` decoded)."""
    value = ast.literal_eval(str(token))
    assert isinstance(value, str)
    return value


class _Clause:
    """An edge clause on its way into an :class:`~govlang.ir.Edge` field."""

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value


class _Attachment:
    """A state's ``on enter:`` / ``on each round:`` sanction."""

    def __init__(self, when: str, sanction: Any) -> None:
        self.when = when
        self.sanction = sanction


class _Part:
    """An optional part of a fine (``of profit``, ``plus``, ``floor``, ``cap``, ``to``)."""

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value


class ToIR:
    """Transforms one parse tree into an :class:`~govlang.ir.Institution`.

    Each method named after a grammar rule (or alias) receives the node's position and its
    already-transformed children. The walk is a plain bottom-up recursion (expression depth
    is bounded by the parser's GL005 check), which is several times faster than Lark's
    generic ``Transformer`` with ``v_args(meta=True)`` on large files.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Diagnostic] = []
        """Structural problems found while building (duplicate clauses and declarations)."""
        self._handlers: dict[str, Callable[[Meta, _Children], Any]] = {}

    def transform(self, tree: Tree[Token]) -> Any:
        """Build the IR value of ``tree`` (an :class:`~govlang.ir.Institution` for a file)."""
        children = [
            self.transform(child) if isinstance(child, Tree) else child for child in tree.children
        ]
        rule = str(tree.data)
        handler = self._handlers.get(rule)
        if handler is None:
            handler = getattr(self, rule)
            self._handlers[rule] = handler
        return handler(tree.meta, children)

    def _problem(self, code: str, message: str, span: ir.Span, hint: str) -> None:
        self.problems.append(Diagnostic(code, message, span, hint=hint, file=self.source.name))

    # -------------------------------------------------------------------------- helpers
    def _span(self, meta: Meta) -> ir.Span:
        if getattr(meta, "empty", True):
            return ir.NO_SPAN
        return ir.Span(
            line=meta.line,
            column=meta.column,
            end_line=meta.end_line,
            end_column=meta.end_column,
            start=meta.start_pos,
            end=meta.end_pos,
        )

    def _token_span(self, token: Token) -> ir.Span:
        start = int(token.start_pos or 0)
        return self.source.span(start, int(token.end_pos or start))

    # -------------------------------------------------------------------------- document
    def start(self, meta: Meta, children: _Children) -> ir.Institution:
        header, *decls = children
        name, doc = header
        fields: dict[str, list[Any]] = {
            "observes": [],
            "params": [],
            "monitors": [],
            "scopes": [],
            "asserts": [],
        }
        action: ir.ActionDecl | None = None
        for decl in decls:
            if isinstance(decl, ir.ObserveDecl):
                fields["observes"].append(decl)
            elif isinstance(decl, ir.ParamDecl):
                fields["params"].append(decl)
            elif isinstance(decl, ir.MonitorDecl):
                fields["monitors"].append(decl)
            elif isinstance(decl, ir.ScopeDecl):
                fields["scopes"].append(decl)
            elif isinstance(decl, ir.AssertDecl):
                fields["asserts"].append(decl)
            elif isinstance(decl, ir.ActionDecl) and action is None:
                action = decl
            elif isinstance(decl, ir.ActionDecl):
                self._problem(
                    "GL006",
                    "the action space is declared twice",
                    decl.span,
                    "keep one `action:` declaration",
                )
        # One `per agent` and one `market` block at most: their order carries no meaning, so the
        # IR keeps them in the canonical order (per agent first), as the formatter prints them.
        fields["scopes"].sort(key=lambda scope: scope.kind != "agent")
        return ir.Institution(
            name=name,
            doc=doc,
            action=action,
            span=self._span(meta),
            **{key: tuple(value) for key, value in fields.items()},
        )

    def header(self, meta: Meta, children: _Children) -> tuple[str, str | None]:
        doc = _unquote(children[1]) if len(children) > 1 and children[1] is not None else None
        return str(children[0]), doc

    # -------------------------------------------------------------------------- declarations
    def observe_decl(self, meta: Meta, children: _Children) -> ir.ObserveDecl:
        name, type_, *rest = children
        doc = _unquote(rest[0]) if rest and rest[0] is not None else None
        return ir.ObserveDecl(name=name, type=type_, doc=doc, span=self._span(meta))

    def action_decl(self, meta: Meta, children: _Children) -> ir.ActionDecl:
        type_, (low, high) = children
        return ir.ActionDecl(type=type_, low=low, high=high, span=self._span(meta))

    def qualified_name(self, meta: Meta, children: _Children) -> str:
        return ".".join(str(part) for part in children)

    def type_expr(self, meta: Meta, children: _Children) -> ir.TypeExpr:
        base, dims = children[0], children[1] if len(children) > 1 else None
        return ir.TypeExpr(base=str(base), dims=tuple(dims or ()), span=self._span(meta))

    def dims(self, meta: Meta, children: _Children) -> list[str]:
        return [str(child) for child in children]

    def param_decl(self, meta: Meta, children: _Children) -> ir.ParamDecl:
        name, type_, default, *rest = children
        low = high = None
        doc = None
        for item in rest:
            if isinstance(item, tuple):
                low, high = item
            elif isinstance(item, Token):
                doc = _unquote(item)
        return ir.ParamDecl(
            name=str(name),
            type=type_,
            default=default,
            low=low,
            high=high,
            doc=doc,
            span=self._span(meta),
        )

    def param_type(self, meta: Meta, children: _Children) -> str:
        return str(children[0])

    def param_range(self, meta: Meta, children: _Children) -> tuple[Any, Any]:
        bounds: tuple[Any, Any] = children[0]
        return bounds

    def range_bounds(self, meta: Meta, children: _Children) -> tuple[Any, Any]:
        return children[0], children[1]

    def monitor_decl(self, meta: Meta, children: _Children) -> ir.MonitorDecl:
        name = str(children[0])
        type_ = next((c for c in children[1:] if isinstance(c, ir.TypeExpr)), None)
        rest = [c for c in children[1:] if not isinstance(c, ir.TypeExpr)]
        expr = rest[0]
        doc = _unquote(rest[1]) if len(rest) > 1 and rest[1] is not None else None
        return ir.MonitorDecl(name=name, type=type_, expr=expr, doc=doc, span=self._span(meta))

    # -------------------------------------------------------------------------- scopes
    def scope_block(self, meta: Meta, children: _Children) -> ir.ScopeDecl:
        kind, *items = children
        evidence = next((i for i in items if isinstance(i, str)), None)
        credits = next((i for i in items if isinstance(i, ir.CreditPolicy)), None)
        for what, cls in (("evidence", str), ("credits", ir.CreditPolicy)):
            if sum(isinstance(i, cls) for i in items) > 1:
                hint = f"keep one `{what}` declaration per scope"
                self._problem("GL006", f"`{what}` is declared twice", self._span(meta), hint)
        return ir.ScopeDecl(
            kind=kind,
            evidence=evidence,
            credits=credits,
            states=tuple(i for i in items if isinstance(i, ir.StateDecl)),
            rules=tuple(i for i in items if isinstance(i, ir.RuleDecl)),
            span=self._span(meta),
        )

    def per_agent(self, meta: Meta, children: _Children) -> str:
        return "agent"

    def market(self, meta: Meta, children: _Children) -> str:
        return "market"

    def evidence_decl(self, meta: Meta, children: _Children) -> str:
        return str(children[0])

    def credit_decl(self, meta: Meta, children: _Children) -> ir.CreditPolicy:
        earn, per, maximum = [*children, None][:3]
        return ir.CreditPolicy(earn=earn, per=per, max=maximum, span=self._span(meta))

    def state_decl(self, meta: Meta, children: _Children) -> ir.StateDecl:
        markers = {
            str(c) for c in children if isinstance(c, Token) and c.type in {"INITIAL", "TERMINAL"}
        }
        rest = [
            c for c in children if not (isinstance(c, Token) and c.type in {"INITIAL", "TERMINAL"})
        ]
        name, *tail = rest
        strings = [_unquote(t) for t in tail if isinstance(t, Token) and t.type == "STRING"]
        body: list[_Attachment] = next((t for t in tail if isinstance(t, list)), [])
        return ir.StateDecl(
            name=str(name),
            initial="initial" in markers,
            terminal="terminal" in markers,
            label=strings[0] if strings else None,
            description=strings[1] if len(strings) > 1 else None,
            on_enter=tuple(a.sanction for a in body if a.when == "enter"),
            on_round=tuple(a.sanction for a in body if a.when == "round"),
            span=self._span(meta),
        )

    def state_marker(self, meta: Meta, children: _Children) -> Token:
        token: Token = children[0]
        return token

    def state_body(self, meta: Meta, children: _Children) -> list[_Attachment]:
        return list(children)

    def on_enter(self, meta: Meta, children: _Children) -> _Attachment:
        return _Attachment("enter", children[0])

    def on_round(self, meta: Meta, children: _Children) -> _Attachment:
        return _Attachment("round", children[0])

    def rule_decl(self, meta: Meta, children: _Children) -> ir.RuleDecl:
        kind, name, *rest = children
        text = _unquote(rest[0]) if rest and isinstance(rest[0], Token) else None
        edges = tuple(e for e in rest if isinstance(e, ir.Edge))
        return ir.RuleDecl(kind=kind, id=str(name), text=text, edges=edges, span=self._span(meta))

    def rule_kind(self, meta: Meta, children: _Children) -> str:
        return str(children[0])

    def edge(self, meta: Meta, children: _Children) -> ir.Edge:
        source, target, *clauses = children
        fields: dict[str, Any] = {}
        sanctions: list[Any] = []
        for clause in clauses:
            if clause.field == "sanction":
                sanctions.append(clause.value)
            elif clause.field not in fields:  # a repeated clause is reported by the checker
                fields[clause.field] = clause.value
            else:
                self._problem(
                    "GL006",
                    f"edge clause `{_CLAUSE_WORDS[clause.field]}` given twice",
                    self._span(meta),
                    "give each clause at most once per edge",
                )
        return ir.Edge(
            source=str(source),
            target=str(target),
            sanctions=tuple(sanctions),
            span=self._span(meta),
            **fields,
        )

    def when_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("guard", children[0])

    def for_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("persistence", children[0])

    def after_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("dwell", children[0])

    def clean_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("clean", children[0])

    def spend_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("credits", children[0])

    def cooldown_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("cooldown", children[0])

    def priority_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("priority", children[0])

    def then_clause(self, meta: Meta, children: _Children) -> _Clause:
        return _Clause("sanction", children[0])

    def signed_int(self, meta: Meta, children: _Children) -> int:
        sign = -1 if children[0] is not None and str(children[0]) == "-" else 1
        return sign * int(str(children[-1]))

    # -------------------------------------------------------------------------- assertions
    def assert_decl(self, meta: Meta, children: _Children) -> ir.AssertDecl:
        name, text, scope, prop = children
        doc = None if text is None else _unquote(text)
        return ir.AssertDecl(id=str(name), text=doc, scope=scope, span=self._span(meta), **prop)

    def never_property(self, meta: Meta, children: _Children) -> dict[str, Any]:
        return {"form": "never", "condition": children[0], "unless": children[1]}

    def always_property(self, meta: Meta, children: _Children) -> dict[str, Any]:
        return {"form": "always", "condition": children[0]}

    def reachable_property(self, meta: Meta, children: _Children) -> dict[str, Any]:
        return {"form": "reachable", "condition": children[0]}

    def leads_property(self, meta: Meta, children: _Children) -> dict[str, Any]:
        condition, target, within, during = children
        return {
            "form": "leads_to",
            "condition": condition,
            "target": target,
            "within": within,
            "during": during,
        }

    # -------------------------------------------------------------------------- sanctions
    def notice(self, meta: Meta, children: _Children) -> ir.Notice:
        return ir.Notice(text=_unquote(children[0]), span=self._span(meta))

    def fine(self, meta: Meta, children: _Children) -> ir.Fine:
        ladder = bool(children and isinstance(children[0], Token) and children[0].type == "LADDER")
        rest = children[1:] if ladder else children
        amount, *parts = rest
        fields: dict[str, Any] = {p.field: p.value for p in parts if isinstance(p, _Part)}
        return ir.Fine(ladder=ladder, amount=amount, span=self._span(meta), **fields)

    def of_profit(self, meta: Meta, children: _Children) -> _Part:
        return _Part("of_profit", True)

    def plus_amount(self, meta: Meta, children: _Children) -> _Part:
        return _Part("plus", children[0])

    def fine_floor(self, meta: Meta, children: _Children) -> _Part:
        return _Part("floor", children[0])

    def fine_cap(self, meta: Meta, children: _Children) -> _Part:
        return _Part("cap", children[0])

    def recipient(self, meta: Meta, children: _Children) -> _Part:
        return _Part("recipient", str(children[0]))

    def grant(self, meta: Meta, children: _Children) -> ir.Grant:
        return ir.Grant(amount=children[0], span=self._span(meta))

    def cap(self, meta: Meta, children: _Children) -> ir.ActionBound:
        return ir.ActionBound(bound="cap", value=children[0], span=self._span(meta))

    def floor(self, meta: Meta, children: _Children) -> ir.ActionBound:
        return ir.ActionBound(bound="floor", value=children[0], span=self._span(meta))

    def suspend(self, meta: Meta, children: _Children) -> ir.Suspend:
        return ir.Suspend(span=self._span(meta))

    def exclude(self, meta: Meta, children: _Children) -> ir.Exclude:
        return ir.Exclude(span=self._span(meta))

    # -------------------------------------------------------------------------- expressions
    def if_expr(self, meta: Meta, children: _Children) -> ir.IfThenElse:
        cond, then, otherwise = children
        return ir.IfThenElse(condition=cond, then=then, otherwise=otherwise, span=self._span(meta))

    def or_op(self, meta: Meta, children: _Children) -> ir.Logic:
        return ir.Logic(op="or", left=children[0], right=children[1], span=self._span(meta))

    def and_op(self, meta: Meta, children: _Children) -> ir.Logic:
        return ir.Logic(op="and", left=children[0], right=children[1], span=self._span(meta))

    def not_op(self, meta: Meta, children: _Children) -> ir.Not:
        return ir.Not(operand=children[0], span=self._span(meta))

    def compare(self, meta: Meta, children: _Children) -> ir.Compare:
        left, op, right = children
        return ir.Compare(op=str(op), left=left, right=right, span=self._span(meta))

    def binary(self, meta: Meta, children: _Children) -> ir.Binary:
        left, op, right = children
        return ir.Binary(op=str(op), left=left, right=right, span=self._span(meta))

    def negate(self, meta: Meta, children: _Children) -> ir.Expr:
        operand = children[1]
        if isinstance(operand, ir.Number):  # fold "-3" into a literal, so it prints as written
            return ir.Number(value=-operand.value, is_int=operand.is_int, span=self._span(meta))
        return ir.Negate(operand=operand, span=self._span(meta))

    def number(self, meta: Meta, children: _Children) -> ir.Number:
        text = str(children[0])
        is_int = text.isdigit()
        return ir.Number(value=float(text), is_int=is_int, span=self._span(meta))

    def true(self, meta: Meta, children: _Children) -> ir.Boolean:
        return ir.Boolean(value=True, span=self._span(meta))

    def false(self, meta: Meta, children: _Children) -> ir.Boolean:
        return ir.Boolean(value=False, span=self._span(meta))

    def name_ref(self, meta: Meta, children: _Children) -> ir.NameRef:
        return ir.NameRef(name=children[0], span=self._span(meta))

    def call(self, meta: Meta, children: _Children) -> ir.Call:
        name, (args, over) = children
        return ir.Call(function=str(name), args=tuple(args), over=over, span=self._span(meta))

    def call_args(self, meta: Meta, children: _Children) -> tuple[list[Any], str | None]:
        over = children[-1] if children and isinstance(children[-1], str) else None
        args = [c for c in children if not isinstance(c, str)]
        return args, over

    def over_clause(self, meta: Meta, children: _Children) -> str:
        return str(children[0])

    def list_lit(self, meta: Meta, children: _Children) -> ir.ListLit:
        items = tuple(c for c in children if c is not None)
        return ir.ListLit(items=items, span=self._span(meta))
