from __future__ import annotations

import math

from govlang.sweeps.aggregate import cell_rows
from govlang.sweeps.summary import find_thresholds, summary_markdown


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
    found = find_thresholds(_rows(), ["population", "fine"], 0.5, 2.0)
    severe = next(t for t in found if t.outcome == "severe")
    assert severe.direction == "disappears"
    assert math.isclose(severe.value, 150.0)
    assert 100 <= severe.low <= severe.value <= severe.high <= 200
    assert severe.support == 1.0
    text = summary_markdown("s", "", 16, 16, found)
    assert "falls below 0.5 at about 150" in text


def test_no_crossing_is_said_in_words() -> None:
    rows = [r | {"tier": 0} for r in _rows()]
    found = find_thresholds(rows, ["population", "fine"], 0.5, 2.0)
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
