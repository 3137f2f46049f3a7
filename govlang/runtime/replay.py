"""Replay: run recorded actions through an institution ("what would it have done to that run?").

The actions file is JSONL, one line per round, rounds 1, 2, ... in order::

    {"round": 1, "actions": {"firm_0": [60, 0], "firm_1": [0, 60]}}

The actions are the *requested* ones: the institution's constraints apply to them as in a
live run. :func:`replay_actions` governs a market with a compiled institution and returns
every round's trace (effective actions, raw and mediated payoffs, standings, events);
:meth:`ReplayResult.summary` prints them (:func:`govlang.experiments.replay.replay` does the
same from files, on a fresh registered market).
:func:`write_actions` records a governed run's requested actions in this format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.lang.compile import CompiledInstitution
from govlang.lang.inputs import LOG, read_text
from govlang.lang.manifest import canonical_json
from govlang.runtime.events import Event, RoundTrace
from govlang.runtime.govern import govern
from govlang.runtime.log import GovernanceLog


class ReplayError(ValueError):
    """The actions file is malformed, or names an unknown market."""


@dataclass(frozen=True)
class ReplayResult:
    """The institution's verdict on a recorded run, round by round."""

    institution: str
    digest: str
    market: str
    rounds: tuple[RoundTrace, ...]

    @property
    def events(self) -> tuple[Event, ...]:
        """Every institutional event, in order."""
        return tuple(event for trace in self.rounds for event in trace.events)

    def totals(self) -> dict[str, tuple[float, float]]:
        """Per agent: (sum of raw payoffs, sum of mediated payoffs)."""
        out: dict[str, tuple[float, float]] = {}
        for trace in self.rounds:
            for agent, raw in trace.raw.items():
                before, after = out.get(agent, (0.0, 0.0))
                mediated = trace.mediated.get(agent)
                out[agent] = (before + (raw or 0.0), after + (mediated or 0.0))
        return out

    def summary(self) -> str:
        """A printable account: each round's payoffs and standings, its events, then totals."""
        lines = [f"replay of {self.institution} ({self.digest}) on {self.market}"]
        for trace in self.rounds:
            payoffs = ", ".join(
                f"{a} {trace.raw[a]:.2f} -> {trace.mediated[a]:.2f}" for a in trace.raw
            )
            standings = ", ".join(f"{k}={v}" for k, v in trace.standings.items())
            lines.append(f"round {trace.round:>3}: {payoffs}  [{standings}]")
            lines += ["    " + event.summary() for event in trace.events]
        lines.append("totals (raw -> mediated):")
        for agent, (raw, mediated) in self.totals().items():
            lines.append(f"  {agent}: {raw:.2f} -> {mediated:.2f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        """The summary."""
        return self.summary()


def read_actions(path: str | Path) -> list[dict[str, Any]]:
    """The per-round action dicts of an actions file (rounds must be 1, 2, ... in order)."""
    rounds: list[dict[str, Any]] = []
    for number, line in enumerate(read_text(path, LOG).splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise ReplayError(f"{path}:{number}: not JSON: {exc}") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("actions"), dict):
            raise ReplayError(f'{path}:{number}: expected {{"round": t, "actions": {{...}}}}')
        if entry.get("round") != len(rounds) + 1:
            raise ReplayError(
                f"{path}:{number}: round {entry.get('round')!r}, expected {len(rounds) + 1}"
            )
        rounds.append(entry["actions"])
    return rounds


def write_actions(history: Sequence[RoundTrace], path: str | Path) -> None:
    """Write the requested actions of a governed run as an actions file."""
    text = "".join(
        canonical_json({"round": t.round, "actions": dict(t.requested)}) + "\n" for t in history
    )
    Path(path).write_text(text, encoding="utf-8")


def replay_actions(
    compiled: CompiledInstitution,
    env: Any,
    actions: Sequence[Mapping[str, Any]],
    seed: int | None = 0,
    log: str | Path | GovernanceLog | None = None,
    market: str | None = None,
) -> ReplayResult:
    """Run ``actions`` (one mapping per round) through ``compiled`` governing ``env``."""
    governed = govern(env, compiled, log=log, history=None)
    governed.reset(seed=seed)
    try:
        for number, round_actions in enumerate(actions, 1):
            if not governed.agents:
                raise ReplayError(f"round {number}: the episode ended before the recorded run")
            missing = [agent for agent in governed.agents if agent not in round_actions]
            if missing:
                raise ReplayError(f"round {number}: no action recorded for {missing}")
            governed.step({agent: round_actions[agent] for agent in governed.agents})
    finally:
        governed.close()
    name = market or str(env)
    return ReplayResult(compiled.institution.name, compiled.digest, name, tuple(governed.history))
