"""Shared helpers of the analyser's tests: build institutions, models and reports from text."""

from __future__ import annotations

from pathlib import Path

import govlang.api as api
from govlang.analyse import AnalysisReport, analyse
from govlang.analyse.atoms import Abstraction
from govlang.analyse.intervals import Ranges
from govlang.analyse.model import ScopeModel
from govlang.lang.compile import CompiledInstitution
from govlang.lang.frontend import parse_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.gov"))
FLAWED = Path(__file__).resolve().parent / "flawed"

HEAD = """institution T
action: number in [0, 100]
monitor high: bool[agent] = action > 50
monitor rich: bool[agent] = reward > 1000
monitor calm: bool = mean(reward over agents) < 100
"""


def per_agent(body: str, evidence: str = "high", extra: str = "", tail: str = "") -> str:
    """An institution with the usual monitors and one ``per agent`` scope around ``body``."""
    return f"{HEAD}{extra}per agent {{\n  evidence {evidence}\n{body}\n}}\n{tail}"


def report_of(text: str, bound: int = 200) -> AnalysisReport:
    """Analyse institution source text."""
    return analyse(parse_text(text, "t.gov"), bound)


def codes(report: AnalysisReport) -> list[str]:
    """The codes of the analyser's findings (GL6xx), by position."""
    return [d.code for d in report.sorted_diagnostics() if d.code.startswith("GL6")]


def model_of(compiled: CompiledInstitution, kind: str = "agent") -> ScopeModel:
    """The abstract transition system of one scope, as the analyser builds it."""
    institution, values = compiled.institution, compiled.params
    scope = next(s for s in institution.scopes if s.kind == kind)
    ranges = Ranges(institution, values, "values")
    return ScopeModel(compiled, kind, Abstraction(institution, values, scope, ranges))


def compile_text(text: str) -> CompiledInstitution:
    """Check and compile institution source text."""
    return api.loads(text)
