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

The worker counts a run once, when it writes the run's ``summary.json``
(:func:`run_false_positives`, stored under ``false_positives``); the report pools the stored
counts (:func:`regime_false_positives`) and reads a trace again only for a summary written
before the counts were stored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govlang.experiments.numbers import flat_numbers
from govlang.experiments.run_loop import iter_trace
from govlang.lang import ir
from govlang.runtime.plan import referenced_names

__all__ = [
    "SignalCounts",
    "evidence_signals",
    "fines_toward_nash",
    "nash_actions",
    "regime_false_positives",
    "run_false_positives",
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

    def as_json(self) -> dict[str, Any]:
        """These counts as plain JSON (:meth:`from_json` reads them back)."""
        return {
            "fines": dict(self.fines),
            "toward_nash": dict(self.toward_nash),
            "at_nash": dict(self.at_nash),
            "alone": dict(self.alone),
            "total_fines": self.total_fines,
            "total_toward_nash": self.total_toward_nash,
            "total_at_nash": self.total_at_nash,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignalCounts:
        """The counts that :meth:`as_json` wrote."""
        return cls(
            fines=Counter(data["fines"]),
            toward_nash=Counter(data["toward_nash"]),
            at_nash=Counter(data["at_nash"]),
            alone=Counter(data["alone"]),
            total_fines=int(data["total_fines"]),
            total_toward_nash=int(data["total_toward_nash"]),
            total_at_nash=int(data["total_at_nash"]),
        )

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


def _distance(action: Any, nash: Any) -> float | None:
    """The L1 distance of ``action`` to ``nash`` (``None`` when their shapes differ)."""
    a, n = flat_numbers(action), flat_numbers(nash)
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
    scale = {agent: sum(abs(x) for x in flat_numbers(action)) for agent, action in nash.items()}
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


def run_false_positives(
    records: Iterable[Mapping[str, Any]],
    benchmarks: Mapping[str, Any],
    agents: Sequence[str],
    institution: ir.Institution,
) -> SignalCounts | None:
    """One run's counts; ``None`` for a market without a Nash action benchmark."""
    nash = nash_actions(benchmarks, agents)
    if nash is None:
        return None
    return fines_toward_nash(records, nash, evidence_signals(institution), agents)


def _stored_or_counted(folder: Path, institution: ir.Institution) -> SignalCounts | None:
    """A complete run's counts from its summary (or its trace, for an older summary)."""
    summary_file, trace_file = folder / "summary.json", folder / "trace.jsonl"
    if not summary_file.is_file():
        return None
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    if "false_positives" in summary:
        stored = summary["false_positives"]
        return None if stored is None else SignalCounts.from_json(stored)
    if not trace_file.is_file():
        return None
    agents = [str(a) for a in summary.get("agents", [])]
    benchmarks = summary.get("benchmarks", {})
    return run_false_positives(iter_trace(trace_file), benchmarks, agents, institution)


def regime_false_positives(
    folders: Iterable[tuple[str, Path]], institution: ir.Institution
) -> dict[str, SignalCounts]:
    """Per regime, the :class:`SignalCounts` pooled over the complete runs' ``folders``.

    ``folders`` pairs each run's regime with its folder. Runs without a summary (incomplete)
    or from a market without a Nash action benchmark are left out.
    """
    found: dict[str, SignalCounts] = {}
    for regime, folder in folders:
        counts = _stored_or_counted(folder, institution)
        if counts is not None:
            found.setdefault(regime, SignalCounts()).merge(counts)
    return found
