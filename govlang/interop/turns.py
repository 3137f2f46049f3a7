"""The chat turns of one firm-round, as the firm saw them.

An LLM firm's trace entry records its conversation (``decision.record.messages``: the system
prompt, the round prompt, and any re-prompt exchange); its final answer is the last
exchange's text. For any other firm the same two prompts are rendered with the LLM firm's
own builder (:func:`govlang.agents.llm_prompt.render_system` and
:func:`~govlang.agents.llm_prompt.render_round`, packaged templates, the LLM firm's default
history window) from what the trace says the firm saw: its past market infos, the notices,
its standing, its rivals' public standings, its notes and its mediated rewards. The
assistant turn is then the action it took, in the JSON answer format an LLM firm must use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from govlang.agents.base import FirmContext, RoundView, context_for
from govlang.agents.llm import LLMFirmOptions
from govlang.agents.llm_prompt import PromptTemplates, render_round, render_system
from govlang.interop.results_source import ExportError, RunData
from govlang.runtime.govern import ANNOUNCING

Message = dict[str, str]


@cache
def _templates() -> PromptTemplates:
    return PromptTemplates.load()


HISTORY_WINDOW: int = LLMFirmOptions.model_fields["history_window"].default
"""Past rounds shown in a rendered round prompt (the LLM firm's default)."""


def shown_constitution(spec: Mapping[str, Any], institution: Mapping[str, Any]) -> str | None:
    """The constitution the run's firms were shown (as the runner decides, specs/semantics.md).

    ``constitutional``: the experiment's own text when it has one, else the institution's;
    ``institutional`` and ``announced_unenforced``: the institution's; otherwise none.
    """
    regime = spec["regime"]
    if regime == "constitutional" and spec.get("constitution") is not None:
        return str(spec["constitution"])
    if regime in ("constitutional", *ANNOUNCING):
        return str(institution["constitution"])
    return None


@dataclass
class FirmMemory:
    """What a firm carries from round to round: its past infos, notes and rewards."""

    history: list[Mapping[str, Any]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    rewards: dict[int, float] = field(default_factory=dict)


class RunTurns:
    """Renders the turns of every firm of one run, round after round (call in round order)."""

    def __init__(self, run: RunData, institution: Mapping[str, Any]) -> None:
        """Rebuild each firm's context from the run spec (market, regime, seed, constitution)."""
        spec = run.spec
        if spec["market_kind"] != "cournot":
            raise ExportError(
                f"run {run.run_id}: export-sft renders the LLM firm's prompt, which needs "
                f"per-commodity quantities; a {spec['market_kind']} market has none"
            )
        from govlang.markets import CournotConfig, CournotMarket

        market = CournotMarket(CournotConfig.model_validate(spec["market_config"]))
        constitution = shown_constitution(spec, institution)
        self.contexts: dict[str, FirmContext] = {}
        self.system: dict[str, str] = {}
        for agent in market.possible_agents:
            context = context_for(market, agent, regime=spec["regime"], seed=int(spec["seed"]))
            context = replace(context, constitution=constitution)
            costs = context.market_config["costs"][context.index]
            self.contexts[agent] = context
            self.system[agent] = render_system(_templates(), context, costs)
        self.memory = {agent: FirmMemory() for agent in market.possible_agents}

    def turns(self, record: Mapping[str, Any], agent: str) -> tuple[list[Message], str]:
        """The messages of ``agent`` in round ``record`` and whether they were recorded.

        The second value is ``"recorded"`` (an LLM firm's own conversation) or ``"rendered"``.
        """
        entry = record["firms"][agent]
        decision = entry["decision"]
        messages = decision.get("record", {}).get("messages")
        if entry["kind"] == "llm" and isinstance(messages, list) and messages:
            exchanges = decision["record"].get("exchanges") or []
            final = exchanges[-1].get("text") if exchanges else None
            turns = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
            return [*turns, {"role": "assistant", "content": str(final or "")}], "recorded"
        return self.rendered(record, agent), "rendered"

    def rendered(self, record: Mapping[str, Any], agent: str) -> list[Message]:
        """System and round prompts rendered from the trace, and the action as a JSON answer."""
        context, memory = self.contexts[agent], self.memory[agent]
        entry = record["firms"][agent]
        view = _view(int(record["round"]), memory.history, entry["seen"]["info"], agent)
        user = render_round(
            _templates(), context, view, memory.notes, HISTORY_WINDOW, memory.rewards
        )
        answer = answer_text(entry["decision"], context.action_labels)
        return [
            {"role": "system", "content": self.system[agent]},
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ]

    def advance(
        self, record: Mapping[str, Any], next_info: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """After round ``record``: each firm learns its outcome (``next_info``: per agent)."""
        for agent, memory in self.memory.items():
            decision = record["firms"][agent]["decision"]
            if not decision.get("fallback"):
                notes = decision.get("notes") or {}
                memory.notes = {k: str(v) for k, v in notes.items()}
            info = next_info.get(agent)
            if info is not None:
                memory.history.append({k: v for k, v in info.items() if k != "govlang"})
            mediated = record["payoffs"]["mediated"].get(agent)
            if mediated is not None:
                memory.rewards[int(record["round"])] = float(mediated)


def _view(
    round_: int, history: Sequence[Mapping[str, Any]], info: Mapping[str, Any], agent: str
) -> RoundView:
    """The firm's view in round ``round_``, as the runner builds it from the info it had."""
    governed = info.get("govlang") or {}
    public = governed.get("standings") or {}
    return RoundView(
        round=round_,
        history=tuple(history),
        notices=tuple(governed.get("notices", ())),
        standing=governed.get("label") or governed.get("state"),
        standings={a: str(label) for a, label in public.items() if a != agent},
    )


def answer_text(decision: Mapping[str, Any], labels: Sequence[str]) -> str:
    """The action a firm took, in the LLM firm's JSON answer format (its notes included)."""
    action = decision["action"]
    values = action if isinstance(action, list) else [action]
    notes = decision.get("notes") or {}
    answer = {
        "observations": str(decision.get("reasoning") or ""),
        "plans": str(notes.get("plans", "")),
        "insights": str(notes.get("insights", "")),
        "quantities": {label: float(v) for label, v in zip(labels, values, strict=True)},
    }
    return json.dumps(answer, ensure_ascii=False)
