"""Tidy tables beside ``runs.parquet``: one row per firm-round, per event, per market round.

``specs/tables.md`` is the normative schema. Each table is built from a run's trace records:

* :func:`round_rows` -- ``rounds.parquet``: run x round x agent (requested and effective
  action, raw and mediated payoff, fines and grants, state and public label, notices seen,
  stated reason and its codes, fallback and faults, and the monitor values the institution
  computed for the agent that round);
* :func:`event_rows` -- ``events.parquet``: run x round x institutional event (kind, rule,
  edge, states, sanction, amount, notice text, the boolean signals that held, every monitor
  value);
* :func:`series_rows` -- ``series.parquet``: run x round market measures against Nash
  (HHI and CV excess for Cournot, price, quantity, consumer surplus, profit gain).

The worker writes a run's three tables into its folder when the run completes
(:func:`write_run_tables`); :func:`combine_tables` concatenates them into the results
folder's tables, adding each run's identity columns, and builds them from the trace for a
run that was played before the tables existed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from govlang.experiments.faults import firm_faults
from govlang.experiments.numbers import flat_numbers
from govlang.experiments.reasons import CODES, code_reason, reason_text
from govlang.experiments.run_loop import iter_trace
from govlang.lang.frontend import InputError
from govlang.markets import registry
from govlang.markets.measures import excess_over, hhi

__all__ = [
    "COLUMNS",
    "IDENTITY",
    "TABLES",
    "arrow_table",
    "combine_tables",
    "event_rows",
    "round_rows",
    "run_table",
    "run_tables",
    "schema",
    "series_rows",
    "write_run_tables",
]

TABLES = ("rounds", "events", "series")
"""The tidy tables, written as ``<name>.parquet``."""

IDENTITY: dict[str, str] = {
    "experiment": "string",
    "config": "string",
    "firms": "string",
    "regime": "string",
    "run_index": "int64",
    "seed": "int64",
    "run_id": "string",
    "rounds": "int64",
}
"""The identity columns that lead every combined table (as in ``runs.csv``) and their types."""

COLUMNS: dict[str, dict[str, str]] = {
    "rounds": {
        "round": "int64",
        "agent": "string",
        "kind": "string",
        "requested": "list<double>",
        "effective": "list<double>",
        "raw_payoff": "double",
        "mediated_payoff": "double",
        "fined": "double",
        "received": "double",
        "state": "string",
        "label": "string",
        "notices_seen": "int64",
        "notices": "list<string>",
        "reasoning": "string",
        "plans": "string",
        "insights": "string",
        **{f"reason_{code}": "bool" for code in CODES},
        "fallback": "bool",
        "faults": "int64",
        "monitors": "string",
    },
    "events": {
        "round": "int64",
        "index": "int64",
        "kind": "string",
        "scope": "string",
        "instance": "string",
        "rule": "string",
        "edge": "string",
        "from_state": "string",
        "to_state": "string",
        "sanction": "string",
        "amount": "double",
        "text": "string",
        "rule_line": "int64",
        "signals": "list<string>",
        "monitors": "string",
        "detail": "string",
    },
    "series": {
        "round": "int64",
        "hhi_excess": "double",
        "cv_excess": "double",
        "price_vs_nash": "double",
        "quantity_vs_nash": "double",
        "consumer_surplus_vs_nash": "double",
        "profit_gain": "double",
        "fines": "double",
        "sanctions": "int64",
        "states": "string",
    },
}
"""Each table's own columns and their Arrow types (``specs/tables.md`` documents each)."""


def _agent_monitors(events: Sequence[Mapping[str, Any]], agent: str) -> dict[str, Any] | None:
    """The monitor values the round's first event of ``agent`` carries (``None``: no event).

    An agent-scope event records the monitors as that instance sees them (per-agent
    monitors at the agent's own entry).
    """
    for event in events:
        if event.get("instance") == agent and event.get("monitors"):
            return dict(event["monitors"])
    return None


def round_rows(records: Iterable[Mapping[str, Any]], agents: Sequence[str]) -> list[dict[str, Any]]:
    """``rounds.parquet`` rows (module docstring) of one run's trace records."""
    rows = []
    for record in records:
        payoffs = record.get("payoffs") or {}
        raw, mediated = payoffs.get("raw") or {}, payoffs.get("mediated") or {}
        events = record.get("events") or []
        for agent in agents:
            firm = record["firms"][agent]
            info = (firm.get("seen") or {}).get("info") or {}
            gov = info.get("govlang") or {}
            decision = firm.get("decision") or {}
            notes = decision.get("notes") or {}
            text = reason_text(decision)
            codes = code_reason(text) if text else frozenset()
            fines, received = _money(events, agent)
            monitors = _agent_monitors(events, agent)
            rows.append(
                {
                    "round": int(record["round"]),
                    "agent": agent,
                    "kind": str(firm.get("kind")),
                    "requested": flat_numbers((record.get("requested") or {}).get(agent)),
                    "effective": flat_numbers((record.get("effective") or {}).get(agent)),
                    "raw_payoff": _number(raw.get(agent)),
                    "mediated_payoff": _number(mediated.get(agent)),
                    "fined": fines,
                    "received": received,
                    "state": (record.get("standings") or {}).get(agent),
                    "label": (firm.get("view") or {}).get("standing") or gov.get("label"),
                    "notices_seen": len((firm.get("view") or {}).get("notices") or []),
                    "notices": list((firm.get("view") or {}).get("notices") or []),
                    "reasoning": str(decision.get("reasoning") or ""),
                    "plans": str(notes.get("plans") or ""),
                    "insights": str(notes.get("insights") or ""),
                    **{f"reason_{code}": code in codes for code in CODES},
                    "fallback": bool(decision.get("fallback")),
                    "faults": len(firm_faults(firm)),
                    "monitors": None if monitors is None else json.dumps(monitors, sort_keys=True),
                }
            )
    return rows


def _number(value: Any) -> float | None:
    """A float, or ``None`` when absent."""
    return None if value is None else float(value)


def _amount(event: Mapping[str, Any]) -> float:
    """How much an event took from its instance (``payoff_before - payoff_after``; may be < 0)."""
    agent = event.get("instance")
    before = (event.get("payoff_before") or {}).get(agent)
    after = (event.get("payoff_after") or {}).get(agent)
    return 0.0 if before is None or after is None else float(before) - float(after)


def _money(events: Sequence[Mapping[str, Any]], agent: str) -> tuple[float, float]:
    """The agent's fines and grants in a round's sanction events."""
    fines = received = 0.0
    for event in events:
        if event.get("kind") != "sanction" or event.get("instance") != agent:
            continue
        amount = _amount(event)
        fines += max(amount, 0.0)
        received += max(-amount, 0.0)
    return fines, received


def _held(monitors: Mapping[str, Any]) -> list[str]:
    """The names of the boolean monitors that are true."""
    return sorted(name for name, value in monitors.items() if value is True)


def event_rows(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``events.parquet`` rows (module docstring) of one run's trace records."""
    rows = []
    for record in records:
        for index, event in enumerate(record.get("events") or []):
            detail = event.get("detail") or {}
            agent = event.get("instance")
            monitors = event.get("monitors") or {}
            rule_span = event.get("rule_span") or {}
            rows.append(
                {
                    "round": int(record["round"]),
                    "index": index,
                    "kind": str(event.get("kind")),
                    "scope": event.get("scope"),
                    "instance": agent,
                    "rule": event.get("rule"),
                    "edge": event.get("edge"),
                    "from_state": detail.get("from"),
                    "to_state": detail.get("to") if isinstance(detail.get("to"), str) else None,
                    "sanction": detail.get("sanction"),
                    "amount": _amount(event) if event.get("kind") == "sanction" else None,
                    "text": detail.get("text"),
                    "rule_line": rule_span.get("line"),
                    "signals": _held(monitors),
                    "monitors": json.dumps(monitors, sort_keys=True),
                    "detail": json.dumps(detail, sort_keys=True),
                }
            )
    return rows


def _series_cournot(q: Any, nash_q: Any) -> tuple[Any, Any]:
    """Per-round mean HHI excess (over commodities) and CV excess (over firms)."""
    from govlang.experiments.metrics import round_excess

    hhi_ex, cv_ex = round_excess(q, nash_q)
    return hhi_ex.mean(axis=1), cv_ex.mean(axis=1)


def series_rows(
    records: Sequence[Mapping[str, Any]], benchmarks: Mapping[str, Any], market: str
) -> list[dict[str, Any]]:
    """``series.parquet`` rows (module docstring) of one run's trace records."""
    if not records:
        return []

    def stack(name: str) -> Any:
        return np.array([r["outcome"][name] for r in records], dtype=np.float64)

    q, price = stack("quantity"), stack("price")
    profit, surplus = stack("round_profit"), stack("consumer_surplus")
    rounds = len(records)
    nash_q = np.asarray(benchmarks["nash.quantity"], dtype=np.float64)
    total_q = q.reshape(rounds, -1).sum(axis=1)
    joint = profit.reshape(rounds, -1).sum(axis=1)
    cs = surplus.reshape(rounds, -1).sum(axis=1)
    nash_profit = float(np.sum(benchmarks["nash.profit"]))
    mono_profit = float(np.sum(benchmarks["monopoly.profit"]))
    nash_cs = float(np.sum(benchmarks["nash.consumer_surplus"]))
    if registry.market(market).metrics == "concentration":
        hhi_ex, cv_ex = _series_cournot(q, nash_q)
    else:
        hhi_ex = excess_over(hhi(q, axis=1), hhi(nash_q, axis=0))
        cv_ex = np.full(rounds, math.nan)
    span = mono_profit - nash_profit
    rows = []
    for t, record in enumerate(records):
        standings = record.get("standings") or {}
        rows.append(
            {
                "round": int(record["round"]),
                "hhi_excess": float(hhi_ex[t]),
                "cv_excess": float(cv_ex[t]),
                "price_vs_nash": _ratio(float(price[t].mean()), benchmarks["nash.price"]),
                "quantity_vs_nash": float(total_q[t]) / float(nash_q.sum()),
                "consumer_surplus_vs_nash": float(cs[t]) / nash_cs if nash_cs else math.nan,
                "profit_gain": (float(joint[t]) - nash_profit) / span if span else math.nan,
                "fines": sum(_money(record.get("events") or [], a)[0] for a in standings),
                "sanctions": sum(e.get("kind") == "sanction" for e in record.get("events") or []),
                "states": json.dumps(standings, sort_keys=True),
            }
        )
    return rows


def _ratio(value: float, reference: Any) -> float:
    """``value`` over the mean of the reference; ``nan`` where that mean is 0."""
    ref = float(np.mean(reference))
    return value / ref if ref else math.nan


def run_tables(
    records: Sequence[Mapping[str, Any]], facts: Mapping[str, Any], market: str
) -> dict[str, list[dict[str, Any]]]:
    """A run's three tables from its trace ``records`` and ``facts`` (agents, benchmarks)."""
    agents = [str(a) for a in facts["agents"]]
    return {
        "rounds": round_rows(records, agents),
        "events": event_rows(records),
        "series": series_rows(records, facts["benchmarks"], market),
    }


def _type(name: str) -> Any:
    """The Arrow type named ``name`` (``list<x>`` for lists)."""
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    if name.startswith("list<"):
        return pa.list_(_type(name[5:-1]))
    return {"string": pa.string(), "int64": pa.int64(), "double": pa.float64()}.get(
        name, pa.bool_()
    )


def schema(table: str, identity: bool = False) -> Any:
    """The Arrow schema of ``table`` (with the identity columns first when ``identity``)."""
    import pyarrow as pa

    columns = {**(IDENTITY if identity else {}), **COLUMNS[table]}
    return pa.schema([(name, _type(kind)) for name, kind in columns.items()])


def arrow_table(table: str, rows: Sequence[Mapping[str, Any]]) -> Any:
    """A run's ``rows`` of ``table`` as an Arrow table with the table's schema.

    Built column by column (a missing key is a null), as ``pyarrow.Table.from_pylist`` would
    build it, at a fraction of the cost.
    """
    import pyarrow as pa

    shape = schema(table)
    columns = [pa.array([row.get(f.name) for row in rows], type=f.type) for f in shape]
    return pa.Table.from_arrays(columns, schema=shape)


def _write(path: Path, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write a run's ``rows`` of ``table`` as a Parquet file with the table's schema."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    pq.write_table(arrow_table(table, rows), path)


def write_run_tables(
    directory: Path, records: Sequence[Mapping[str, Any]], facts: Mapping[str, Any], market: str
) -> None:
    """Write a completed run's ``rounds``, ``events`` and ``series`` tables into its folder."""
    for name, rows in run_tables(records, facts, market).items():
        _write(directory / f"{name}.parquet", name, rows)


def run_table(folder: Path, name: str, market: str) -> Any:
    """A run's table: its folder's Parquet file, or built from its trace (older results)."""
    import pyarrow.parquet as pq

    path = folder / f"{name}.parquet"
    if path.is_file():
        # one small file: a single-threaded read of the file skips the dataset machinery
        return pq.ParquetFile(path).read(use_threads=False)
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    records = list(iter_trace(folder / "trace.jsonl"))
    return arrow_table(name, run_tables(records, summary, market)[name])


def combine_tables(
    out: Path,
    runs: Iterable[tuple[Mapping[str, Any], Path, str]],
    ready: Mapping[Path, Mapping[str, Any]] | None = None,
) -> dict[str, int]:
    """Write ``<out>/{rounds,events,series}.parquet`` from the complete runs; return row counts.

    ``runs`` yields each complete run's identity columns, its folder and its market kind;
    the identity columns come first in every table. ``ready`` holds runs' tables already read
    (:func:`run_table`), by folder and table name.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts: dict[str, list[Any]] = {name: [] for name in TABLES}
    owners: dict[str, list[tuple[Mapping[str, Any], int]]] = {name: [] for name in TABLES}
    for identity, folder, market in runs:
        known = (ready or {}).get(folder, {})
        for name in TABLES:
            table = known[name] if name in known else run_table(folder, name, market)
            if table is None or table.num_rows == 0:
                continue
            parts[name].append(table)
            owners[name].append((identity, table.num_rows))
    counts = {}
    try:
        for name, tables in parts.items():
            combined = _identified(tables, owners[name]) if tables else None
            pq.write_table(
                combined if combined is not None else pa.table({}), out / f"{name}.parquet"
            )
            counts[name] = 0 if combined is None else combined.num_rows
    except OSError as exc:
        raise InputError(f"{out}: cannot write the tidy tables: {exc.strerror or exc}") from None
    return counts


def _identified(tables: Sequence[Any], owners: Sequence[tuple[Mapping[str, Any], int]]) -> Any:
    """The runs' ``tables`` end to end, each row led by its run's identity columns."""
    import pyarrow as pa

    combined = pa.concat_tables(tables, promote_options="default")
    keys = list(owners[0][0])
    identity = [pa.array([run[key] for run, rows in owners for _ in range(rows)]) for key in keys]
    return pa.Table.from_arrays(
        [*identity, *combined.columns], names=[*keys, *combined.column_names]
    )
