"""Every example institution survives the formatter: same IR, stable text, every comment."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.lang.fmt import format_document
from govlang.lang.frontend import parse_text

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.gov"))


def test_there_are_examples() -> None:
    assert any(path.name == "cournot_reference.gov" for path in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_round_trips(path: Path) -> None:
    doc = parse_text(path.read_text(encoding="utf-8"), str(path))
    assert not doc.diagnostics
    out = format_document(doc)
    again = parse_text(out)
    assert not again.diagnostics
    assert again.institution == doc.institution
    assert format_document(again) == out
    for comment in doc.comments:
        assert comment.text.rstrip() in out
    assert len(again.comments) == len(doc.comments)
