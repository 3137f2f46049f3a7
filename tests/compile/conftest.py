"""Fixtures of the compiler tests: the reference institution and inline institutions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.frontend import parse_text
from govlang.lang.params import ParamValue

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "cournot_reference.gov"

CompileText = Callable[..., CompiledInstitution]


def compile_source(
    text: str, params: Mapping[str, ParamValue] | None = None
) -> CompiledInstitution:
    document = parse_text(text, "test.gov")
    assert document.institution is not None, document.diagnostics
    assert not document.diagnostics, document.diagnostics
    return compile_institution(document.institution, params, text.encode("utf-8"))


@pytest.fixture
def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


@pytest.fixture
def reference(reference_text: str) -> CompiledInstitution:
    return compile_source(reference_text)


@pytest.fixture
def compile_text() -> CompileText:
    return compile_source
