"""``govlang lsp`` on the command line: registered, lazy, and clear when pygls is missing."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.lsp.client import ROOT


def run(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env
    )


def test_check_does_not_import_the_protocol_libraries() -> None:
    result = run(
        "import sys\n"
        "from govlang.cli import main\n"
        "main(['check', 'examples/cournot_reference.gov'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))\n"
        "print('govlang.lsp.server' in sys.modules)\n"
    )
    assert result.stdout.splitlines() == ["[]", "False"], result.stderr


def test_help_lists_lsp() -> None:
    result = run("from govlang.cli import main; main(['--help'])")
    assert "lsp" in result.stdout
    assert "language server" in result.stdout


def test_a_missing_pygls_is_one_clear_error() -> None:
    result = run(
        "import sys\n"
        "sys.modules['pygls'] = None  # importing it now raises ImportError\n"
        "from govlang.cli import main\n"
        "raise SystemExit(main(['lsp']))\n"
    )
    assert result.returncode == 3
    assert result.stderr.startswith("govlang: error: govlang lsp needs pygls")
    assert "pip install" in result.stderr
    assert "Traceback" not in result.stderr
