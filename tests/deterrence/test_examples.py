"""The deterrence examples: the fine-rate institution's predicted threshold and its sweep."""

from __future__ import annotations

import pytest

from govlang.deterrence import assess, build_market
from govlang.sweeps.config import load_sweep
from govlang.sweeps.design import plan_sweep

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
