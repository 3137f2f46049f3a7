"""specs/metrics.md and the code agree: every threshold table, key and default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from govlang.experiments.metrics import ProfitGainThresholds, TierThresholds
from govlang.experiments.welfare import WelfareThresholds
from govlang.experiments.welfare_summary import CS_MARGIN

SPEC = Path(__file__).resolve().parents[2] / "specs" / "metrics.md"


def table(section: str) -> dict[str, float]:
    """The ``| key | default |`` rows of the table headed by ``section``."""
    text = SPEC.read_text("utf-8")
    start = text.index(f"| key (`[metrics] {section}`) | default |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        key, value = (c.strip() for c in line.strip("|").split("|"))
        rows[key] = float(value)
    return rows


@pytest.mark.parametrize(
    ("section", "model"),
    [
        ("tiers", TierThresholds),
        ("profit_gain_tiers", ProfitGainThresholds),
        ("welfare", WelfareThresholds),
    ],
)
def test_threshold_tables_match_the_code(section: str, model: type[BaseModel]) -> None:
    assert table(section) == {k: float(v) for k, v in model().model_dump().items()}


def test_cs_margin_matches() -> None:
    found = re.search(r"`CS_MARGIN` = ([0-9]+\.[0-9]+)", SPEC.read_text("utf-8"))
    assert found is not None and float(found.group(1)) == CS_MARGIN


def test_at_nash_tolerance_matches() -> None:
    from govlang.experiments.false_positives import AT_NASH

    found = re.search(r"`AT_NASH` = ([0-9]+\.[0-9]+)", SPEC.read_text("utf-8"))
    assert found is not None and float(found.group(1)) == AT_NASH
