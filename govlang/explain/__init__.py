"""``govlang explain``: why the institution did what it did to an agent, act by act.

:func:`explain` opens a recorded run (:mod:`govlang.explain.inputs`), replays the institution
over its recorded actions (:mod:`govlang.explain.replay`: the replay must reproduce the
recorded events, and it recovers what the trace does not record, such as the values inside a
monitor), and explains each act (:mod:`govlang.explain.acts`) or, with ``why_not``, why an act
did not happen (:mod:`govlang.explain.whynot`). The normative description is
``specs/explain.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.explain.acts import RoundStory, Storyteller
from govlang.explain.conditions import watched
from govlang.explain.inputs import ExplainError, RunSource, open_run
from govlang.explain.replay import RUNNING, Replay, check_reproduced, replay_run
from govlang.explain.talk import said, talk_lines
from govlang.explain.text import block, story_lines, why_not_lines
from govlang.explain.whynot import WhyNot, why_not
from govlang.runtime.plan import build_plan

__all__ = ["ExplainError", "Explanation", "explain", "replay_source"]


@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` found: the run, then one story per instance and round (or why-nots)."""

    source: RunSource
    checked: bool
    logged: int
    stories: tuple[RoundStory, ...]
    why_not: tuple[WhyNot, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """As JSON (``govlang explain --format json``)."""
        compiled = self.source.compiled
        out: dict[str, Any] = {
            "format": "govlang.explanation",
            "version": 1,
            "run": self.source.run_id,
            "description": self.source.description,
            "regime": self.source.regime,
            "institution": {
                "name": compiled.institution.name,
                "file": self.source.source_name,
                "digest": compiled.digest,
            },
            "reproduced": self.checked,
            "log_entries": self.logged,
            "rounds": [self._with_talk(s.as_json(), s) for s in self.stories],
        }
        if self.why_not:
            out["why_not"] = [w.as_json() for w in self.why_not]
        return out

    def text(self) -> str:
        """As text (``govlang explain``)."""
        compiled = self.source.compiled
        rounds = len(self.source.requested)
        check = (
            "the replay reproduces every recorded event"
            if self.checked
            else "no recorded events to check the replay against"
        )
        header = [
            f"run {self.source.run_id}: {self.source.description}",
            f"institution {compiled.institution.name} ({self.source.source_name}), "
            f"{compiled.digest[:19]}",
            f"{rounds} rounds replayed: {check}"
            + (f"; {self.logged} governance-log entries matched" if self.logged else ""),
        ]
        if self.why_not:
            return block(header, (why_not_lines(w) for w in self.why_not))
        if not self.stories:
            header.append("no institutional acts in the selection")
        return block(header, (story_lines(s) + self._talk_lines(s) for s in self.stories))

    def _messages(self, story: RoundStory) -> list[Any]:
        """What the story's firm said in its round (runs with a channel)."""
        talk = self.source.talk
        if talk is None:
            return []
        agents = list(self.source.market.possible_agents)
        return said(talk[story.round - 1], story.instance, agents)

    def _with_talk(self, data: dict[str, Any], story: RoundStory) -> dict[str, Any]:
        """A story's JSON with the messages of its round, in a run with a channel."""
        if self.source.talk is not None:
            data["said"] = self._messages(story)
        return data

    def _talk_lines(self, story: RoundStory) -> list[str]:
        """A story's messages as text lines."""
        talk = self.source.talk
        if talk is None:
            return []
        visibility = talk[story.round - 1].get("visibility")
        return talk_lines(self._messages(story), visibility)


def replay_source(source: RunSource) -> tuple[Replay, bool]:
    """Replay ``source`` (checked against its recorded events when it has them)."""
    if source.regime not in RUNNING:
        raise ExplainError(
            f"run {source.run_id} was played under regime {source.regime!r}: the institution "
            "did not run, so there is nothing to explain (it runs under "
            f"{', '.join(sorted(RUNNING))})"
        )
    plan = build_plan(source.compiled, list(source.market.possible_agents))
    replay = replay_run(
        source.compiled,
        source.market,
        source.requested,
        source.seed,
        source.regime,
        watched(plan),
        source.talk,
    )
    if source.recorded is not None:
        check_reproduced(replay, source.recorded)
    return replay, source.recorded is not None


def explain(
    path: str | Path,
    *,
    run: str | None = None,
    agent: str | None = None,
    round: int | None = None,
    why_not_name: str | None = None,
    institution: str | None = None,
    market: str = "cournot",
    seed: int | None = 0,
) -> Explanation:
    """Explain the acts of a recorded run (see the module docstring and ``specs/explain.md``).

    Raises :class:`ExplainError` for an unknown run, agent or round, an unreadable input, or
    a replay that does not reproduce the record.
    """
    source = open_run(path, run, institution, market, seed)
    replay, checked = replay_source(source)
    teller = Storyteller(source, replay)
    instances = (
        [teller.instance(agent)] if agent is not None else list(teller.replay.plan.instances)
    )
    total = len(replay.rounds)
    if round is not None and not 1 <= round <= total:
        raise ExplainError(f"no round {round} in run {source.run_id}: its rounds are 1-{total}")
    if why_not_name is not None:
        if round is None:
            raise ExplainError("--why-not needs --round N (the round in which it did not happen)")
        answers = tuple(why_not(teller, inst, round, why_not_name) for inst in instances)
        return Explanation(source, checked, teller.logged, (), answers)
    rounds = range(1, total + 1) if round is None else (round,)
    stories = tuple(
        story
        for inst in instances
        for number in rounds
        if (story := teller.story(inst, number, always=round is not None)) is not None
    )
    return Explanation(source, checked, teller.logged, stories)
