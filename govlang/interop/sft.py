"""``govlang export-sft RESULTS -o data.jsonl``: governed trajectories as chat-format JSONL.

One record per **firm-round** (a firm's decision in one round of one run): ``messages``, the
system, user and assistant turns as the firm saw them (:mod:`govlang.interop.turns`), and
``provenance``, which ties the record to the governance log: the institution's semantic
digest, the run, round and agent, the edges the firm's standing moved along that round, and
the SHA-256 of every governance-log line recording one of the firm's events that round, as
``govlang explain`` reports them. Rounds whose decision was a fallback (the firm could not
decide) are left out and counted. The field list is ``specs/interop.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govlang.interop.results_source import ExportError, LogLine, Results, RunData
from govlang.interop.turns import RunTurns

MOVES = ("traversal", "restoration")
"""The event kinds whose edge moved a firm's standing."""


@dataclass(frozen=True)
class Filters:
    """Which firm-rounds to export; ``None`` or empty means no restriction."""

    regimes: tuple[str, ...] = ()
    tiers: tuple[int, ...] = ()
    standings: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    first_round: int | None = None
    last_round: int | None = None
    unsanctioned: bool = False

    def described(self) -> list[str]:
        """One line per filter in force (for the dataset card)."""
        lines = [
            f"{name}: {', '.join(map(str, values))}"
            for name, values in (
                ("regime", self.regimes),
                ("tier", self.tiers),
                ("standing", self.standings),
                ("run", self.runs),
                ("agent", self.agents),
            )
            if values
        ]
        if self.first_round is not None or self.last_round is not None:
            lines.append(f"rounds: {self.first_round or 1} to {self.last_round or 'last'}")
        if self.unsanctioned:
            lines.append("only rounds in which the firm was not sanctioned")
        return lines


@dataclass
class Export:
    """The records of an export and what was counted on the way."""

    records: list[dict[str, Any]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    left_out_fallback: int = 0
    rendered: int = 0
    recorded: int = 0


def export(results: Results, filters: Filters) -> Export:
    """Every selected firm-round of ``results``; :class:`ExportError` on an unknown value."""
    runs = select_runs(results, filters)
    done = Export()
    institution = results.manifest["institution"]
    for run in runs:
        before = len(done.records)
        for record in _run_records(results, run, institution, filters, done):
            done.records.append(record)
        if len(done.records) > before:
            done.runs.append(run.run_id)
    if not done.records:
        raise ExportError(
            "the selection is empty: no firm-round matches "
            + ("; ".join(filters.described()) or "(no filters)")
            + (
                f" ({done.left_out_fallback} fallback decisions left out)"
                if done.left_out_fallback
                else ""
            )
        )
    return done


def select_runs(results: Results, filters: Filters) -> list[RunData]:
    """The runs that pass the run-level filters; unknown values listed against what exists."""
    runs = results.runs
    _known("regime", filters.regimes, sorted({str(r.spec["regime"]) for r in runs}))
    _known("tier", filters.tiers, sorted({r.tier for r in runs if r.tier is not None}))
    ids = [r.run_id for r in runs]
    for wanted in filters.runs:
        matches = [i for i in ids if i.startswith(wanted)]
        if len(matches) != 1:
            what = "no run" if not matches else f"{len(matches)} runs"
            raise ExportError(
                f"--run {wanted}: {what} with this id (prefix); the runs are: " + ", ".join(ids)
            )
    agents = sorted({str(a) for r in runs for a in r.summary.get("agents", [])})
    _known("agent", filters.agents, agents)
    if filters.standings:
        states = results.manifest["institution"]["scopes"].get("agent", {}).get("states", [])
        _known("standing", filters.standings, [str(s["name"]) for s in states])
    return [
        r
        for r in runs
        if (not filters.regimes or r.spec["regime"] in filters.regimes)
        and (not filters.tiers or r.tier in filters.tiers)
        and (not filters.runs or any(r.run_id.startswith(w) for w in filters.runs))
    ]


def _known(name: str, wanted: Sequence[Any], existing: Sequence[Any]) -> None:
    unknown = [w for w in wanted if w not in existing]
    if unknown:
        listed = ", ".join(map(str, existing)) or "(none)"
        raise ExportError(
            f"--{name} {', '.join(map(str, unknown))}: not in these results; "
            f"the {name} values that exist are: {listed}"
        )


def _run_records(
    results: Results,
    run: RunData,
    institution: Mapping[str, Any],
    filters: Filters,
    done: Export,
) -> Iterator[dict[str, Any]]:
    """The selected records of one run, in round then agent order."""
    trace = list(run.trace())
    log = _event_lines(run.log())
    header = next((line for line in run.log() if line.entry.get("kind") == "header"), None)
    turns = RunTurns(run, institution)
    log_path = (run.folder / "governance.jsonl").relative_to(results.folder).as_posix()
    cursor = iter(log)
    for index, record in enumerate(trace):
        events = record.get("events") or []
        entries = [_match(next(cursor, None), event, run) for event in events]
        for agent in record["firms"]:
            if _wanted(record, agent, events, filters):
                entry = record["firms"][agent]
                if entry["decision"].get("fallback"):
                    done.left_out_fallback += 1
                    continue
                messages, source = turns.turns(record, agent)
                setattr(done, source, getattr(done, source) + 1)
                mine = [
                    (e, line)
                    for e, line in zip(events, entries, strict=True)
                    if e.get("instance") == agent
                ]
                yield {
                    "messages": messages,
                    "provenance": _provenance(
                        results, run, record, agent, mine, header, log_path, source
                    ),
                }
        following = trace[index + 1]["firms"] if index + 1 < len(trace) else {}
        turns.advance(record, {a: f["seen"]["info"] for a, f in following.items()})


def _wanted(
    record: Mapping[str, Any], agent: str, events: Sequence[Mapping[str, Any]], filters: Filters
) -> bool:
    round_ = int(record["round"])
    if filters.agents and agent not in filters.agents:
        return False
    if filters.first_round is not None and round_ < filters.first_round:
        return False
    if filters.last_round is not None and round_ > filters.last_round:
        return False
    if filters.standings and _standing(record, agent) not in filters.standings:
        return False
    sanctioned = any(e.get("kind") == "sanction" and e.get("instance") == agent for e in events)
    return not (filters.unsanctioned and sanctioned)


def _standing(record: Mapping[str, Any], agent: str) -> str | None:
    """The firm's state when it decided (``None`` when no institution ran)."""
    governed = record["firms"][agent]["seen"]["info"].get("govlang") or {}
    state = governed.get("state")
    return str(state) if state is not None else None


def _event_lines(log: Sequence[LogLine]) -> list[LogLine]:
    from govlang.runtime.events import EVENT_KINDS

    return [line for line in log if line.entry.get("kind") in EVENT_KINDS]


def _match(line: LogLine | None, event: Mapping[str, Any], run: RunData) -> LogLine:
    """The log entry recording ``event``: the next one, which must agree with it."""
    keys = ("kind", "round", "instance", "edge")
    if line is None or any(line.entry.get(k) != event.get(k) for k in keys):
        raise ExportError(
            f"run {run.run_id}: the governance log does not record the trace's events "
            f"(round {event.get('round')}, {event.get('kind')} of {event.get('instance')}); "
            "check it with `govlang verify`"
        )
    return line


def _provenance(
    results: Results,
    run: RunData,
    record: Mapping[str, Any],
    agent: str,
    mine: Sequence[tuple[Mapping[str, Any], LogLine]],
    header: LogLine | None,
    log_path: str,
    source: str,
) -> dict[str, Any]:
    spec = run.spec
    entry = record["firms"][agent]
    return {
        "results": results.folder.name,
        "experiment": results.experiment,
        "run_id": run.run_id,
        "population": str(spec["population"]),
        "regime": str(spec["regime"]),
        "seed": int(spec["seed"]),
        "tier": run.tier,
        "round": int(record["round"]),
        "agent": agent,
        "firm_kind": str(entry["kind"]),
        "turns": source,
        "manifest_digest": str(spec["digest"]),
        "standing_before": _standing(record, agent),
        "standing_after": (record.get("standings") or {}).get(agent),
        "sanctioned": any(e.get("kind") == "sanction" for e, _ in mine),
        "edges_fired": [str(e["edge"]) for e, _ in mine if e.get("kind") in MOVES],
        "log_path": log_path,
        "log_header_hash": header.hash if header is not None else None,
        "log_entries": [
            {"seq": line.seq, "hash": line.hash, "kind": str(e["kind"]), "edge": e.get("edge")}
            for e, line in mine
        ],
        "requested": entry["decision"]["action"],
        "effective": record["effective"][agent],
        "payoff_raw": float(record["payoffs"]["raw"][agent]),
        "payoff_mediated": float(record["payoffs"]["mediated"][agent]),
    }


def jsonl(records: Sequence[Mapping[str, Any]]) -> str:
    """The records as JSON Lines (UTF-8 text, one object per line)."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
