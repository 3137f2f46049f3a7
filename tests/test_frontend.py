"""The front end turns every failure while building the IR into a diagnostic."""

from __future__ import annotations

from typing import Any

import pytest

from govlang.lang import ir
from govlang.lang.frontend import parse_text
from govlang.lang.transform import ToIR


def test_a_value_the_ir_rejects_is_a_diagnostic_at_its_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def rejecting_number(self: ToIR, node: Any, children: list[Any]) -> ir.Number:
        return ir.Number(value="not a number", span=ir.NO_SPAN)  # type: ignore[arg-type]

    monkeypatch.setattr(ToIR, "number", rejecting_number)
    text = "institution X\nmonitor m = a + 12\n"
    document = parse_text(text, "x.gov")
    assert document.institution is None
    (diagnostic,) = document.diagnostics
    assert diagnostic.code == "GL001"
    assert diagnostic.message.startswith("invalid construct: ")
    assert text[diagnostic.span.start : diagnostic.span.end] == "12"
