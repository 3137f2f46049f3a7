"""Rendering files with the real Graphviz ``dot``, and clear errors when that cannot work."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from govlang.lang.compile import CompiledInstitution
from govlang.lang.render import RenderError, render, to_dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_render_with_graphviz(fmt: str, reference: CompiledInstitution, tmp_path: Path) -> None:
    output = tmp_path / f"reference.{fmt}"
    assert render(reference, output) == output
    data = output.read_bytes()
    assert len(data) > 1000
    if fmt in MAGIC:
        assert data.startswith(MAGIC[fmt])


@needs_dot
def test_svg_is_xml_and_mentions_every_state(
    reference: CompiledInstitution, tmp_path: Path
) -> None:
    output = render(reference, tmp_path / "reference.svg")
    root = ET.fromstring(output.read_bytes())
    assert root.tag.endswith("svg")
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    for state in reference.states("agent"):
        assert state.name in texts
        assert state.label is not None and state.label in texts
    assert "R3_credits" in texts and reference.short_digest in texts


def test_render_dot_writes_the_source(reference: CompiledInstitution, tmp_path: Path) -> None:
    output = render(reference, tmp_path / "nested" / "reference.dot")
    assert output.read_text(encoding="utf-8") == to_dot(reference)


@needs_dot
def test_explicit_format_wins_over_the_suffix(
    reference: CompiledInstitution, tmp_path: Path
) -> None:
    output = render(reference, tmp_path / "diagram.out", "SVG")
    ET.fromstring(output.read_bytes())


def test_missing_dot_is_a_clear_error(
    reference: CompiledInstitution, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RenderError) as caught:
        render(reference, tmp_path / "reference.svg")
    assert "`dot`" in str(caught.value)
    assert "apt-get install graphviz" in str(caught.value)
    assert not (tmp_path / "reference.svg").exists()
    assert render(reference, tmp_path / "still.dot").stat().st_size > 0  # no Graphviz needed


def test_unknown_format_is_refused(reference: CompiledInstitution, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="unknown diagram format `jpg`"):
        render(reference, tmp_path / "reference.jpg")
    with pytest.raises(RenderError, match="unknown diagram format"):
        render(reference, tmp_path / "no_suffix")


def test_unwritable_output_is_a_render_error(
    reference: CompiledInstitution, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(RenderError, match="cannot write"):
        render(reference, blocker / "reference.dot")
    with pytest.raises(RenderError, match="cannot write"):
        render(reference, tmp_path, "dot")  # an existing directory
