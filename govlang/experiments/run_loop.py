"""Playing one run and recording its trace.

A run (:class:`~govlang.experiments.runs.RunSpec`) is one population under one regime with
one seed. :func:`play_run` plays it round by round --
all firms decide concurrently (``asyncio.gather``), the governed market steps, the firms learn
-- and writes its trace and governance log. A firm that raises (when built, reset, asked to
decide or told the outcome) or returns a malformed action never stops the run: the fault is
recorded in the trace and the firm plays its last action (zeros before the first).

Seeds: every firm gets the run's seed in its context and derives its own stream from it and
its index (offline firms draw from ``default_rng([seed, index])``, LLM firms use a seed hashed
from the seed and their name); Q-learners need the shared seed to replay their common
self-play phase.

``runs/<run_id>/trace.jsonl`` holds one canonical-JSON object per round (keys sorted; see
:func:`govlang.lang.manifest.canonical_json`)::

    round       the round number (1-based)
    firms       per agent: kind; seen (the observation and the info dict the firm had when it
                decided, institutional entry included); view (notices, standing); decision
                (requested action, stated reasoning, notes, fallback flag and the firm's own
                record: prompts and answers for LLM firms); faults (exceptions caught by the
                runner: stage and error text; empty when none)
    requested   per agent: the action the firm asked for
    effective   per agent: the action the market played (after the institution's constraints
                and the market's capacity projection)
    outcome     the market's observables of the round (benchmarks left out: they are constant
                and live in the run's summary)
    payoffs     raw (market profit) and mediated (after fines and grants) per agent
    standings   per agent: its institutional state after the round (null unless the
                institution runs: institutional and the two ablations)
    events      the institutional events of the round (:mod:`govlang.runtime.events`)
    talk        only in runs with a channel (:mod:`govlang.experiments.talk`): the channel's
                visibility, the messages it delivered (with their extract) and those it
                refused or truncated, with the reason

Nothing in a trace depends on the clock, so the same run replays to the same bytes (LLM
answers aside, unless they come from the response cache).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from govlang.agents import Firm, RoundView, context_for, make_firm
from govlang.api import load
from govlang.channels import Channel
from govlang.experiments import talk as talking
from govlang.experiments.config import ExperimentSpec
from govlang.lang.compile import CompiledInstitution
from govlang.markets import registry
from govlang.runtime.canonical import canonical, json_ready, plain
from govlang.runtime.govern import ANNOUNCING, RUNNING, govern
from govlang.runtime.log import GovernanceLog

if TYPE_CHECKING:
    from govlang.experiments.runs import RunSpec

__all__ = [
    "FirmRound",
    "TraceWriter",
    "compiled_for",
    "institution_of",
    "iter_trace",
    "play_run",
    "read_trace",
]

FloatArray = NDArray[np.float64]


@dataclass
class FirmRound:
    """What one firm saw, decided and suffered in one round (one entry of ``firms``)."""

    kind: str
    observation: Any
    info: Mapping[str, Any]
    notices: Sequence[str]
    standing: str | None
    action: Any = None
    reasoning: str = ""
    notes: Mapping[str, str] = field(default_factory=dict)
    fallback: bool = False
    record: Mapping[str, Any] = field(default_factory=dict)
    faults: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The JSON-ready entry.

        Made by :func:`~govlang.runtime.canonical.json_ready`, which does not copy what is
        already plain: write it before the firm's data change.
        """
        return {
            "kind": self.kind,
            "seen": {"observation": json_ready(self.observation), "info": json_ready(self.info)},
            "view": {"notices": list(self.notices), "standing": self.standing},
            "decision": {
                "action": json_ready(self.action),
                "reasoning": self.reasoning,
                "notes": dict(self.notes),
                "fallback": self.fallback,
                "record": json_ready(self.record),
            },
            "faults": list(self.faults),
        }


class TraceWriter:
    """Appends round records to a trace file, one flushed line each."""

    def __init__(self, path: Path) -> None:
        """Create (truncate) the trace at ``path``."""
        self.path = path
        self._handle: IO[str] = path.open("w", encoding="utf-8", newline="\n")

    def write(self, record: Mapping[str, Any]) -> None:
        """Write one round record (made JSON-ready and canonical) and flush it."""
        self._handle.write(canonical(record) + "\n")
        self._handle.flush()

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def __enter__(self) -> TraceWriter:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on exit."""
        self.close()


def read_trace(path: Path) -> list[dict[str, Any]]:
    """Every round record of a trace file, in order."""
    return list(iter_trace(path))


def iter_trace(path: Path) -> Iterator[dict[str, Any]]:
    """The round records of a trace file, lazily."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


# ---------------------------------------------------------------------------- playing


RoundCallback = Callable[[int], None]
"""Called with 1 after every round (progress reporting)."""


@dataclass
class Seat:
    """One firm of a run and what the runner keeps for it (history, last action, faults)."""

    agent: str
    kind: str
    shape: tuple[int, ...]
    firm: Firm | None
    history: list[Mapping[str, Any]] = field(default_factory=list)
    last_action: FloatArray | None = None
    pending: list[dict[str, str]] = field(default_factory=list)
    outgoing: tuple[Any, ...] = ()

    def fault(self, stage: str, exc: BaseException | str) -> None:
        """Record a fault; it goes into the next round's trace entry of this firm."""
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        self.pending.append({"stage": stage, "error": text})

    def fallback_action(self) -> FloatArray:
        """The runner's fallback: the firm's last requested action, else zeros."""
        if self.last_action is not None:
            return self.last_action.copy()
        return np.zeros(self.shape, dtype=np.float64)

    async def decide(self, view: RoundView, seen: FirmRound) -> FirmRound:
        """Ask the firm; a raising firm or a malformed action falls back (recorded)."""
        self.outgoing = ()
        try:
            if self.firm is None:
                raise RuntimeError("the firm could not be built")
            decision = await self.firm.decide(view)
            action = _checked_action(decision.action, self.shape)
        except Exception as exc:  # a firm's bug must not kill the run: record and fall back
            self.fault("decide", exc)
            seen.action, seen.fallback = self.fallback_action(), True
        else:
            seen.action, seen.reasoning, seen.notes = action, decision.reasoning, decision.notes
            seen.fallback, seen.record = decision.fallback, decision.record
            self.outgoing = tuple(decision.messages)
        self.last_action = np.asarray(seen.action, dtype=np.float64)
        seen.faults, self.pending = self.pending, []
        return seen

    def learn(self, info: Mapping[str, Any], reward: float) -> None:
        """Give the firm its outcome; a raising firm is recorded for the next round."""
        self.history.append(_market_info(info))
        if self.firm is None:
            return
        try:
            self.firm.observe_outcome(self.history[-1], reward)
        except Exception as exc:  # recorded in the next round's entry
            self.fault("observe_outcome", exc)


def _checked_action(action: Any, shape: tuple[int, ...]) -> FloatArray:
    """The action as a finite float64 array of ``shape``; ``ValueError`` otherwise."""
    array = np.asarray(action, dtype=np.float64)
    if array.size != int(np.prod(shape)) or not np.all(np.isfinite(array)):
        raise ValueError(f"malformed action {plain(array)!r}: expected {shape} finite numbers")
    return array.reshape(shape)


def _market_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """The market's own info dict (the institution's entry left out)."""
    return {k: v for k, v in info.items() if k != "govlang"}


@lru_cache(maxsize=16)
def _institution(path: Path, params: str, market: str, talk: bool = False) -> CompiledInstitution:
    """The compiled institution, checked against the market's schema (cached per process).

    ``talk``: the run has a channel, so the schema has the message observables.
    """
    kind, config = json.loads(market)
    env = _market(kind, config)
    schema = talking.schema_of(env) if talk else env.schema()
    return load(path, json.loads(params), schema)


def _market(kind: str, config: Mapping[str, Any]) -> Any:
    """A fresh market env of the registered market ``kind`` with ``config``."""
    return registry.market(kind).make(config)


def institution_of(spec: ExperimentSpec) -> CompiledInstitution:
    """The experiment's institution, compiled with its params and checked against its market.

    Raises :class:`~govlang.lang.diagnostics.GovlangError` or
    :class:`~govlang.lang.frontend.InputError`.
    """
    config = spec.market.resolved(spec.rounds).model_dump(mode="json")
    market = json.dumps([spec.market.kind, config], sort_keys=True)
    params = json.dumps(plain(spec.institution.params), sort_keys=True)
    return _institution(spec.institution.path, params, market, spec.talk is not None)


def compiled_for(run: RunSpec) -> CompiledInstitution:
    """The run's institution; ``RuntimeError`` if the file changed since the run was planned."""
    market = json.dumps([run.market_kind, run.market_config], sort_keys=True)
    params = json.dumps(plain(run.institution_params), sort_keys=True)
    compiled = _institution(run.institution_path, params, market, run.talk is not None)
    if compiled.digest != run.digest:
        raise RuntimeError(
            f"{run.institution_path}: the institution changed since the experiment was planned"
        )
    return compiled


def _seats(run: RunSpec, market: Any) -> list[Seat]:
    """One seat per firm; a firm that cannot be built is recorded and plays the fallback."""
    seats = []
    for agent, spec in zip(market.possible_agents, run.firms, strict=True):
        shape = tuple(market.action_space(agent).shape or ())
        seat = Seat(agent, spec.kind, shape, None)
        try:
            seat.firm = make_firm(spec.kind, **spec.options)
        except Exception as exc:
            seat.fault("build", exc)
        seats.append(seat)
    return seats


def _reset(
    seats: Sequence[Seat], market: Any, run: RunSpec, text: str | None, channel: Channel | None
) -> None:
    """Reset every firm with its context (the run's seed; firms derive per-firm streams)."""
    for seat in seats:
        if seat.firm is None:
            continue
        try:
            context = context_for(market, seat.agent, regime=run.regime, seed=run.seed)
            told = talking.context_of(channel, seat.agent)
            seat.firm.reset(replace(context, constitution=text, talk=told))
        except Exception as exc:
            seat.fault("reset", exc)
            seat.firm = None


def _view(
    round_index: int, seat: Seat, info: Mapping[str, Any], channel: Channel | None
) -> RoundView:
    """What the firm sees: past infos, notices, standings, and the messages delivered to it."""
    governed = info.get("govlang") or {}
    public = governed.get("standings") or {}
    return RoundView(
        round=round_index,
        history=tuple(seat.history),
        notices=tuple(governed.get("notices", ())),
        standing=governed.get("label") or governed.get("state"),
        standings={a: str(label) for a, label in public.items() if a != seat.agent},
        inbox=channel.inbox(seat.agent) if channel is not None else (),
    )


def shown_constitution(run: RunSpec, compiled: CompiledInstitution) -> str | None:
    """The constitution text the run's firms are shown (``specs/semantics.md``, Regimes).

    ``constitutional``: the experiment's own text when it has one, else the institution's
    (generated from its rules); ``institutional`` and ``announced_unenforced``: the
    institution's; ``ungoverned`` and ``enforced_unannounced``: none.
    """
    if run.regime == "constitutional" and run.constitution is not None:
        return run.constitution
    if run.regime in ("constitutional", *ANNOUNCING):
        return str(compiled.manifest["constitution"])
    return None


def log_binding(run: RunSpec) -> dict[str, Any]:
    """What a run's governance log header binds it to (``specs/integrity.md``)."""
    return {
        "run_id": run.run_id,
        "population": run.population,
        "regime": run.regime,
        "seed": run.seed,
    }


async def play_run(
    run: RunSpec, run_dir: Path, key: bytes, on_round: RoundCallback | None = None
) -> dict[str, Any]:
    """Play one run into ``run_dir`` (trace and governance log); return its facts.

    The caller writes ``summary.json`` from the facts (the completion marker). Leftovers of an
    interrupted attempt are removed first.
    """
    for leftover in ("trace.jsonl", "governance.jsonl", "summary.json"):
        (run_dir / leftover).unlink(missing_ok=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    compiled = compiled_for(run)
    market = _market(run.market_kind, run.market_config)
    log = GovernanceLog.create(
        run_dir / "governance.jsonl",
        compiled.digest,
        compiled.institution.name,
        key=key,
        run=log_binding(run),
    )
    log.durability(run.log_fsync, run.log_fsync_every)
    text = shown_constitution(run, compiled)
    channel = talking.channel_of(run, market)
    if channel is None:
        env = govern(market, compiled, regime=run.regime, log=log, constitution=text)
    else:
        env = talking.governed(market, compiled, channel, run.regime, log, text)
    try:
        observations, infos = env.reset(seed=run.seed)
        seats = _seats(run, market)
        _reset(seats, market, run, text, channel)
        with TraceWriter(run_dir / "trace.jsonl") as trace:
            for t in range(1, run.rounds + 1):
                record, observations, infos = await _round(
                    t, env, seats, observations, infos, channel
                )
                trace.write(record)
                if on_round is not None:
                    on_round(1)
    finally:
        env.close()
    return {"benchmarks": plain(market.benchmarks), "agents": list(market.possible_agents)}


async def _round(
    t: int,
    env: Any,
    seats: Sequence[Seat],
    observations: Any,
    infos: Any,
    channel: Channel | None = None,
) -> tuple[dict[str, Any], Any, Any]:
    """Play round ``t``: the firms decide and write, the channel admits, the market steps.

    All firms decide concurrently; then the channel (if any) admits their messages, the
    governed market steps, and the firms learn.
    """
    seen = [
        FirmRound(s.kind, observations[s.agent], infos[s.agent], *_notices(infos[s.agent]))
        for s in seats
    ]
    views = [_view(t, s, infos[s.agent], channel) for s in seats]
    decided = await asyncio.gather(
        *(s.decide(v, f) for s, v, f in zip(seats, views, seen, strict=True))
    )
    requested = {s.agent: d.action for s, d in zip(seats, decided, strict=True)}
    said = None if channel is None else channel.admit(t, {s.agent: s.outgoing for s in seats})
    observations, rewards, _, _, infos = env.step(requested)
    for seat in seats:
        seat.learn(infos[seat.agent], float(rewards[seat.agent]))
    record = _record(t, env, seats, decided, requested, rewards, infos)
    if channel is not None and said is not None:
        record["talk"] = said.as_json(channel.spec.visibility)
    return record, observations, infos


def _played(market: Any) -> str:
    """The observable holding ``market``'s effective actions (its schema read once per class)."""
    kind = type(market)
    found = _PLAYED_BY_CLASS.get(kind)
    if found is None:
        found = _PLAYED_BY_CLASS[kind] = registry.market(market.schema().name).played
    return found


_PLAYED_BY_CLASS: dict[type, str] = {}


def _notices(info: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """Notices and standing label from an info dict (empty outside the institutional regime)."""
    governed = info.get("govlang") or {}
    return list(governed.get("notices", ())), governed.get("label")


def _record(
    t: int,
    env: Any,
    seats: Sequence[Seat],
    decided: Sequence[FirmRound],
    requested: Mapping[str, FloatArray],
    rewards: Mapping[str, float],
    infos: Mapping[str, Any],
) -> dict[str, Any]:
    """The round's trace record (see the module docstring)."""
    market = env.unwrapped
    outcome = {k: v for k, v in market.observables().items() if "." not in k}
    played = outcome[_played(market)]
    running = env.regime in RUNNING
    last = env.last_round if running else None
    events = [e.as_json() for e in last.events] if last is not None else []
    states = env.agent_states()
    return {
        "round": t,
        "firms": {s.agent: d.as_json() for s, d in zip(seats, decided, strict=True)},
        "requested": dict(requested),
        "effective": {s.agent: played[i] for i, s in enumerate(seats)},
        "outcome": outcome,
        "payoffs": {
            "raw": {s.agent: infos[s.agent]["round_profit"] for s in seats},
            "mediated": dict(rewards),
        },
        "standings": {s.agent: states.get(s.agent) for s in seats},
        "events": events,
    }
