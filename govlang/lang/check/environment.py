"""Validation of an institution against an environment schema.

With a :class:`~govlang.lang.schema.EnvironmentSchema`, every ``observe`` declaration must name an
observable (or benchmark) the environment reports, with the same base type and dimensions;
every dimension must be one the environment has; and a declared action space must be the
environment's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govlang.lang import ir
from govlang.lang.check.constants import show_value
from govlang.lang.check.context import Context
from govlang.lang.check.sanctions import ActionSpace
from govlang.lang.check.sink import Reporter
from govlang.lang.check.talk import without_channel
from govlang.lang.diagnostics import did_you_mean
from govlang.lang.dims import AGENT

if TYPE_CHECKING:
    from govlang.lang.schema import EnvironmentSchema

_LISTED_MAX = 12
"""The most names a hint lists before shortening the list."""


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED_MAX])
    return shown + (f", ... ({len(names)} in all)" if len(names) > _LISTED_MAX else "")


def _schema_type(base: str, dims: tuple[str, ...]) -> str:
    return f"{base}[{', '.join(dims)}]" if dims else base


def check_environment(
    context: Context, schema: EnvironmentSchema, space: ActionSpace | None
) -> None:
    """Report every mismatch between the institution's declarations and ``schema``."""
    known_dims = {AGENT, *schema.dimensions}
    for observe in context.institution.observes:
        if without_channel(context.reporter, observe, schema):
            continue
        if _dims_known(context.reporter, observe.type, known_dims, schema):
            _observable(context.reporter, observe, schema)
    action = context.institution.action
    if action is not None and _dims_known(context.reporter, action.type, known_dims, schema):
        _action(context.reporter, action, schema, space)


def _dims_known(
    reporter: Reporter, type_expr: ir.TypeExpr, known: set[str], schema: EnvironmentSchema
) -> bool:
    """GL410 for each dimension of ``type_expr`` the environment lacks."""
    ok = True
    for dim in type_expr.dims:
        if dim in known:
            continue
        ok = False
        reporter.emit(
            "GL410",
            f"the environment `{schema.name}` has no dimension `{dim}`",
            type_expr.dim_span(dim),
            did_you_mean(dim, known) or f"its dimensions are: {', '.join(sorted(known))}",
        )
    return ok


def _observable(reporter: Reporter, observe: ir.ObserveDecl, schema: EnvironmentSchema) -> None:
    spec = schema.lookup(observe.name)
    what = "benchmark" if "." in observe.name else "observable"
    if spec is None:
        names = schema.names()
        declared = f"`{schema.name}` declares: {_listing(names)}" if names else "it declares none"
        hint = did_you_mean(observe.name, names)
        reporter.emit(
            "GL407",
            f"the environment `{schema.name}` has no {what} `{observe.name}`",
            ir.name_or_node(observe.name_span, observe),
            f"{hint} {declared}" if hint else declared,
        )
        return
    if spec.type != observe.type.base or set(spec.dims) != set(observe.type.dims):
        actual = _schema_type(spec.type, spec.dims)
        reporter.emit(
            "GL408",
            f"`{observe.name}` is {actual} in the environment `{schema.name}`, but is declared "
            f"{_schema_type(observe.type.base, observe.type.dims)}",
            observe.type.span,
            f"declare it as `{actual}`",
        )


def _action(
    reporter: Reporter,
    action: ir.ActionDecl,
    schema: EnvironmentSchema,
    space: ActionSpace | None,
) -> None:
    expected = schema.action
    if expected is None:
        reporter.emit(
            "GL409",
            f"the environment `{schema.name}` declares no action space",
            action.span,
            "remove the `action:` declaration, or use an environment whose actions are bounded",
        )
        return
    wanted = f"number{_dims(expected.dims)} in {_bounds(expected.low, expected.high)}"
    dims_differ = set(expected.dims) != {d for d in action.type.dims if d != AGENT}
    outside = space is not None and not (
        _within(space.low, expected.low, expected.high)
        and _within(space.high, expected.low, expected.high)
    )
    if dims_differ or outside:
        reporter.emit(
            "GL409",
            f"the action space is not inside the environment's: `{schema.name}` acts in `{wanted}`",
            action.span,
            f"declare `action: {wanted}` or a narrower box inside it",
        )


def _within(declared: float | None, low: float, high: float) -> bool:
    """Whether a declared bound lies inside the environment's ``[low, high]``.

    A narrower declared space is fine: every constraint checked inside it is inside the
    environment's too. An unknown declared bound (an error reported elsewhere) passes.
    """
    return declared is None or low <= declared <= high


def _dims(dims: tuple[str, ...]) -> str:
    return f"[{', '.join(dims)}]" if dims else ""


def _bounds(low: float, high: float) -> str:
    return f"[{show_value(low)}, {show_value(high)}]"
