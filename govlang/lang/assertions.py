"""What an assertion is about: its scope, its conditions, and the names with a meaning there.

An assertion is about the instances of one scope: the one it names (``assert A per agent:``),
else the scope of the states it names, else the only scope. The checker
(:mod:`govlang.lang.check.asserts`), the analyser and the manifest read these rules from here.
"""

from __future__ import annotations

from collections.abc import Iterator

from govlang.lang import ir
from govlang.lang.ir import names

CLEAN = "clean"
"""The name that, in an assertion, means "this round had no evidence"."""
ENTERED = "entered"
"""The function that, in an assertion, means "the instance entered this state this round"."""


def conditions(decl: ir.AssertDecl) -> Iterator[tuple[str, ir.Expr]]:
    """The bool conditions of an assertion, each with the word that introduces it."""
    yield decl.form if decl.form != "leads_to" else "the trigger", decl.condition
    for word, expr in (("unless", decl.unless), ("leads to", decl.target)):
        if expr is not None:
            yield word, expr
    if decl.during is not None:
        yield "while", decl.during


def assert_names(institution: ir.Institution) -> set[str]:
    """Every name the assertions read (so a monitor read only by an assertion is used)."""
    found: set[str] = set()
    for decl in institution.asserts:
        exprs = [expr for _, expr in conditions(decl)]
        exprs += [decl.within] if decl.within is not None else []
        found.update(ref.name for expr in exprs for ref in names(expr))
    return found


def scope_of(institution: ir.Institution, decl: ir.AssertDecl) -> ir.ScopeDecl | None:
    """The scope an assertion is about, or ``None`` when it is unclear (see the module doc)."""
    scopes = {scope.kind: scope for scope in institution.scopes}
    if decl.scope is not None:
        return scopes.get(decl.scope)
    named = {scope.kind for scope in institution.scopes for name in state_names(decl, scope)}
    if len(named) == 1:
        return scopes[named.pop()]
    if not named and len(scopes) == 1:
        return next(iter(scopes.values()))
    return None


def state_names(decl: ir.AssertDecl, scope: ir.ScopeDecl) -> set[str]:
    """The states of ``scope`` an assertion's conditions name."""
    states = {state.name for state in scope.states}
    return {ref.name for _, e in conditions(decl) for ref in names(e) if ref.name in states}
