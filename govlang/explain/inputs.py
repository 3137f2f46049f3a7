"""What ``govlang explain`` reads: a results folder, one run's folder or trace, or a bare trace.

* a results folder (``govlang run ... -o RESULTS``): ``manifest.json`` lists the runs;
  ``--run ID`` picks one (a unique prefix will do; it may be left out when there is one run);
* a run's folder ``RESULTS/runs/ID`` or its ``trace.jsonl``: the run's ``summary.json``
  names the institution, its params, the market, the regime and the seed;
* any other JSONL trace: golden-style (``{"kind": "round", "requested": ...}`` lines, each
  followed by its events) or an actions file (``{"round": N, "actions": ...}``, as
  ``govlang replay`` reads); it needs ``--institution FILE`` (and ``--market``, ``--seed``).

Everything wrong with the input is an :class:`ExplainError` naming the file and what exists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.api import compile_document, read_document
from govlang.lang.compile import CompiledInstitution
from govlang.lang.diagnostics import GovlangError
from govlang.lang.frontend import InputError
from govlang.lang.talk_schema import with_channel
from govlang.markets import registry
from govlang.markets.base import MarketEnv
from govlang.runtime.events import EVENT_KINDS
from govlang.runtime.log import line_hash

CHAIN_FIELDS = ("seq", "digest", "prev", "hmac", "sig")
"""The fields a log entry adds to an event's body (`hmac` in logs of format version 1)."""


class ExplainError(ValueError):
    """The input cannot be explained: unknown run, agent or round, or an unreadable file."""


@dataclass(frozen=True)
class LogEntry:
    """A governance-log entry that records an event: its position and its line's SHA-256."""

    path: str
    seq: int
    hash: str
    body: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The entry's coordinates as JSON."""
        return {"path": self.path, "seq": self.seq, "hash": self.hash}


@dataclass(frozen=True)
class RunSource:
    """One recorded run, ready to replay.

    ``requested``: per round, each agent's requested action; ``recorded``: per round, the
    recorded events as JSON (``None`` when the input records none, as an actions file);
    ``log``: the governance-log entries of events, in order (empty without a log).
    """

    run_id: str
    description: str
    compiled: CompiledInstitution
    source_name: str
    source_text: str
    market: Any
    seed: int | None
    regime: str
    requested: tuple[Mapping[str, Any], ...]
    recorded: tuple[Sequence[Mapping[str, Any]], ...] | None
    log: tuple[LogEntry, ...]
    talk: tuple[Mapping[str, Any], ...] | None = None
    """Per round, the trace's ``talk`` entry (``None``: the run had no channel)."""


def open_run(
    path: str | Path,
    run: str | None = None,
    institution: str | None = None,
    market: str = "cournot",
    seed: int | None = 0,
) -> RunSource:
    """The run at ``path`` (see the module docstring)."""
    target = Path(path)
    if not target.exists():
        raise ExplainError(f"{path}: no such file or directory")
    if target.is_dir() and (target / "manifest.json").is_file():
        return _run_dir(_pick_run(target, run))
    if run is not None:
        raise ExplainError(f"{path}: --run needs a results folder (with manifest.json)")
    if target.is_dir():
        if not (target / "trace.jsonl").is_file():
            raise ExplainError(f"{path}: neither a results folder nor a run folder (no trace)")
        return _run_dir(target)
    if (target.parent / "summary.json").is_file() and institution is None:
        return _run_dir(target.parent)
    if institution is None:
        raise ExplainError(
            f"{path}: a trace without its run's summary.json: name the institution with "
            "--institution FILE (and --market, --seed)"
        )
    return _bare_trace(target, institution, market, seed)


def _pick_run(results: Path, run: str | None) -> Path:
    """The folder of run ``run`` (an id or a unique prefix) in a results folder."""
    manifest = _json(results / "manifest.json")
    runs = [r for r in manifest.get("runs", ()) if isinstance(r, dict) and "run_id" in r]
    listing = "\n".join(
        f"  {r['run_id']}  {r.get('population', '?')} / {r.get('regime', '?')} / "
        f"seed {r.get('seed', '?')}"
        for r in runs
    )
    if run is None:
        if len(runs) == 1:
            return results / "runs" / str(runs[0]["run_id"])
        raise ExplainError(
            f"{results}: {len(runs)} runs; choose one with --run ID:\n{listing}".rstrip()
        )
    matches = [r for r in runs if str(r["run_id"]).startswith(run)]
    if len(matches) != 1:
        what = "no run" if not matches else f"{len(matches)} runs"
        raise ExplainError(f"{results}: {what} with id {run!r}; the runs are:\n{listing}")
    folder = results / "runs" / str(matches[0]["run_id"])
    if not (folder / "summary.json").is_file():
        raise ExplainError(f"{folder}: the run is not complete (no summary.json)")
    return folder


def _run_dir(folder: Path) -> RunSource:
    """A run's folder: its summary, trace and governance log."""
    summary = _json(folder / "summary.json")
    spec = summary.get("run")
    if not isinstance(spec, dict):
        raise ExplainError(f"{folder / 'summary.json'}: no `run` entry (not a run summary)")
    try:
        kind, config = str(spec["market_kind"]), dict(spec["market_config"])
        env = _market(kind, config)
        channel = spec.get("talk") is not None
        compiled, name, text = _institution(
            spec["institution_path"], spec.get("institution_params") or {}, env, channel
        )
        regime, seed = str(spec["regime"]), spec.get("seed")
    except KeyError as exc:
        raise ExplainError(f"{folder / 'summary.json'}: `run.{exc.args[0]}` is missing") from None
    if spec.get("digest") and spec["digest"] != compiled.digest:
        raise ExplainError(
            f"{name}: the institution changed since run {folder.name} was played "
            f"(digest {compiled.digest}, the run used {spec['digest']})"
        )
    records = list(_lines(folder / "trace.jsonl"))
    description = (
        f"{spec.get('population', '?')} / {regime} / seed {seed} ({len(records)} rounds, {kind})"
    )
    return RunSource(
        run_id=folder.name,
        description=description,
        compiled=compiled,
        source_name=name,
        source_text=text,
        market=env,
        seed=seed,
        regime=regime,
        requested=tuple(r.get("requested", {}) for r in records),
        recorded=tuple(r.get("events", []) for r in records),
        log=log_entries(folder / "governance.jsonl"),
        talk=tuple(r.get("talk") or {} for r in records) if channel else None,
    )


def _bare_trace(path: Path, institution: str, market: str, seed: int | None) -> RunSource:
    """A golden-style trace or an actions file, with the institution named on the command line."""
    if market not in registry.markets():
        known = ", ".join(registry.markets())
        raise ExplainError(f"--market {market}: choose one of {known}")
    requested: list[Mapping[str, Any]] = []
    recorded: list[list[Mapping[str, Any]]] = []
    golden = False
    for number, line in enumerate(_lines(path), 1):
        if line.get("kind") == "round":
            golden = True
            requested.append(line.get("requested", {}))
            recorded.append([])
        elif line.get("kind") in EVENT_KINDS and recorded:
            recorded[-1].append(line)
        elif "actions" in line:
            requested.append(line["actions"])
        else:
            raise ExplainError(f"{path}:{number}: neither a round, an event nor an actions line")
    if not requested:
        raise ExplainError(f"{path}: no rounds")
    env = _market(market, {"max_rounds": max(len(requested), 1)})
    compiled, name, text = _institution(institution, {}, env)
    return RunSource(
        run_id=path.name,
        description=f"{len(requested)} rounds, {market}, seed {seed}",
        compiled=compiled,
        source_name=name,
        source_text=text,
        market=env,
        seed=seed,
        regime="institutional",
        requested=tuple(requested),
        recorded=tuple(recorded) if golden else None,
        log=(),
    )


def _market(kind: str, config: Mapping[str, Any]) -> MarketEnv:
    try:
        found = registry.market(kind)
    except registry.UnknownMarketError as exc:
        raise ExplainError(str(exc)) from None
    env: MarketEnv = found.make(config)
    return env


def _institution(
    path: str,
    params: Mapping[str, Any],
    env: MarketEnv,
    channel: bool = False,
) -> tuple[CompiledInstitution, str, str]:
    """The compiled institution, its source name and text (checked against the market).

    ``channel``: the run had a channel, so the schema has the message observables.
    """
    try:
        document, data = read_document(path)
    except (InputError, OSError) as exc:
        raise ExplainError(f"cannot read the institution: {exc}") from None
    try:
        schema = with_channel(env.schema(), env.possible_agents) if channel else env.schema()
        compiled = compile_document(document, params, schema, data)
    except GovlangError as exc:
        first = exc.diagnostics[0] if exc.diagnostics else None
        raise ExplainError(f"{path}: the institution does not check: {first}") from None
    return compiled, document.source.name, document.source.text


def log_entries(path: Path) -> tuple[LogEntry, ...]:
    """The event entries of a governance log, in order (none if there is no log)."""
    if not path.is_file():
        return ()
    entries = []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\n")
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ExplainError(f"{path}:{number}: not JSON: {exc.msg}") from None
            if entry.get("kind") in EVENT_KINDS:
                body = {k: v for k, v in entry.items() if k not in CHAIN_FIELDS}
                entries.append(LogEntry(str(path), int(entry["seq"]), line_hash(line), body))
    return tuple(entries)


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExplainError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ExplainError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ExplainError(f"{path}: expected a JSON object")
    return data


def _lines(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExplainError(f"{path}: cannot read: {exc.strerror}") from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ExplainError(f"{path}:{number}:{exc.colno}: not JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise ExplainError(f"{path}:{number}: expected a JSON object per line")
        out.append(data)
    return out
