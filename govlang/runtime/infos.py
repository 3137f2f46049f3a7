"""What agents are told: the ``govlang`` entry of each agent's infos, and notices in observations.

Under the ``institutional`` regime ``infos[agent]["govlang"]`` holds::

    regime        "institutional" (``"announced_unenforced"`` under that ablation)
    enforced      whether sanctions bind (``False`` under ``announced_unenforced``)
    round         the last completed round (0 after reset)
    digest        the institution's semantic digest
    state, label, description   the agent's own standing (per-agent scope; else None)
    market        {"state", "label", "description"} of the market instance, if any
    notices       the notices issued to the agent at the end of the last round
    constraints   what binds its action in the coming round: {"suspended", "excluded",
                  "caps", "floors"} (an excluded agent need not be asked to act)
    standings     {agent: public label (or state name)} of every agent
    action        {"requested", "effective"} of the last round (absent after reset)
    payoff        {"raw", "mediated", "fined", "received"} of the last round (idem)

Under ``constitutional``: ``{"regime": "constitutional", "constitution": text}``; under
``ungoverned`` and ``enforced_unannounced`` infos are the environment's own.

Notices in observations (off by default, ``notices_in_observations=True``): for a ``Dict``
observation space a key ``govlang_notices`` (a ``Text`` space) is added; for a ``Text``
observation space the notices are appended after a newline. Other spaces are refused.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium

from govlang.lang import ir
from govlang.runtime.canonical import plain
from govlang.runtime.constraints import Binding, bindings
from govlang.runtime.plan import Instance, Plan
from govlang.runtime.state import RoundRecord, RuntimeState

NOTICE_KEY = "govlang_notices"
MAX_NOTICE_CHARS = 4096
"""Most characters of notices added to one observation (longer text is cut)."""


def standing(plan: Plan, state: RuntimeState, inst: Instance) -> dict[str, Any]:
    """The state, public label and description of one instance."""
    decl = inst.scope.states[state.instances[inst.index].state].decl
    return {"state": decl.name, "label": decl.label, "description": decl.description}


def institutional_info(
    plan: Plan,
    state: RuntimeState,
    notices: Sequence[Sequence[str]],
    previous: RoundRecord | None = None,
    last: Mapping[str, Any] | None = None,
    *,
    enforced: bool = True,
) -> dict[str, dict[str, Any]]:
    """The ``govlang`` info entry of every agent.

    ``previous``: the last round's record (constraint values of the coming round are
    evaluated with it); ``last``: per agent, the last round's action and payoff entries.
    ``enforced``: whether sanctions bind (under ``announced_unenforced`` nothing does, so no
    constraint is reported and the entry's ``regime`` says so).
    """
    coming = bindings(plan, state, previous) if enforced else [[] for _ in plan.agents]
    own = plan.own_instances
    market = plan.market_instance
    mine_all = {a: standing(plan, state, i) for a, i in own.items()}
    standings = {plan.agents[a]: _public(found) for a, found in mine_all.items()}
    regime = "institutional" if enforced else "announced_unenforced"
    out: dict[str, dict[str, Any]] = {}
    for a, agent in enumerate(plan.agents):
        mine = mine_all[a] if a in mine_all else dict.fromkeys(_STANDING_KEYS)
        entry: dict[str, Any] = {
            "regime": regime,
            "enforced": enforced,
            "round": state.round,
            "digest": plan.digest,
            **mine,
            "market": None if market is None else standing(plan, state, market),
            "notices": list(notices[a]),
            "standings": dict(standings),
            "constraints": constraints_info(coming[a]),
        }
        if last is not None and agent in last:
            entry.update(last[agent])
        out[agent] = entry
    return out


_STANDING_KEYS = ("state", "label", "description")


def constraints_info(found: Sequence[Binding]) -> dict[str, Any]:
    """The action constraints binding an agent in the coming round, as plain data."""
    if not found:
        return {"suspended": False, "excluded": False, "caps": [], "floors": []}
    kinds = {b.site.sanction.kind for b in found}
    return {
        "suspended": "suspend" in kinds,
        "excluded": "exclude" in kinds,
        "caps": [plain(c) for b in found for c in b.bounds.caps],
        "floors": [plain(f) for b in found for f in b.bounds.floors],
    }


def _public(found: Mapping[str, Any]) -> Any:
    """The public name of a standing: its label, else its state's name."""
    return found["label"] or found["state"]


def constitutional_info(text: str) -> dict[str, Any]:
    """The ``govlang`` info entry under the constitutional regime."""
    return {"regime": "constitutional", "constitution": text}


def with_info(infos: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``infos`` with ``extra[agent]`` under ``govlang`` (the env's dicts untouched)."""
    return {
        agent: {**info, "govlang": extra[agent]} if agent in extra else info
        for agent, info in infos.items()
    }


def notice_charset(institution: ir.Institution) -> frozenset[str]:
    """Every character notices can contain: printable ASCII and the institution's texts."""
    texts = [institution.name, institution.doc or ""]
    for scope in institution.scopes:
        for state in scope.states:
            texts += [state.label or "", state.description or ""]
            texts += [
                s.text for s in (*state.on_enter, *state.on_round) if isinstance(s, ir.Notice)
            ]
        for rule in scope.rules:
            texts += [rule.text or ""]
            texts += [s.text for e in rule.edges for s in e.sanctions if isinstance(s, ir.Notice)]
    return frozenset(string.printable).union(*texts)


def notice_space(
    space: gymnasium.spaces.Space[Any], charset: frozenset[str]
) -> gymnasium.spaces.Space[Any]:
    """The observation space of an agent whose observations carry notices."""
    if isinstance(space, gymnasium.spaces.Dict):
        text = gymnasium.spaces.Text(MAX_NOTICE_CHARS, min_length=0, charset=charset)
        return gymnasium.spaces.Dict({**space.spaces, NOTICE_KEY: text})
    if isinstance(space, gymnasium.spaces.Text):
        return gymnasium.spaces.Text(
            space.max_length + 1 + MAX_NOTICE_CHARS,
            min_length=space.min_length,
            charset=frozenset(space.character_set) | charset,
        )
    raise ValueError(
        f"notices can be added only to Dict or Text observations, not to {type(space).__name__}"
    )


def with_notices(observation: Any, notices: Sequence[str], charset: frozenset[str]) -> Any:
    """``observation`` (a dict or a string) with the notices added (see the module docstring)."""
    text = "".join(c for c in "\n".join(notices) if c in charset)[:MAX_NOTICE_CHARS]
    if isinstance(observation, Mapping):
        return {**observation, NOTICE_KEY: text}
    return f"{observation}\n{text}" if text else observation
