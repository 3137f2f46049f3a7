"""The abstract transition system of one scope instance: what the model checker explores.

A **configuration** is everything the controller's step 6 depends on (``semantics.md``), with
each counter capped at the largest count that matters, so that the configurations are finite:

``(state, dwell, clean, credits, earn counter, guard streaks..., cooldowns..., trackers...)``

- ``dwell`` is capped at the largest ``after k rounds``, ``clean`` at the largest
  ``after k clean rounds``; a guard streak is kept only for edges with ``for k rounds``
  (capped at ``k``); a cooldown counts the rounds an edge stays closed; the trackers are the
  exact temporal functions of :mod:`govlang.analyse.atoms`;
- the credit balance (a :class:`~fractions.Fraction`) and the earn counter are kept only when
  an edge spends credits. Without ``max`` the balance is capped at the largest ``spend``: an
  assumption the report states.

A **letter** is one round's input as the controller sees it: an assignment of the atoms (one
representative of all the assignments with the same effect), the evidence, every guard, and
the trackers' values. :meth:`ScopeModel.step` is step 6 on a configuration: counters first,
then the first requested and legal edge out of the state, in priority order.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from govlang.analyse.atoms import Abstraction
from govlang.analyse.formulas import Formula, Round, Tracker, evaluate
from govlang.lang.compile import CompiledEdge, CompiledInstitution
from govlang.lang.graph import is_sanction_state
from govlang.lang.manifest import try_constant


class Config(NamedTuple):
    """A configuration (see the module docstring); hashable, compared by value."""

    state: str
    dwell: int
    clean: int
    credits: Fraction
    earn: int
    streaks: tuple[int, ...]
    cooldowns: tuple[int, ...]
    trackers: tuple[int, ...]


MAX_ATOMS = 16
"""Most atoms per scope the model checker enumerates (2**16 assignments per round)."""


class TooManyAtoms(Exception):
    """The scope's conditions have more atoms than :data:`MAX_ATOMS`."""


@dataclass(frozen=True)
class ModelEdge:
    """An edge with its guard formula, resolved counts and its slots in a configuration."""

    index: int
    compiled: CompiledEdge
    guard: Formula | None
    streak_slot: int | None
    cooldown_slot: int | None

    @property
    def key(self) -> str:
        """The edge key ``RULE_ID:from->to``."""
        return self.compiled.key


@dataclass(frozen=True)
class Letter:
    """One round's input: a representative assignment and what the controller reads of it."""

    assignment: tuple[bool, ...]
    evidence: bool
    guards: tuple[bool, ...]
    trackers: tuple[int, ...]
    next_trackers: tuple[int, ...]

    def round(self, state: str | None = None, entered: str | None = None) -> Round:
        """The round to evaluate an assertion's formula on."""
        return Round(self.assignment, self.trackers, state, entered, self.evidence)


@dataclass(frozen=True)
class Step:
    """The outcome of one round: the next configuration, the edge traversed, the legal ones."""

    config: Config
    edge: int | None
    enabled: tuple[int, ...]


@dataclass(frozen=True)
class Credits:
    """``credits earn EARN per PER clean rounds max MAX`` (``cap``: the balance's upper limit)."""

    earn: Fraction
    per: int
    cap: Fraction
    assumed: bool


class ScopeModel:
    """The configurations and the step function of one scope (see the module docstring)."""

    def __init__(self, compiled: CompiledInstitution, kind: str, abstraction: Abstraction):
        """Build the model of scope ``kind``; raise :class:`TooManyAtoms` beyond the limit."""
        self.compiled = compiled
        self.kind = kind
        self.abstraction = abstraction
        self.scope = abstraction.scope
        self.states = tuple(state.name for state in self.scope.states)
        self.initial = compiled.initial_state(kind).name
        self.sanction_states = frozenset(s.name for s in self.scope.states if is_sanction_state(s))
        self.terminal_states = frozenset(s.name for s in self.scope.states if s.terminal)
        self.evidence = abstraction.evidence()
        self.edges = self._edges()
        by_key = {e.key: e for e in self.edges}
        self.out = {
            s: tuple(by_key[e.key] for e in compiled.edges_from(kind, s)) for s in self.states
        }
        self.credits = self._credits()
        self.dwell_cap = max((e.compiled.dwell or 0 for e in self.edges), default=0)
        self.clean_cap = max((e.compiled.clean or 0 for e in self.edges), default=0)
        if len(abstraction.atoms) > MAX_ATOMS:
            raise TooManyAtoms(f"{len(abstraction.atoms)} atoms (at most {MAX_ATOMS})")
        self.trackers: tuple[Tracker, ...] = tuple(abstraction.trackers)
        self.streak_edges = tuple(e for e in self.edges if e.streak_slot is not None)
        self.cooldown_edges = tuple(e for e in self.edges if e.cooldown_slot is not None)
        self.assignments = self._assignments()
        self._letters: dict[tuple[tuple[int, ...], tuple[Formula, ...]], tuple[Letter, ...]] = {}

    # --------------------------------------------------------------------- building
    def _edges(self) -> tuple[ModelEdge, ...]:
        mine = sorted(
            (e for e in self.compiled.edges if e.scope == self.kind), key=lambda e: e.order
        )
        edges: list[ModelEdge] = []
        streaks = cooldowns = 0
        for index, edge in enumerate(mine):
            guard = edge.edge.guard
            formula = None if guard is None else self.abstraction.condition(guard)
            streak = cooldown = None
            if edge.persistence is not None and formula is not None:
                streak, streaks = streaks, streaks + 1
            if edge.cooldown:
                cooldown, cooldowns = cooldowns, cooldowns + 1
            edges.append(ModelEdge(index, edge, formula, streak, cooldown))
        return tuple(edges)

    def _credits(self) -> Credits | None:
        policy = self.scope.credits
        spends = [e.compiled.credits for e in self.edges if e.compiled.credits is not None]
        if policy is None or not spends:
            return None
        values = self.compiled.params
        earn, per = try_constant(policy.earn, values), try_constant(policy.per, values)
        top = None if policy.max is None else try_constant(policy.max, values)
        assert isinstance(earn, int | float) and isinstance(per, int | float)
        if isinstance(top, int | float):
            return Credits(Fraction(earn), int(per), Fraction(top), False)
        return Credits(Fraction(earn), int(per), Fraction(max(spends)), True)

    def _assignments(self) -> tuple[tuple[bool, ...], ...]:
        """Every assignment of the atoms whose comparisons can hold together."""
        width = len(self.abstraction.atoms)
        every = itertools.product((False, True), repeat=width)
        return tuple(a for a in every if self.abstraction.consistent(a))

    # --------------------------------------------------------------------- configurations
    def initial_config(self) -> Config:
        """The configuration before round 1: the initial state, every counter at 0."""
        return Config(
            self.initial,
            0,
            0,
            Fraction(0),
            0,
            (0,) * len(self.streak_edges),
            (0,) * len(self.cooldown_edges),
            (0,) * len(self.trackers),
        )

    def describe(self, config: Config) -> dict[str, object]:
        """A configuration's counters as JSON-ready data (for counterexamples)."""
        out: dict[str, object] = {"dwell": config.dwell, "clean": config.clean}
        if self.credits is not None:
            out["credits"] = float(config.credits)
            out["earn_counter"] = config.earn
        for edge in self.streak_edges:
            assert edge.streak_slot is not None
            out[f"streak {edge.key}"] = config.streaks[edge.streak_slot]
        for tracker in self.trackers:
            out[tracker.key] = config.trackers[tracker.index]
        return out

    # --------------------------------------------------------------------- letters
    def letters(self, config: Config, extra: Sequence[Formula] = ()) -> tuple[Letter, ...]:
        """The distinct inputs of a round from ``config``.

        Assignments with the same effect on the controller (evidence, guards, trackers) are one
        letter, unless one of the ``extra`` formulas (an assertion's conditions on the inputs)
        tells them apart.
        """
        key = (config.trackers, tuple(extra))
        found = self._letters.get(key)
        if found is None:
            found = self._letters[key] = self._distinct(config.trackers, tuple(extra))
        return found

    def _distinct(
        self, trackers: tuple[int, ...], extra: tuple[Formula, ...]
    ) -> tuple[Letter, ...]:
        seen: dict[tuple[object, ...], Letter] = {}
        for assignment in self.assignments:
            letter = self.letter(assignment, trackers)
            at = Round(assignment, letter.trackers)
            picked = tuple(evaluate(formula, at) for formula in extra)
            seen.setdefault((letter.evidence, letter.guards, letter.next_trackers, picked), letter)
        return tuple(seen.values())

    def letter(self, assignment: tuple[bool, ...], trackers: Sequence[int]) -> Letter:
        """What the controller reads in a round with these atoms and tracker counters."""
        values, following = advance_trackers(self.trackers, trackers, assignment)
        at = Round(assignment, values)
        guards = tuple(True if e.guard is None else evaluate(e.guard, at) for e in self.edges)
        return Letter(assignment, evaluate(self.evidence, at), guards, values, following)

    # --------------------------------------------------------------------- step 6
    def step(self, config: Config, letter: Letter) -> Step:
        """Step 6 of one round from ``config`` with input ``letter``."""
        counted = self._count(config, letter)
        out = self.out[config.state]
        enabled = tuple(e.index for e in out if self._fires(e, counted, letter))
        cooldowns = tuple(max(c - 1, 0) for c in counted.cooldowns)
        if not enabled:
            return Step(counted._replace(cooldowns=cooldowns), None, enabled)
        edge = self.edges[enabled[0]].compiled
        slot = self.edges[enabled[0]].cooldown_slot
        if slot is not None:
            cooldowns = (*cooldowns[:slot], edge.cooldown or 0, *cooldowns[slot + 1 :])
        after = counted._replace(
            state=edge.target,
            dwell=0,
            credits=counted.credits - (edge.credits or 0),
            cooldowns=cooldowns,
        )
        return Step(after, enabled[0], enabled)

    def _count(self, config: Config, letter: Letter) -> Config:
        """The counters of step 6.1: dwell, clean, credits, streaks; and the trackers."""
        clean = not letter.evidence
        credits, earn = self._earn(config.credits, config.earn, clean)
        streaks = tuple(
            min(streak + 1, edge.compiled.persistence or 0) if letter.guards[edge.index] else 0
            for streak, edge in zip(config.streaks, self.streak_edges, strict=True)
        )
        return Config(
            config.state,
            min(config.dwell + 1, self.dwell_cap),
            min(config.clean + 1, self.clean_cap) if clean else 0,
            credits,
            earn,
            streaks,
            config.cooldowns,
            letter.next_trackers,
        )

    def _earn(self, balance: Fraction, counter: int, clean: bool) -> tuple[Fraction, int]:
        policy = self.credits
        if policy is None:
            return balance, counter
        if not clean:
            return balance, 0
        if counter + 1 < policy.per:
            return balance, counter + 1
        return min(balance + policy.earn, policy.cap), 0

    def _fires(self, edge: ModelEdge, counted: Config, letter: Letter) -> bool:
        """Whether ``edge`` is requested and legal in this round (counters already updated)."""
        if edge.guard is not None and not letter.guards[edge.index]:
            return False
        c = edge.compiled
        if edge.streak_slot is not None and counted.streaks[edge.streak_slot] < (
            c.persistence or 0
        ):
            return False
        if c.dwell is not None and counted.dwell < c.dwell:
            return False
        if c.clean is not None and counted.clean < c.clean:
            return False
        if c.credits is not None and counted.credits < c.credits:
            return False
        return edge.cooldown_slot is None or counted.cooldowns[edge.cooldown_slot] == 0


def advance_trackers(
    trackers: Sequence[Tracker], counters: Sequence[int], assignment: Sequence[bool]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The trackers' values this round and their counters after it.

    ``held``: the streak (capped at its size) and value 1 when it reached the size;
    ``window``: the count of the last ``n`` rounds, and the last ``n - 1`` bits.
    """
    values: list[int] = []
    following: list[int] = []
    for tracker in trackers:
        now = evaluate(tracker.base, Round(assignment, values))
        counter = counters[tracker.index]
        if tracker.kind == "held":
            streak = min(counter + 1, tracker.size) if now else 0
            following.append(streak)
            values.append(int(streak >= tracker.size))
        else:
            values.append(bin(counter).count("1") + int(now))
            mask = (1 << (tracker.size - 1)) - 1
            following.append(((counter << 1) | int(now)) & mask)
    return tuple(values), tuple(following)
