"""Golden tests: each deliberately flawed institution gets its finding from `govlang analyse`.

``tests/analyse/flawed/<CODE>_<slug>.gov`` (with ``<same>.args``: extra command-line options)
is analysed by the command line; what it prints on standard error (the diagnostics) is compared
with ``<same>.expected``, and must contain ``<CODE>``. ``specs/analysis.md`` quotes every file and
its output; the two are kept identical.

Regenerate after an intended change with ``GOVLANG_UPDATE_GOLDEN=1 python -m pytest
tests/analyse/test_flawed.py`` and review every changed file by eye.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from govlang.cli import main
from govlang.lang.codes import ANALYSIS_CODES

from .support import FLAWED, ROOT

SPEC = ROOT / "specs" / "analysis.md"
UPDATE = os.environ.get("GOVLANG_UPDATE_GOLDEN") == "1"
CASES = sorted(FLAWED.glob("*.gov"))
SECTION = re.compile(
    r"^### (GL\d{3})\b.*?```gov\n(.*?)```\n\n```text\n(.*?)```", re.MULTILINE | re.DOTALL
)
FOUND = re.compile(r"^\S+:\d+:\d+: (\w+)\[(GL\d{3})\]", re.MULTILINE)


def code_of(path: Path) -> str:
    """The code a flawed file is named after."""
    return path.name.split("_", 1)[0]


def analysed(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """Run `govlang analyse` on one case from its folder: (exit code, stdout, stderr)."""
    monkeypatch.chdir(path.parent)
    sidecar = path.with_suffix(".args")
    extra = sidecar.read_text(encoding="utf-8").split() if sidecar.exists() else []
    status = main(["analyse", path.name, *extra])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_output(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, err = analysed(path, capsys, monkeypatch)
    expected = path.with_suffix(".expected")
    if UPDATE:
        expected.write_text(err, encoding="utf-8")
    assert err == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_planted_defect_is_found_and_sets_the_exit_code(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = analysed(path, capsys, monkeypatch)
    found = FOUND.findall(err)
    assert code_of(path) in {code for _, code in found}
    assert status == (1 if any(severity == "error" for severity, _ in found) else 0)
    assert out.startswith("analysis of Flawed")


def test_every_analysis_code_has_one_flawed_file() -> None:
    named = [code_of(p) for p in CASES]
    assert sorted(named) == sorted(set(named)), "two flawed files for one code"
    assert set(named) == set(ANALYSIS_CODES)


def spec_sections() -> dict[str, tuple[str, str]]:
    """Each code's (example, output) as quoted in ``specs/analysis.md``."""
    text = SPEC.read_text(encoding="utf-8")
    return {code: (example, output) for code, example, output in SECTION.findall(text)}


def update_spec() -> None:
    """Rewrite the quoted examples and outputs of the catalogue from the flawed files."""
    text = SPEC.read_text(encoding="utf-8")
    by_code = {code_of(p): p for p in CASES}

    def replace(match: re.Match[str]) -> str:
        path = by_code[match.group(1)]
        whole = match.group(0)
        head = whole[: whole.index("```gov\n")]
        output = path.with_suffix(".expected").read_text(encoding="utf-8")
        return f"{head}```gov\n{path.read_text(encoding='utf-8')}```\n\n```text\n{output}```"

    SPEC.write_text(SECTION.sub(replace, text), encoding="utf-8")


def test_spec_documents_every_code() -> None:
    if UPDATE:
        update_spec()
    text = SPEC.read_text(encoding="utf-8")
    headings = re.findall(r"^### (GL\d{3})\b", text, re.MULTILINE)
    assert sorted(headings) == sorted(ANALYSIS_CODES)
    assert set(spec_sections()) == set(headings), "a section lacks its example or its output"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_spec_quotes_the_flawed_file(path: Path) -> None:
    example, output = spec_sections()[code_of(path)]
    assert example == path.read_text(encoding="utf-8")
    assert output == path.with_suffix(".expected").read_text(encoding="utf-8")
