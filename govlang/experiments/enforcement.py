"""Enforcement counts of one run, from its institutional events.

Events are the runtime's (:mod:`govlang.runtime.events`): :class:`~govlang.runtime.events.Event`
objects or their ``as_json()`` dicts, with a ``kind`` (``evidence``, ``traversal``,
``restoration``, ``blocked``, ``sanction``, ``notice``), a ``round`` and a ``detail``. The
counts, precisely:

``warnings``          traversals (escalation edges) into a *warning state*;
``fines``             ``sanction`` events whose sanction text starts with ``fine`` and whose
                      amount is positive (one per fined agent and firing; a fine whose
                      arithmetic comes to 0, e.g. at ``fine_rate = 0``, takes no money and is
                      not counted);
``fine_total``        the sum of those fines' ``detail["amount"]``;
``suspensions``       suspension *episodes*: per agent, maximal runs of consecutive rounds with a
                      ``suspend`` sanction event (the constraint fires every suspended round);
``exclusions``        exclusion episodes, likewise with ``exclude``;
``constrained_rounds`` agent-rounds with any action-constraint event (``suspend``,
                      ``exclude``, ``cap ... action``, ``floor ... action``);
``credits``           traversals or restorations into a *credit state*;
``grants``            ``sanction`` events whose text starts with ``grant`` (``grant_total``:
                      their paid ``amount``);
``restorations``      ``restoration`` events (any edge of a ``restore`` rule);
``blocked_requests``  ``blocked`` events (an edge whose trigger held but that was not legal);
``any_action``        whether the run saw a warning, fine, suspension or exclusion.

Warning and credit states are recognised by *state name* (event details carry the names of
the edge's ``from`` and ``to`` states): by default ``warning`` and ``credited``, as in the
reference institution; :class:`StateNames` changes them for other institutions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["EnforcementCounts", "StateNames", "count_enforcement"]

CONSTRAINT_WORDS = ("suspend", "exclude", "cap", "floor")
"""First words of the canonical text of action-constraint sanctions."""


class StateNames(BaseModel):
    """Names of the states whose entries count as warnings and as credits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warning: tuple[str, ...] = ("warning",)
    credit: tuple[str, ...] = ("credited",)


class EnforcementCounts(BaseModel):
    """What the institution did in one run (see the module docstring for each count)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warnings: int = 0
    fines: int = 0
    fine_total: float = 0.0
    suspensions: int = 0
    exclusions: int = 0
    constrained_rounds: int = 0
    credits: int = 0
    grants: int = 0
    grant_total: float = 0.0
    restorations: int = 0
    blocked_requests: int = 0
    any_action: bool = False


def _as_dict(event: Any) -> Mapping[str, Any]:
    """An event as a mapping (``Event`` objects via ``as_json``)."""
    if isinstance(event, Mapping):
        return event
    as_json = getattr(event, "as_json", None)
    if as_json is None:
        raise TypeError(f"not an institutional event: {event!r}")
    result: Mapping[str, Any] = as_json()
    return result


def _episodes(rounds_by_agent: Mapping[str, set[int]]) -> int:
    """Number of maximal runs of consecutive rounds, summed over agents."""
    return sum(sum(1 for r in rounds if r - 1 not in rounds) for rounds in rounds_by_agent.values())


def count_enforcement(events: Iterable[Any], states: StateNames | None = None) -> EnforcementCounts:
    """Count the enforcement actions of one run's ``events`` (module docstring)."""
    names = states or StateNames()
    counts: dict[str, Any] = defaultdict(int)
    constrained: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for raw in events:
        event = _as_dict(raw)
        kind, detail = event.get("kind"), event.get("detail") or {}
        if kind in ("traversal", "restoration"):
            target = detail.get("to")
            counts["warnings"] += kind == "traversal" and target in names.warning
            counts["credits"] += target in names.credit
            counts["restorations"] += kind == "restoration"
        elif kind == "blocked":
            counts["blocked_requests"] += 1
        elif kind == "sanction":
            _sanction(detail, int(event.get("round", 0)), counts, constrained)
    suspensions = _episodes(constrained["suspend"])
    exclusions = _episodes(constrained["exclude"])
    agent_rounds = {(a, r) for by in constrained.values() for a, rs in by.items() for r in rs}
    acted = counts["warnings"] + counts["fines"] + suspensions + exclusions > 0
    return EnforcementCounts(
        **counts,
        suspensions=suspensions,
        exclusions=exclusions,
        constrained_rounds=len(agent_rounds),
        any_action=acted,
    )


def _sanction(
    detail: Mapping[str, Any],
    round_index: int,
    counts: dict[str, Any],
    constrained: dict[str, dict[str, set[int]]],
) -> None:
    """Tally one sanction event."""
    words = str(detail.get("sanction", "")).split()
    first = words[0] if words else ""
    if first == "fine":
        amount = float(detail.get("amount", 0.0))
        if amount > 0:
            counts["fines"] += 1
            counts["fine_total"] += amount
    elif first == "grant":
        counts["grants"] += 1
        counts["grant_total"] += float(detail.get("amount", 0.0))
    elif first in CONSTRAINT_WORDS:
        constrained[first][str(detail.get("agent"))].add(round_index)
