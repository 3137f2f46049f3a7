"""Random market traces: action sequences for n agents, and a market for any institution.

- :func:`action_sequences` draws ``rounds`` rounds of joint actions for an environment's
  agents, inside each agent's action space (``Box``, ``Discrete``, ``MultiDiscrete``) or,
  with ``escape=True``, sometimes outside it (what a buggy or adversarial agent submits).
- :class:`SyntheticMarket` is a small deterministic ParallelEnv that reports every observable
  an institution declares (``schema()`` / ``observables()``, like govlang's own markets), so
  any generated institution can be run; its raw rewards are sometimes negative.
- :func:`random_traces` draws an institution together with a synthetic market for it and an
  action sequence: a whole governed run to check (see :mod:`govlang.testing.invariants`).
- :func:`actions_jsonl` prints an action sequence in the replay format (``govlang replay``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium
import numpy as np
from hypothesis import strategies as st
from pettingzoo import ParallelEnv  # type: ignore[import-untyped,unused-ignore]

from govlang.lang import ir
from govlang.lang.manifest import canonical_json
from govlang.lang.schema import AGENT_DIM, ActionSpec, EnvironmentSchema, ObservableSpec
from govlang.runtime.canonical import plain

__all__ = [
    "Actions",
    "SyntheticMarket",
    "action_sequences",
    "actions_jsonl",
    "random_traces",
    "space_values",
]

Actions = list[dict[str, Any]]
"""One mapping ``agent -> action`` per round."""

LABELS = ("x", "y")
"""The labels of every non-agent dimension of a :class:`SyntheticMarket`."""


def space_values(
    space: gymnasium.spaces.Space[Any], escape: bool = False
) -> st.SearchStrategy[Any]:
    """Actions of ``space`` (``escape``: also values outside it, of the right shape)."""
    if isinstance(space, gymnasium.spaces.Discrete):
        low, high = int(space.start), int(space.start + space.n - 1)
        ints = st.integers(low - 3, high + 3) if escape else st.integers(low, high)
        return ints.map(np.int64)
    if isinstance(space, gymnasium.spaces.MultiDiscrete):
        tops = [int(n) - 1 for n in np.ravel(space.nvec)]
        digits = [st.integers(-2 if escape else 0, t + (2 if escape else 0)) for t in tops]
        return st.tuples(*digits).map(lambda v: np.array(v, dtype=np.int64).reshape(space.shape))
    if isinstance(space, gymnasium.spaces.Box):
        lows, highs = np.ravel(space.low), np.ravel(space.high)
        cells = [
            _box_cell(float(lo), float(hi), escape) for lo, hi in zip(lows, highs, strict=True)
        ]
        shape, dtype = space.shape, space.dtype
        return st.tuples(*cells).map(lambda v: np.array(v, dtype=dtype).reshape(shape))
    raise TypeError(f"no action strategy for {type(space).__name__}")


def _box_cell(low: float, high: float, escape: bool) -> st.SearchStrategy[float]:
    """One element of a Box: its bounds, its middle, or anywhere in (or around) it."""
    low, high = max(low, -1e6), min(high, 1e6)
    inside = st.one_of(
        st.sampled_from([low, high, (low + high) / 2]),
        st.floats(low, high, allow_nan=False, allow_infinity=False),
    )
    if not escape:
        return inside
    span = max(high - low, 1.0)
    outside = st.floats(low - span, high + span, allow_nan=False, allow_infinity=False)
    return st.one_of(inside, outside)


def action_sequences(
    env_or_spec: Any, rounds: int | st.SearchStrategy[int], escape: bool = False
) -> st.SearchStrategy[Actions]:
    """``rounds`` rounds of actions for every agent of ``env_or_spec``.

    ``env_or_spec`` is a ParallelEnv (its ``possible_agents`` and ``action_space``) or a
    mapping ``agent -> space``. ``escape``: some actions fall outside the space.
    """
    if isinstance(env_or_spec, Mapping):
        spaces = dict(env_or_spec)
    else:
        spaces = {a: env_or_spec.action_space(a) for a in env_or_spec.possible_agents}
    joint = st.fixed_dictionaries({a: space_values(s, escape) for a, s in spaces.items()})
    count = st.just(rounds) if isinstance(rounds, int) else rounds
    return count.flatmap(lambda n: st.lists(joint, min_size=n, max_size=n))


def actions_jsonl(actions: Sequence[Mapping[str, Any]]) -> str:
    """``actions`` in the replay format: one ``{"round", "actions"}`` JSON line per round."""
    return "".join(
        canonical_json({"round": t, "actions": plain(dict(a))}) + "\n"
        for t, a in enumerate(actions, 1)
    )


class SyntheticMarket(ParallelEnv):  # type: ignore[misc,unused-ignore]
    """A deterministic market reporting every observable ``institution`` declares.

    Each agent acts in the institution's declared action space (``[0, 100]`` if none); every
    non-agent dimension has the labels :data:`LABELS`. With ``u`` an agent's mean action
    scaled to ``[0, 1]``, its raw reward is ``100·u·(1.5 - u) - 20`` (negative for idle or
    flooding agents), and observable number ``j`` at ``(agent, k…)`` is
    ``100·u + 7·j + 5·Σk`` (a bool: whether that number is odd when rounded). Observables
    without the agent dimension read the agents' mean ``u``. The episode lasts ``rounds``.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "synthetic_v0", "render_modes": []}

    def __init__(
        self, institution: ir.Institution, agents: Sequence[str] = ("a0", "a1"), rounds: int = 50
    ) -> None:
        """A market for ``institution``'s observables, governing ``agents``."""
        self.institution = institution
        self.possible_agents = list(agents)
        self.agents: list[str] = []
        self.rounds = rounds
        declared = institution.action
        self._low = _bound(declared.low if declared else None, 0.0)
        self._high = _bound(declared.high if declared else None, 100.0)
        dims = declared.type.dims if declared is not None else ()
        shape = tuple(len(LABELS) for d in dims if d != AGENT_DIM)
        self._action = gymnasium.spaces.Box(self._low, self._high, shape=shape, dtype=np.float64)
        self._observation = gymnasium.spaces.Box(-np.inf, np.inf, shape=(len(agents),))
        self._dims = _all_dims(institution)
        self._round = 0
        self._u = np.zeros(len(agents))

    def action_space(self, agent: str) -> gymnasium.spaces.Box:
        """Every agent's action space."""
        return self._action

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """Every agent's observation space (everyone's last scaled action)."""
        return self._observation

    def schema(self) -> EnvironmentSchema:
        """The schema: the institution's observables and action, with :data:`LABELS`."""
        specs = tuple(
            ObservableSpec(name=o.name, type=o.type.base, dims=o.type.dims)
            for o in self.institution.observes
        )
        declared = self.institution.action
        action = ActionSpec(
            dims=declared.type.dims if declared else (), low=self._low, high=self._high
        )
        return EnvironmentSchema(
            name="synthetic",
            dimensions={d: LABELS for d in self._dims},
            observables=specs,
            action=action,
        )

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Start an episode (nothing is random: ``seed`` is accepted and unused)."""
        self.agents = list(self.possible_agents)
        self._round = 0
        self._u = np.zeros(len(self.possible_agents))
        return {a: self._u.copy() for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions: Mapping[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
        """Play one round."""
        self._round += 1
        span = max(self._high - self._low, 1e-9)
        self._u = np.array(
            [
                float(np.clip((np.mean(np.asarray(actions[a])) - self._low) / span, 0.0, 1.0))
                for a in self.possible_agents
            ]
        )
        live, done = list(self.agents), self._round >= self.rounds
        if done:
            self.agents = []
        u = dict(zip(self.possible_agents, self._u, strict=True))
        return (
            {a: self._u.copy() for a in live},
            {a: float(100.0 * u[a] * (1.5 - u[a]) - 20.0) for a in live},
            dict.fromkeys(live, False),
            dict.fromkeys(live, done),
            {a: {} for a in live},
        )

    def observables(self) -> dict[str, np.ndarray]:
        """Every declared observable for the last round."""
        return {o.name: self._observable(o) for o in self.institution.observes}

    def _observable(self, decl: ir.ObserveDecl) -> np.ndarray:
        j = zlib.crc32(decl.name.encode()) % 13
        dims = decl.type.dims
        shape = tuple(len(self.possible_agents) if d == AGENT_DIM else len(LABELS) for d in dims)
        out = np.empty(shape, dtype=np.float64)
        for index in np.ndindex(*shape):
            agent = [i for d, i in zip(dims, index, strict=True) if d == AGENT_DIM]
            u = self._u[agent[0]] if agent else float(np.mean(self._u))
            rest = sum(i for d, i in zip(dims, index, strict=True) if d != AGENT_DIM)
            out[index] = 100.0 * u + 7 * j + 5 * rest
        if decl.type.base == "bool":
            return np.asarray(np.round(out) % 2 == 1)
        return out


def _bound(expr: ir.Expr | None, default: float) -> float:
    """A declared action bound (a literal, possibly negated), else ``default``."""
    if isinstance(expr, ir.Number):
        return float(expr.value)
    if isinstance(expr, ir.Negate) and isinstance(expr.operand, ir.Number):
        return -float(expr.operand.value)
    return default


def _all_dims(institution: ir.Institution) -> list[str]:
    found = [d for o in institution.observes for d in o.type.dims if d != AGENT_DIM]
    if institution.action is not None:
        found += [d for d in institution.action.type.dims if d != AGENT_DIM]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Trace:
    """A governed run to check: an institution, a factory of its environment, the actions."""

    institution: ir.Institution
    env_factory: Callable[[], Any]
    actions: Actions


@st.composite
def _traces(
    draw: st.DrawFn, institutions: st.SearchStrategy[ir.Institution], rounds: int, agents: int
) -> Trace:
    institution = draw(institutions)
    names = tuple(f"a{i}" for i in range(agents))

    def factory() -> SyntheticMarket:
        return SyntheticMarket(institution, names, rounds + 5)

    actions = draw(action_sequences(factory(), st.integers(1, rounds)))
    return Trace(institution, factory, actions)


def random_traces(
    institutions: st.SearchStrategy[ir.Institution], rounds: int = 12, agents: int = 2
) -> st.SearchStrategy[Trace]:
    """A :class:`Trace`: an institution, a synthetic market for it, in-space actions.

    The institution is drawn from ``institutions``; the actions of ``agents`` agents last
    from 1 to ``rounds`` rounds.
    """
    return _traces(institutions, rounds, agents)
