"""Which evidence signals triggered the institution's acts, alone and jointly.

For every escalation (a ``traversal`` event) and every fine (a ``sanction`` event with an
amount) of a run's trace, the *triggering signals* are the evidence monitor's signals that
are not negated and are true in the monitor values the event carries
(:meth:`govlang.explain.recorded.RecordedActs.signals_held`). A signal triggered an act
*alone* when it is the only triggering signal, *jointly* otherwise; an act with no triggering
signal (a guard that is not the evidence, or evidence through a signal read under ``not``)
is counted under ``(none)``. ``specs/explain.md`` states the table.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govlang.explain.recorded import RecordedActs

if TYPE_CHECKING:
    from govlang.experiments.tables import Cell, Table

NONE = "(none)"
KINDS = ("escalations", "fines")


@dataclass
class Attribution:
    """Per act kind (escalations, fines): acts per signal alone and jointly, and in total."""

    alone: dict[str, Counter[str]] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    jointly: dict[str, Counter[str]] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    combinations: dict[str, Counter[tuple[str, ...]]] = field(
        default_factory=lambda: {k: Counter() for k in KINDS}
    )
    totals: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, held: Sequence[str]) -> None:
        """Count one act of ``kind`` triggered by the signals ``held``."""
        self.totals[kind] += 1
        self.combinations[kind][tuple(held) or (NONE,)] += 1
        if len(held) <= 1:
            self.alone[kind][held[0] if held else NONE] += 1
        else:
            self.jointly[kind].update(held)

    def merge(self, other: Attribution) -> None:
        """Add ``other``'s counts."""
        for kind in KINDS:
            self.alone[kind].update(other.alone[kind])
            self.jointly[kind].update(other.jointly[kind])
            self.combinations[kind].update(other.combinations[kind])
        self.totals.update(other.totals)

    def as_json(self) -> dict[str, Any]:
        """The counts as JSON (stored in a run's ``summary.json``)."""
        return {
            "totals": dict(self.totals),
            "combinations": {
                kind: [[list(held), n] for held, n in sorted(self.combinations[kind].items())]
                for kind in KINDS
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Attribution:
        """The counts of :meth:`as_json`."""
        found = cls()
        for kind in KINDS:
            for held, n in data.get("combinations", {}).get(kind, []):
                names = [] if list(held) == [NONE] else [str(h) for h in held]
                for _ in range(int(n)):
                    found.add(kind, names)
        return found

    def signals(self) -> list[str]:
        """Every signal counted, sorted (``(none)`` last)."""
        names = {n for k in KINDS for n in (*self.alone[k], *self.jointly[k])}
        return sorted(names - {NONE}) + ([NONE] if NONE in names else [])


def attribute(explainer: RecordedActs, records: Iterable[Mapping[str, Any]]) -> Attribution:
    """The :class:`Attribution` of one run's trace ``records``."""
    found = Attribution()
    for record in records:
        for event in record.get("events") or []:
            kind = _kind(event)
            if kind is not None:
                held, _ = explainer.signals_held(event)
                found.add(kind, held)
    return found


def _kind(event: Mapping[str, Any]) -> str | None:
    if event.get("kind") == "traversal":
        return "escalations"
    detail = event.get("detail") or {}
    fine = str(detail.get("sanction", "")).startswith("fine") and "amount" in detail
    return "fines" if event.get("kind") == "sanction" and fine else None


def attribution_rows(by_regime: Mapping[str, Attribution]) -> Table:
    """The report's table: per regime and signal, escalations and fines alone and jointly."""
    head = [
        "regime",
        "signal",
        "escalations it triggered alone",
        "escalations it triggered jointly",
        "fines it triggered alone",
        "fines it triggered jointly",
    ]
    body: list[list[Cell]] = []
    for regime, found in by_regime.items():
        if not sum(found.totals.values()):
            continue
        body.append([regime, "(all acts)", str(found.totals["escalations"]), "-",
                     str(found.totals["fines"]), "-"])  # fmt: skip
        for name in found.signals():
            counts = [
                found.alone["escalations"][name],
                found.jointly["escalations"][name],
                found.alone["fines"][name],
                found.jointly["fines"][name],
            ]
            body.append([regime, name, *map(str, counts)])
    return head, body


def regime_attribution(
    folders: Iterable[tuple[str, Path]], explainer: RecordedActs
) -> dict[str, Attribution]:
    """Per regime, the :class:`Attribution` pooled over the complete runs' ``folders``.

    ``folders`` pairs each run's regime with its folder; a run's counts come from its
    ``summary.json`` (or its trace, for a summary written before they were stored).
    """
    found: dict[str, Attribution] = {}
    for regime, folder in folders:
        summary_file, trace_file = folder / "summary.json", folder / "trace.jsonl"
        if not summary_file.is_file():
            continue
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        if "attribution" in summary:
            counts = Attribution.from_json(summary["attribution"])
        elif trace_file.is_file():
            counts = attribute(explainer, _records(trace_file))
        else:
            continue
        found.setdefault(regime, Attribution()).merge(counts)
    return found


def _records(path: Path) -> Iterable[Mapping[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
