"""Stage 5: the analyser. What an institution can and cannot do, proved or shown by example.

:func:`analyse` takes a parsed document (it is checked first; an institution with errors is not
analysed) or a compiled institution, and returns an :class:`AnalysisReport`:

- structural findings on the governance graph and its guards (:mod:`.structure`);
- for each scope, a bounded model check of its abstract transition system (:mod:`.atoms`,
  :mod:`.model`, :mod:`.bmc`): the built-in properties P1-P4 (:mod:`.properties`) and the
  institution's assertions (:mod:`.assertions`), each proved (the state space was exhausted),
  holding up to the bound, or violated with a counterexample (:mod:`.trace`) that
  :mod:`.replay` runs through the controller.

``specs/analysis.md`` is the normative description; the codes are in :mod:`.codes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from govlang.analyse.atoms import Abstraction
from govlang.analyse.behaviour import ScopeSummary, analyse_scope
from govlang.analyse.findings import Findings
from govlang.analyse.intervals import Ranges
from govlang.analyse.properties import PropertyResult
from govlang.analyse.report import AnalysisReport
from govlang.analyse.structure import Structure
from govlang.analyse.trace import Trace
from govlang.lang.check import check
from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.diagnostics import Diagnostic
from govlang.lang.frontend import Document
from govlang.lang.params import ParamValue
from govlang.lang.schema import EnvironmentSchema

if TYPE_CHECKING:  # the markets are imported only for a deterrence analysis
    from govlang.deterrence.market import Market

__all__ = ["DEFAULT_BOUND", "AnalysisReport", "PropertyResult", "ScopeSummary", "Trace", "analyse"]

DEFAULT_BOUND = 200
"""Rounds the model checker explores at most, unless told otherwise."""


def analyse(
    target: CompiledInstitution | Document,
    bound: int = DEFAULT_BOUND,
    params: Mapping[str, ParamValue] | None = None,
    schema: EnvironmentSchema | None = None,
    deterrence: Market | None = None,
) -> AnalysisReport:
    """Analyse a document (checked, then compiled with ``params``) or a compiled institution.

    A document is checked first (against ``schema`` when given, else against the schema of the
    ``deterrence`` market when given); one with errors gives a report holding only its
    diagnostics. The checker's warnings and notes are kept in the report (unused params and
    monitors among them). With a ``deterrence`` market
    (:func:`govlang.deterrence.market_from_cli`), every collusive pattern the institution
    cannot deter there is a GL617 warning.
    """
    if isinstance(target, CompiledInstitution):
        return _analyse(target, bound, [], None, deterrence)
    if schema is None and deterrence is not None:
        schema = deterrence.schema()
    diagnostics = check(target, schema, params)
    institution = target.institution
    if institution is None or any(d.is_error for d in diagnostics):
        name = institution.name if institution is not None else target.source.name
        return AnalysisReport(name, None, bound, diagnostics, target.source)
    data = target.source.text.encode("utf-8")
    compiled = compile_institution(institution, params, data)
    return _analyse(compiled, bound, diagnostics, target, deterrence)


def _analyse(
    compiled: CompiledInstitution,
    bound: int,
    diagnostics: list[Diagnostic],
    document: Document | None,
    deterrence: Market | None = None,
) -> AnalysisReport:
    source = None if document is None else document.source
    findings = Findings(source.name if source is not None else "<input>", source)
    institution, values = compiled.institution, compiled.params
    report = AnalysisReport(institution.name, compiled.digest, bound, diagnostics, source)
    for scope in institution.scopes:
        ranges = Abstraction(institution, values, scope, Ranges(institution, values, "ranges"))
        current = Abstraction(institution, values, scope, Ranges(institution, values, "values"))
        structure = Structure(compiled, scope, findings, ranges, current)
        structure.run()
        summary, results = analyse_scope(compiled, structure, current, bound, findings)
        report.scopes.append(summary)
        report.properties.extend(results)
    if deterrence is not None:
        from govlang.analyse.deterrence import deterrence_findings

        deterrence_findings(compiled, deterrence, findings)
    report.diagnostics = [*diagnostics, *findings.diagnostics]
    return report
