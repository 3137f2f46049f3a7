"""Independent recounting of a run's effects: effective actions and money.

See :mod:`govlang.testing._recount`; this half checks step 3 (action constraints) and step 7's
money (``specs/semantics.md``) from the recorded rounds alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import gymnasium
import numpy as np

from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution
from govlang.runtime.events import RoundTrace
from govlang.runtime.ledger import Ledger
from govlang.testing._recount import CONSTRAINTS, ZERO, Run, Violation, constant, walk


def _limits(space: gymnasium.spaces.Space[Any]) -> tuple[Any, Any, bool]:
    if isinstance(space, gymnasium.spaces.Discrete):
        return int(space.start), int(space.start + space.n - 1), True
    if isinstance(space, gymnasium.spaces.MultiDiscrete):
        return np.zeros_like(space.nvec), space.nvec - 1, True
    assert isinstance(space, gymnasium.spaces.Box)
    return space.low, space.high, bool(np.issubdtype(space.dtype, np.integer))


def expected_action(
    requested: Any,
    space: gymnasium.spaces.Space[Any],
    binding: Sequence[ir.Sanction],
    values: Sequence[Fraction | None],
) -> Any:
    """The effective action the spec prescribes (``None`` where a bound is not constant)."""
    low, high, integer = _limits(space)
    x = np.clip(np.asarray(requested, dtype=np.float64), low, high)
    pairs = list(zip(binding, values, strict=True))
    floors = [v for s, v in pairs if isinstance(s, ir.ActionBound) and s.bound == "floor"]
    caps = [v for s, v in pairs if isinstance(s, ir.ActionBound) and s.bound == "cap"]
    if any(v is None for v in [*floors, *caps]):
        return None
    if floors:
        x = np.maximum(x, float(max(f for f in floors if f is not None)))
    if caps:
        x = np.minimum(x, float(min(c for c in caps if c is not None)))
    if any(s.kind in ("suspend", "exclude") for s in binding):
        x = np.zeros_like(x)
    x = np.clip(x, low, high)
    return np.floor(x) if integer else x


def check_actions(compiled: CompiledInstitution, run: Run) -> list[Violation]:
    """Effective actions are untouched when nothing binds, else constrained as declared.

    A constrained action lies inside the action space and equals the action the spec
    prescribes for the constraints of the states occupied at the start of the round.
    """
    found: list[Violation] = []
    rounds: dict[int, dict[str, list[ir.Sanction]]] = {}
    for r in walk(compiled, run, found):
        states = {s.name: s for s in r.inst.scope.states}
        bound = [s for s in states[r.before].on_round if s.kind in CONSTRAINTS]
        for agent in r.inst.agents:
            rounds.setdefault(r.trace.round, {}).setdefault(agent, []).extend(bound)
    for trace in run.history:
        for agent, asked in trace.requested.items():
            got, space = np.asarray(trace.effective[agent]), run.spaces[agent]
            binding = rounds.get(trace.round, {}).get(agent, [])
            values = [constant(getattr(s, "value", None), compiled) for s in binding]
            want = (
                np.asarray(asked) if not binding else expected_action(asked, space, binding, values)
            )
            if binding and not space.contains(
                np.asarray(got, dtype=space.dtype).reshape(space.shape)
            ):
                found.append(
                    Violation("actions", trace.round, f"{agent}: {got.tolist()} escapes {space}")
                )
            elif want is not None and not np.array_equal(
                np.asarray(want, dtype=np.float64), got.astype(np.float64)
            ):
                text = f"{agent}: requested {np.asarray(asked).tolist()}, effective "
                text += f"{got.tolist()}, the spec says {np.asarray(want).tolist()}"
                found.append(Violation("actions", trace.round, text))
    return found


@dataclass
class _Flows:
    """The money of one round, recomputed from its fine and grant events."""

    fines: dict[str, Fraction]
    received: dict[str, Fraction]
    treasury: Fraction = Fraction(0)
    consumers: Fraction = Fraction(0)
    granted: Fraction = Fraction(0)


def _flows(trace: RoundTrace) -> _Flows:
    """Fines paid, transfers and grants received, and where the fines went."""
    flows = _Flows(dict.fromkeys(trace.raw, ZERO), dict.fromkeys(trace.raw, ZERO))
    for e in trace.events:
        if e.kind != "sanction" or "amount" not in e.detail:
            continue
        agent, amount = str(e.detail["agent"]), Fraction(float(e.detail["amount"]))
        if "requested" in e.detail:
            flows.received[agent] = flows.received.get(agent, ZERO) + amount
            flows.granted += amount
            continue
        flows.fines[agent] = flows.fines.get(agent, ZERO) + amount
        others = [a for a in trace.raw if a != agent]
        if e.detail.get("recipient") == "others" and others:
            for other in others:
                flows.received[other] += amount / len(others)
        elif e.detail.get("recipient") == "consumers":
            flows.consumers += amount
        else:
            flows.treasury += amount
    return flows


def _close(a: Fraction, b: Fraction, scale: Fraction) -> bool:
    """Equal up to the rounding of the logged floats (a few ulps of the amounts involved)."""
    return abs(a - b) <= Fraction(1, 10**9) * (1 + scale)


def _agent_faults(
    trace: RoundTrace, flows: _Flows, told: Mapping[str, Mapping[str, float]]
) -> list[str]:
    """Per agent: mediated against raw - fines + received, and what the infos report."""
    faults = []
    for agent, raw in trace.raw.items():
        mediated = trace.mediated.get(agent)
        if raw is None or mediated is None:
            faults.append(f"{agent}: payoff missing")
            continue
        f, g = flows.fines[agent], flows.received[agent]
        scale = abs(Fraction(raw)) + f + g
        if f == 0 and g == 0 and repr(mediated) != repr(raw):
            faults.append(f"{agent}: no money moved, raw {raw!r} became {mediated!r}")
        if not _close(Fraction(mediated), Fraction(raw) - f + g, scale):
            faults.append(f"{agent}: mediated {mediated} != {raw} - {float(f)} + {float(g)}")
        info = told.get(agent, {})
        fined, got = Fraction(info.get("fined", 0.0)), Fraction(info.get("received", 0.0))
        if not (_close(fined, f, scale) and _close(got, g, scale)):
            faults.append(f"{agent}: infos report {dict(info)}")
    return faults


def check_money(run: Run) -> list[Violation]:
    """Money is conserved, every agent, every round.

    ``mediated == raw - fines + received`` with fines and receipts recomputed from the
    round's fine and grant events (shares of ``others`` fines included); payoffs no money
    moved for pass bit for bit; the round's totals balance; and the ledger moves by exactly
    the round's fines, transfers and grants.
    """
    found: list[Violation] = []
    previous = Ledger()
    for trace, ledger, told in zip(run.history, run.ledgers, run.payoffs, strict=True):
        flows = _flows(trace)
        found += [Violation("money", trace.round, f) for f in _agent_faults(trace, flows, told)]
        raw = sum((Fraction(x) for x in trace.raw.values() if x is not None), ZERO)
        paid = sum((Fraction(x) for x in trace.mediated.values() if x is not None), ZERO)
        out = flows.treasury + flows.consumers
        scale = abs(raw) + out + flows.granted
        if not _close(raw + flows.granted, paid + out, scale):
            found.append(Violation("money", trace.round, "money created or destroyed"))
        moved = (
            (ledger.fined - previous.fined, sum(flows.fines.values(), ZERO)),
            (ledger.granted - previous.granted, flows.granted),
            (ledger.consumers - previous.consumers, flows.consumers),
            (ledger.treasury - previous.treasury, flows.treasury - flows.granted),
        )
        if not all(_close(a, b, scale) for a, b in moved):
            text = f"ledger moved {[float(a) for a, _ in moved]}, events say "
            found.append(Violation("money", trace.round, text + f"{[float(b) for _, b in moved]}"))
        previous = ledger
    return found
