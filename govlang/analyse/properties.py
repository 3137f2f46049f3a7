"""The built-in properties of one scope, checked on its abstract transition system.

- **P1** *no sanction without evidence*: an instance on which the evidence never fires is never
  in a sanction state;
- **P2** *restoration under clean conduct*: from every reachable configuration in a sanction
  state that is not terminal, if the evidence stays false, the instance is in a state without
  sanctions within B rounds on every input sequence (B, the worst case, is reported);
- **P3** *persistence respected*: a state entered by an edge with ``for k rounds`` is only ever
  entered by an escalation (``rule``) edge after k consecutive rounds in which the guard of
  such an edge held: another rule must not bypass the declared streak (restoration edges back
  into the state are not escalations). Each traversal of a ``for k
  rounds`` edge is also checked, on the path that reaches it, against the inputs themselves
  rather than the streak counter (a check of the semantics);
- **P4** *return to good standing*: from every reachable configuration outside the initial
  state (terminal states aside), if the evidence stays false, the instance is back in the
  initial state within B rounds on every input sequence.

:func:`explore` runs the base search once and records the facts the other checks need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from govlang.analyse.bmc import Exit, Node, Search, search, worst_exit
from govlang.analyse.model import Config, Letter, ModelEdge, ScopeModel, Step
from govlang.analyse.trace import Trace, build_trace
from govlang.lang.unparse import format_expr

Status = Literal["proved", "bounded", "violated", "reachable", "unreachable", "not applicable"]
"""``bounded``: no violation within the bound, but the state space was not exhausted."""


@dataclass
class PropertyResult:
    """The verdict on one property for one scope."""

    id: str
    title: str
    scope: str
    status: Status
    detail: str
    rounds: int | None = None
    """P2 and P4: the worst-case number of rounds."""
    trace: Trace | None = None


@dataclass
class Facts:
    """What the base search saw: states, edges, pre-emptions, overlaps, persistence checks."""

    search: Search
    entered: set[str] = field(default_factory=set)
    traversed: set[int] = field(default_factory=set)
    preempted: dict[int, int] = field(default_factory=dict)
    """Edge -> an edge tried before it that fired while it was requested and legal too."""
    overlaps: dict[tuple[int, int], tuple[Node, Letter]] = field(default_factory=dict)
    """(winner, loser) of equal priority, both requested and legal -> where."""
    persistence_failure: tuple[int, Node, Letter] | None = None
    persistence_checked: int = 0


def explore(model: ScopeModel, bound: int) -> Facts:
    """Search every configuration within ``bound`` rounds, recording the :class:`Facts`."""
    facts = Facts(Search({}))
    facts.entered.add(model.initial)

    def visit(node: Node, letter: Letter, step: Step, after: Node) -> bool:
        facts.entered.add(step.config.state)
        if step.edge is not None:
            facts.traversed.add(step.edge)
            _check_persistence(model, facts, node, letter, step)
        _note_preemption(model, facts, node, letter, step)
        return False

    search(model, bound, visit, into=facts.search)
    return facts


def _note_preemption(
    model: ScopeModel, facts: Facts, node: Node, letter: Letter, step: Step
) -> None:
    if not step.enabled:
        return
    winner = step.enabled[0]
    for loser in step.enabled[1:]:
        facts.preempted.setdefault(loser, winner)
        if model.edges[loser].compiled.priority == model.edges[winner].compiled.priority:
            facts.overlaps.setdefault((winner, loser), (node, letter))


def _check_persistence(
    model: ScopeModel, facts: Facts, node: Node, letter: Letter, step: Step
) -> None:
    """P3 on one traversal (see the module docstring)."""
    assert step.edge is not None
    edge = model.edges[step.edge]
    streaked = _streaked_into(model, edge.compiled.target)
    if not streaked or facts.persistence_failure is not None or edge.compiled.kind != "escalation":
        return
    facts.persistence_checked += 1
    justified = any(
        f.streak_slot is not None
        and step.config.streaks[f.streak_slot] >= (f.compiled.persistence or 0)
        for f in streaked
    )
    if not justified or (edge in streaked and not _history(facts, node, letter, edge)):
        facts.persistence_failure = (step.edge, node, letter)


def _streaked_into(model: ScopeModel, state: str) -> list[ModelEdge]:
    """The edges with ``for k rounds`` (and a guard) that enter ``state``."""
    return [e for e in model.streak_edges if e.compiled.target == state]


def _history(facts: Facts, node: Node, letter: Letter, edge: ModelEdge) -> bool:
    """Whether the guard of ``edge`` held in this round and the k - 1 before, on the path."""
    needed = edge.compiled.persistence or 0
    history = [letter]
    arrival = facts.search.parents.get(node)
    while len(history) < needed and arrival is not None:
        node, earlier = arrival
        history.append(earlier)
        arrival = facts.search.parents.get(node)
    return len(history) >= needed and all(h.guards[edge.index] for h in history)


# ------------------------------------------------------------------------------- P1


def no_sanction_without_evidence(model: ScopeModel, bound: int) -> PropertyResult:
    """P1 (see the module docstring)."""
    title = "no sanction without evidence"
    if model.scope.evidence is None:
        return PropertyResult("P1", title, model.kind, "not applicable", "no `evidence` declared")

    def entered_sanction(node: Node, letter: Letter, step: Step, after: Node) -> bool:
        return step.config.state in model.sanction_states

    found = search(model, bound, entered_sanction, allow=_clean)
    if found.stopped is not None:
        node, letter = found.stopped
        letters = [*found.letters_to(node), letter]
        state = model.step(node[0], letter).config.state
        summary = f"no evidence in any round, yet the instance enters `{state}`"
        trace = build_trace(
            model, letters, property_id="P1", kind="counterexample", summary=summary
        )
        return PropertyResult("P1", title, model.kind, "violated", summary, trace=trace)
    status: Status = "proved" if found.exhausted else "bounded"
    return PropertyResult("P1", title, model.kind, status, _explored(found))


def _clean(letter: Letter) -> bool:
    return not letter.evidence


def _explored(found: Search) -> str:
    configs = len(found.parents)
    if found.exhausted:
        return f"all {configs} configurations explored"
    return f"{configs} configurations within {found.rounds} rounds"


# ------------------------------------------------------------------------------- P3


def persistence_respected(model: ScopeModel, facts: Facts) -> PropertyResult:
    """P3 (see the module docstring)."""
    title = "persistence respected"
    if not model.streak_edges:
        return PropertyResult("P3", title, model.kind, "not applicable", "no `for k rounds` edge")
    failure = facts.persistence_failure
    if failure is not None:
        index, node, letter = failure
        letters = [*facts.search.letters_to(node), letter]
        summary = _bypass(model, model.edges[index])
        trace = build_trace(
            model, letters, property_id="P3", kind="counterexample", summary=summary
        )
        return PropertyResult("P3", title, model.kind, "violated", summary, trace=trace)
    status: Status = "proved" if facts.search.exhausted else "bounded"
    targets = sorted({e.compiled.target for e in model.streak_edges})
    shown = ", ".join(f"`{t}`" for t in targets)
    detail = f"{shown} entered only after the declared streak ({facts.persistence_checked} entries)"
    return PropertyResult("P3", title, model.kind, status, detail)


def _bypass(model: ScopeModel, edge: ModelEdge) -> str:
    """What a P3 counterexample shows."""
    target = edge.compiled.target
    if edge.streak_slot is not None:
        k = edge.compiled.persistence
        return f"`{edge.key}` is traversed before its guard held {k} rounds"
    streaked = _streaked_into(model, target)
    first = streaked[0]
    guard = first.compiled.edge.guard
    assert guard is not None
    return (
        f"`{edge.key}` enters `{target}` before `{format_expr(guard)}` held "
        f"{first.compiled.persistence} rounds (as `{first.key}` requires)"
    )


# ------------------------------------------------------------------------------- P2, P4


def restoration(model: ScopeModel, facts: Facts, *, good_standing: bool) -> PropertyResult:
    """P2 (``good_standing=False``) or P4 (``True``); see the module docstring."""
    pid, title = (
        ("P4", "return to good standing")
        if good_standing
        else ("P2", "restoration under clean conduct")
    )

    def inside(config: Config) -> bool:
        if good_standing:
            return config.state != model.initial
        return config.state in model.sanction_states

    found = dict.fromkeys(config for config, _ in facts.search.parents)  # in the order found
    starts = [c for c in found if inside(c) and c.state not in model.terminal_states]
    if not starts:
        what = "state other than the initial one" if good_standing else "sanction state"
        return PropertyResult(pid, title, model.kind, "proved", f"no reachable {what}", rounds=0)
    allow = _clean if model.scope.evidence is not None else _anything
    result = worst_exit(model, starts, inside, allow)
    if result.lasso is not None:
        return _trapped(model, facts, pid, title, result)
    status: Status = "proved" if facts.search.exhausted else "bounded"
    if result.worst_start is None:  # no start has a round with the evidence false
        detail = "vacuously: the evidence cannot be false in any round from a reachable " + (
            "state other than the initial one" if good_standing else "sanction state"
        )
        return PropertyResult(pid, title, model.kind, status, detail, rounds=0)
    where = result.worst_start.state
    goal = f"`{model.initial}`" if good_standing else "a state without sanctions"
    detail = f"back in {goal} within {result.worst} rounds (worst case from `{where}`)"
    letters = [*facts.search.letters_to((result.worst_start, None)), *result.worst_letters]
    trace = build_trace(
        model, letters, property_id=pid, kind="witness", summary=f"the worst case: {detail}"
    )
    return PropertyResult(pid, title, model.kind, status, detail, rounds=result.worst, trace=trace)


def _anything(letter: Letter) -> bool:
    return True


def _trapped(model: ScopeModel, facts: Facts, pid: str, title: str, result: Exit) -> PropertyResult:
    assert result.lasso is not None
    start, prefix, loop = result.lasso
    head = [*facts.search.letters_to((start, None)), *prefix]
    config = model.initial_config()
    for letter in head:
        config = model.step(config, letter).config
    clean = "with the evidence false in every round, " if model.scope.evidence else ""
    summary = f"{clean}an instance can stay in `{config.state}` forever"
    trace = build_trace(
        model,
        [*head, *loop],
        property_id=pid,
        kind="counterexample",
        summary=summary,
        loop=len(head) + 1,
    )
    return PropertyResult(pid, title, model.kind, "violated", summary, trace=trace)
