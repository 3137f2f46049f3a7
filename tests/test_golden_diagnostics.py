"""Golden tests: each invalid institution renders exactly its expected diagnostics.

``tests/golden/invalid/<CODE>_<slug>.gov`` is checked (with ``<same>.schema.json`` as the
environment schema and ``<same>.params`` as param overrides when they exist) and the rendered
diagnostics are compared with ``<same>.expected``. ``specs/diagnostics.md`` quotes every golden
file and its output; the two are kept identical.

Regenerate after an intended change with ``GOVLANG_UPDATE_GOLDEN=1 python -m pytest
tests/test_golden_diagnostics.py`` and review every changed file by eye.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from govlang.lang.check import check
from govlang.lang.codes import CHECK_CODES as CODES
from govlang.lang.diagnostics import render_all
from govlang.lang.frontend import parse_bytes
from govlang.lang.params import ParamValue, parse_override
from govlang.lang.schema import load_schema

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "invalid"
SPEC = ROOT / "specs" / "diagnostics.md"
UPDATE = os.environ.get("GOVLANG_UPDATE_GOLDEN") == "1"
CASES = sorted(GOLDEN.glob("*.gov"))
SECTION = re.compile(
    r"^### (GL\d{3})\b.*?```gov\n(.*?)```\n\n```text\n(.*?)```", re.MULTILINE | re.DOTALL
)


def code_of(path: Path) -> str:
    """The code a golden file is named after."""
    return path.name.split("_", 1)[0]


def overrides(path: Path) -> dict[str, ParamValue]:
    """The ``--param`` overrides of a case (one ``name=value`` a line)."""
    sidecar = path.with_suffix(".params")
    if not sidecar.exists():
        return {}
    lines = sidecar.read_text(encoding="utf-8").splitlines()
    return dict(parse_override(line) for line in lines if line.strip())


def render(path: Path) -> str:
    """Check one golden file and render its diagnostics as the command line would."""
    document = parse_bytes(path.read_bytes(), path.name)
    schema_file = path.with_suffix(".schema.json")
    schema = load_schema(schema_file) if schema_file.exists() else None
    diagnostics = check(document, schema, overrides(path))
    return render_all(diagnostics, document.source) + "\n"


def shown_source(path: Path) -> str:
    """A golden file's text as the catalogue quotes it (undecodable bytes escaped)."""
    return path.read_bytes().decode("utf-8", errors="backslashreplace")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_output(path: Path) -> None:
    expected_file = path.with_suffix(".expected")
    actual = render(path)
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.exists(), f"missing {expected_file.name}: run with GOVLANG_UPDATE_GOLDEN=1"
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_file_shows_exactly_its_code(path: Path) -> None:
    codes = re.findall(r"^\S+:\d+:\d+: \w+\[(GL\d{3})\]", render(path), re.MULTILINE)
    assert codes, "the case reports nothing"
    assert set(codes) == {code_of(path)}


def test_every_catalogued_code_has_one_golden_file() -> None:
    named = [code_of(p) for p in CASES]
    assert sorted(named) == sorted(set(named)), "two golden files for one code"
    assert set(named) == set(CODES)


def spec_sections() -> dict[str, tuple[str, str]]:
    """Each code's (example, output) as quoted in ``specs/diagnostics.md``."""
    text = SPEC.read_text(encoding="utf-8")
    return {code: (example, output) for code, example, output in SECTION.findall(text)}


def update_spec() -> None:
    """Rewrite the quoted examples and outputs of the catalogue from the golden files."""
    text = SPEC.read_text(encoding="utf-8")
    by_code = {code_of(p): p for p in CASES}

    def replace(match: re.Match[str]) -> str:
        path = by_code[match.group(1)]
        whole = match.group(0)
        head = whole[: whole.index("```gov\n")]
        return f"{head}```gov\n{shown_source(path)}```\n\n```text\n{render(path)}```"

    SPEC.write_text(SECTION.sub(replace, text), encoding="utf-8")


def test_spec_documents_every_golden_code() -> None:
    if UPDATE:
        update_spec()
    headings = re.findall(r"^### (GL\d{3})\b", SPEC.read_text(encoding="utf-8"), re.MULTILINE)
    assert sorted(headings) == sorted({code_of(p) for p in CASES})
    assert set(spec_sections()) == set(headings), "a section lacks its example or its output"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_spec_quotes_the_golden_file(path: Path) -> None:
    example, output = spec_sections()[code_of(path)]
    assert example == shown_source(path)
    assert output == path.with_suffix(".expected").read_text(encoding="utf-8")
