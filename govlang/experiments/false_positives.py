"""Fines for a return to competition: sanctions whose round moved the fined firm toward Nash.

An institution that fines a firm in the very round it moves toward the competitive benchmark
punishes compliance. For every fine (a ``sanction`` event whose text starts with ``fine``) in
a run's trace, the fined agent's *move* is read from its effective actions: it moved toward
Nash when the L1 distance of its action to its Nash action (the market's ``nash.quantity``
or ``nash.price`` benchmark row) is strictly smaller than in the previous round. The first
round has no move. It *arrived at* Nash when that distance is at most :data:`AT_NASH` of the
L1 norm of its Nash action: a fine there punishes competitive play itself, while a fine on a
partial move (still far from Nash, e.g. still dividing the market) may rest on evidence that
still holds. The *signals* are the monitors that the scope's evidence monitor reads
directly (for the reference institution ``coordination``: S1-S5); a signal *held* for a fine
when it is true in the monitor values the sanction event carries (a per-agent signal at the
fined agent). ``specs/metrics.md`` states the table built from these counts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govlang import ir
from govlang.experiments.results import run_dir
from govlang.experiments.trace import iter_trace
from govlang.runtime.plan import referenced_names

if TYPE_CHECKING:
    from govlang.experiments.runner import RunSpec

__all__ = [
    "SignalCounts",
    "evidence_signals",
    "fines_toward_nash",
    "nash_actions",
    "regime_false_positives",
]

BENCHMARK_KEYS = ("nash.quantity", "nash.price")
"""Benchmarks that give each firm's Nash action, tried in order."""
AT_NASH = 0.05
"""Relative L1 distance to the Nash action within which a firm has arrived at Nash."""


@dataclass
class SignalCounts:
    """Per signal: fines while it held, of them toward Nash, arriving at Nash, and alone.

    ``alone`` counts fines toward Nash with that signal the only one that held.
    """

    fines: Counter[str] = field(default_factory=Counter)
    toward_nash: Counter[str] = field(default_factory=Counter)
    at_nash: Counter[str] = field(default_factory=Counter)
    alone: Counter[str] = field(default_factory=Counter)
    total_fines: int = 0
    total_toward_nash: int = 0
    total_at_nash: int = 0

    def add(self, held: Sequence[str], toward: bool, arrived: bool = False) -> None:
        """Count one fine: the signals that ``held``, a move toward Nash, arrival at Nash."""
        self.total_fines += 1
        self.fines.update(held)
        if toward:
            self.total_toward_nash += 1
            self.toward_nash.update(held)
            if arrived:
                self.total_at_nash += 1
                self.at_nash.update(held)
            if len(held) == 1:
                self.alone.update(held)

    def merge(self, other: SignalCounts) -> None:
        """Add ``other``'s counts to these."""
        self.fines.update(other.fines)
        self.toward_nash.update(other.toward_nash)
        self.at_nash.update(other.at_nash)
        self.alone.update(other.alone)
        self.total_fines += other.total_fines
        self.total_toward_nash += other.total_toward_nash
        self.total_at_nash += other.total_at_nash


def evidence_signals(institution: ir.Institution) -> tuple[str, ...]:
    """The monitors read directly by the evidence monitors of every scope, in found order."""
    monitors = {m.name: m for m in institution.monitors}
    found: dict[str, None] = {}
    for scope in institution.scopes:
        decl = monitors.get(scope.evidence or "")
        if decl is None:
            continue
        for name in referenced_names(decl.expr):
            if name in monitors:
                found.setdefault(name, None)
    return tuple(found)


def nash_actions(benchmarks: Mapping[str, Any], agents: Sequence[str]) -> dict[str, Any] | None:
    """Each agent's Nash action from a run's benchmarks (``None`` if the market has none)."""
    for key in BENCHMARK_KEYS:
        rows = benchmarks.get(key)
        if isinstance(rows, list) and len(rows) == len(agents):
            return dict(zip(agents, rows, strict=True))
    return None


def _flat(value: Any) -> list[float]:
    """A nested list of numbers, flattened."""
    if isinstance(value, list):
        return [x for item in value for x in _flat(item)]
    return [float(value)]


def _distance(action: Any, nash: Any) -> float | None:
    """The L1 distance of ``action`` to ``nash`` (``None`` when their shapes differ)."""
    a, n = _flat(action), _flat(nash)
    return sum(abs(x - y) for x, y in zip(a, n, strict=True)) if len(a) == len(n) else None


def _held(
    monitors: Mapping[str, Any], signals: Sequence[str], agents: Sequence[str], who: str
) -> list[str]:
    """The signals true for agent ``who`` in a sanction event's monitor values."""
    held = []
    for name in signals:
        value = monitors.get(name)
        if isinstance(value, list) and len(value) == len(agents) and who in agents:
            value = value[agents.index(who)]
        if value is True:
            held.append(name)
    return held


def fines_toward_nash(
    records: Iterable[Mapping[str, Any]],
    nash: Mapping[str, Any],
    signals: Sequence[str],
    agents: Sequence[str],
) -> SignalCounts:
    """The :class:`SignalCounts` of one run's trace ``records`` (module docstring)."""
    counts = SignalCounts()
    scale = {agent: sum(abs(x) for x in _flat(action)) for agent, action in nash.items()}
    before: dict[str, float] = {}
    for record in records:
        now: dict[str, float] = {}
        for agent, action in (record.get("effective") or {}).items():
            distance = _distance(action, nash[agent]) if agent in nash else None
            if distance is not None:
                now[agent] = distance
        for event in record.get("events") or []:
            detail = event.get("detail") or {}
            if event.get("kind") != "sanction" or not str(detail.get("sanction", "")).startswith(
                "fine"
            ):
                continue
            who = str(detail.get("agent"))
            toward = who in now and who in before and now[who] < before[who]
            arrived = who in now and now[who] <= AT_NASH * scale.get(who, 0.0)
            counts.add(_held(event.get("monitors") or {}, signals, agents, who), toward, arrived)
        before = now
    return counts


def regime_false_positives(
    out: Path, runs: Iterable[RunSpec], institution: ir.Institution
) -> dict[str, SignalCounts]:
    """Per regime, the :class:`SignalCounts` pooled over the complete runs under ``out``.

    Runs without a summary or a trace (incomplete, or from a market without a Nash action
    benchmark) are left out.
    """
    signals = evidence_signals(institution)
    found: dict[str, SignalCounts] = {}
    for run in runs:
        folder = run_dir(out, run)
        summary_file, trace_file = folder / "summary.json", folder / "trace.jsonl"
        if not (summary_file.is_file() and trace_file.is_file()):
            continue
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        agents = [str(a) for a in summary.get("agents", [])]
        nash = nash_actions(summary.get("benchmarks", {}), agents)
        if nash is None:
            continue
        counts = fines_toward_nash(iter_trace(trace_file), nash, signals, agents)
        found.setdefault(str(run.regime), SignalCounts()).merge(counts)
    return found
