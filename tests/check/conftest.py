"""Helpers for the checker's tests: small institutions built around a fragment."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from govlang.lang.check import check, infer_types
from govlang.lang.diagnostics import Diagnostic
from govlang.lang.frontend import parse_text
from govlang.lang.params import ParamValue
from govlang.lang.schema import EnvironmentSchema

HEADER = """institution T
observe quantity: number[agent, commodity]
observe price: number[commodity]
observe profit: number[agent]
observe nash.hhi: number[commodity]
action: number[commodity] in [0, 100]
"""

SCOPE = """per agent {
  initial state active
  state warning
  rule R { active -> warning when round > 0 }
  restore S { warning -> active after 3 rounds }
}
"""

Check = Callable[..., list[Diagnostic]]


def run(
    text: str,
    schema: EnvironmentSchema | None = None,
    params: Mapping[str, ParamValue] | None = None,
) -> list[Diagnostic]:
    """Check a whole institution given as text."""
    return check(parse_text(text, "t.gov"), schema, params)


@pytest.fixture
def diagnostics() -> Check:
    """Check ``HEADER + declarations + scope`` (the scope defaults to a trivial valid one)."""

    def checked(declarations: str = "", scope: str = SCOPE, **kwargs: object) -> list[Diagnostic]:
        return run(HEADER + declarations + "\n" + scope, **kwargs)  # type: ignore[arg-type]

    return checked


@pytest.fixture
def codes(diagnostics: Check) -> Callable[..., list[str]]:
    """The codes reported for a fragment, unused-name warnings left out."""

    def reported(declarations: str = "", scope: str = SCOPE, **kwargs: object) -> list[str]:
        found = diagnostics(declarations, scope, **kwargs)
        return [d.code for d in found if d.code not in ("GL109", "GL110")]

    return reported


@pytest.fixture
def type_of() -> Callable[[str], str | None]:
    """The inferred type of ``monitor m = EXPR`` (``None`` when it is ill-typed)."""

    def inferred(expr: str, declarations: str = "") -> str | None:
        document = parse_text(HEADER + declarations + f"\nmonitor m = {expr}\n" + SCOPE)
        assert document.institution is not None, document.diagnostics
        found = infer_types(document.institution).get("m")
        return None if found is None else str(found)

    return inferred
