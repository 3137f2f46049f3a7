"""Stage 2: Lark parse tree -> IR (:mod:`govlang.lang.ir`), spans on every node.

The parser keeps every token (``keep_all_tokens``), so each handler sees its rule's children
exactly as written, keywords and punctuation included, and a node's span runs from its first
token to its last. The transformer builds nodes only; it resolves nothing. Name resolution,
types and graph checks are the checker's job (:mod:`govlang.lang.check`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lark import Token, Tree

from govlang.lang import ir
from govlang.lang.codes import diagnostic
from govlang.lang.diagnostics import Diagnostic, Source
from govlang.lang.token_spans import node_span, token_span
from govlang.lang.transform_values import FINE_PART_RULES, Part, ValueHandlers, unquote

_Children = list[Any]
_Node = Tree[Token]

_CLAUSE_WORDS = {
    "guard": "when",
    "persistence": "for",
    "dwell": "after ... rounds",
    "clean": "after ... clean rounds",
    "credits": "spend",
    "cooldown": "cooldown",
    "priority": "priority",
}


def _maybe_doc(child: Any) -> str | None:
    """The text of an optional STRING child (``None`` when absent)."""
    return unquote(child) if isinstance(child, Token) and child.type == "STRING" else None


class Invalid(Exception):
    """A construct the grammar admits but the IR rejects; ``span`` is where it stands."""

    def __init__(self, error: Exception, span: ir.Span) -> None:
        super().__init__(str(error))
        self.error = error
        self.span = span


class _Clause:
    """An edge clause on its way into an :class:`~govlang.lang.ir.Edge` field."""

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value


class _Attachment:
    """A state's ``on enter:`` / ``on each round:`` sanction."""

    def __init__(self, when: str, sanction: Any) -> None:
        self.when = when
        self.sanction = sanction


_CLAUSE_RULES = {
    "when_clause": "guard",
    "for_clause": "persistence",
    "after_clause": "dwell",
    "clean_clause": "clean",
    "spend_clause": "credits",
    "cooldown_clause": "cooldown",
    "priority_clause": "priority",
    "then_clause": "sanction",
}
"""Edge clauses: the grammar alias, and the :class:`~govlang.lang.ir.Edge` field it sets."""


def _valued(kind: type[_Clause] | type[Part], field: str, node: _Node, children: _Children) -> Any:
    """A clause or fine part whose value is the rule's second child (after its keyword)."""
    return kind(field, children[1])


class ToIR(ValueHandlers):
    """Transforms one parse tree into an :class:`~govlang.lang.ir.Institution`.

    Each method named after a grammar rule (or alias) receives the tree node and its
    already-transformed children (tokens stay tokens). The walk is a plain bottom-up
    recursion (nesting depth is bounded by the parser's GL005 check), several times faster
    than Lark's generic ``Transformer``. Operator chains are handed to
    :mod:`govlang.lang.precedence`, which may raise :class:`~govlang.lang.precedence.ChainError`.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Diagnostic] = []
        """Structural problems found while building (duplicate clauses and declarations)."""
        self._handlers: dict[str, Callable[[_Node, _Children], Any]] = {}
        for rule, field in _CLAUSE_RULES.items():  # keyword, value, perhaps closing keywords
            self._handlers[rule] = functools.partial(_valued, _Clause, field)
        for rule, field in FINE_PART_RULES.items():  # keyword, value
            self._handlers[rule] = functools.partial(_valued, Part, field)

    def transform(self, tree: _Node) -> Any:
        """Build the IR value of ``tree`` (an :class:`~govlang.lang.ir.Institution` for a file)."""
        children = [
            self.transform(child) if isinstance(child, Tree) else child for child in tree.children
        ]
        rule = str(tree.data)
        handler = self._handlers.get(rule)
        if handler is None:
            handler = getattr(self, rule)
            self._handlers[rule] = handler
        try:
            return handler(tree, children)
        except ValueError as exc:  # a node refusing its fields too; the innermost node is reported
            raise Invalid(exc, node_span(tree)) from exc

    def _problem(self, code: str, message: str, span: ir.Span, hint: str) -> None:
        self.problems.append(diagnostic(code, message, span, hint=hint, file=self.source.name))

    # -------------------------------------------------------------------------- document
    def start(self, node: _Node, children: _Children) -> ir.Institution:
        (name, name_span, doc), *decls = children
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
            name_span=name_span,
            doc=doc,
            action=action,
            span=node_span(node),
            **{key: tuple(value) for key, value in fields.items()},
        )

    def header(self, node: _Node, children: _Children) -> tuple[str, ir.Span, str | None]:
        # "institution" NAME STRING?
        return str(children[1]), token_span(children[1]), _maybe_doc(children[-1])

    # -------------------------------------------------------------------------- declarations
    def observe_decl(self, node: _Node, children: _Children) -> ir.ObserveDecl:
        # "observe" qualified_name ":" type_expr STRING?
        name = node.children[1]
        assert isinstance(name, Tree)
        return ir.ObserveDecl(
            name=children[1],
            name_span=node_span(name),
            type=children[3],
            doc=_maybe_doc(children[-1]),
            span=node_span(node),
        )

    def action_decl(self, node: _Node, children: _Children) -> ir.ActionDecl:
        # "action" ":" type_expr "in" range_bounds
        low, high = children[4]
        return ir.ActionDecl(type=children[2], low=low, high=high, span=node_span(node))

    def qualified_name(self, node: _Node, children: _Children) -> str:
        return "".join(str(part) for part in children)

    def type_expr(self, node: _Node, children: _Children) -> ir.TypeExpr:
        # BASE_TYPE dims?
        dims: list[Token] = children[1] if len(children) > 1 else []
        base: Any = str(children[0])  # the grammar's BASE_TYPE token: "number" or "bool"
        return ir.TypeExpr(
            base=base,
            dims=tuple(str(dim) for dim in dims),
            dim_spans=tuple(token_span(dim) for dim in dims),
            span=node_span(node),
        )

    def dims(self, node: _Node, children: _Children) -> list[Token]:
        # "[" NAME ("," NAME)* "]"
        return list(children[1::2])

    def param_decl(self, node: _Node, children: _Children) -> ir.ParamDecl:
        # "param" NAME ":" param_type "=" expr param_range? STRING?
        low = high = None
        for item in children[6:]:
            if isinstance(item, tuple):
                low, high = item
        return ir.ParamDecl(
            name=str(children[1]),
            name_span=token_span(children[1]),
            type=children[3],
            default=children[5],
            low=low,
            high=high,
            doc=_maybe_doc(children[-1]),
            span=node_span(node),
        )

    def param_type(self, node: _Node, children: _Children) -> str:
        return str(children[0])

    def param_range(self, node: _Node, children: _Children) -> tuple[Any, Any]:
        # "in" range_bounds
        bounds: tuple[Any, Any] = children[1]
        return bounds

    def range_bounds(self, node: _Node, children: _Children) -> tuple[Any, Any]:
        # "[" expr "," expr "]"
        return children[1], children[3]

    def monitor_decl(self, node: _Node, children: _Children) -> ir.MonitorDecl:
        # "monitor" NAME (":" type_expr)? "=" expr STRING?
        typed = isinstance(children[3], ir.TypeExpr)
        return ir.MonitorDecl(
            name=str(children[1]),
            name_span=token_span(children[1]),
            type=children[3] if typed else None,
            expr=children[5] if typed else children[3],
            doc=_maybe_doc(children[-1]),
            span=node_span(node),
        )

    # -------------------------------------------------------------------------- scopes
    def scope_block(self, node: _Node, children: _Children) -> ir.ScopeDecl:
        # scope_kind "{" scope_item* "}"
        kind, items = children[0], children[2:-1]
        evidence = next((i for i in items if isinstance(i, Token)), None)
        credits = next((i for i in items if isinstance(i, ir.CreditPolicy)), None)
        for what, cls in (("evidence", str), ("credits", ir.CreditPolicy)):
            if sum(isinstance(i, cls) for i in items) > 1:
                hint = f"keep one `{what}` declaration per scope"
                self._problem("GL006", f"`{what}` is declared twice", node_span(node), hint)
        return ir.ScopeDecl(
            kind=kind,
            evidence=None if evidence is None else str(evidence),
            evidence_span=ir.NO_SPAN if evidence is None else token_span(evidence),
            credits=credits,
            states=tuple(i for i in items if isinstance(i, ir.StateDecl)),
            rules=tuple(i for i in items if isinstance(i, ir.RuleDecl)),
            span=node_span(node),
        )

    def per_agent(self, node: _Node, children: _Children) -> str:
        return "agent"

    def market(self, node: _Node, children: _Children) -> str:
        return "market"

    def evidence_decl(self, node: _Node, children: _Children) -> Token:
        # "evidence" NAME (the token, so that the scope records its span)
        token: Token = children[1]
        return token

    def credit_decl(self, node: _Node, children: _Children) -> ir.CreditPolicy:
        # "credits" "earn" expr "per" expr "clean" "rounds" ("max" expr)?
        maximum = children[8] if len(children) > 8 else None
        return ir.CreditPolicy(earn=children[2], per=children[4], max=maximum, span=node_span(node))

    def state_decl(self, node: _Node, children: _Children) -> ir.StateDecl:
        # state_marker* "state" NAME STRING? STRING? state_body?
        at = 0
        markers = set()
        while children[at].type != "STATE":
            markers.add(str(children[at]))
            at += 1
        name, tail = children[at + 1], children[at + 2 :]
        strings = [unquote(t) for t in tail if isinstance(t, Token)]
        body: list[_Attachment] = next((t for t in tail if isinstance(t, list)), [])
        return ir.StateDecl(
            name=str(name),
            name_span=token_span(name),
            initial="initial" in markers,
            terminal="terminal" in markers,
            label=strings[0] if strings else None,
            description=strings[1] if len(strings) > 1 else None,
            on_enter=tuple(a.sanction for a in body if a.when == "enter"),
            on_round=tuple(a.sanction for a in body if a.when == "round"),
            span=node_span(node),
        )

    def state_marker(self, node: _Node, children: _Children) -> Token:
        token: Token = children[0]
        return token

    def state_body(self, node: _Node, children: _Children) -> list[_Attachment]:
        # "{" attachment* "}"
        return list(children[1:-1])

    def on_enter(self, node: _Node, children: _Children) -> _Attachment:
        # "on" "enter" ":" sanction
        return _Attachment("enter", children[-1])

    def on_round(self, node: _Node, children: _Children) -> _Attachment:
        # "on" "each" "round" ":" sanction
        return _Attachment("round", children[-1])

    def rule_decl(self, node: _Node, children: _Children) -> ir.RuleDecl:
        # rule_kind NAME STRING? "{" edge* "}"
        kind, name = children[0], children[1]
        return ir.RuleDecl(
            kind=kind,
            id=str(name),
            name_span=token_span(name),
            text=_maybe_doc(children[2]),
            edges=tuple(e for e in children[3:] if isinstance(e, ir.Edge)),
            span=node_span(node),
        )

    def rule_kind(self, node: _Node, children: _Children) -> str:
        return str(children[0])

    def edge(self, node: _Node, children: _Children) -> ir.Edge:
        # NAME "->" NAME edge_clause*
        fields: dict[str, Any] = {}
        sanctions: list[Any] = []
        for clause in children[3:]:
            if clause.field == "sanction":
                sanctions.append(clause.value)
            elif clause.field not in fields:  # a repeated clause is reported by the checker
                fields[clause.field] = clause.value
            else:
                self._problem(
                    "GL006",
                    f"edge clause `{_CLAUSE_WORDS[clause.field]}` given twice",
                    node_span(node),
                    "give each clause at most once per edge",
                )
        return ir.Edge(
            source=str(children[0]),
            source_span=token_span(children[0]),
            target=str(children[2]),
            target_span=token_span(children[2]),
            sanctions=tuple(sanctions),
            span=node_span(node),
            **fields,
        )

    def signed_int(self, node: _Node, children: _Children) -> int:
        # MINUS? INT
        sign = -1 if len(children) > 1 else 1
        return sign * int(str(children[-1]))

    # -------------------------------------------------------------------------- assertions
    def assert_decl(self, node: _Node, children: _Children) -> ir.AssertDecl:
        # "assert" NAME [STRING] [scope_kind] ":" property
        _, name, text, scope, _, prop = children
        return ir.AssertDecl(
            id=str(name),
            name_span=token_span(name),
            text=_maybe_doc(text),
            scope=scope,
            span=node_span(node),
            **prop,
        )

    def never_property(self, node: _Node, children: _Children) -> dict[str, Any]:
        # "never" expr ["unless" expr]
        return {"form": "never", "condition": children[1], "unless": children[3]}

    def always_property(self, node: _Node, children: _Children) -> dict[str, Any]:
        return {"form": "always", "condition": children[1]}

    def reachable_property(self, node: _Node, children: _Children) -> dict[str, Any]:
        return {"form": "reachable", "condition": children[1]}

    def leads_property(self, node: _Node, children: _Children) -> dict[str, Any]:
        # expr "leads" "to" expr "within" expr "rounds" ["while" expr]
        return {
            "form": "leads_to",
            "condition": children[0],
            "target": children[3],
            "within": children[5],
            "during": children[8],
        }
