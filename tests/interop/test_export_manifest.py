"""``govlang import --export``: .gov -> manifest -> .gov gives back the same institution.

Every valid one-scope ``.gov`` file of the repository makes the round trip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.api import read_document
from govlang.cli import main
from govlang.interop.from_gov import manifest_text, to_manifest
from govlang.interop.source import parse_manifest
from govlang.interop.to_gov import import_source

ROOT = Path(__file__).resolve().parents[2]
ALL_GOV = sorted(
    p for p in ROOT.rglob("*.gov") if not {".git", "invalid", "site-packages"} & set(p.parts)
)
ONE_SCOPE = [
    path
    for path in ALL_GOV
    if (inst := read_document(path)[0].institution) is not None and len(inst.scopes) == 1
]


def test_the_examples_are_covered() -> None:
    assert len(ONE_SCOPE) >= 20
    assert set((ROOT / "examples").glob("*.gov")) <= set(ONE_SCOPE)


@pytest.mark.parametrize("path", ONE_SCOPE, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("json_format", [False, True], ids=["yaml", "json"])
def test_round_trip_gives_the_same_institution(path: Path, json_format: bool) -> None:
    original = read_document(path)[0].institution
    assert original is not None
    text = manifest_text(to_manifest(original), json_format)
    name = "exported.json" if json_format else "exported.yaml"
    imported = import_source(parse_manifest(text, name))
    assert imported.institution == original


def test_cli_export_then_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "manifest.yaml"
    source = ROOT / "tests" / "interop" / "fixtures" / "reference_manifest.gov"
    assert main(["import", "--export", str(source), "-o", str(manifest)]) == 0
    back = tmp_path / "back.gov"
    assert main(["import", str(manifest), "-o", str(back)]) == 0
    assert back.read_text() == source.read_text()  # the fixture has no comments to lose
    capsys.readouterr()


def test_cli_export_refuses_an_invalid_institution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.gov"
    bad.write_text(
        "institution X\nper agent {\n  initial state a\n  rule R {\n    a -> b\n  }\n}\n"
    )
    out = tmp_path / "m.yaml"
    assert main(["import", "--export", str(bad), "-o", str(out)]) == 1
    assert "GL" in capsys.readouterr().err and not out.exists()
