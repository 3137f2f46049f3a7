"""Welfare measures: equal-cost joint monopoly is collusion, boundaries, nan, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from govlang.cli import main
from govlang.experiments.metrics import (
    MetricParams,
    collusion_tier,
    metrics_from_observables,
    profit_gain_tier,
)
from govlang.experiments.welfare import (
    UndefinedMeasure,
    WelfareThresholds,
    consumer_harm,
    tier_on,
    welfare_class,
)
from govlang.markets import CournotMarket

REPO = Path(__file__).resolve().parents[2]


def up(x: float) -> float:
    return float(np.nextafter(x, np.inf))


def test_equal_cost_joint_monopoly_is_collusive_though_cv_hhi_see_nothing() -> None:
    env = CournotMarket(costs=45.0)
    monopoly = np.asarray(env.benchmarks["monopoly.quantity"], dtype=np.float64)
    m = metrics_from_observables("cournot", [env.outcome(monopoly)] * 10)
    assert m.tier == 0  # symmetric output restriction: HHI and CV equal Nash
    assert m.profit_gain == pytest.approx(1.0)
    assert m.consumer_harm == pytest.approx(1.0)
    assert m.welfare_tier == 4 and m.welfare_class == "collusive"
    assert m.price_vs_nash > 1 and m.consumer_surplus_vs_nash < 1
    nash = np.asarray(env.benchmarks["nash.quantity"], dtype=np.float64)
    n = metrics_from_observables("cournot", [env.outcome(nash)] * 3)
    assert n.welfare_tier == 0 and n.welfare_class == "competitive"


def test_an_empty_market_is_restricted_not_collusive() -> None:
    env = CournotMarket()
    m = metrics_from_observables("cournot", [env.outcome(np.zeros((2, 2)))] * 2)
    assert m.consumer_harm > 1 and m.welfare_class == "restricted"


@pytest.mark.parametrize(
    ("tier", "harm", "kind"),
    [
        (3, 9.0, "collusive"),
        (4, 0.0, "collusive"),
        (2, 0.5, "competitive"),
        (2, up(0.5), "restricted"),
        (0, math.inf, "restricted"),
        (0, -math.inf, "competitive"),
    ],
)
def test_welfare_class_boundaries(tier: int, harm: float, kind: str) -> None:
    assert welfare_class(tier, harm) == kind


def test_collusive_tier_is_a_param() -> None:
    assert welfare_class(3, 0.0, WelfareThresholds(collusive_tier=4)) == "competitive"


def test_nan_is_never_a_silent_tier_zero() -> None:
    with pytest.raises(UndefinedMeasure, match="CV excess"):
        collusion_tier(math.nan, 0.0)
    with pytest.raises(UndefinedMeasure, match="HHI excess"):
        collusion_tier(0.0, math.nan)
    with pytest.raises(UndefinedMeasure, match="profit gain"):
        profit_gain_tier(math.nan)
    with pytest.raises(UndefinedMeasure):
        welfare_class(1, math.nan)
    assert welfare_class(3, math.nan) == "collusive"  # harm is not needed there
    assert tier_on("x", math.inf, (0, 1, 2, 3)) == 4
    assert tier_on("x", -math.inf, (0, 1, 2, 3)) == 0
    assert collusion_tier(-math.inf, -math.inf) == 0
    assert math.isnan(consumer_harm(1.0, 2.0, 2.0))


@pytest.mark.parametrize(
    "metrics",
    [
        {"welfare": {"harm": 11}},
        {"welfare": {"collusive_tier": 0}},
        {"welfare": {"harms": 0.1}},
        {"tiers": {"severe_hhi": -0.1}},
        {"profit_gain_tiers": {"strong": -1}},
    ],
)
def test_out_of_range_or_unknown_metric_settings_are_rejected(metrics: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MetricParams.model_validate(metrics)


def test_bad_metrics_in_an_experiment_file_exit_1_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.gov").write_text((REPO / "examples" / "cournot_reference.gov").read_text())
    (tmp_path / "bad.toml").write_text(
        'name = "x"\nrounds = 2\nruns = 1\nregimes = ["ungoverned"]\n[market]\nkind = "cournot"\n'
        '[institution]\npath = "x.gov"\n[populations.nash]\n'
        'firms = [{ kind = "nash" }, { kind = "nash" }]\n'
        "[metrics]\nwelfare = { harm = 99 }\ntiers = { bogus = 1 }\n"
    )
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "bad.toml"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "metrics.welfare.harm" in err and "metrics.tiers.bogus: unknown key" in err
    assert "Traceback" not in err and not out.exists()


def test_regime_collusive_share_leaves_undefined_runs_out_like_a_sweep_cell() -> None:
    from govlang.experiments.welfare_summary import summarize_welfare
    from govlang.sweeps.aggregate import cell_rows

    kinds = ["collusive", "restricted", None, None]
    rows = [
        {"regime": "ungoverned", "welfare_class": k, "tier": 1, "tier_idle_counted": 1}
        for k in kinds
    ]
    share = summarize_welfare(rows, exclude_idle=True).collusive
    assert share is not None and (share.count, share.n, share.estimate) == (1, 2, 0.5)
    undefined = summarize_welfare([{"welfare_class": None, "tier": 0}], exclude_idle=True)
    assert undefined.collusive is None and undefined.undefined == 1
    cells = cell_rows([{**r, "cell": 0, "fines": 0} for r in rows], [])
    assert cells[0]["collusive"] == share.estimate and cells[0]["collusive_undefined"] == 2
