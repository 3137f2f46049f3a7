"""The one catalogue of diagnostic codes, and that every stage makes its diagnostics from it."""

from __future__ import annotations

import re
from pathlib import Path

from govlang.lang.codes import ANALYSIS_CODES, CHECK_CODES, CODES, diagnostic, severity, title
from govlang.lang.ir import NO_SPAN
from govlang.lang.sink import Sink

PACKAGE = Path(__file__).resolve().parent.parent / "govlang"
CONSTRUCTION = re.compile(r"(?<![\w.])Diagnostic\(")


def test_the_views_split_the_catalogue_by_range() -> None:
    assert set(CHECK_CODES).isdisjoint(ANALYSIS_CODES)
    assert {**CHECK_CODES, **ANALYSIS_CODES} == CODES
    assert all(code.startswith("GL6") for code in ANALYSIS_CODES)
    assert "GL617" in ANALYSIS_CODES and "GL001" in CHECK_CODES


def test_a_diagnostic_takes_its_severity_from_the_catalogue() -> None:
    made = diagnostic("GL109", "param `x` is never used", NO_SPAN, "remove it", "a.gov")
    assert (made.severity, made.hint, made.file) == ("warning", "remove it", "a.gov")
    assert severity("GL306") == "note" and title("GL306") == "terminal state"
    sink = Sink("b.gov")
    sink.emit("GL605", "no way back", NO_SPAN)
    assert [(d.code, d.severity, d.file) for d in sink.diagnostics] == [("GL605", "error", "b.gov")]


def test_no_stage_builds_a_diagnostic_outside_the_catalogue() -> None:
    direct = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name not in {"codes.py", "diagnostics.py"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CONSTRUCTION.search(line)
    ]
    assert direct == []
