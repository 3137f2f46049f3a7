"""The README's commands and snippets do what it says."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from govlang.lang.check import check
from govlang.lang.frontend import parse_text

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced() -> list[tuple[str, str]]:
    """Every fenced block of the README as (language, text), in order."""
    found, language, lines = [], None, []
    for line in README.splitlines():
        if line.startswith("```"):
            if language is None:
                language, lines = line[3:].strip(), []
            else:
                found.append((language, "\n".join(lines) + "\n"))
                language = None
        elif language is not None:
            lines.append(line)
    return found


def blocks(language: str) -> list[str]:
    return [text for lang, text in fenced() if lang == language]


def test_setup_commands_are_the_ci_ones() -> None:
    setup = blocks("sh")[:2]
    assert setup[0].startswith("bash .ci/install && python3 -m govlang run ")
    assert setup[1].strip() == "bash .ci/install && python3 -m pytest -q"
    ci = (ROOT / ".ci" / "run").read_text()
    assert setup[1].strip() in ci


@pytest.mark.slow
def test_main_job_runs_and_writes_the_report(tmp_path: Path) -> None:
    command = blocks("sh")[0].strip().split("&&", 1)[1]
    argv = shlex.split(command)
    out = tmp_path / "results"
    argv[argv.index("-o") + 1] = str(out)
    result = subprocess.run(
        [sys.executable, *argv[1:]], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "institutional" in result.stdout
    for name in ("report.html", "report.md", "runs.csv", "runs.parquet", "institution.svg"):
        assert (out / name).stat().st_size > 0, name


def test_tour_institution_checks_clean() -> None:
    source = next(b for b in blocks("") if b.startswith("institution "))
    document = parse_text(source, "tour.gov")
    assert check(document) == []


def test_tour_commands_succeed(tmp_path: Path) -> None:
    tour = next(b for b in blocks("sh") if "govlang check examples" in b)
    for line in tour.splitlines():
        command = line.split("#", 1)[0].strip()
        argv = shlex.split(command)
        assert argv[0] == "govlang"
        for flag in ("-o",):
            if flag in argv:
                argv[argv.index(flag) + 1] = str(tmp_path / argv[argv.index(flag) + 1])
        result = subprocess.run(
            [sys.executable, "-m", "govlang", *argv[1:]], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{command}: {result.stderr[-1500:]}"


def test_diagnostic_example_is_real(tmp_path: Path) -> None:
    shown = next(b for b in blocks("") if b.startswith("bad.gov:"))
    bad = tmp_path / "bad.gov"
    bad.write_text(
        "institution Broken\nobserve quantity: number[agent]\nper agent {\n"
        '  initial state active "CLEAR"\n  state warning "UNDER REVIEW"\n'
        '  rule R1 "No hoarding." {\n    active -> warnng when quantity > 10\n  }\n}\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "govlang", "check", "bad.gov"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == shown.strip()


def test_python_snippet_runs() -> None:
    (snippet,) = blocks("python")
    result = subprocess.run(
        [sys.executable, "-c", snippet], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("UNDER REVIEW")


def test_interop_import_command_writes_the_fixture_institution(tmp_path: Path) -> None:
    block = next(b for b in blocks("sh") if "govlang import " in b)
    line = next(x for x in block.splitlines() if x.startswith("govlang import "))
    argv = shlex.split(line)[1:]
    argv[argv.index("-o") + 1] = str(tmp_path / "institution.gov")
    result = subprocess.run(
        [sys.executable, "-m", "govlang", *argv], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    expected = ROOT / "tests" / "interop" / "fixtures" / "reference_manifest.gov"
    assert (tmp_path / "institution.gov").read_text() == expected.read_text()
