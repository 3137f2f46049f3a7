"""Explaining an act from its record alone, without a replay (for the HTML report).

The trace's events carry the values of the monitors their guard reads, the counters the edge
was decided on and a fine's rate, profit and amount; the institution gives the source lines,
what each edge needs and the constant numbers of each sanction. That is enough for the
report's per-act explanation: rule and edge with the source line, the evidence signals that
held, the counters against what the edge needs, the fine's arithmetic and the governance-log
entry. The values inside the signals (``0.86 >= 0.50``) need a replay: the report gives the
``govlang explain`` command that shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govlang.explain.acts import arithmetic, counters_of
from govlang.explain.conditions import signal_names
from govlang.explain.inputs import LogEntry
from govlang.explain.text import params_text
from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution
from govlang.runtime.plan import Plan, Ref, SanctionSite, build_plan

EDGE_KINDS = ("traversal", "restoration", "blocked")


class RecordedActs:
    """Explains recorded events of one institution (one instance per report)."""

    def __init__(self, compiled: CompiledInstitution, source_name: str, source_text: str) -> None:
        """Explain events of ``compiled``, whose source is ``source_text``."""
        self.compiled = compiled
        self.source_name = source_name
        self._lines = source_text.splitlines()
        self._edges = {e.key: e for e in compiled.edges}
        self._plans: dict[tuple[str, ...], Plan] = {}
        self._signals: dict[str, tuple[tuple[str, bool], ...]] = {
            scope.kind: signal_names(compiled.institution, scope.evidence)
            for scope in compiled.institution.scopes
            if scope.evidence is not None
        }

    def signals_held(self, event: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """The event's signals that triggered, and the negated ones that held (none or some)."""
        monitors = event.get("monitors") or {}
        pairs = self._signals.get(str(event.get("scope")), ())
        held = [name for name, negated in pairs if not negated and monitors.get(name) is True]
        ruled_out = [name for name, negated in pairs if negated and monitors.get(name) is True]
        return held, ruled_out

    def lines(
        self, event: Mapping[str, Any], agents: Sequence[str], log: LogEntry | None = None
    ) -> list[str]:
        """The explanation of one recorded act, as lines of text."""
        out: list[str] = []
        edge = self._edges.get(str(event.get("edge")))
        if edge is not None:
            out.append(f"rule {edge.rule.id}, edge {edge.key}")
            out.append(self._where(edge.edge.span.line, edge.edge.span.column))
        detail = event.get("detail") or {}
        span = event.get("span")
        if event.get("kind") == "sanction" and span:
            out.append(self._where(span["line"], span["column"]))
        held, ruled_out = self.signals_held(event)
        if held or ruled_out:
            out.append(
                "signals that held: "
                + (", ".join(held) or "none")
                + (f" (ruling evidence out: {', '.join(ruled_out)})" if ruled_out else "")
            )
        if edge is not None and event.get("kind") in EDGE_KINDS:
            out.append("counters: " + ", ".join(str(c) for c in counters_of(edge, detail)))
        out += [f"blocked: {reason}" for reason in detail.get("reasons", ())]
        out += self._money(event, agents)
        if log is not None:
            out.append(f"log entry {log.seq}, sha256 {log.hash[:16]}…")
        return out

    def _where(self, line: int, column: int) -> str:
        text = self._lines[line - 1].strip() if 0 < line <= len(self._lines) else ""
        return f"{Path(self.source_name).name}:{line}:{column} | {text}"

    def _money(self, event: Mapping[str, Any], agents: Sequence[str]) -> list[str]:
        detail = event.get("detail") or {}
        if event.get("kind") != "sanction":
            return []
        if "requested" in detail and "effective" in detail:
            return [f"requested {detail['requested']} → effective {detail['effective']}"]
        site = self._site(str(detail.get("site")), agents)
        if site is None or "amount" not in detail or site.sanction.kind != "fine":
            return []
        numbers = [*site.rates, site.plus, site.floor, site.cap]
        if any(isinstance(n, Ref) for n in numbers):
            return [f"amount {float(detail['amount']):.2f} (its numbers read monitors)"]
        found = arithmetic(site, detail, _constant)
        params = params_text(
            {
                name: self.compiled.params[name]
                for name in _names(site)
                if name in self.compiled.params
            }
        )
        return [found.text()] + ([f"params: {params}"] if params else [])

    def _site(self, site_id: str, agents: Sequence[str]) -> SanctionSite | None:
        key = tuple(agents)
        if key not in self._plans:
            self._plans[key] = build_plan(self.compiled, list(agents))
        for scope in self._plans[key].scopes:
            for state in scope.states.values():
                for site in (*state.on_enter, *state.on_round):
                    if site.id == site_id:
                        return site
            for edge in scope.edges:
                for site in edge.sanctions:
                    if site.id == site_id:
                        return site
        return None


def _names(site: SanctionSite) -> list[str]:
    """The params a fine names (ladder, plus, floor, cap)."""
    fine = site.sanction
    if not isinstance(fine, ir.Fine):
        return []
    exprs = [fine.amount, fine.plus, fine.floor, fine.cap]
    return [e.name for e in exprs if isinstance(e, ir.NameRef)]


def _constant(amount: float | Ref) -> float:
    if isinstance(amount, Ref):
        raise TypeError(f"{amount.key} is not a constant")
    return float(amount)


def recorded_acts(compiled: CompiledInstitution, path: Path) -> RecordedActs:
    """The explainer of ``compiled``, whose source file is ``path`` (read here)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""  # the source lines are then left empty; everything else is recorded
    return RecordedActs(compiled, str(path), text)


def event_entries(
    records: Sequence[Mapping[str, Any]], log: Sequence[LogEntry]
) -> dict[tuple[int, int], LogEntry]:
    """Each recorded event's log entry by (round, position in the round's events).

    The log records the trace's events in order; an entry is matched only when its kind,
    round, instance and edge are the event's (a log that is not the trace's matches nothing
    from the first difference on).
    """
    found: dict[tuple[int, int], LogEntry] = {}
    entries = iter(log)
    for record in records:
        for position, event in enumerate(record.get("events") or []):
            entry = next(entries, None)
            keys = ("kind", "round", "instance", "edge")
            if entry is None or any(entry.body.get(k) != event.get(k) for k in keys):
                return found
            found[(int(record["round"]), position)] = entry
    return found
