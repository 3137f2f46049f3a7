"""``govlang check`` imports the language core only: no market, no scipy, no runtime, no plots.

Nor numpy (the built-ins' kernels are looked up when the runtime compiles a call) nor
pydantic (the IR is plain records; environment schemas are loaded only with ``--env``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEAVY = (
    "govlang.markets",
    "govlang.runtime",
    "govlang.experiments",
    "govlang.lang.kernels",
    "govlang.lang.schema",
    "scipy",
    "matplotlib",
    "numpy",
    "pydantic",
)
"""Modules (and their submodules) that checking an institution never needs."""


def test_check_imports_none_of_the_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from govlang.cli import main\n"
        "code = main(['check', 'examples/cournot_reference.gov'])\n"
        f"heavy = {HEAVY!r}\n"
        "print(code, sorted({m for m in sys.modules for h in heavy"
        " if m == h or m.startswith(h + '.')}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr
