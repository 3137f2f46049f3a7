"""The behavioural analysis of one scope: model, search, properties, and their findings.

:func:`analyse_scope` builds the scope's abstract transition system, explores it, checks the
built-in properties P1-P4 and the scope's assertions, and turns what it found into
diagnostics: violated properties (GL609-GL614), states never entered and edges never
traversed (GL602, GL603, only when the state space was exhausted, so they are proofs), edges
of equal priority that can fire in the same round (GL608), and a bounded search (GL615).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govlang.analyse.assertions import check_assertion
from govlang.analyse.atoms import Abstraction
from govlang.analyse.findings import Findings
from govlang.analyse.formulas import conjunction, negate
from govlang.analyse.model import ModelEdge, ScopeModel, TooManyAtoms
from govlang.analyse.properties import (
    Facts,
    PropertyResult,
    explore,
    no_sanction_without_evidence,
    persistence_respected,
    restoration,
)
from govlang.analyse.structure import Structure, overlapping_guards, values_of
from govlang.lang import ir
from govlang.lang.assertions import conditions, scope_of
from govlang.lang.compile import CompiledInstitution
from govlang.lang.unparse import format_expr

_SCOPE_WORDS = {"agent": "per agent", "market": "market"}


@dataclass
class ScopeSummary:
    """How one scope was analysed: its atoms, the size of its state space, the search."""

    kind: str
    atoms: list[str] = field(default_factory=list)
    trackers: list[str] = field(default_factory=list)
    configurations: int = 0
    rounds: int = 0
    exhausted: bool = False
    assumptions: list[str] = field(default_factory=list)
    skipped: str | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready data."""
        return dict(self.__dict__)


def analyse_scope(
    compiled: CompiledInstitution,
    structure: Structure,
    abstraction: Abstraction,
    bound: int,
    findings: Findings,
) -> tuple[ScopeSummary, list[PropertyResult]]:
    """Analyse the behaviour of ``structure.scope`` (see the module docstring)."""
    scope = structure.scope
    summary = ScopeSummary(scope.kind)
    asserts = [
        a for a in compiled.institution.asserts if scope_of(compiled.institution, a) is scope
    ]
    for decl in asserts:  # every atom must exist before the model enumerates them
        for _, expr in conditions(decl):
            abstraction.assertion(expr)
    try:
        model = ScopeModel(compiled, scope.kind, abstraction)
    except TooManyAtoms as exc:
        summary.skipped = str(exc)
        _skipped(structure, findings, str(exc))
        return summary, []
    facts = explore(model, bound)
    _summarise(summary, model, facts)
    results = [
        no_sanction_without_evidence(model, bound),
        restoration(model, facts, good_standing=False),
        persistence_respected(model, facts),
        restoration(model, facts, good_standing=True),
        *(check_assertion(model, decl, bound) for decl in asserts),
    ]
    report = _Reporter(model, structure, findings)
    p2_violated = results[1].status == "violated"
    for result in results:
        if not (result.id == "P4" and p2_violated):  # the sanction trap is reported once, as P2
            report.result(result, asserts)
    report.search(facts, bound)
    return summary, results


def _summarise(summary: ScopeSummary, model: ScopeModel, facts: Facts) -> None:
    summary.atoms = [a.label for a in model.abstraction.atoms]
    summary.trackers = [t.key for t in model.trackers]
    summary.configurations = len(facts.search.parents)
    summary.rounds = facts.search.rounds
    summary.exhausted = facts.search.exhausted
    if model.credits is not None and model.credits.assumed:
        summary.assumptions.append(
            f"credits have no `max`: the balance is assumed never to exceed {model.credits.cap}"
        )


def _skipped(structure: Structure, findings: Findings, reason: str) -> None:
    scope = structure.scope
    findings.emit(
        "GL616",
        f"the behaviour of the `{_SCOPE_WORDS[scope.kind]}` scope is not analysed: {reason}",
        findings.scope(scope),
        "split large conditions into fewer monitors; the structural checks still ran",
    )
    for first, second in overlapping_guards(structure):
        findings.emit(
            "GL608",
            f"`{first.key}` and `{second.key}` have equal priority and their guards can hold "
            f"together: declaration order picks `{first.key}`",
            findings.arrow(second.edge),
            "give the edge that should win a higher `priority`",
        )


class _Reporter:
    """Turns the results and facts of one scope into diagnostics."""

    def __init__(self, model: ScopeModel, structure: Structure, findings: Findings) -> None:
        self.model = model
        self.structure = structure
        self.findings = findings
        self.states = {s.name: s for s in model.scope.states}

    def result(self, result: PropertyResult, asserts: list[ir.AssertDecl]) -> None:
        """The diagnostic of a violated property, if any."""
        trace = result.trace
        if result.status == "unreachable":
            decl = next(a for a in asserts if a.id == result.id)
            self.findings.emit(
                "GL614",
                f"assertion `{decl.id}` can never hold: no reachable round satisfies its condition",
                self.findings.assertion(decl),
                "the whole state space was explored; check the condition against the rules",
            )
        if result.status != "violated" or trace is None:
            return
        if result.id in ("P1", "P2", "P4"):
            self._restoration(result)
        elif result.id == "P3":
            self._persistence(result)
        else:
            decl = next(a for a in asserts if a.id == result.id)
            self.findings.emit(
                "GL613",
                f"assertion `{decl.id}` is violated: {result.detail}",
                self.findings.assertion(decl),
                f"the counterexample has {len(trace.rounds)} rounds (printed below, or "
                "written with `--counterexample FILE`)",
            )

    def _restoration(self, result: PropertyResult) -> None:
        assert result.trace is not None
        trace = result.trace
        code = {"P1": "GL609", "P2": "GL610", "P4": "GL612"}[result.id]
        where = trace.final_state
        if trace.loop is not None:
            where = trace.rounds[trace.loop - 2].state if trace.loop > 1 else trace.initial
        state = self.states[where]
        if where in self.structure.trapped:  # a structural trap, already reported
            return
        if code == "GL609":
            hint = "an edge into it fires without the evidence; guard it with the evidence"
        else:
            hint = self._stuck_hint(where)
        self.findings.emit(code, f"{result.detail} ({result.id})", self.findings.state(state), hint)

    def _stuck_hint(self, state: str) -> str:
        clean = negate(self.model.evidence)
        gated = [
            f"`{e.key}` (when {format_expr(e.compiled.edge.guard)})"
            for e in self.model.out[state]
            if e.guard is not None
            and e.compiled.edge.guard is not None
            and True in values_of(conjunction([e.guard, clean]), self.model.abstraction)
        ]
        gate = f"its ways out need more than clean rounds: {', '.join(gated)}; " if gated else ""
        target = self.model.initial
        return (
            f"{gate}add one that clean rounds open, e.g. `{state} -> {target} after N clean rounds`"
        )

    def _persistence(self, result: PropertyResult) -> None:
        key = result.detail.split("`")[1]
        edge = next(e for e in self.model.edges if e.key == key)
        hint = "require the streak on this edge too (`for N rounds`), or ignore this if the "
        hint += "fast track is intended"
        if edge.streak_slot is not None:
            hint = "this contradicts the semantics of `for k rounds`: please report it"
        self.findings.emit(
            "GL611", f"{result.detail} (P3)", self.findings.arrow(edge.compiled.edge), hint
        )

    def search(self, facts: Facts, bound: int) -> None:
        """States never entered, edges never traversed, overlaps, and a bounded search."""
        scope = self.model.scope
        if not facts.search.exhausted:
            self.findings.emit(
                "GL615",
                f"the `{_SCOPE_WORDS[scope.kind]}` scope's state space was not exhausted within "
                f"{bound} rounds: its properties hold up to that bound only",
                self.findings.scope(scope),
                "raise the bound with `--bound N`",
            )
        else:
            self._never(facts)
        for (winner, loser), _ in sorted(facts.overlaps.items()):
            first, second = self.model.edges[winner], self.model.edges[loser]
            if _same_outcome(first, second):
                continue
            self.findings.emit(
                "GL608",
                f"`{first.key}` and `{second.key}` have equal priority and can both fire in one "
                f"round: declaration order picks `{first.key}`",
                self.findings.arrow(second.compiled.edge),
                "give the edge that should win a higher `priority`",
            )

    def _never(self, facts: Facts) -> None:
        reachable = self.structure.reachable()
        dead = self.structure.dead
        live_into = {e.compiled.target for e in self.model.edges if e.key not in dead}
        for name, state in self.states.items():
            if name in reachable and name in live_into and name not in facts.entered:
                self.findings.emit(
                    "GL602",
                    f"no run ever enters state `{name}`: the conditions of the edges into it "
                    "never come together",
                    self.findings.state(state),
                    "the whole state space was explored; check the guards and counts into it",
                )
        for edge in self.model.edges:
            source, target = edge.compiled.source, edge.compiled.target
            explained = edge.key in dead or target not in facts.entered  # GL606 or GL602 say why
            if edge.index in facts.traversed or source not in facts.entered or explained:
                continue
            self.findings.emit(
                "GL603",
                f"edge `{edge.key}` is never traversed: {self._why(edge.index, facts)}",
                self.findings.arrow(edge.compiled.edge),
                "the whole state space was explored; remove the edge or change its conditions",
            )

    def _why(self, index: int, facts: Facts) -> str:
        winner = facts.preempted.get(index)
        if winner is not None:
            return (
                f"whenever it could fire, `{self.model.edges[winner].key}` is tried first and fires"
            )
        source = self.model.edges[index].compiled.source
        return f"its conditions never all hold while an instance is in `{source}`"


def _same_outcome(first: ModelEdge, second: ModelEdge) -> bool:
    """Whether two edges lead to the same state and fire no sanction of their own."""
    same = first.compiled.target == second.compiled.target
    return same and not first.compiled.edge.sanctions and not second.compiled.edge.sanctions
