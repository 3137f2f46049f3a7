"""Stage 3: the checker. Every semantic problem of a document, all at once, as diagnostics.

:func:`check` runs the passes in order (params, names and types of declarations, scopes and
edges, sanctions, assertions, usage, and the environment when a schema is given) and returns the
document's syntax diagnostics together with every semantic one, sorted by position. The
catalogue of codes is :data:`govlang.lang.codes.CODES`, documented in
``specs/diagnostics.md``.

:func:`infer_types`, :class:`ValueType`, :func:`dimension_order` and :func:`normalise_dim` are
the type system the runtime evaluates monitors with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from govlang.lang import ir
from govlang.lang.assertions import assert_names
from govlang.lang.check.asserts import check_asserts
from govlang.lang.check.context import build_context
from govlang.lang.check.environment import check_environment
from govlang.lang.check.graph import check_scopes
from govlang.lang.check.names import report_unused
from govlang.lang.check.sanctions import SanctionChecker
from govlang.lang.check.sink import Reporter
from govlang.lang.check.types import ValueType
from govlang.lang.diagnostics import Diagnostic, sort_key
from govlang.lang.dims import dimension_order, normalise_dim
from govlang.lang.frontend import Document, collector_paused
from govlang.lang.params import ParamValue, resolve_params

if TYPE_CHECKING:
    from govlang.lang.schema import EnvironmentSchema

__all__ = ["ValueType", "check", "dimension_order", "infer_types", "normalise_dim"]


def check(
    document: Document,
    schema: EnvironmentSchema | None = None,
    params: Mapping[str, ParamValue] | None = None,
) -> list[Diagnostic]:
    """All diagnostics of ``document``: its syntax problems and every semantic one.

    ``schema``, when given, is the environment the institution will govern; ``params`` are
    overrides of param defaults. The result is sorted by position.
    """
    diagnostics = list(document.diagnostics)
    if document.institution is not None:
        reporter = Reporter(document.source.name, document.source)
        with collector_paused():  # as for parsing: many small objects, few cycles
            _check_institution(document.institution, reporter, schema, params)
        diagnostics.extend(reporter.diagnostics)
    return sorted(diagnostics, key=sort_key)


def _check_institution(
    institution: ir.Institution,
    reporter: Reporter,
    schema: EnvironmentSchema | None,
    params: Mapping[str, ParamValue] | None,
) -> None:
    if _numbers_too_large(institution, reporter):
        return  # every later pass would compute with infinities
    values, problems = resolve_params(institution, params, reporter.file)
    reporter.diagnostics.extend(problems)
    context = build_context(institution, reporter, values)
    sanctions = SanctionChecker(context)
    check_scopes(context)
    sanctions.run()
    check_asserts(context)
    read_by_asserts = assert_names(institution)
    table = {k: v for k, v in context.table.items() if k not in read_by_asserts}
    report_unused(institution, table, reporter)
    if schema is not None:
        check_environment(context, schema, sanctions.space)


def _numbers_too_large(institution: ir.Institution, reporter: Reporter) -> bool:
    """Report GL008 at every literal beyond the largest float; whether there was one."""
    found = False
    stack: list[object] = [institution]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Number):
            if not math.isfinite(node.value):
                text = reporter.text(node.span) or "the number"
                shown = text if len(text) <= 24 else f"{text[:12]}... ({len(text)} characters)"
                reporter.emit(
                    "GL008",
                    f"the number `{shown}` is too large: numbers are at most about 1.8e308",
                    node.span,
                    "write a smaller number",
                )
                found = True
        elif isinstance(node, ir.Node):
            for name in node.node_fields:
                value = getattr(node, name)
                if type(value) is tuple:
                    stack.extend(value)
                elif value is not None:
                    stack.append(value)
    return found


def infer_types(institution: ir.Institution) -> dict[str, ValueType]:
    """The type of every monitor (name -> type), with params at their defaults.

    Monitors whose type cannot be established (an ill-typed expression, a cycle) are left
    out; :func:`check` reports why.
    """
    values, _ = resolve_params(institution)
    return build_context(institution, Reporter(), values).monitor_types
