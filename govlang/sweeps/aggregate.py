"""Sweep tables: the tidy per-run table and the per-cell aggregates with intervals.

``sweep_runs.csv`` / ``.parquet``: one row per complete run -- ``cell``, every axis value,
``replicate``, ``seed``, ``run_id``, ``rounds``, every metric and the run-health counts. Wall
time is left out (it is not a property of the run), so the same sweep gives the same bytes
whichever executor played it.

``sweep_cells.csv``: one row per cell (design point) -- the axis values, ``runs``, mean tier
with its t interval, severe incidence (tier >= 4) with its Wilson interval, and mean with t
interval of the consumer-surplus, price and profit ratios to Nash, of the profit gain and the
consumer harm, the share of welfare-``collusive`` runs with its Wilson interval (runs whose
welfare class is undefined are counted in ``collusive_undefined``, not in the share), and the
mean fines.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govlang.experiments import results
from govlang.experiments.metrics import MetricParams
from govlang.experiments.run_loop import iter_trace
from govlang.experiments.stats import mean_ci, wilson_interval
from govlang.experiments.welfare_summary import collusive_share
from govlang.lang.frontend import InputError
from govlang.sweeps.design import SweepRun

__all__ = ["SEVERE_TIER", "cell_rows", "tidy_rows", "write_csv", "write_tables"]

SEVERE_TIER = 4
"""Runs at or above this tier count as severe collusion."""

RATIOS = (
    "consumer_surplus_vs_nash",
    "price_vs_nash",
    "profit_vs_nash",
    "profit_gain",
    "consumer_harm",
)
"""The ratio and welfare metrics aggregated per cell (mean, t interval over finite values)."""


def axis_names(runs: Sequence[SweepRun]) -> list[str]:
    """The axis columns, in design order."""
    return list(runs[0].point) if runs else []


def tidy_rows(out: Path, runs: Sequence[SweepRun], params: MetricParams) -> list[dict[str, Any]]:
    """One row per complete run, in plan order (metrics recomputed if the params changed)."""
    wanted = params.model_dump(mode="json")
    rows = []
    for planned in runs:
        run = planned.run
        path = results.run_dir(out, run) / "summary.json"
        if not path.is_file():
            continue
        summary = json.loads(path.read_text(encoding="utf-8"))
        metrics = summary["metrics"]
        if summary["metric_params"] != wanted:
            records = list(iter_trace(results.run_dir(out, run) / "trace.jsonl"))
            metrics = results.run_metrics(run.market_kind, records, summary["benchmarks"], params)
        usage = {k: v for k, v in summary["usage"].items() if k != "wall_time_s"}
        rows.append(
            {
                "cell": planned.cell,
                **planned.point,
                "firms": "+".join(f.kind for f in run.firms),
                "replicate": planned.replicate,
                "seed": run.seed,
                "run_id": run.run_id,
                "rounds": run.rounds,
                **{k: v for k, v in metrics.items() if k != "rounds"},
                **usage,
            }
        )
    return rows


def _finite(values: Sequence[Any]) -> list[float]:
    """The finite numbers among ``values``."""
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _mean_ci(values: Sequence[Any]) -> tuple[float, float, float]:
    """Mean and 95% t interval (nan when no finite value; infinite half-width for one)."""
    finite = _finite(values)
    if not finite:
        return math.nan, math.nan, math.nan
    ci = mean_ci(finite)
    return ci.mean, ci.low, ci.high


def cell_rows(rows: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> list[dict[str, Any]]:
    """One aggregate row per cell present in ``rows`` (cell order)."""
    cells: dict[int, list[Mapping[str, Any]]] = {}
    for member in rows:
        cells.setdefault(int(member["cell"]), []).append(member)
    out = []
    for cell, members in sorted(cells.items()):
        tiers = [int(r["tier"]) for r in members]
        severe = wilson_interval(sum(t >= SEVERE_TIER for t in tiers), len(tiers))
        mean, low, high = _mean_ci(tiers)
        row: dict[str, Any] = {"cell": cell, **{a: members[0][a] for a in axes}}
        row.update(runs=len(members), mean_tier=mean, mean_tier_low=low, mean_tier_high=high)
        row.update(severe=severe.estimate, severe_low=severe.low, severe_high=severe.high)
        kinds = [r.get("welfare_class") for r in members]
        share = collusive_share(kinds)
        if share is not None:
            row.update(collusive=share.estimate, collusive_low=share.low)
            row["collusive_high"] = share.high
        else:
            row.update(collusive=math.nan, collusive_low=math.nan, collusive_high=math.nan)
        row["collusive_undefined"] = kinds.count(None)
        for name in RATIOS:
            m, lo, hi = _mean_ci([r.get(name) for r in members])
            row.update({name: m, f"{name}_low": lo, f"{name}_high": hi})
        row["fines"] = sum(float(r["fines"]) for r in members) / len(members)
        out.append(row)
    return out


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ``rows`` as CSV (columns of the first row; floats as ``repr``)."""
    names = list(rows[0]) if rows else ["cell"]
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None


def write_tables(
    out: Path, rows: Sequence[Mapping[str, Any]], cells: Sequence[Mapping[str, Any]]
) -> None:
    """Write ``sweep_runs.csv``, ``sweep_runs.parquet`` and ``sweep_cells.csv``."""
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    write_csv(out / "sweep_runs.csv", rows)
    write_csv(out / "sweep_cells.csv", cells)
    table = pa.Table.from_pylist([dict(r) for r in rows]) if rows else pa.table({"cell": []})
    try:
        pq.write_table(table, out / "sweep_runs.parquet")
    except OSError as exc:
        raise InputError(f"{out}: cannot write sweep_runs.parquet: {exc}") from None
