from __future__ import annotations

import math

from govlang.sweeps.aggregate import cell_rows
from govlang.sweeps.summary import Outcome, find_thresholds, summary_markdown

LEVELS: dict[Outcome, float] = {"severe": 0.5, "mean_tier": 2.0}
WELFARE: dict[Outcome, float] = {**LEVELS, "collusive": 0.5, "consumer_harm": 0.5}


def _rows() -> list[dict[str, object]]:
    # severe (tier 5) at fines 0 and 100, never at 200 and 300: disappears between 100 and 200
    rows = []
    for cell, fine in enumerate((0, 100, 200, 300)):
        for k in range(4):
            tier = 5 if fine <= 100 else (1 if k else 0)
            row = {"cell": cell, "population": "p", "fine": fine, "tier": tier, "fines": 0}
            row |= {"consumer_surplus_vs_nash": 1.0, "price_vs_nash": 1.0, "profit_vs_nash": 1.0}
            rows.append(row)
    return rows


def test_threshold_where_severe_collusion_disappears() -> None:
    found = find_thresholds(_rows(), ["population", "fine"], LEVELS)
    severe = next(t for t in found if t.outcome == "severe")
    assert severe.direction == "disappears"
    assert math.isclose(severe.value, 150.0)
    assert 100 <= severe.low <= severe.value <= severe.high <= 200
    assert severe.support == 1.0
    text = summary_markdown("s", "", 16, 16, found)
    assert "falls below 0.5 at about 150" in text


def test_no_crossing_is_said_in_words() -> None:
    rows = [r | {"tier": 0} for r in _rows()]
    found = find_thresholds(rows, ["population", "fine"], LEVELS)
    assert all(t.direction == "none" and math.isnan(t.value) for t in found)
    assert "stays below 0.5 over the whole range 0 to 300" in summary_markdown("s", "", 1, 1, found)


def test_cells_have_intervals() -> None:
    cells = cell_rows(_rows(), ["population", "fine"])
    assert [c["runs"] for c in cells] == [4, 4, 4, 4]
    assert cells[0]["severe"] == 1.0 and cells[0]["severe_low"] < 1.0
    assert (
        cells[2]["mean_tier"] == 0.75
        and cells[2]["mean_tier_low"] < 0.75 < cells[2]["mean_tier_high"]
    )


def _restriction_rows() -> list[dict[str, object]]:
    # equal costs (asymmetry 0): symmetric joint monopoly, tier 0 but welfare-collusive;
    # asymmetric costs: Nash play. One run per cell has an undefined welfare class.
    rows = []
    for cell, asym in enumerate((0.0, 5.0, 10.0)):
        for k in range(4):
            kind = "collusive" if asym == 0 else "competitive"
            row = {"cell": cell, "population": "p", "asym": asym, "tier": 0, "fines": 0}
            row |= {"welfare_class": None if k == 3 else kind}
            row |= {"consumer_harm": 1.0 if asym == 0 else 0.0}
            row |= {"consumer_surplus_vs_nash": 1.0, "price_vs_nash": 1.0, "profit_vs_nash": 1.0}
            rows.append(row)
    return rows


def test_welfare_thresholds_see_what_the_tier_cannot() -> None:
    found = find_thresholds(_restriction_rows(), ["population", "asym"], WELFARE)
    by = {t.outcome: t for t in found}
    assert by["severe"].direction == "none" and by["mean_tier"].direction == "none"
    assert by["collusive"].direction == "disappears" and 0 < by["collusive"].value < 5
    assert by["collusive"].curve == (1.0, 0.0, 0.0)  # the undefined run is left out
    assert by["consumer_harm"].direction == "disappears"
    text = summary_markdown("s", "", 12, 12, found)
    assert "## Welfare-collusive share (level 0.5)" in text
    assert "the share of welfare-collusive runs falls below 0.5" in text


def test_an_outcome_undefined_everywhere_is_said_in_words() -> None:
    rows = [r | {"welfare_class": None} for r in _restriction_rows()]
    found = find_thresholds(rows, ["population", "asym"], {"collusive": 0.5})
    assert [t.levels for t in found] == [()]
    assert "undefined in every run" in summary_markdown("s", "", 1, 1, found)


def test_cells_carry_welfare_aggregates() -> None:
    cells = cell_rows(_restriction_rows(), ["population", "asym"])
    assert [c["collusive"] for c in cells] == [1.0, 0.0, 0.0]
    assert [c["collusive_undefined"] for c in cells] == [1, 1, 1]
    assert cells[0]["consumer_harm"] == 1.0 and cells[1]["consumer_harm"] == 0.0
