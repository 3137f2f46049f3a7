"""A run worker imports what playing runs needs, not the report's plotting and statistics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_module_leaves_matplotlib_and_scipy_stats_alone() -> None:
    code = (
        "import json, sys; import govlang.experiments.runner;"
        " print(json.dumps([m for m in ('matplotlib', 'scipy.stats') if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_the_statistics_still_load_scipy_when_asked() -> None:
    from govlang.experiments.stats import mean_ci

    found = mean_ci([1.0, 2.0, 3.0])
    assert found.low < 2.0 < found.high and "scipy.stats" in sys.modules


def test_a_pool_worker_loads_neither_scipy_nor_the_progress_bars() -> None:
    """What a spawned worker imports to run its tasks: the reference market needs no solver."""
    code = (
        "import json, sys; import govlang.experiments.engine.local;"
        " print(json.dumps([m for m in ('scipy', 'rich', 'matplotlib') if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
