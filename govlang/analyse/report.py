"""The analysis report: diagnostics, the verdict on every property, and their traces.

:class:`AnalysisReport` is what :func:`govlang.analyse.analyse` returns. ``diagnostics`` are
rendered like the checker's (``govlang analyse`` prints them on standard error); :meth:`text`
is the summary printed on standard output: per scope, the size of the abstraction and of the
explored state space, one line per property, then every counterexample round by round.
:meth:`to_json` is the ``--format json`` document and :meth:`traces_json` the
``--counterexample FILE`` one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govlang.analyse.behaviour import ScopeSummary
from govlang.analyse.properties import PropertyResult
from govlang.analyse.trace import Trace
from govlang.lang.diagnostics import Diagnostic, Source, sort_key

REPORT_FORMAT = "govlang.analysis"
TRACES_FORMAT = "govlang.traces"
_SCOPE_WORDS = {"agent": "per agent", "market": "market"}
_SHOWN = {
    "proved": "proved",
    "bounded": "holds up to the bound",
    "violated": "VIOLATED",
    "reachable": "reachable",
    "unreachable": "UNREACHABLE",
    "not applicable": "not applicable",
}


@dataclass
class AnalysisReport:
    """Everything ``govlang analyse`` found about one institution."""

    institution: str
    digest: str | None
    bound: int
    diagnostics: list[Diagnostic]
    source: Source | None = None
    scopes: list[ScopeSummary] = field(default_factory=list)
    properties: list[PropertyResult] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """How many diagnostics are errors (``govlang analyse`` exits 1 when any)."""
        return sum(d.is_error for d in self.diagnostics)

    @property
    def traces(self) -> list[Trace]:
        """The counterexamples and witnesses of every property, in report order."""
        return [p.trace for p in self.properties if p.trace is not None]

    def result(self, scope: str, property_id: str) -> PropertyResult:
        """The verdict on one property of one scope (``KeyError`` if there is none)."""
        for result in self.properties:
            if result.scope == scope and result.id == property_id:
                return result
        raise KeyError(f"no property {property_id} for the {scope} scope")

    def sorted_diagnostics(self) -> list[Diagnostic]:
        """The diagnostics by position."""
        return sorted(self.diagnostics, key=sort_key)

    def text(self) -> str:
        """The summary (see the module docstring)."""
        digest = f" ({self.digest.removeprefix('sha256:')[:12]})" if self.digest else ""
        lines = [f"analysis of {self.institution}{digest}, bound {self.bound} rounds"]
        for scope in self.scopes:
            lines.extend(_scope_lines(scope))
            for result in (p for p in self.properties if p.scope == scope.kind):
                shown = _SHOWN[result.status]
                lines.append(f"  {result.id:<4} {result.title}: {shown}: {result.detail}")
        traces = [
            p.trace for p in self.properties if p.trace is not None and p.status == "violated"
        ]
        for trace in traces:
            lines += ["", trace.render()]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The ``--format json`` document."""
        return {
            "format": REPORT_FORMAT,
            "institution": self.institution,
            "digest": self.digest,
            "bound": self.bound,
            "diagnostics": [d.to_json() for d in self.sorted_diagnostics()],
            "errors": self.errors,
            "warnings": sum(d.severity == "warning" for d in self.diagnostics),
            "scopes": [s.to_json() for s in self.scopes],
            "properties": [_property_json(p) for p in self.properties],
        }

    def traces_json(self) -> dict[str, Any]:
        """The ``--counterexample FILE`` document: every trace with its institution."""
        return {
            "format": TRACES_FORMAT,
            "institution": self.institution,
            "digest": self.digest,
            "traces": [t.to_json() for t in self.traces],
        }


def _scope_lines(scope: ScopeSummary) -> list[str]:
    title = f"scope {_SCOPE_WORDS[scope.kind]}"
    if scope.skipped is not None:
        return [f"{title}: behaviour not analysed ({scope.skipped})"]
    explored = "state space exhausted" if scope.exhausted else "NOT exhausted"
    lines = [
        f"{title}: {len(scope.atoms)} atoms, {len(scope.trackers)} trackers, "
        f"{scope.configurations} configurations within {scope.rounds} rounds ({explored})"
    ]
    lines += [f"  assumption: {text}" for text in scope.assumptions]
    return lines


def _property_json(result: PropertyResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "title": result.title,
        "scope": result.scope,
        "status": result.status,
        "detail": result.detail,
        "rounds": result.rounds,
        "trace": None if result.trace is None else result.trace.to_json(),
    }
