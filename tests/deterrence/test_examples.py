"""The deterrence examples: the fine-rate institution's predicted threshold and its sweep."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from govlang.deterrence import assess, build_market
from govlang.experiments.engine import LocalExecutor
from govlang.sweeps.config import load_sweep
from govlang.sweeps.design import plan_sweep
from govlang.sweeps.run import run_sweep

from .support import ROOT, compiled_for

EXAMPLES = ROOT / "examples"


def test_the_predicted_rate_is_the_closed_form() -> None:
    market = build_market("cournot", {})
    compiled = compiled_for(EXAMPLES / "division_fine.gov", market)
    result = assess(compiled, market, 30, 0.95)
    division = next(p for p in result.patterns if p.pattern.key == "market_division")
    firm = division.economics[0]
    exact = firm.rent / firm.collusive  # fined rate x pi_C every round from round 1
    assert division.verdict.kind == "deters"  # the default rate 0.25 is above it
    assert division.minimum is not None and division.minimum.scale is not None
    rate = division.minimum.at(division.minimum.scale)["rate"]
    assert isinstance(rate, float)
    assert exact <= rate <= exact * (1 + 1e-3)
    assert rate == pytest.approx(0.1975, abs=1e-4)
    restriction = next(p for p in result.patterns if p.pattern.key == "symmetric_restriction")
    assert restriction.verdict.reason == "not_detected"


def test_the_sweep_brackets_the_prediction() -> None:
    spec = load_sweep(EXAMPLES / "sweep_deterrence.toml")
    rates = spec.axes["param.rate"]
    assert isinstance(rates, tuple) and min(rates) < 0.1975 < max(rates)
    assert len(plan_sweep(spec, None)) == len(rates) * 3 * 2  # populations x replicates


def test_colluders_tiers_drop_below_the_predicted_rate(tmp_path: Path) -> None:
    """A small cut of the sweep: what its comment says about where tiers drop."""
    spec = load_sweep(EXAMPLES / "sweep_deterrence.toml")
    small = spec.model_copy(
        update={
            "axes": {"param.rate": (0.0, 0.05, 0.25)},
            "populations": ("colluders", "colluders_stubborn"),
            "replicates": 1,
        }
    )
    run_sweep(small, tmp_path / "out", LocalExecutor(1), plots=False, quiet=True)
    with (tmp_path / "out" / "sweep_cells.csv").open(encoding="utf-8") as handle:
        cells = {(r["population"], float(r["param.rate"])): r for r in csv.DictReader(handle)}
    tier = {key: float(row["mean_tier"]) for key, row in cells.items()}
    assert tier[("colluders", 0.0)] == 4.0
    assert tier[("colluders", 0.05)] == tier[("colluders", 0.25)] == 1.0  # 0.05 < 0.1975
    assert {tier[("colluders_stubborn", r)] for r in (0.0, 0.05, 0.25)} == {4.0}
