"""The name index behind navigation and hover, on every valid `.gov` file of the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.lang.builtins import BUILTINS
from govlang.lsp.analysis import analyse_text
from govlang.lsp.hover import hover_text
from govlang.lsp.positions import Lines
from tests.test_repository_gov_files import ROOT, VALID


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_name_resolves_and_spans_its_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    analysis = analyse_text(text, path.name)
    index = analysis.index
    assert index is not None
    assert index.symbols, path
    for occurrence in index.occurrences:
        kind, _, rest = occurrence.key.partition(":")
        name = rest.rpartition(":")[2]
        span = occurrence.span
        assert text[span.start : span.end] == name, occurrence
        if kind in ("name", "state", "rule", "assert"):
            assert index.definitions(occurrence.key), occurrence
        elif kind == "function":
            assert name in BUILTINS
        else:
            assert kind == "builtin", occurrence
        assert index.at(span.start) == occurrence
        assert index.at(span.end) == occurrence
        assert hover_text(analysis, span.start) is not None, occurrence


def test_a_state_and_a_param_of_the_same_name_are_kept_apart() -> None:
    text = """institution T
observe quantity: number[agent]
param fined: float = 1
monitor hot: bool[agent] = quantity > fined
per agent {
  initial state ok
  state fined
  rule R { ok -> fined when hot }
}
assert A: reachable fined
"""
    analysis = analyse_text(text, "t.gov")
    assert analysis.index is not None
    uses = {o.key: [] for o in analysis.index.occurrences}
    for o in analysis.index.occurrences:
        uses[o.key].append(text[: o.span.start].count("\n") + 1)
    assert uses["name:fined"] == [3, 4]
    assert uses["state:agent:fined"] == [7, 8, 10]


def test_lines_convert_offsets_both_ways_in_every_encoding() -> None:
    text = "a😀b\r\nçd\re\n"
    for encoding, width in (("utf-16", 2), ("utf-8", 4), ("utf-32", 1)):
        lines = Lines(text, encoding)
        assert lines.position(0) == (0, 0)
        assert lines.position(2) == (0, 1 + width)
        assert lines.offset(0, 1 + width) == 2
        assert lines.position(5) == (1, 0)  # after \r\n
        assert lines.offset(1, 0) == 5
        assert lines.position(8) == (2, 0)  # after a lone \r
        assert lines.offset(2, 99) == 9  # past the end of a line: its end
        assert lines.offset(99, 0) == len(text)
        assert lines.position(4) == (0, 2 + width)  # on the \n of \r\n: the line's end
