from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write_sweep(folder: Path, body: str) -> Path:
    """A sweep file over the offline reference experiment."""
    path = folder / "sweep.toml"
    base = (EXAMPLES / "reference_offline.toml").as_posix()
    path.write_text(f'base = "{base}"\n{body}', encoding="utf-8")
    return path


@pytest.fixture
def sweep_file() -> object:
    """``write_sweep`` as a fixture."""
    return write_sweep


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def small_sweep(tmp_path: Path) -> Path:
    return write_sweep(
        tmp_path,
        """
name = "small"
populations = ["colluders_stubborn"]
regimes = ["ungoverned", "institutional"]
replicates = 2
rounds = 12

[axes]
"param.suspension_streak" = [2, 8]
""",
    )
