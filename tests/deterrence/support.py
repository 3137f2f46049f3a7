"""Shared helpers of the deterrence tests: small institutions and a loader."""

from __future__ import annotations

from pathlib import Path

import govlang.api as api
from govlang.deterrence.market import Market
from govlang.lang.compile import CompiledInstitution

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "cournot_reference.gov"

HHI_WATCH = """institution HhiWatch "Concentration is fined every round it lasts."
observe quantity: number[agent, commodity]
observe nash.hhi: number[commodity]
action: number[commodity] in [0, 100]
param rate: float = 0.1 in [0, 0.15] "Fine rate of round profit"
monitor hot: bool = max(excess(hhi(quantity over agents), nash.hhi) over commodities) >= 0.5
per agent {
  evidence hot
  initial state active "CLEAR"
  state fined "FINED" {
    on enter: fine rate of profit to treasury
  }
  rule C1 "No hot markets." {
    active -> fined when hot
    fined -> fined when hot
  }
  restore C2 "Clean conduct restores." {
    fined -> active after 1 clean rounds
  }
}
"""
"""Sees market division (HHI), not symmetric restriction; fines ``rate`` of profit each round."""

WARN_ONLY = """institution WarnOnly "Concentration is noted, never sanctioned."
observe quantity: number[agent, commodity]
observe nash.hhi: number[commodity]
action: number[commodity] in [0, 100]
monitor hot: bool = max(excess(hhi(quantity over agents), nash.hhi) over commodities) >= 0.5
per agent {
  evidence hot
  initial state active "CLEAR"
  state warned "WARNED" "Concentration observed."
  rule C1 "No hot markets." {
    active -> warned when hot
  }
  restore C2 "Clean conduct restores." {
    warned -> active after 3 clean rounds
  }
}
"""


def write(tmp_path: Path, text: str, name: str = "inst.gov") -> Path:
    """Write an institution file; return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def compiled_for(
    path: Path, market: Market, params: dict[str, object] | None = None
) -> CompiledInstitution:
    """The institution at ``path`` checked against and compiled for ``market``."""
    return api.load(path, params, market.schema())  # type: ignore[arg-type]
