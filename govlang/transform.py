"""Stage 2: Lark parse tree -> IR (:mod:`govlang.ir`), spans on every node.

The parser keeps every token (``keep_all_tokens``), so each handler sees its rule's children
exactly as written, keywords and punctuation included, and a node's span runs from its first
token to its last. The transformer builds nodes only; it resolves nothing. Name resolution,
types and graph checks are the checker's job (:mod:`govlang.check`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from lark import Token, Tree
from pydantic import ValidationError

from govlang import ir
from govlang.diagnostics import Diagnostic, Source
from govlang.precedence import build
from govlang.spans import joined, node_span, token_span

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


def _unquote(token: Token) -> str:
    r"""The value of a STRING token (escapes ``\\"``, ``\\\\``, ``\\n``, ``\\t`` decoded)."""
    text = str(token)
    if "\\" not in text:
        return text[1:-1]
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def _maybe_doc(child: Any) -> str | None:
    """The text of an optional STRING child (``None`` when absent)."""
    return _unquote(child) if isinstance(child, Token) and child.type == "STRING" else None


class Invalid(Exception):
    """A construct the grammar admits but the IR rejects; ``span`` is where it stands."""

    def __init__(self, error: Exception, span: ir.Span) -> None:
        super().__init__(str(error))
        self.error = error
        self.span = span


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

    Each method named after a grammar rule (or alias) receives the tree node and its
    already-transformed children (tokens stay tokens). The walk is a plain bottom-up
    recursion (nesting depth is bounded by the parser's GL005 check), several times faster
    than Lark's generic ``Transformer``. Operator chains are handed to
    :mod:`govlang.precedence`, which may raise :class:`~govlang.precedence.ChainError`.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Diagnostic] = []
        """Structural problems found while building (duplicate clauses and declarations)."""
        self._handlers: dict[str, Callable[[_Node, _Children], Any]] = {}

    def transform(self, tree: _Node) -> Any:
        """Build the IR value of ``tree`` (an :class:`~govlang.ir.Institution` for a file)."""
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
        except (ValidationError, ValueError) as exc:  # the innermost node is reported
            raise Invalid(exc, node_span(tree)) from exc

    def _problem(self, code: str, message: str, span: ir.Span, hint: str) -> None:
        self.problems.append(Diagnostic(code, message, span, hint=hint, file=self.source.name))

    # -------------------------------------------------------------------------- document
    def start(self, node: _Node, children: _Children) -> ir.Institution:
        (name, doc), *decls = children
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
            span=node_span(node),
            **{key: tuple(value) for key, value in fields.items()},
        )

    def header(self, node: _Node, children: _Children) -> tuple[str, str | None]:
        # "institution" NAME STRING?
        return str(children[1]), _maybe_doc(children[-1])

    # -------------------------------------------------------------------------- declarations
    def observe_decl(self, node: _Node, children: _Children) -> ir.ObserveDecl:
        # "observe" qualified_name ":" type_expr STRING?
        return ir.ObserveDecl(
            name=children[1], type=children[3], doc=_maybe_doc(children[-1]), span=node_span(node)
        )

    def action_decl(self, node: _Node, children: _Children) -> ir.ActionDecl:
        # "action" ":" type_expr "in" range_bounds
        low, high = children[4]
        return ir.ActionDecl(type=children[2], low=low, high=high, span=node_span(node))

    def qualified_name(self, node: _Node, children: _Children) -> str:
        return "".join(str(part) for part in children)

    def type_expr(self, node: _Node, children: _Children) -> ir.TypeExpr:
        # BASE_TYPE dims?
        dims = children[1] if len(children) > 1 else ()
        return ir.TypeExpr(base=str(children[0]), dims=tuple(dims), span=node_span(node))

    def dims(self, node: _Node, children: _Children) -> list[str]:
        # "[" NAME ("," NAME)* "]"
        return [str(child) for child in children[1::2]]

    def param_decl(self, node: _Node, children: _Children) -> ir.ParamDecl:
        # "param" NAME ":" param_type "=" expr param_range? STRING?
        low = high = None
        for item in children[6:]:
            if isinstance(item, tuple):
                low, high = item
        return ir.ParamDecl(
            name=str(children[1]),
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
            type=children[3] if typed else None,
            expr=children[5] if typed else children[3],
            doc=_maybe_doc(children[-1]),
            span=node_span(node),
        )

    # -------------------------------------------------------------------------- scopes
    def scope_block(self, node: _Node, children: _Children) -> ir.ScopeDecl:
        # scope_kind "{" scope_item* "}"
        kind, items = children[0], children[2:-1]
        evidence = next((i for i in items if isinstance(i, str)), None)
        credits = next((i for i in items if isinstance(i, ir.CreditPolicy)), None)
        for what, cls in (("evidence", str), ("credits", ir.CreditPolicy)):
            if sum(isinstance(i, cls) for i in items) > 1:
                hint = f"keep one `{what}` declaration per scope"
                self._problem("GL006", f"`{what}` is declared twice", node_span(node), hint)
        return ir.ScopeDecl(
            kind=kind,
            evidence=evidence,
            credits=credits,
            states=tuple(i for i in items if isinstance(i, ir.StateDecl)),
            rules=tuple(i for i in items if isinstance(i, ir.RuleDecl)),
            span=node_span(node),
        )

    def per_agent(self, node: _Node, children: _Children) -> str:
        return "agent"

    def market(self, node: _Node, children: _Children) -> str:
        return "market"

    def evidence_decl(self, node: _Node, children: _Children) -> str:
        # "evidence" NAME
        return str(children[1])

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
        strings = [_unquote(t) for t in tail if isinstance(t, Token)]
        body: list[_Attachment] = next((t for t in tail if isinstance(t, list)), [])
        return ir.StateDecl(
            name=str(name),
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
            target=str(children[2]),
            sanctions=tuple(sanctions),
            span=node_span(node),
            **fields,
        )

    # Each edge clause is a keyword, its value, and perhaps closing keywords.
    def when_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("guard", children[1])

    def for_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("persistence", children[1])

    def after_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("dwell", children[1])

    def clean_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("clean", children[1])

    def spend_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("credits", children[1])

    def cooldown_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("cooldown", children[1])

    def priority_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("priority", children[1])

    def then_clause(self, node: _Node, children: _Children) -> _Clause:
        return _Clause("sanction", children[1])

    def signed_int(self, node: _Node, children: _Children) -> int:
        # MINUS? INT
        sign = -1 if len(children) > 1 else 1
        return sign * int(str(children[-1]))

    # -------------------------------------------------------------------------- assertions
    def assert_decl(self, node: _Node, children: _Children) -> ir.AssertDecl:
        # "assert" NAME [STRING] [scope_kind] ":" property
        _, name, text, scope, _, prop = children
        return ir.AssertDecl(
            id=str(name), text=_maybe_doc(text), scope=scope, span=node_span(node), **prop
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

    # -------------------------------------------------------------------------- sanctions
    def notice(self, node: _Node, children: _Children) -> ir.Notice:
        return ir.Notice(text=_unquote(children[1]), span=node_span(node))

    def fine(self, node: _Node, children: _Children) -> ir.Fine:
        # "fine" LADDER? expr of_profit? plus_amount? fine_floor? fine_cap? recipient?
        ladder = isinstance(children[1], Token) and children[1].type == "LADDER"
        amount = children[2] if ladder else children[1]
        fields = {p.field: p.value for p in children if isinstance(p, _Part)}
        return ir.Fine(ladder=ladder, amount=amount, span=node_span(node), **fields)

    def of_profit(self, node: _Node, children: _Children) -> _Part:
        return _Part("of_profit", True)

    def plus_amount(self, node: _Node, children: _Children) -> _Part:
        return _Part("plus", children[1])

    def fine_floor(self, node: _Node, children: _Children) -> _Part:
        return _Part("floor", children[1])

    def fine_cap(self, node: _Node, children: _Children) -> _Part:
        return _Part("cap", children[1])

    def recipient(self, node: _Node, children: _Children) -> _Part:
        return _Part("recipient", str(children[1]))

    def grant(self, node: _Node, children: _Children) -> ir.Grant:
        # "grant" expr "from" "treasury"
        return ir.Grant(amount=children[1], span=node_span(node))

    def cap(self, node: _Node, children: _Children) -> ir.ActionBound:
        # "cap" "action" "at" expr
        return ir.ActionBound(bound="cap", value=children[3], span=node_span(node))

    def floor(self, node: _Node, children: _Children) -> ir.ActionBound:
        return ir.ActionBound(bound="floor", value=children[3], span=node_span(node))

    def suspend(self, node: _Node, children: _Children) -> ir.Suspend:
        return ir.Suspend(span=node_span(node))

    def exclude(self, node: _Node, children: _Children) -> ir.Exclude:
        return ir.Exclude(span=node_span(node))

    # -------------------------------------------------------------------------- expressions
    def chain(self, node: _Node, children: _Children) -> ir.Expr:
        expression: ir.Expr = build(children, node.children)
        return expression

    def atom(self, node: _Node, children: _Children) -> ir.Expr:
        # "(" expr ")": the value is the inner expression (its span excludes the parentheses)
        inner: ir.Expr = children[1]
        return inner

    def if_expr(self, node: _Node, children: _Children) -> ir.IfThenElse:
        # "if" expr "then" expr "else" expr
        return ir.IfThenElse(
            condition=children[1], then=children[3], otherwise=children[5], span=node_span(node)
        )

    def number(self, node: _Node, children: _Children) -> ir.Number:
        token = children[0]
        text = str(token)
        return ir.Number(value=float(text), is_int=text.isdigit(), span=token_span(token))

    def true(self, node: _Node, children: _Children) -> ir.Boolean:
        return ir.Boolean(value=True, span=token_span(children[0]))

    def false(self, node: _Node, children: _Children) -> ir.Boolean:
        return ir.Boolean(value=False, span=token_span(children[0]))

    def name_ref(self, node: _Node, children: _Children) -> ir.NameRef:
        # NAME ("." NAME)*
        if len(children) == 1:
            token = children[0]
            return ir.NameRef(name=str(token), span=token_span(token))
        name = "".join(str(part) for part in children)
        return ir.NameRef(name=name, span=joined(token_span(children[0]), token_span(children[-1])))

    def call(self, node: _Node, children: _Children) -> ir.Call:
        # NAME "(" call_args ")"
        args, over = children[2]
        span = joined(token_span(children[0]), token_span(children[3]))
        return ir.Call(function=str(children[0]), args=tuple(args), over=over, span=span)

    def call_args(self, node: _Node, children: _Children) -> tuple[list[Any], str | None]:
        # expr ("," expr)* over_clause?
        over = children[-1] if isinstance(children[-1], str) else None
        args = [c for c in children if not isinstance(c, (Token, str))]
        return args, over

    def over_clause(self, node: _Node, children: _Children) -> str:
        # "over" NAME
        return str(children[1])

    def list_lit(self, node: _Node, children: _Children) -> ir.ListLit:
        # "[" [expr ("," expr)*] "]"
        items = tuple(c for c in children if c is not None and not isinstance(c, Token))
        return ir.ListLit(items=items, span=node_span(node))
