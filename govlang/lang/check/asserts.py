"""Assertions: the properties ``govlang analyse`` checks, checked like every other declaration.

An assertion is about the instances of one scope: the one it names (``assert A per agent:``),
else the scope of the states it names, else the only scope. Inside its conditions a name is a
state of that scope (true while an instance is in it), ``entered(S)`` (true in the round an
instance enters ``S``), ``clean`` (the round had no evidence), or a param, monitor, observable
or built-in. Each condition must be one bool per instance; ``within N rounds`` takes a count.

Codes: GL501 undefined name, GL502 ``entered`` without a state, GL503 the scope is unclear,
GL504 a name that is both a state and a declaration, GL505 a condition that is not a single
bool, GL506 a repeated assertion id; GL210 for the count and GL308 for ``clean`` without
``evidence``, as for edges.
"""

from __future__ import annotations

from collections.abc import Callable

from govlang.lang import ir
from govlang.lang.assertions import CLEAN, ENTERED, conditions, scope_of, state_names
from govlang.lang.check.context import Context
from govlang.lang.check.types import BUILTIN_NAMES
from govlang.lang.diagnostics import did_you_mean

_SCOPE_WORDS = {"agent": "per agent", "market": "market"}


def check_asserts(context: Context) -> None:
    """Check every assertion of the institution."""
    seen: dict[str, ir.AssertDecl] = {}
    for decl in context.institution.asserts:
        checker = AssertChecker(context, decl)
        if decl.id in seen:
            context.reporter.emit(
                "GL506",
                f"assertion id `{decl.id}` is already used",
                checker.id_span(),
                f"assertion ids are unique; the first is on "
                f"{context.reporter.line_of(seen[decl.id].span)}",
            )
        seen.setdefault(decl.id, decl)
        checker.run()


class AssertChecker:
    """The checks of one assertion."""

    def __init__(self, context: Context, decl: ir.AssertDecl) -> None:
        self.context = context
        self.reporter = context.reporter
        self.decl = decl
        self.scope = scope_of(context.institution, decl)

    def id_span(self) -> ir.Span:
        """The span of the assertion's id."""
        return ir.name_or_node(self.decl.name_span, self.decl)

    def run(self) -> None:
        """Check the scope, every condition and the count."""
        if self.scope is None:
            self._unclear_scope()
            return
        for word, expr in conditions(self.decl):
            self._condition(expr, word)
        if self.decl.within is not None and self.context.typer.infer(self.decl.within):
            what = "the count of `within N rounds`"
            self.context.constants.integer(self.decl.within, what, "GL210", 0)

    def _unclear_scope(self) -> None:
        institution = self.context.institution
        if self.decl.scope is not None:
            word = _SCOPE_WORDS[self.decl.scope]
            message = (
                f"assertion `{self.decl.id}` is about the `{word}` scope, which is not declared"
            )
            hint = "name a declared scope, or leave the scope out"
        elif not institution.scopes:
            message = f"assertion `{self.decl.id}` has no scope to be about"
            hint = "declare a `per agent { ... }` or `market { ... }` block"
        else:
            message = f"assertion `{self.decl.id}` could be about either scope"
            mixed = [s for s in institution.scopes if state_names(self.decl, s)]
            if len(mixed) > 1:
                message = f"assertion `{self.decl.id}` names states of both scopes"
            hint = f"say which: `assert {self.decl.id} per agent: ...` or `... market: ...`"
        self.reporter.emit("GL503", message, self.id_span(), hint)

    # --------------------------------------------------------------------- conditions
    def _condition(self, expr: ir.Expr, word: str) -> None:
        """Resolve names, then require one bool per instance (GL505)."""
        typed_expr = substitute(expr, self._resolve)
        typer = self.context.typer
        typed = typer.infer(typed_expr)
        if typed is None:
            return
        assert self.scope is not None
        what = f"the condition after `{word}`" if word != "the trigger" else "the trigger"
        scoped = typer.at_scope(typed, expr, self.scope.kind, what)
        if scoped is None:
            return
        if scoped.base != "bool" or scoped.dims:
            text = self.reporter.text(expr.span) or "..."
            hint = f"compare it with a threshold, e.g. `{text} > 0`"
            if scoped.base == "bool":
                hint = f"reduce it, e.g. `any({text} over {scoped.dims[0]})`"
            self.reporter.emit(
                "GL505",
                f"{what} must be a single bool, but {self.reporter.show(expr)} is {scoped}",
                expr.span,
                hint,
            )

    def _resolve(self, expr: ir.Expr) -> ir.Expr | None:
        """A stand-in for a state, ``entered(...)``, ``clean`` or an unknown name, else None."""
        if isinstance(expr, ir.Call) and expr.function == ENTERED:
            self._entered(expr)
            return ir.Boolean(value=True, span=expr.span)
        if not isinstance(expr, ir.NameRef):
            return None
        return None if self._known(expr) else ir.Boolean(value=True, span=expr.span)

    def _known(self, ref: ir.NameRef) -> bool:
        """Whether ``ref`` is a declared name the type checker should see (report the rest)."""
        assert self.scope is not None
        declared = ref.name in self.context.table or ref.name in BUILTIN_NAMES
        is_state = any(s.name == ref.name for s in self.scope.states)
        if is_state and declared:
            self.reporter.emit(
                "GL504",
                f"`{ref.name}` is both a state and a declared name",
                ref.span,
                "rename the state or the declaration: an assertion could mean either",
            )
        elif not is_state and not declared and ref.name == CLEAN:
            self._clean(ref)
        elif not is_state and not declared:
            self._undefined(ref)
        return declared and not is_state

    def _clean(self, ref: ir.NameRef) -> None:
        assert self.scope is not None
        if self.scope.evidence is None:
            self.reporter.emit(
                "GL308",
                "`clean` means a round without evidence, but this scope declares no `evidence`",
                ref.span,
                "declare the monitor that makes a round unclean: `evidence MONITOR`",
            )

    def _undefined(self, ref: ir.NameRef) -> None:
        assert self.scope is not None
        states = [s.name for s in self.scope.states]
        candidates = [*states, *self.context.table]
        hint = did_you_mean(ref.name, candidates) or f"the states are: {', '.join(states)}"
        other = [s for s in self.context.institution.scopes if s is not self.scope]
        if any(st.name == ref.name for s in other for st in s.states):
            hint = f"`{ref.name}` is a state of the other scope; an assertion is about one scope"
        self.reporter.emit("GL501", f"undefined name `{ref.name}` in an assertion", ref.span, hint)

    def _entered(self, call: ir.Call) -> None:
        assert self.scope is not None
        states = {s.name for s in self.scope.states}
        arg = call.args[0] if len(call.args) == 1 and call.over is None else None
        if isinstance(arg, ir.NameRef) and arg.name in states:
            return
        shown = ", ".join(sorted(states))
        self.reporter.emit(
            "GL502",
            "`entered(...)` takes one state of the assertion's scope",
            call.span,
            f"write e.g. `entered({min(states) if states else 'STATE'})`; the states are: {shown}",
        )


def substitute(expr: ir.Expr, replace: Callable[[ir.Expr], ir.Expr | None]) -> ir.Expr:
    """``expr`` with every node for which ``replace`` returns a node swapped for it."""
    replaced = replace(expr)
    if replaced is not None:
        return replaced
    updates: dict[str, object] = {}
    for field in ("operand", "left", "right", "condition", "then", "otherwise"):
        child = getattr(expr, field, None)
        if child is not None:
            updates[field] = substitute(child, replace)
    if isinstance(expr, ir.Call):
        updates["args"] = tuple(substitute(arg, replace) for arg in expr.args)
    if isinstance(expr, ir.ListLit):
        updates["items"] = tuple(substitute(item, replace) for item in expr.items)
    return expr.model_copy(update=updates) if updates else expr
