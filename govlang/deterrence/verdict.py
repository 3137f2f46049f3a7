"""From played runs to discounted sums, the sanction path and the verdict on a pattern.

With weights ``w_t = d**(t - 1)`` over rounds ``t = 1..H`` (``d`` the discount factor), per
firm ``i`` and colluding strategy ``S``:

* the round's benchmark ``b_i,t = pi_C_i`` if the firm requested the pattern's action in round
  ``t``, else ``pi_N_i`` (the evasive strategy competes in some rounds);
* discounted rent ``R_i = sum_t w_t (b_i,t - pi_N_i)`` (persistent: ``pi_C_i - pi_N_i`` times
  ``(1 - d**H) / (1 - d)``);
* discounted penalty ``P_i = sum_t w_t (b_i,t - m_i,t(S))``: fines plus the profit lost to
  constraints (suspension, caps), ``m`` being the replayed mediated payoff;
* net gain ``G_i(S) = sum_t w_t (m_i,t(S) - m_i,t(compete))``, against the replayed competing
  run (so a fine the institution levies on competitors counts too). When competitors are
  never sanctioned, ``G_i = R_i - P_i``.

Persistent collusion is deterred when no firm gains over the horizon: ``G_i <= 0`` for every
firm. The evasive strategy is deterred when no firm gains from what it does after its first
restoration (a return to the initial standing after leaving it): the rounds before that are
the free rounds every warning step grants, already counted against persistent collusion. The
verdict rules are in :func:`verdict` and ``specs/deterrence.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from govlang.deterrence.market import FloatArray
from govlang.deterrence.patterns import FirmEconomics
from govlang.deterrence.play import Played, binds, sanction_kind
from govlang.runtime.events import Event

Reason = Literal["not_detected", "not_sanctioned", "fine_too_small", "restoration_too_quick"]
Kind = Literal["deters", "deters_after", "cannot_deter", "no_rent"]

REASONS: dict[str, str] = {
    "not_detected": "not detected: the institution never acts on persistent collusion",
    "not_sanctioned": "not sanctioned: detected, but no fine or constraint follows",
    "fine_too_small": "fine too small: persistent collusion pays despite the sanctions",
    "restoration_too_quick": "restoration too quick: colluding again after each restoration pays",
}

__all__ = [
    "REASONS",
    "FirmOutcome",
    "Outcome",
    "Sanctions",
    "Segment",
    "Verdict",
    "outcome",
    "verdict",
    "weights",
]


def weights(horizon: int, discount: float) -> FloatArray:
    """``discount ** (t - 1)`` for rounds ``t = 1..horizon``."""
    return np.asarray(discount ** np.arange(horizon, dtype=np.float64), dtype=np.float64)


@dataclass(frozen=True)
class Segment:
    """Consecutive rounds that left a firm in one standing, with the fines paid in them.

    ``constrained``: an action constraint (suspension, cap) moved the firm's action in one of
    these rounds; it was imposed by the standing the firm was in during the round (so the last
    round of a suspension shows up in the run of the standing it ended in).
    """

    state: str
    start: int
    end: int
    fines: tuple[float, ...]
    constrained: bool

    def text(self) -> str:
        """``r2-4 fined (630.00, 1350.00, 1800.00)``; ``r1-50 fined (50 x 450.00)``."""
        rounds = f"r{self.start}" if self.start == self.end else f"r{self.start}-{self.end}"
        paid = [f"{amount:.2f}" for amount in self.fines if amount]
        if len(paid) > 3 and len(set(paid)) == 1:
            paid = [f"{len(paid)} x {paid[0]}"]
        elif len(paid) > 4:
            total = sum(self.fines)
            paid = [*paid[:3], f"... {len(paid)} fines, {total:.2f} in all"]
        extra = f" ({', '.join(paid)})" if paid else ""
        return f"{rounds} {self.state}{extra}{' [constrained]' if self.constrained else ''}"


@dataclass(frozen=True)
class Sanctions:
    """What hit a firm over the horizon: fines (ladder steps, floors, caps), constraints."""

    fines: int
    steps: tuple[int, ...]
    floors: int
    caps: int
    constrained: int

    def text(self) -> str:
        """``18 fines (ladder steps 0-2; 3 raised to the floor), 25 rounds constrained``."""
        parts = []
        if self.steps:
            low, high = min(self.steps), max(self.steps)
            parts.append(
                f"ladder step{'s' if low != high else ''} {low}"
                + (f"-{high}" if low != high else "")
            )
        if self.floors:
            parts.append(f"{self.floors} raised to the floor")
        if self.caps:
            parts.append(f"{self.caps} cut to the cap")
        detail = f" ({'; '.join(parts)})" if parts else ""
        plural = "s" if self.fines != 1 else ""
        return f"{self.fines} fine{plural}{detail}, {self.constrained} rounds constrained"


@dataclass(frozen=True)
class FirmOutcome:
    """One firm's account of one colluding strategy."""

    firm: str
    gain: float
    rent: float
    penalty: float
    fines: float
    collusive_rounds: int
    first_evidence: int | None
    first_act: tuple[int, str] | None
    first_sanction: tuple[int, str] | None
    path: tuple[Segment, ...]
    sanctions: Sanctions
    restored: int | None
    """The round after which the firm was first back in its initial standing."""
    repeat_gain: float
    """The discounted net gain of the rounds after that restoration (0 if none)."""

    @property
    def free_rounds(self) -> int | None:
        """Colluding rounds before the first sanction (``None``: never sanctioned)."""
        return None if self.first_sanction is None else self.first_sanction[0] - 1


@dataclass(frozen=True)
class Outcome:
    """A colluding strategy's outcome over the horizon, per firm."""

    strategy: str
    firms: tuple[FirmOutcome, ...]
    tolerance: float

    @property
    def deterred(self) -> bool:
        """Whether no firm gains (evasive: after its first restoration) over competing."""
        if self.strategy == "evasive":
            return all(f.repeat_gain <= self.tolerance for f in self.firms)
        return all(f.gain <= self.tolerance for f in self.firms)

    @property
    def worst_gain(self) -> float:
        """The largest discounted net gain of any firm."""
        return max(f.gain for f in self.firms)


def outcome(
    played: Played,
    compete: Played,
    economics: tuple[FirmEconomics, ...],
    pattern: FloatArray,
    w: FloatArray,
) -> Outcome:
    """Discounted gains and penalties and the sanction path of ``played``."""
    scale = max(1.0, *(abs(e.collusive) for e in economics), *(abs(e.nash) for e in economics))
    firms = []
    for i, econ in enumerate(economics):
        firm = econ.firm
        mediated = played.mediated(firm)
        fines = played.fines(firm)
        act = played.first(firm, ("traversal", "sanction"))
        evidence = played.first(firm, ("evidence",))
        sanction = played.first_sanction(firm)
        net = w * (mediated - compete.mediated(firm))
        colluded = played.colluded(firm, pattern[i])
        benchmark = np.where(colluded, econ.collusive, econ.nash)
        restored = _restored(played.standing(firm), played.initial_standing(firm))
        firms.append(
            FirmOutcome(
                firm,
                float(net.sum()),
                float(w @ (benchmark - econ.nash)),
                float(w @ (benchmark - mediated)),
                float(w @ fines),
                sum(colluded),
                None if evidence is None else evidence.round,
                None if act is None else (act.round, _act_text(act)),
                None if sanction is None else (sanction.round, _act_text(sanction)),
                _segments(played, firm),
                _sanctions(played, firm),
                restored,
                0.0 if restored is None else float(net[restored:].sum()),
            )
        )
    return Outcome(played.strategy, tuple(firms), 1e-9 * scale * len(w))


def _restored(standings: tuple[str, ...], initial: str) -> int | None:
    """The first round after which the standing is back to ``initial`` having left it."""
    left = False
    for t, state in enumerate(standings, 1):
        left |= state != initial
        if left and state == initial:
            return t
    return None


def bound(event: Event) -> str | None:
    """``floor`` or ``cap`` when a fine of profit was raised to its floor or cut to its cap."""
    detail = event.detail
    sanction = str(detail.get("sanction", ""))
    if " of profit" not in sanction or " plus " in sanction:
        return None
    base = float(detail["rate"]) * max(float(detail["profit"]), 0.0)
    amount = float(detail["amount"])
    slack = 1e-9 * max(1.0, abs(base))
    return "floor" if amount > base + slack else "cap" if amount < base - slack else None


def _act_text(event: Event) -> str:
    rule = f" under {event.rule}" if event.rule else ""
    if event.kind == "sanction":
        detail = event.detail
        if sanction_kind(event) == "fine":
            sanction = str(detail.get("sanction", ""))
            parts = []
            if " of profit" in sanction:
                parts.append(f"{float(detail['rate']):g} x {float(detail['profit']):.2f}")
            clamp = bound(event)
            if clamp is not None:
                parts.append("raised to the floor" if clamp == "floor" else "cut to the cap")
            if sanction.startswith("fine ladder"):
                parts.append(f"ladder step {detail['step']}")
            how = f" ({', '.join(parts)})" if parts else ""
            return f"fine {float(detail['amount']):.2f}{how}{rule}"
        return f"{str(detail.get('sanction', 'sanction')).split()[0]}{rule}"
    return f"{event.detail.get('from')} -> {event.detail.get('to')}{rule}"


def _sanctions(played: Played, firm: str) -> Sanctions:
    fines, steps, floors, caps, constrained = 0, [], 0, 0, 0
    for trace in played.rounds:
        hit = False
        for event in trace.events:
            if event.kind != "sanction" or event.detail.get("agent") != firm or not binds(event):
                continue
            if sanction_kind(event) == "constraint":
                hit = True
                continue
            fines += 1
            if str(event.detail.get("sanction", "")).startswith("fine ladder"):
                steps.append(int(event.detail["step"]))
            clamp = bound(event)
            floors += clamp == "floor"
            caps += clamp == "cap"
        constrained += hit
    return Sanctions(fines, tuple(steps), floors, caps, constrained)


def _segments(played: Played, firm: str) -> tuple[Segment, ...]:
    """The firm's standings as runs of rounds (the state after each round)."""
    fines = played.fines(firm)
    constrained = [
        any(
            e.kind == "sanction"
            and e.detail.get("agent") == firm
            and sanction_kind(e) == "constraint"
            and binds(e)
            for e in trace.events
        )
        for trace in played.rounds
    ]
    out: list[Segment] = []
    for t, state in enumerate(played.standing(firm)):
        if out and out[-1].state == state:
            last = out[-1]
            out[-1] = Segment(
                state,
                last.start,
                t + 1,
                (*last.fines, float(fines[t])),
                last.constrained or constrained[t],
            )
        else:
            out.append(Segment(state, t + 1, t + 1, (float(fines[t]),), constrained[t]))
    return tuple(out)


@dataclass(frozen=True)
class Verdict:
    """The verdict on one pattern."""

    kind: Kind
    free_rounds: int
    reason: Reason | None

    def text(self) -> str:
        """One line: ``deters``, ``deters after 2 free rounds``, ``cannot deter (...)``."""
        if self.kind == "no_rent":
            return "nothing to deter: the pattern earns no firm any rent over Nash"
        if self.kind == "deters":
            return "deters"
        if self.kind == "deters_after":
            plural = "s" if self.free_rounds != 1 else ""
            return f"deters after {self.free_rounds} free round{plural}"
        assert self.reason is not None
        return f"cannot deter ({REASONS[self.reason]})"


def verdict(economics: tuple[FirmEconomics, ...], persistent: Outcome, evasive: Outcome) -> Verdict:
    """The verdict on a pattern from its persistent and evasive outcomes.

    No firm earns rent: ``no_rent``. Persistent collusion pays: ``not_detected`` if the
    institution never acts on a gaining firm, ``not_sanctioned`` if it acts but never sanctions
    it, else ``fine_too_small``. Persistent collusion is deterred but the evasive strategy pays:
    ``restoration_too_quick``. Both deterred: ``deters`` when the first sanction of a firm that
    earns rent comes in round 1, else ``deters after N free rounds`` (N = rounds before it).
    """
    if all(e.rent <= persistent.tolerance for e in economics):
        return Verdict("no_rent", 0, None)
    if not persistent.deterred:
        gaining = [f for f in persistent.firms if f.gain > persistent.tolerance]
        if all(f.first_act is None for f in gaining):
            return Verdict("cannot_deter", 0, "not_detected")
        if all(f.first_sanction is None for f in gaining):
            return Verdict("cannot_deter", 0, "not_sanctioned")
        return Verdict("cannot_deter", 0, "fine_too_small")
    if not evasive.deterred:
        return Verdict("cannot_deter", 0, "restoration_too_quick")
    earning = {e.firm for e in economics if e.rent > persistent.tolerance}
    free = [
        f.free_rounds for f in persistent.firms if f.firm in earning and f.free_rounds is not None
    ]
    first = min(free) if free else 0
    return Verdict("deters" if first == 0 else "deters_after", first, None)
