"""Results: run summaries, the tidy per-run table (CSV, Parquet), the regime comparisons.

``runs/<run_id>/summary.json`` is written last, atomically, when a run is complete; it holds
the run's spec, the market's benchmarks, its metrics (with the metric params used), fallback
and fault counts, LLM usage, the wall time and the fines-toward-Nash counts
(:mod:`govlang.experiments.false_positives`). :func:`collect` reads every summary into one
row per run, recomputing the metrics from the trace when the experiment's metric params have
changed since the run was played. :func:`compare` turns the rows into the regime statistics of
:mod:`govlang.experiments.stats`.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from govlang.experiments.config import ExperimentSpec
from govlang.experiments.false_positives import run_false_positives
from govlang.experiments.faults import firm_faults
from govlang.experiments.metrics import Benchmarks, MetricParams, market_metrics
from govlang.experiments.regime_notes import regime_notes, text_reactions
from govlang.experiments.run_loop import compiled_for, iter_trace
from govlang.experiments.run_page import write_run_page
from govlang.experiments.talk import talk_notes
from govlang.experiments.tidy import IDENTITY, combine_tables, write_run_tables
from govlang.experiments.welfare_summary import (
    WelfareSummary,
    Worse,
    summarize_welfare,
    warnings,
    worse_off,
)
from govlang.lang.compile import CompiledInstitution
from govlang.lang.frontend import InputError
from govlang.lang.manifest import canonical_json

if TYPE_CHECKING:
    from govlang.experiments.runs import RunSpec
    from govlang.experiments.stats import Comparison, RegimeSummary

__all__ = [
    "ID_COLUMNS",
    "Comparisons",
    "collect",
    "compare",
    "is_complete",
    "notes",
    "run_dir",
    "run_metrics",
    "write_manifest",
    "write_summary",
    "write_tables",
]

SUMMARY = "summary.json"
ID_COLUMNS = ("experiment", "config", "firms", "regime", "run_index", "seed", "run_id", "rounds")
"""The identifying columns of ``runs.csv``, first; the metric columns follow."""
USAGE_COLUMNS = (
    "fallbacks",
    "faults",
    "text_reactions",
    "llm_calls",
    "tokens",
    "cost_usd",
    "wall_time_s",
)
"""The run-health columns of ``runs.csv``, last."""


def run_dir(out: Path, run: RunSpec) -> Path:
    """The directory of one run."""
    return out / "runs" / run.run_id


def is_complete(out: Path, run: RunSpec) -> bool:
    """Whether the run has its completion marker (``summary.json``)."""
    return (run_dir(out, run) / SUMMARY).is_file()


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None


# ---------------------------------------------------------------------------- one run


def run_metrics(
    market: str,
    records: Sequence[Mapping[str, Any]],
    benchmarks: Mapping[str, Any],
    params: MetricParams,
) -> dict[str, Any]:
    """A run's metrics (one flat row, enforcement counts included) from its trace records."""

    def stack(name: str) -> Any:
        return np.array([r["outcome"][name] for r in records], dtype=np.float64)

    nash = Benchmarks.from_observables(benchmarks, "nash")
    monopoly = Benchmarks.from_observables(benchmarks, "monopoly")
    events = [e for r in records for e in r["events"]]
    q, p = stack("quantity"), stack("price")
    profit, surplus = stack("round_profit"), stack("consumer_surplus")
    return market_metrics(market, q, p, profit, surplus, nash, monopoly, events, params).as_row()


def _usage(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Fallbacks, faults, text reactions and LLM calls, tokens and cost over a run's records."""
    records = list(records)
    firms = [f for r in records for f in r["firms"].values()]
    llm = [f["decision"]["record"] for f in firms if f["kind"] == "llm"]
    tokens = [(x.get("tokens") or {}).get("total_tokens") for x in llm]
    costs = [x.get("cost_usd") for x in llm]
    return {
        "fallbacks": sum(bool(f["decision"]["fallback"]) for f in firms),
        "text_reactions": text_reactions(records),
        "faults": sum(len(firm_faults(f)) for f in firms),
        "llm_calls": sum(len(x.get("exchanges", ())) for x in llm),
        "tokens": sum(t for t in tokens if t is not None),
        "cost_usd": sum(c for c in costs if c is not None) if costs and None not in costs else None,
    }


def _false_positives(
    run: RunSpec, records: Sequence[Mapping[str, Any]], facts: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The run's fines-toward-Nash counts as JSON (``None``: no Nash action benchmark)."""
    institution = compiled_for(run).institution
    counts = run_false_positives(records, facts["benchmarks"], facts["agents"], institution)
    return None if counts is None else counts.as_json()


def _attribution(run: RunSpec, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The run's acts per evidence signal as JSON (``specs/explain.md``)."""
    from govlang.explain.attribution import attribute
    from govlang.explain.recorded import RecordedActs

    return attribute(RecordedActs(compiled_for(run), "", ""), records).as_json()


def write_summary(
    directory: Path, run: RunSpec, facts: Mapping[str, Any], params: MetricParams, wall: float
) -> dict[str, Any]:
    """Compute a finished run's metrics and write its ``summary.json`` (the completion marker)."""
    records = list(iter_trace(directory / "trace.jsonl"))
    if len(records) != run.rounds:
        raise RuntimeError(f"run {run.run_id}: {len(records)} of {run.rounds} rounds in the trace")
    summary = {
        "format": "govlang.run-summary",
        "version": 1,
        "run_id": run.run_id,
        "run": _public_run(run),
        "agents": facts["agents"],
        "benchmarks": facts["benchmarks"],
        "metric_params": params.model_dump(mode="json"),
        "metrics": run_metrics(run.market_kind, records, facts["benchmarks"], params),
        "usage": {**_usage(records), "wall_time_s": round(wall, 3)},
        "false_positives": _false_positives(run, records, facts),
        "attribution": _attribution(run, records),
    }
    write_run_tables(directory, records, facts, run.market_kind)
    write_run_page(directory, run, summary["metrics"], records)
    _write_atomic(directory / SUMMARY, canonical_json(summary, indent=2) + "\n")
    return summary


def _public_run(run: RunSpec) -> dict[str, Any]:
    """The run spec as JSON with the firms' secrets redacted."""
    data = run.model_dump(mode="json", exclude={"firms"})
    data["firms"] = [f.public() for f in run.firms]
    return data


# ---------------------------------------------------------------------------- all runs


def collect(out: Path, runs: Sequence[RunSpec], spec: ExperimentSpec) -> list[dict[str, Any]]:
    """One row per complete run, in plan order (metrics recomputed if the params changed)."""
    params = spec.metrics
    wanted = params.model_dump(mode="json")
    rows = []
    for run in runs:
        path = run_dir(out, run) / SUMMARY
        if not path.is_file():
            continue
        summary = json.loads(path.read_text(encoding="utf-8"))
        metrics = summary["metrics"]
        if summary["metric_params"] != wanted:
            records = list(iter_trace(run_dir(out, run) / "trace.jsonl"))
            metrics = run_metrics(run.market_kind, records, summary["benchmarks"], params)
        rows.append({**_identity(run, spec.name), **metrics, **summary["usage"]})
    return rows


def _identity(run: RunSpec, experiment: str) -> dict[str, Any]:
    """The identifying columns of a run's row."""
    return {
        "experiment": experiment,
        "config": run.population,
        "firms": "+".join(f.kind for f in run.firms),
        "regime": run.regime,
        "run_index": run.index,
        "seed": run.seed,
        "run_id": run.run_id,
        "rounds": run.rounds,
    }


def columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Column order: identity, metrics (first row's order), run health."""
    seen = [k for k in rows[0] if k not in ID_COLUMNS and k not in USAGE_COLUMNS] if rows else []
    return [*ID_COLUMNS, *seen, *USAGE_COLUMNS]


def write_tables(
    out: Path,
    rows: Sequence[Mapping[str, Any]],
    runs: Sequence[RunSpec] = (),
    ready: Mapping[Path, Mapping[str, Any]] | None = None,
) -> None:
    """Write ``runs.csv``, ``runs.parquet`` and the tidy tables of the complete ``runs``.

    ``runs.*`` hold one row per run (same columns); ``rounds``, ``events`` and ``series`` are
    described in :mod:`govlang.experiments.tidy` (``ready``: runs' tidy tables already read,
    by run folder).
    """
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    names = columns(rows)
    table = [{k: row.get(k) for k in names} for row in rows]
    try:
        with (out / "runs.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(table)
        arrow = pa.Table.from_pylist(table) if table else pa.table({n: [] for n in names})
        pq.write_table(arrow.select(names), out / "runs.parquet")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the run tables: {exc.strerror or exc}") from None
    by_id = {run.run_id: run for run in runs}
    combine_tables(
        out,
        (
            ({k: row[k] for k in IDENTITY}, run_dir(out, row_run), row_run.market_kind)
            for row in rows
            if (row_run := by_id.get(row["run_id"])) is not None
        ),
        ready,
    )


# ---------------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Comparisons:
    """The regime statistics of an experiment.

    ``pooled[regime]`` and ``by_config[config][regime]`` summarise tiers (mean with CI, tier
    distribution, severe incidence); ``versus[regime]`` compares it with ``ungoverned``
    (Cohen's d and Welch pooled over configurations, sign-flip test paired by configuration),
    or says why it cannot; ``enforcement[regime]`` totals the enforcement counts;
    ``welfare[regime]`` summarises the welfare outcomes and ``worse[regime]`` lists the
    configurations whose consumers are worse off than ungoverned
    (:mod:`govlang.experiments.welfare_summary`); ``exclude_idle`` is the idle reading of the
    tiers.
    """

    regimes: tuple[str, ...]
    configs: tuple[str, ...]
    pooled: dict[str, RegimeSummary]
    by_config: dict[str, dict[str, RegimeSummary]]
    versus: dict[str, Comparison | str]
    enforcement: dict[str, dict[str, float]]
    welfare: dict[str, WelfareSummary] = field(default_factory=dict)
    worse: dict[str, list[Worse]] = field(default_factory=dict)
    exclude_idle: bool = True


ENFORCEMENT_COLUMNS = (
    "warnings",
    "fines",
    "fine_total",
    "suspensions",
    "constrained_rounds",
    "credits",
    "blocked_requests",
    "restorations",
)
"""The enforcement counts totalled per regime in reports."""


def _tiers(rows: Iterable[Mapping[str, Any]], regime: str, config: str | None = None) -> list[int]:
    """The tiers of the rows of ``regime`` (and ``config``)."""
    return [
        int(r["tier"])
        for r in rows
        if r["regime"] == regime and (config is None or r["config"] == config)
    ]


def compare(rows: Sequence[Mapping[str, Any]], spec: ExperimentSpec) -> Comparisons:
    """The regime statistics of the complete runs (regimes or configs without runs left out)."""
    from govlang.experiments.stats import summarize_regime  # scipy: only when comparing

    configs = tuple(c for c in spec.populations if any(r["config"] == c for r in rows))
    regimes: tuple[str, ...] = tuple(g for g in spec.regimes if _tiers(rows, g))
    pooled = {g: summarize_regime(_tiers(rows, g)) for g in regimes}
    by_config = {
        c: {g: summarize_regime(t) for g in regimes if (t := _tiers(rows, g, c))} for c in configs
    }
    versus = {g: _versus(rows, configs, g) for g in regimes if g != "ungoverned"}
    enforcement = {
        g: {k: float(sum(r[k] for r in rows if r["regime"] == g)) for k in ENFORCEMENT_COLUMNS}
        | {"runs_with_action": float(sum(bool(r["any_action"]) for r in rows if r["regime"] == g))}
        for g in regimes
    }
    exclude_idle = spec.metrics.aggregation.exclude_idle
    welfare = {
        g: summarize_welfare([r for r in rows if r["regime"] == g], exclude_idle) for g in regimes
    }
    worse = {g: worse_off(rows, configs, g) for g in regimes if g != "ungoverned"}
    return Comparisons(
        regimes, configs, pooled, by_config, versus, enforcement, welfare, worse, exclude_idle
    )


def _versus(
    rows: Sequence[Mapping[str, Any]], configs: Sequence[str], regime: str
) -> Comparison | str:
    """``regime`` against ``ungoverned``, or the reason the comparison cannot be made."""
    from govlang.experiments.stats import compare_regimes

    base = {c: _tiers(rows, "ungoverned", c) for c in configs}
    treated = {c: _tiers(rows, regime, c) for c in configs}
    paired = [c for c in configs if base[c] and treated[c]]
    if not paired:
        return "no configuration has runs under both regimes"
    if sum(len(base[c]) for c in paired) < 2 or sum(len(treated[c]) for c in paired) < 2:
        return "Welch's test needs at least two runs per regime"
    return compare_regimes({c: base[c] for c in paired}, {c: treated[c] for c in paired})


# ---------------------------------------------------------------------------- notes


def notes(spec: ExperimentSpec, rows: Sequence[Mapping[str, Any]], key_source: str) -> list[str]:
    """The honesty notes of the report (plain text, one paragraph each)."""
    out = []
    out += regime_notes(spec, rows)
    out += talk_notes(spec)
    trouble = sum(int(r["faults"]) for r in rows), sum(int(r["fallbacks"]) for r in rows)
    if any(trouble):
        out.append(
            f"{trouble[0]} firm fault(s) and {trouble[1]} fallback decision(s) were recorded; "
            "each is in its run's trace (firms[...].faults, decision.fallback)."
        )
    calls = sum(int(r["llm_calls"]) for r in rows)
    if calls:
        costs = [r["cost_usd"] for r in rows if int(r["llm_calls"])]
        cost = f"${sum(costs):.4f}" if None not in costs else "unknown (not priced by litellm)"
        tokens = sum(int(r["tokens"]) for r in rows)
        out.append(
            f"LLM usage: {calls} exchange(s) (cache hits included), {tokens} tokens, cost {cost}."
        )
    missing = len(spec.populations) * len(spec.regimes) * spec.runs - len(rows)
    if missing:
        out.append(f"{missing} planned run(s) are not complete and are left out.")
    out += _constraint_notes(spec, rows)
    configs = [c for c in spec.populations if any(r["config"] == c for r in rows)]
    for regime in (g for g in spec.regimes if g != "ungoverned"):
        out += warnings(worse_off(rows, configs, regime))
    out.append(
        f"Governance logs are signed with {key_source}; each run's log is "
        "runs/<run_id>/governance.jsonl. The key's holder verifies them with `govlang verify "
        "RESULTS`; anyone else with `govlang verify RESULTS --public-key PEM` and the signer's "
        "public key (log-public-key.pem here is a copy that whoever can edit this folder could "
        "replace; specs/integrity.md says what a verified log proves)."
    )
    return out


def _constraint_notes(spec: ExperimentSpec, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Say how much output suspensions removed, and which non-colluding configs were punished."""
    governed = [r for r in rows if r["regime"] == "institutional"]
    firm_rounds = len(governed) * spec.rounds * spec.market.n_firms()
    constrained = sum(int(r["constrained_rounds"]) for r in governed)
    out = []
    if constrained:
        share = f"{100 * constrained / firm_rounds:.1f}% of firm-rounds"
        if spec.metrics.aggregation.exclude_idle:
            how = (
                "rounds in which a firm produced nothing are left out of the tier metrics "
                "(the tier reads the play that took place; counting them as an empty, "
                "unconcentrated market would lower the excess by itself -- runs.csv has both "
                "readings, tier_idle_excluded and tier_idle_counted)"
            )
        else:
            how = (
                "zero output enters the tier metrics as it is (an empty market has HHI 0, a "
                "firm producing nothing CV 0), which lowers the excess by itself; runs.csv "
                "also has the tier with those rounds left out (tier_idle_excluded)"
            )
        out.append(
            f"Under the institutional regime {share} were played under an action constraint "
            f"(a suspension forces output to zero): {how}. Read the tiers together with "
            "price / Nash and CS / Nash."
        )
    for config in spec.populations:
        base = [r for r in rows if r["config"] == config and r["regime"] == "ungoverned"]
        mine = [r for r in governed if r["config"] == config]
        fines = sum(int(r["fines"]) for r in mine)
        if base and mine and all(int(r["tier"]) == 0 for r in base) and fines:
            out.append(
                f"Configuration {config} shows no collusion evidence without the institution "
                f"(every ungoverned run at tier 0), yet under the institutional regime it drew "
                f"{fines} fine(s) and {sum(int(r['suspensions']) for r in mine)} suspension(s): "
                "the institution's evidence also fires on this non-colluding play."
            )
    return out


# ---------------------------------------------------------------------------- manifest


def public_key_record(out: Path) -> dict[str, str] | None:
    """The results' public key file and its fingerprint, for ``manifest.json``."""
    from govlang.experiments.logkey import PUBLIC_KEY_FILE, recorded_fingerprint

    found = recorded_fingerprint(out)
    return None if found is None else {"file": PUBLIC_KEY_FILE, "fingerprint": found}


def write_manifest(
    out: Path,
    spec: ExperimentSpec,
    compiled: CompiledInstitution,
    runs: Sequence[RunSpec],
    key_source: str,
    diagram_problem: str | None,
) -> None:
    """Write ``manifest.json``: the experiment, the institution's manifest and every run id."""
    experiment = spec.model_dump(mode="json", exclude={"populations", "llm"})
    experiment["populations"] = {
        name: {"description": p.description, "firms": [f.public() for f in p.firms]}
        for name, p in spec.populations.items()
    }
    experiment["llm"] = spec.llm.model_dump(mode="json", exclude={"api_key"})
    manifest = {
        "format": "govlang.experiment",
        "version": 1,
        "experiment": experiment,
        "digest": compiled.digest,
        "institution": compiled.manifest,
        "diagram": "institution.svg" if diagram_problem is None else None,
        "diagram_problem": diagram_problem,
        "log_key": key_source,
        "log_public_key": public_key_record(out),
        "runs": [
            {k: getattr(r, k) for k in ("run_id", "population", "regime", "index", "seed")}
            for r in runs
        ],
    }
    _write_atomic(out / "manifest.json", canonical_json(manifest, indent=2) + "\n")
