"""Institutional events: what the runtime did, one record per event, in the order it happened.

Events are what the governance log writes (one entry each), what :func:`govlang.replay`
prints, and what the golden traces pin. Kinds:

``evidence``      the scope's evidence monitor held for an instance this round;
``traversal``     an escalation (``rule``) edge was traversed;
``restoration``   a restoration (``restore``) edge was traversed;
``blocked``       an edge was requested (its trigger held) but not legal, with the reasons;
``sanction``      a fine, a grant or an action constraint took effect;
``notice``        a text was issued to agents (read at the start of the next round).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from govlang.lang import ir

EventKind = Literal["evidence", "traversal", "restoration", "blocked", "sanction", "notice"]
EVENT_KINDS: tuple[EventKind, ...] = (
    "evidence",
    "traversal",
    "restoration",
    "blocked",
    "sanction",
    "notice",
)

JSONValue = Any
Payoffs = Mapping[str, float | None]


def span_json(span: ir.Span | None) -> dict[str, int] | None:
    """A source span as ``{line, column, end_line, end_column}`` (``None`` if unknown)."""
    if span is None:
        return None
    found = _span_json(span)
    return None if found is None else dict(found)


@lru_cache(maxsize=4096)
def _span_json(span: ir.Span) -> dict[str, int] | None:
    """:func:`span_json`, computed once per span (callers get a copy)."""
    if span == ir.NO_SPAN:
        return None
    return {k: getattr(span, k) for k in ("line", "column", "end_line", "end_column")}


class MonitorView(Mapping[str, JSONValue]):
    """The values of some monitors (``names``) read from a mapping of every monitor's value.

    An event's ``monitors``: the names are fixed when the event happens, the values are read
    (and converted to JSON data) only when the event is looked at, e.g. by the governance log.
    A name ``source`` lacks maps to ``None``. Equal to the dict of its items; copies and
    pickles as that dict.
    """

    __slots__ = ("_names", "_source")

    def __init__(self, source: Mapping[str, JSONValue], names: tuple[str, ...]) -> None:
        """View ``names`` of ``source``."""
        self._source = source
        self._names = names

    def __getitem__(self, name: str) -> JSONValue:
        """The value of monitor ``name`` (``None`` if ``source`` lacks it)."""
        if name not in self._names:
            raise KeyError(name)
        return self._source.get(name)

    def __iter__(self) -> Iterator[str]:
        """The names, in order."""
        return iter(self._names)

    def __len__(self) -> int:
        """The number of names."""
        return len(self._names)

    def __repr__(self) -> str:
        """The values, as a dict."""
        return repr(dict(self))

    def __reduce__(self) -> tuple[type[dict[str, JSONValue]], tuple[dict[str, JSONValue]]]:
        """Pickled (and deep-copied) as the plain dict of its items."""
        return dict, (self.as_dict(),)

    def as_dict(self) -> dict[str, JSONValue]:
        """The plain dict of its items (read in one pass)."""
        get = self._source.get
        return {name: get(name) for name in self._names}

    def reading(self) -> tuple[int, tuple[str, ...]]:
        """What the view reads: its source (by identity) and its names.

        Two views alive at the same time with the same reading show the same values, so a
        writer serialises them once.
        """
        return id(self._source), self._names


@dataclass(frozen=True, init=False)
class Event:
    """One institutional event.

    ``scope`` is ``agent`` or ``market``; ``instance`` the agent's name or ``market``.
    ``rule`` and ``edge`` identify the rule and edge key that caused it (``None`` when none
    did, e.g. a per-round sanction of the initial state). ``monitors`` holds the monitor
    values (at the instance) that justified it; ``span`` and ``rule_span`` locate the
    construct that fired and its rule in the source. ``payoff_before`` / ``payoff_after``
    are the raw and mediated payoffs of the instance's agents this round. ``detail`` carries
    the kind-specific facts (amounts, reasons, counters, texts).
    """

    kind: EventKind
    round: int
    scope: str | None = None
    instance: str | None = None
    rule: str | None = None
    edge: str | None = None
    monitors: Mapping[str, JSONValue] = field(default_factory=dict)
    span: dict[str, int] | None = None
    rule_span: dict[str, int] | None = None
    detail: Mapping[str, JSONValue] = field(default_factory=dict)
    payoff_before: Payoffs | None = None
    payoff_after: Payoffs | None = None

    def __init__(
        self,
        kind: EventKind,
        round: int,
        scope: str | None = None,
        instance: str | None = None,
        rule: str | None = None,
        edge: str | None = None,
        monitors: Mapping[str, JSONValue] | None = None,
        span: dict[str, int] | None = None,
        rule_span: dict[str, int] | None = None,
        detail: Mapping[str, JSONValue] | None = None,
        payoff_before: Payoffs | None = None,
        payoff_after: Payoffs | None = None,
    ) -> None:
        """Set every field (``monitors`` and ``detail`` default to new empty dicts).

        Written out rather than generated: a frozen dataclass's generated constructor sets
        each field through ``object.__setattr__``, and the runtime builds several events
        every round.
        """
        fields = self.__dict__
        fields["kind"] = kind
        fields["round"] = round
        fields["scope"] = scope
        fields["instance"] = instance
        fields["rule"] = rule
        fields["edge"] = edge
        fields["monitors"] = {} if monitors is None else monitors
        fields["span"] = span
        fields["rule_span"] = rule_span
        fields["detail"] = {} if detail is None else detail
        fields["payoff_before"] = payoff_before
        fields["payoff_after"] = payoff_after

    def with_payoffs(self, before: Payoffs, after: Payoffs) -> Event:
        """A copy with ``payoff_before`` and ``payoff_after`` set (as ``dataclasses.replace``).

        Copies the fields directly: every event of every round gets its payoffs this way,
        and ``replace`` re-runs the whole constructor (the class has no ``__post_init__``).
        """
        copy = object.__new__(Event)
        fields = copy.__dict__
        fields.update(self.__dict__)
        fields["payoff_before"] = before
        fields["payoff_after"] = after
        return copy

    def as_json(self) -> dict[str, JSONValue]:
        """The event as a JSON-ready dict (the body of a log entry)."""
        return {
            "kind": self.kind,
            "round": self.round,
            "scope": self.scope,
            "instance": self.instance,
            "rule": self.rule,
            "edge": self.edge,
            "monitors": _as_dict(self.monitors),
            "span": self.span,
            "rule_span": self.rule_span,
            "detail": dict(self.detail),
            "payoff_before": None if self.payoff_before is None else dict(self.payoff_before),
            "payoff_after": None if self.payoff_after is None else dict(self.payoff_after),
        }

    def summary(self) -> str:
        """A one-line human-readable description (used by replay's printout)."""
        where = self.instance or "-"
        what = self.edge or self.rule or ""
        extra = _detail_text(self.kind, self.detail)
        return f"round {self.round:>3}  {where:<10} {self.kind:<11} {what} {extra}".rstrip()


def _as_dict(monitors: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """``dict(monitors)``, in one pass for a :class:`MonitorView`."""
    return monitors.as_dict() if type(monitors) is MonitorView else dict(monitors)


def _detail_text(kind: EventKind, detail: Mapping[str, JSONValue]) -> str:
    """The most telling facts of an event's detail, as text."""
    if kind == "sanction" and "amount" in detail:
        return f"{detail.get('sanction', '')}: {detail['amount']:.2f}"
    if kind == "sanction":
        return str(detail.get("sanction", ""))
    if kind == "blocked":
        return "(" + "; ".join(detail.get("reasons", ())) + ")"
    if kind == "notice":
        return repr(detail.get("text", ""))
    if kind in ("traversal", "restoration"):
        return f"{detail.get('from')} -> {detail.get('to')}"
    return ""


@dataclass(frozen=True)
class RoundTrace:
    """One governed round: actions, payoffs, standings after it and its events.

    ``requested`` / ``effective``: each live agent's action as nested lists; ``raw`` /
    ``mediated``: each live agent's payoff; ``standings``: each instance's state after the
    round (agents by name, then ``market``).
    """

    round: int
    requested: Mapping[str, JSONValue]
    effective: Mapping[str, JSONValue]
    raw: Mapping[str, float | None]
    mediated: Mapping[str, float | None]
    standings: Mapping[str, str]
    events: tuple[Event, ...]

    def as_json(self) -> dict[str, JSONValue]:
        """The round (without its events) as a JSON-ready dict."""
        return {
            "round": self.round,
            "requested": dict(self.requested),
            "effective": dict(self.effective),
            "raw": dict(self.raw),
            "mediated": dict(self.mediated),
            "standings": dict(self.standings),
        }
