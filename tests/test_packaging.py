"""The wheel carries the grammar and py.typed, and works outside the checkout."""

from __future__ import annotations

import os
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


def dependency_dirs() -> list[str]:
    """The site directories of the interpreter running the tests (a virtualenv's included).

    The checkout and anything on ``PYTHONPATH`` are left out: govlang must come from the wheel.
    """
    pythonpath = {
        str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    }
    found = []
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if path.name not in ("site-packages", "dist-packages") or not path.is_dir():
            continue
        if str(path) in pythonpath or path.is_relative_to(ROOT):
            continue
        found.append(str(path))
    return found


def fresh_venv(env_dir: Path) -> Path:
    """A venv whose dependencies are the running interpreter's, whatever it is.

    ``system_site_packages`` would expose the *base* interpreter's packages, not those of the
    virtualenv running the tests; a ``.pth`` file listing the running interpreter's site
    directories (plain paths: their own ``.pth`` files, such as an editable govlang, are not
    processed) gives the venv exactly its dependencies.
    """
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site_dir = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        env=isolated(),
    ).stdout.strip()
    Path(site_dir, "test-dependencies.pth").write_text("\n".join(dependency_dirs()) + "\n")
    return python


def isolated() -> dict[str, str]:
    """The environment without ``PYTHONPATH``, so that the checkout is never imported."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def test_installed_wheel_checks_and_renders_outside_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # Dependencies come from the running interpreter's site-packages; govlang only from the wheel.
    python = fresh_venv(env_dir)
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
            "import govlang, govlang.lang.parse as p; print(govlang.__file__); "
            "print(p.grammar_text()[:2])",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
        env=isolated(),
    ).stdout.split("\n")
    assert where[0].startswith(str(env_dir)), where
    check = subprocess.run(
        [str(python), "-m", "govlang", "check", str(example)],
        cwd=work,
        capture_output=True,
        text=True,
        env=isolated(),
    )
    assert check.returncode == 0, check.stderr
    svg = work / "inst.svg"
    render = subprocess.run(
        [str(python), "-m", "govlang", "render", str(example), "-o", str(svg)],
        cwd=work,
        capture_output=True,
        text=True,
        env=isolated(),
    )
    assert render.returncode == 0, render.stderr
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    # The wheel's entry point makes the Pygments lexer known to Pygments.
    lexer = subprocess.run(
        [
            str(python),
            "-c",
            "from pygments.lexers import get_lexer_for_filename as find; "
            "print(type(find('inst.gov')).__name__)",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=isolated(),
    )
    assert lexer.stdout.strip() == "GovlangLexer", lexer.stderr
