"""``govlang.govern``: wrap any PettingZoo ParallelEnv so that an institution binds it.

The wrapper implements the round order of ``specs/semantics.md`` around the wrapped env:
action constraints (step 3), the env's step (4), the oracle (5), the controller's transitions
(6), sanctions and payoff mediation (7), the governance log (8), and passes terminations and
truncations through unchanged (9). It forwards every ParallelEnv method and attribute
explicitly, refuses :meth:`GovernedEnv.step` before :meth:`GovernedEnv.reset`, owns one numpy
Generator (``np_random``, seeded by ``reset(seed=...)``; the semantics draw nothing from it
today, and the wrapped env's own generator is never touched), reports institutional state in
``infos[agent]["govlang"]`` (:mod:`govlang.runtime.infos`) and never mutates the wrapped
env's internals: it only calls its public API, and copies the infos it extends.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv  # type: ignore[import-untyped,unused-ignore]

from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.kernels import clip
from govlang.lang.params import ParamValue
from govlang.lang.schema import EnvironmentSchema
from govlang.runtime import controller
from govlang.runtime.adapter import (
    Adapter,
    ObserveFunction,
    ObserveMapping,
    StepRecord,
    adapter_for,
)
from govlang.runtime.bridge import OracleBridge
from govlang.runtime.canonical import plain
from govlang.runtime.constraints import constrain_round
from govlang.runtime.events import Event, RoundTrace
from govlang.runtime.history import DEFAULT_HISTORY, History, RoundsView
from govlang.runtime.infos import (
    constitutional_info,
    institutional_info,
    notice_charset,
    notice_space,
    standing,
    with_info,
    with_notices,
)
from govlang.runtime.log import GovernanceLog
from govlang.runtime.plan import Plan, build_plan
from govlang.runtime.state import Effects, RoundRecord, RuntimeState

Regime = Literal[
    "ungoverned",
    "constitutional",
    "institutional",
    "announced_unenforced",
    "enforced_unannounced",
]
REGIMES: tuple[Regime, ...] = (
    "ungoverned",
    "constitutional",
    "institutional",
    "announced_unenforced",
    "enforced_unannounced",
)
"""Every regime, in report order (``specs/semantics.md``, Regimes)."""

ENFORCING: frozenset[str] = frozenset({"institutional", "enforced_unannounced"})
"""Regimes whose sanctions bind: action constraints and payoff mediation are applied."""

ANNOUNCING: frozenset[str] = frozenset({"institutional", "announced_unenforced"})
"""Regimes whose agents are told the institution's acts: standings, notices, constraints."""

RUNNING: frozenset[str] = ENFORCING | ANNOUNCING
"""Regimes under which the institution runs (oracle, transitions, events, governance log)."""


def govern(
    env: Any,
    compiled_or_institution: CompiledInstitution | ir.Institution,
    regime: Regime = "institutional",
    params: Mapping[str, ParamValue] | None = None,
    log: str | Path | GovernanceLog | None = None,
    schema: EnvironmentSchema | None = None,
    *,
    observe: ObserveFunction | ObserveMapping | None = None,
    notices_in_observations: bool = False,
    constitution: str | None = None,
    history: int | None = DEFAULT_HISTORY,
) -> GovernedEnv:
    """Govern ``env`` by an institution; returns a ParallelEnv.

    ``compiled_or_institution``: a :class:`~govlang.lang.compile.CompiledInstitution` (recompiled
    when ``params`` are given) or a checked :class:`~govlang.lang.ir.Institution` (compiled here
    with ``params``). ``regime``: ``ungoverned`` (the institution is not consulted),
    ``constitutional`` (a constitution text in infos, nothing enforced), ``institutional``,
    or one of the two ablations: ``announced_unenforced`` (the institution runs and agents are
    told its acts, but nothing binds: actions and rewards pass through) and
    ``enforced_unannounced`` (the institution binds, but agents are told nothing: no
    ``govlang`` info entry, no notices). ``constitution``: the text shown under
    ``constitutional`` (default: the manifest's, generated from the institution).
    ``log``: the path of a new governance log (the operator key comes from ``GOVLANG_LOG_KEY``
    / ``GOVLANG_LOG_KEY_FILE``) or an open
    :class:`~govlang.runtime.log.GovernanceLog`; it is completed by :meth:`GovernedEnv.close`.
    ``schema`` / ``observe``: see :func:`govlang.runtime.adapter.adapter_for`.
    ``history``: how many of the episode's last rounds :attr:`GovernedEnv.history` keeps
    (``None``: every round; memory then grows with the episode).
    """
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {', '.join(REGIMES)}, not {regime!r}")
    compiled = _compiled(compiled_or_institution, params)
    adapter = adapter_for(env, compiled.institution, schema, observe)
    return GovernedEnv(
        env, compiled, regime, adapter, log, notices_in_observations, constitution, history
    )


def _compiled(
    given: CompiledInstitution | ir.Institution, params: Mapping[str, ParamValue] | None
) -> CompiledInstitution:
    """The compiled institution to run."""
    if isinstance(given, ir.Institution):
        return compile_institution(given, params)
    if params is not None:
        return compile_institution(given.institution, params)
    return given


class GovernedEnv(ParallelEnv):  # type: ignore[misc,unused-ignore]
    """A ParallelEnv governed by an institution (build it with :func:`govern`)."""

    def __init__(
        self,
        env: Any,
        compiled: CompiledInstitution,
        regime: Regime,
        adapter: Adapter,
        log: str | Path | GovernanceLog | None = None,
        notices_in_observations: bool = False,
        constitution: str | None = None,
        history: int | None = DEFAULT_HISTORY,
    ) -> None:
        """Prepare the plan and the oracle (when the institution runs), then open the log.

        The log is created last, so that a wrapper that cannot be built leaves no file.
        """
        self._env = env
        self.compiled = compiled
        self.regime: Regime = regime
        self._adapter = adapter
        self._log: GovernanceLog | None = None
        self._institutional = regime in RUNNING
        self._enforce = regime in ENFORCING
        self._announce = regime in ANNOUNCING
        self.constitution = (
            str(compiled.manifest["constitution"]) if constitution is None else constitution
        )
        self.plan: Plan | None = None
        self._bridge: OracleBridge | None = None
        if self._institutional:
            self.plan = build_plan(compiled, list(env.possible_agents))
            self._bridge = OracleBridge(self.plan, adapter.schema().dimensions)
        self._charset = notice_charset(compiled.institution) if notices_in_observations else None
        self._spaces: dict[str, gymnasium.spaces.Space[Any]] = {}
        if self._charset is not None:
            self._spaces = {
                agent: notice_space(env.observation_space(agent), self._charset)
                for agent in env.possible_agents
            }
        self.np_random, _ = gymnasium.utils.seeding.np_random(None)
        self._started = False
        self._episode = 0
        self._state: RuntimeState | None = None
        self._previous: RoundRecord | None = None
        self._notices: tuple[tuple[str, ...], ...] = ()
        self._index = {agent: i for i, agent in enumerate(env.possible_agents)}
        self._action_spaces: list[Any] | None = None
        self._box_bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._trace = History(history)
        self._in_flight: int | None = None  # the round whose market step is being governed
        self._failure: str | None = None  # why the episode cannot continue
        if isinstance(log, str | Path):
            log = GovernanceLog.create(log, compiled.digest, compiled.institution.name)
        if log is not None and log.digest != compiled.digest:
            raise ValueError("the governance log belongs to another institution (digest)")
        self._log = log

    # ------------------------------------------------------------ forwarded API

    @property
    def possible_agents(self) -> list[str]:
        """The wrapped env's ``possible_agents``."""
        return list(self._env.possible_agents)

    @property
    def agents(self) -> list[str]:
        """The wrapped env's live ``agents``."""
        return list(self._env.agents)

    @property
    def metadata(self) -> dict[str, Any]:
        """The wrapped env's ``metadata``."""
        found: dict[str, Any] = self._env.metadata
        return found

    @property
    def render_mode(self) -> str | None:
        """The wrapped env's ``render_mode`` (``None`` if it has none)."""
        return getattr(self._env, "render_mode", None)

    @property
    def unwrapped(self) -> Any:
        """The innermost env (stepping it directly bypasses the institution)."""
        return self._env.unwrapped

    @property
    def observation_spaces(self) -> dict[str, gymnasium.spaces.Space[Any]]:
        """Every agent's observation space."""
        return {a: self.observation_space(a) for a in self.possible_agents}

    @property
    def action_spaces(self) -> dict[str, gymnasium.spaces.Space[Any]]:
        """Every agent's action space."""
        return {a: self.action_space(a) for a in self.possible_agents}

    def observation_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """The wrapped env's observation space (extended when notices go in observations)."""
        if agent in self._spaces:
            return self._spaces[agent]
        space: gymnasium.spaces.Space[Any] = self._env.observation_space(agent)
        return space

    def action_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        """The wrapped env's action space."""
        space: gymnasium.spaces.Space[Any] = self._env.action_space(agent)
        return space

    def render(self) -> Any:
        """Render the wrapped env."""
        return self._env.render()

    def state(self) -> Any:
        """The wrapped env's global state."""
        return self._env.state()

    def close(self) -> None:
        """Complete the governance log (close entry) and close the wrapped env."""
        if self._log is not None:
            self._log.close()
        self._env.close()

    def __str__(self) -> str:
        """``governed(<env>)``."""
        return f"governed({self._env})"

    # ------------------------------------------------------------ governed API

    @property
    def institutional_state(self) -> RuntimeState | None:
        """The institutional state after the last round (``None`` unless institutional)."""
        return self._state

    @property
    def enforced(self) -> bool:
        """Whether the institution's sanctions bind under this regime."""
        return self._enforce

    @property
    def announced(self) -> bool:
        """Whether agents are told the institution's acts under this regime."""
        return self._announce

    def agent_states(self) -> dict[str, str | None]:
        """Every agent's institutional state after the last round (``None`` if not running).

        The state of the agent's own instance; ``None`` for agents without one.
        """
        if self.plan is None or self._state is None:
            return dict.fromkeys(self.possible_agents)
        found: dict[str, str | None] = dict.fromkeys(self.plan.agents)
        for inst in self.plan.instances:
            if inst.agent is not None:
                found[self.plan.agents[inst.agent]] = standing(self.plan, self._state, inst)[
                    "state"
                ]
        return found

    @property
    def history(self) -> RoundsView:
        """The rounds of the current episode (institutional regime), oldest first.

        At most the last ``history`` rounds (see :func:`govern`); an immutable snapshot, made
        without copying.
        """
        return self._trace.view()

    @property
    def last_round(self) -> RoundTrace | None:
        """The last round of the current episode (``None`` before the first)."""
        return self._trace.last

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Reset the env and the institution (every instance in its initial state)."""
        observations, infos = self._env.reset(seed=seed, options=options)
        if seed is not None:
            self.np_random, _ = gymnasium.utils.seeding.np_random(seed)
        self._started = True
        self._in_flight = self._failure = None
        self._episode += 1
        if self._log is not None:
            self._log.episode(self._episode, seed, self.regime)
        if self.plan is not None and self._bridge is not None:
            self._state = controller.initial_state(self.plan)
            self._previous = None
            self._notices = tuple(() for _ in self.plan.agents)
            self._trace.clear()
            self._bridge.reset()
        return self._observations(observations), self._infos(infos)

    def step(self, actions: Mapping[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
        """Play one governed round (``specs/semantics.md``).

        Raises ``ValueError``, before the market moves, when a live agent has no action.
        """
        if not self._started:
            raise RuntimeError("step() called before reset()")
        if self._failure is not None:
            raise RuntimeError(f"the episode cannot continue: {self._failure}; reset() starts anew")
        missing = [agent for agent in self._env.agents if agent not in actions]
        if missing:
            raise ValueError(
                f"step(): no action for live agent(s) {', '.join(missing)}: every live agent "
                f"({', '.join(self._env.agents)}) acts each round; nothing was played, the "
                "market did not move"
            )
        if not self._institutional:
            observations, rewards, terminated, truncated, infos = self._env.step(actions)
            return (
                self._observations(observations),
                rewards,
                terminated,
                truncated,
                self._infos(infos),
            )
        try:
            return self._governed_step(actions)
        except Exception as exc:
            if self._in_flight is not None:  # the market moved but the institution did not
                self._failure = f"round {self._in_flight} failed after the market stepped ({exc})"
                self._in_flight = None
            raise

    # ------------------------------------------------------------ internals

    def _governed_step(self, actions: Mapping[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
        plan, state, bridge = self.plan, self._state, self._bridge
        assert plan is not None and state is not None and bridge is not None
        effective: Mapping[str, Any] = actions
        prelude: list[Event] = []
        if self._enforce:
            effective, prelude = constrain_round(
                plan, state, self._previous, actions, self.action_space
            )
        observations, rewards, terminated, truncated, infos = self._env.step(effective)
        self._in_flight = state.round + 1
        raw = tuple(rewards.get(agent) for agent in plan.agents)
        seen = StepRecord(tuple(plan.agents), effective, rewards, infos, observations)
        observables = self._adapter.observe(self._env, seen)
        record = bridge.record(state.round + 1, raw, observables, self._action_array(effective))
        self._state, effects, events = controller.step(plan, state, record, prelude)
        self._previous = record
        self._notices = effects.notices
        if self._log is not None:
            self._log.events(events)
        self._trace.append(self._round_trace(record, actions, effective, effects, events))
        index = self._index
        mediated = dict(rewards)
        if self._enforce:
            mediated = {agent: effects.settlement.mediated[index[agent]] for agent in rewards}
        governed = dict(infos)
        if self._announce:
            last = self._last(actions, effective, effects, rewards)
            coming = institutional_info(
                plan, self._state, self._notices, record, last, enforced=self._enforce
            )
            governed = with_info(infos, coming)
        self._in_flight = None
        return self._observations(observations), mediated, terminated, truncated, governed

    def _action_array(self, effective: Mapping[str, Any]) -> np.ndarray | None:
        """Effective actions stacked ``(agents, *action shape)``; absent agents act 0.

        Each action is clipped to its agent's ``Box`` action space, as the market clips it: the
        ``action`` built-in is what the market can act on, never the raw request.
        """
        if self._action_spaces is None:
            self._action_spaces = [self.action_space(a) for a in self.possible_agents]
            self._box_bounds = _stacked_bounds(self._action_spaces)
        bounds = self._box_bounds
        if bounds is not None:  # every agent acts in a Box of one shape: clip all at once
            actions = [effective.get(agent) for agent in self._env.possible_agents]
            stacked: np.ndarray | None = None
            if all(action is not None for action in actions):
                try:  # actions of other shapes take the general path below
                    stacked = np.array(actions, dtype=np.float64)
                except (TypeError, ValueError):
                    stacked = None
            if stacked is not None and stacked.shape == bounds[0].shape:
                return self._shaped(clip(stacked, *bounds))
        rows = []
        for agent, space in zip(self._env.possible_agents, self._action_spaces, strict=True):
            given = effective.get(agent)
            rows.append(np.zeros(space.shape or ()) if given is None else _clipped(given, space))
        first = rows[0].shape
        return self._shaped(
            np.stack([row if row.shape == first else row.reshape(first) for row in rows])
        )

    def _shaped(self, stacked: np.ndarray) -> np.ndarray | None:
        """The stacked actions as the oracle reads them.

        Without an ``action`` declaration: one number per agent, or ``None`` when actions are
        not single numbers.
        """
        if self.compiled.institution.action is None:
            count = stacked.shape[0]
            return stacked.reshape(count) if stacked.size == count else None
        return stacked

    def _observations(self, observations: Mapping[str, Any]) -> Any:
        """Observations with notices added (when asked; empty outside the institutional regime)."""
        if self._charset is None:
            return observations
        index = {agent: i for i, agent in enumerate(self.possible_agents)}
        notices = self._notices if self._announce else ()
        return {
            a: with_notices(o, notices[index[a]] if notices and a in index else (), self._charset)
            for a, o in observations.items()
        }

    def _infos(self, infos: Mapping[str, Any]) -> Any:
        if self.regime == "constitutional":
            text = constitutional_info(self.constitution)
            return with_info(infos, {agent: dict(text) for agent in infos})
        if not self._announce:
            return infos
        assert self.plan is not None and self._state is not None
        told = institutional_info(
            self.plan, self._state, self._notices, self._previous, enforced=self._enforce
        )
        return with_info(infos, told)

    def _last(
        self,
        requested: Mapping[str, Any],
        effective: Mapping[str, Any],
        effects: Effects,
        rewards: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Per live agent: last round's requested/effective action and payoff."""
        index = self._index
        money = effects.settlement

        def payoff(agent: str) -> dict[str, Any]:
            raw, i = rewards[agent], index[agent]
            if not self._enforce:  # announced only: the market's payoff, nothing deducted
                return {"raw": raw, "mediated": raw, "fined": 0.0, "received": 0.0}
            return {
                "raw": raw,
                "mediated": money.mediated[i],
                "fined": float(money.fines[i]),
                "received": float(money.received[i]),
            }

        return {
            agent: {
                "action": {"requested": requested.get(agent), "effective": effective.get(agent)},
                "payoff": payoff(agent),
            }
            for agent in rewards
        }

    def _round_trace(
        self,
        record: RoundRecord,
        requested: Mapping[str, Any],
        effective: Mapping[str, Any],
        effects: Effects,
        events: tuple[Event, ...],
    ) -> RoundTrace:
        plan, state = self.plan, self._state
        assert plan is not None and state is not None
        money = effects.settlement
        return RoundTrace(
            record.round,
            {a: np.asarray(v).tolist() for a, v in requested.items()},
            {a: np.asarray(v).tolist() for a, v in effective.items()},
            {a: plain(r) for a, r in zip(plan.agents, money.raw, strict=True) if r is not None},
            {
                a: plain(m)
                for a, m in zip(plan.agents, money.mediated, strict=True)
                if m is not None
            },
            {inst.name: state.instances[inst.index].state for inst in plan.instances},
            events,
        )


def _stacked_bounds(spaces: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Every agent's ``Box`` bounds stacked ``(agents, *shape)``, if all are Boxes of one shape."""
    if not spaces or not all(isinstance(space, gymnasium.spaces.Box) for space in spaces):
        return None
    shape = spaces[0].shape
    if any(space.shape != shape for space in spaces):
        return None
    low = np.stack([np.asarray(space.low, dtype=np.float64) for space in spaces])
    high = np.stack([np.asarray(space.high, dtype=np.float64) for space in spaces])
    return low, high


def _clipped(action: Any, space: gymnasium.spaces.Space[Any]) -> np.ndarray:
    """``action`` as floats, clipped to ``space``'s bounds when it is a ``Box``."""
    values = np.asarray(action, dtype=np.float64)
    if isinstance(space, gymnasium.spaces.Box):
        return np.clip(values, space.low, space.high)
    return values
