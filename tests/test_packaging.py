"""The wheel carries the grammar and py.typed, and works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    (built,) = out.glob("govlang-*.whl")
    return built


def test_wheel_contains_grammar_and_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "govlang/grammars/govlang.lark" in names
    assert "govlang/py.typed" in names
    assert (ROOT / "grammars" / "govlang.lark").read_bytes() == zipfile.ZipFile(wheel).read(
        "govlang/grammars/govlang.lark"
    )


def test_installed_wheel_checks_and_renders_outside_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # Dependencies come from the machine's site-packages; govlang itself only from the wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--quiet",
            "--force-reinstall",
            str(wheel),
        ],
        check=True,
    )
    example = tmp_path / "inst.gov"
    example.write_text((ROOT / "examples" / "cournot_reference.gov").read_text())
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import govlang, govlang.parse as p; print(govlang.__file__); "
            "print(p.grammar_text()[:2])",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert where[0].startswith(str(env_dir)), where
    check = subprocess.run(
        [str(python), "-m", "govlang", "check", str(example)],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    svg = work / "inst.svg"
    render = subprocess.run(
        [str(python), "-m", "govlang", "render", str(example), "-o", str(svg)],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert render.returncode == 0, render.stderr
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
