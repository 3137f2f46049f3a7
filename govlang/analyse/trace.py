"""Counterexamples and witnesses: round-by-round atom values and states, as text and JSON.

A :class:`Trace` starts before round 1 in the scope's initial state. Each round lists the value
of every atom (the free inputs of :mod:`govlang.analyse.atoms`), the evidence and every guard
the controller would read (derived from the atoms), the edge traversed and the state and
counters after the round. A *lasso* (a behaviour that goes on forever) repeats its rounds from
``loop`` on.

The JSON form (:meth:`Trace.to_json`, format ``govlang.trace``) is what ``govlang analyse
--counterexample FILE`` writes and what :func:`govlang.analyse.replay.replay_trace` replays
through the controller's pure step function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from govlang.analyse.model import Config, Letter, ScopeModel
from govlang.lang.unparse import format_expr

TRACE_FORMAT = "govlang.trace"
TRACE_VERSION = 1
TraceKind = Literal["counterexample", "witness"]


@dataclass(frozen=True)
class TraceRound:
    """One round of a trace (values of atoms, evidence and guards; outcome)."""

    round: int
    atoms: tuple[bool, ...]
    evidence: bool
    guards: tuple[bool, ...]
    edge: str | None
    state: str
    counters: dict[str, Any]


@dataclass(frozen=True)
class Trace:
    """A behaviour of one scope instance that shows a property's verdict."""

    property_id: str
    scope: str
    kind: TraceKind
    summary: str
    atoms: tuple[str, ...]
    """The label of each atom (a monitor's name, or the atom's canonical text)."""
    atom_texts: tuple[str, ...]
    edges: tuple[str, ...]
    """The edge keys of the scope, in declaration order (the order of ``guards``)."""
    guard_texts: tuple[str | None, ...]
    """Each edge's guard as canonical text (``None`` without ``when``)."""
    initial: str
    rounds: tuple[TraceRound, ...]
    loop: int | None = None
    """The round from which the trace repeats forever (``None``: it ends)."""

    @property
    def final_state(self) -> str:
        """The state after the last round (the initial state for an empty trace)."""
        return self.rounds[-1].state if self.rounds else self.initial

    def to_json(self) -> dict[str, Any]:
        """The machine-readable form (see the module docstring)."""
        return {
            "format": TRACE_FORMAT,
            "format_version": TRACE_VERSION,
            "property": self.property_id,
            "scope": self.scope,
            "kind": self.kind,
            "summary": self.summary,
            "atoms": [
                {"label": a, "text": t} for a, t in zip(self.atoms, self.atom_texts, strict=True)
            ],
            "edges": [
                {"key": k, "guard": g} for k, g in zip(self.edges, self.guard_texts, strict=True)
            ],
            "initial": self.initial,
            "loop": self.loop,
            "rounds": [_round_json(self, r) for r in self.rounds],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trace:
        """Read a trace written by :meth:`to_json` (``ValueError`` on another format)."""
        if data.get("format") != TRACE_FORMAT:
            raise ValueError(f"not a {TRACE_FORMAT} document")
        atoms = tuple(a["label"] for a in data["atoms"])
        edges = tuple(e["key"] for e in data["edges"])
        rounds = tuple(
            TraceRound(
                r["round"],
                tuple(bool(r["atoms"][a]) for a in atoms),
                bool(r["evidence"]),
                tuple(bool(r["guards"][k]) for k in edges),
                r["edge"],
                r["state"],
                dict(r["counters"]),
            )
            for r in data["rounds"]
        )
        return cls(
            data["property"],
            data["scope"],
            data["kind"],
            data["summary"],
            atoms,
            tuple(a["text"] for a in data["atoms"]),
            edges,
            tuple(e["guard"] for e in data["edges"]),
            data["initial"],
            rounds,
            data["loop"],
        )

    def render(self) -> str:
        """The trace as a table: per round, the evidence, the atoms that hold, edge, state."""
        width = max([len(e) for e in self.edges if e] + [4])
        head = f"{self.property_id} {self.kind} ({_SCOPE[self.scope]}): {self.summary}"
        lines = [
            head,
            f"  {'round':>5}  {'evidence':8}  {'edge':{width}}  state  [atoms that hold]",
        ]
        for r in self.rounds:
            held = [a for a, v in zip(self.atoms, r.atoms, strict=True) if v]
            evidence = "yes" if r.evidence else "no"
            shown = ", ".join(held) if held else "none"
            lines.append(
                f"  {r.round:>5}  {evidence:8}  {r.edge or '-':{width}}  {r.state}  [{shown}]"
            )
        if self.loop is not None:
            last = self.rounds[-1].round
            lines.append(f"  rounds {self.loop}-{last} repeat forever")
        return "\n".join(lines)


_SCOPE = {"agent": "per agent", "market": "market"}


def _round_json(trace: Trace, r: TraceRound) -> dict[str, Any]:
    return {
        "round": r.round,
        "atoms": dict(zip(trace.atoms, r.atoms, strict=True)),
        "evidence": r.evidence,
        "guards": dict(zip(trace.edges, r.guards, strict=True)),
        "edge": r.edge,
        "state": r.state,
        "counters": r.counters,
    }


def build_trace(
    model: ScopeModel,
    letters: Sequence[Letter],
    *,
    property_id: str,
    kind: TraceKind,
    summary: str,
    loop: int | None = None,
) -> Trace:
    """The trace of ``letters`` from the initial configuration (``loop``: 1-based round)."""
    config: Config = model.initial_config()
    rounds = []
    for number, letter in enumerate(letters, 1):
        step = model.step(config, letter)
        edge = None if step.edge is None else model.edges[step.edge].key
        rounds.append(
            TraceRound(
                number,
                letter.assignment,
                letter.evidence,
                letter.guards,
                edge,
                step.config.state,
                model.describe(step.config),
            )
        )
        config = step.config
    atoms = model.abstraction.atoms
    return Trace(
        property_id,
        model.kind,
        kind,
        summary,
        tuple(a.label for a in atoms),
        tuple(a.key for a in atoms),
        tuple(e.key for e in model.edges),
        tuple(
            None if e.compiled.edge.guard is None else format_expr(e.compiled.edge.guard)
            for e in model.edges
        ),
        model.initial,
        tuple(rounds),
        loop,
    )
