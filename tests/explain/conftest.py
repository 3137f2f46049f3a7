"""Fixtures of the explain tests: the golden trace and one small real experiment."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.experiments.runner import run_experiment

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "runtime" / "golden" / "reference_divide.jsonl"
REFERENCE = REPO / "examples" / "cournot_reference.gov"

SMALL = """
name = "explain-small"
rounds = 8
runs = 1
seed = 3
concurrency = 1
regimes = ["ungoverned", "institutional", "announced_unenforced", "enforced_unannounced"]

[market]
kind = "cournot"

[institution]
path = "{gov}"

[populations.stubborn]
firms = [
  {{ kind = "colluder", on_sanction = "ignore" }},
  {{ kind = "colluder", on_sanction = "ignore" }},
]
"""


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder: stubborn colluders, 8 rounds, four regimes (ungoverned among them)."""
    root = tmp_path_factory.mktemp("explain")
    experiment = root / "small.toml"
    experiment.write_text(SMALL.format(gov=REFERENCE.as_posix()), encoding="utf-8")
    out = root / "results"
    run_experiment(experiment, out, quiet=True)
    return out


def run_ids(results: Path) -> dict[str, str]:
    """Regime -> run id of the small experiment."""
    import json

    manifest = json.loads((results / "manifest.json").read_text(encoding="utf-8"))
    return {r["regime"]: r["run_id"] for r in manifest["runs"]}
