"""The shared state of one check: names, dimensions, constants and the types of monitors.

:func:`build_context` runs the name and type passes over declarations (params, observables,
monitors) and returns a :class:`Context` that the scope, sanction and environment passes use.
"""

from __future__ import annotations

from dataclasses import dataclass

from govlang.lang import ir
from govlang.lang.check.constants import Constants
from govlang.lang.check.infer import Typer
from govlang.lang.check.names import Declaration, monitor_order, namespace
from govlang.lang.check.sink import Reporter
from govlang.lang.check.types import DimOrder, ValueType, builtin_types, param_type
from govlang.lang.dims import dimension_order
from govlang.lang.params import ParamValue


@dataclass
class Context:
    """Everything the later passes need to know about an institution."""

    institution: ir.Institution
    reporter: Reporter
    dims: DimOrder
    table: dict[str, Declaration]
    typer: Typer
    constants: Constants

    @property
    def monitor_types(self) -> dict[str, ValueType]:
        """The type of every monitor whose type could be established."""
        return {
            name: self.typer.types[name]
            for name, decl in self.table.items()
            if decl.kind == "monitor" and name in self.typer.types
        }


def build_context(
    institution: ir.Institution, reporter: Reporter, values: dict[str, ParamValue]
) -> Context:
    """Check declarations and infer the type of every monitor."""
    dims = DimOrder(dimension_order(institution))
    table = namespace(institution, reporter)
    builtins = builtin_types(institution, dims)
    declared = {name: "built-in" for name in builtins}
    declared.update((name, decl.kind) for name, decl in table.items())
    types = dict(builtins)
    constants = Constants(institution, values, declared, reporter)
    typer = Typer(reporter, dims, types, declared, constants)
    context = Context(institution, reporter, dims, table, typer, constants)
    _declare(context)
    order, cyclic = monitor_order(institution, table, reporter)
    for monitor in order:
        _monitor(context, monitor, monitor.name in cyclic)
    for monitor in institution.monitors:
        if not _is_first(table, monitor.name, monitor):  # a duplicate: check it all the same
            typer.infer(monitor.expr)
    return context


def _is_first(table: dict[str, Declaration], name: str, node: object) -> bool:
    """Whether ``node`` is the declaration that owns ``name`` (not a duplicate)."""
    first = table.get(name)
    return first is not None and first.node is node


def _declare(context: Context) -> None:
    """Record the types of params and observables (first declarations only)."""
    for name, decl in context.table.items():
        node = decl.node
        if isinstance(node, ir.ParamDecl):
            context.typer.types[name] = param_type(node)
        elif isinstance(node, ir.ObserveDecl):
            typed = context.typer.declared_type(node.type)
            if typed is not None:
                context.typer.types[name] = typed
    for observe in context.institution.observes:
        if not _is_first(context.table, observe.name, observe):
            context.typer.declared_type(observe.type)


def _monitor(context: Context, monitor: ir.MonitorDecl, cyclic: bool) -> None:
    """Infer one monitor's type, compare it with the declared one (GL209) and record it."""
    typer = context.typer
    declared = typer.declared_type(monitor.type) if monitor.type is not None else None
    inferred = typer.infer(monitor.expr)
    if inferred is not None and inferred.base == "list":
        context.reporter.emit(
            "GL201",
            f"monitor `{monitor.name}` is a list; a monitor must be a number or a bool",
            monitor.expr.span,
            "a list can only be a param's value or a fine ladder",
        )
        inferred = None
    if declared is not None and inferred is not None and declared != inferred and not cyclic:
        assert monitor.type is not None
        context.reporter.emit(
            "GL209",
            f"monitor `{monitor.name}` is declared {declared}, but its expression is {inferred}",
            monitor.type.span,
            f"declare it as `{inferred}`, or change the expression",
        )
    typed = declared or (None if cyclic else inferred)
    if typed is not None:
        typer.types[monitor.name] = typed
