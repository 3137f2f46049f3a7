"""The firm interface: what every agent (LLM or offline) knows, sees, and returns.

A run drives each firm through the same three calls:

1. :meth:`Firm.reset` once, with a :class:`FirmContext` (its id, the action box, the regime,
   the constitution text, a seed, and the market's parameters);
2. every round ``t = 1, 2, ...``: ``await firm.decide(view)`` with a :class:`RoundView` (its
   own past infos, institutional notices, its standing), answered by a :class:`Decision`;
3. after the round: :meth:`Firm.observe_outcome` with the firm's info dict of that round and
   its *mediated* reward (market profit minus any fine), which learning firms learn from.

Market parameters reach offline firms through :attr:`FirmContext.market_config`: the market
env's pydantic config dumped to a plain mapping (``CournotConfig`` / ``BertrandConfig``
fields). :func:`context_for` fills every field from a market env (or any wrapper around one),
so a runner never assembles a context by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from govlang.channels.context import TalkContext
from govlang.channels.messages import Message
from govlang.runtime.govern import REGIMES

__all__ = ["Decision", "Firm", "FirmContext", "RoundView", "context_for"]


@dataclass(frozen=True)
class FirmContext:
    """What a firm knows at reset.

    ``action_low`` / ``action_high`` bound every entry of the action; ``action_labels`` names
    its entries (the commodities, e.g. ``("A", "B")``), ``()`` for a scalar action (a
    Bertrand price). ``capacity`` is the firm's total output cap (Cournot), else ``None``.
    ``constitution`` is the norm text shown under the constitutional and institutional
    regimes. ``index`` is the firm's position in the env's ``possible_agents`` and
    ``market_config`` the market's parameters (a ``model_dump()`` of its config; empty when
    unknown); offline firms need both, LLM firms may ignore them. ``talk`` is the firm's
    channel (``None``: the firms cannot talk).
    """

    agent: str
    market: str
    action_low: float
    action_high: float
    action_labels: tuple[str, ...]
    capacity: float | None
    regime: str
    constitution: str | None
    seed: int
    index: int = 0
    market_config: Mapping[str, Any] = field(default_factory=dict)
    talk: TalkContext | None = None

    @property
    def action_shape(self) -> tuple[int, ...]:
        """Shape of this firm's action array: ``(len(action_labels),)`` or ``()``."""
        return (len(self.action_labels),) if self.action_labels else ()


@dataclass(frozen=True)
class RoundView:
    """What a firm sees before deciding in round ``round`` (1-based).

    ``history`` holds the firm's own past infos (the market env's per-agent info dicts,
    oldest first; empty before round 1). ``notices`` are institutional notices addressed to
    this firm, ``standing`` its institutional state label and ``standings`` the public
    standing label of every *other* firm (all three only under the regimes that announce the
    institution's acts: ``institutional`` and ``announced_unenforced``). ``inbox`` holds the
    messages delivered to the firm on its channel (sent in the previous round; empty without
    a channel).
    """

    round: int
    history: tuple[Mapping[str, Any], ...] = ()
    notices: tuple[str, ...] = ()
    standing: str | None = None
    standings: Mapping[str, str] = field(default_factory=dict)
    inbox: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Decision:
    """A firm's answer for one round.

    ``action`` is the requested action (float64, shape ``(len(action_labels),)`` or ``()``).
    ``fallback`` is ``True`` when the firm could not decide and used a declared fallback;
    ``record`` carries trace material (prompts, raw answers, errors, tokens, latency).
    ``messages`` are the firm's outgoing messages (:class:`~govlang.channels.Outgoing`, or
    what a model wrote in their place: the channel refuses what is malformed); a firm without
    a channel sends none.
    """

    action: NDArray[np.float64]
    reasoning: str = ""
    notes: Mapping[str, str] = field(default_factory=dict)
    fallback: bool = False
    record: Mapping[str, Any] = field(default_factory=dict)
    messages: tuple[Any, ...] = ()


@runtime_checkable
class Firm(Protocol):
    """An agent playing one firm of a market. ``name`` is a short kind label for reports."""

    name: str

    def reset(self, context: FirmContext) -> None:
        """Start a new run; forget everything learned in a previous one unless documented."""
        ...

    async def decide(self, view: RoundView) -> Decision:
        """Choose the action for ``view.round``."""
        ...

    def observe_outcome(self, info: Mapping[str, Any], reward: float) -> None:
        """Learn from the round just played: own info dict and mediated reward."""
        ...


def _action_labels(schema: Any) -> tuple[str, ...]:
    """Labels of the action's (single) non-agent dimension, ``()`` for a scalar action."""
    action = schema.action
    if action is None or not action.dims:
        return ()
    if len(action.dims) != 1:
        raise ValueError(f"actions over several dimensions are not supported: {action.dims}")
    return tuple(schema.dimensions[action.dims[0]])


def context_for(
    env: Any,
    agent: str,
    *,
    regime: str,
    seed: int,
    constitution: str | None = None,
) -> FirmContext:
    """Build the :class:`FirmContext` of ``agent`` from a market env or a wrapper around one.

    Reads the agent's action space from ``env`` and the schema (market name, action labels)
    and config (``market_config``, Cournot capacity) from ``env.unwrapped``.
    """
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}; expected one of {list(REGIMES)}")
    base = getattr(env, "unwrapped", env)
    schema = base.schema()
    space = env.action_space(agent)
    config = getattr(base, "config", None)
    dumped: dict[str, Any] = config.model_dump() if config is not None else {}
    index = list(env.possible_agents).index(agent)
    capacity = dumped.get("capacity")
    return FirmContext(
        agent=agent,
        market=schema.name,
        action_low=float(np.min(space.low)),
        action_high=float(np.max(space.high)),
        action_labels=_action_labels(schema),
        capacity=float(capacity[index]) if capacity is not None else None,
        regime=regime,
        constitution=constitution,
        seed=seed,
        index=index,
        market_config=dumped,
    )
