"""Sanctions (``specs/semantics.md``, step 7): fines, grants and notices, and the money they move.

Fines (``specs/semantics.md``, "Fines")::

    base   = rate * max(profit, 0)   with `of profit`, else rate (the amount itself)
    amount = max(0, min(max(base + plus, floor), cap))   floor first, so the cap wins

where ``rate`` is the ladder step ``min(k, len - 1)`` and ``k`` counts this sanction's earlier
firings for the same instance. Arithmetic is exact (:class:`fractions.Fraction`).

Action constraints are applied at step 3, by :mod:`govlang.runtime.constraints`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from govlang.lang import ir
from govlang.lang.money import AccountingError
from govlang.runtime.events import Event, MonitorView, span_json
from govlang.runtime.ledger import ZERO, Ledger, RoundBook, Settlement, exact
from govlang.runtime.plan import Amount, EdgePlan, Instance, Plan, SanctionSite
from govlang.runtime.state import InstanceState, RoundRecord, resolver

Resolve = Callable[[Amount], Any]
"""Resolves an :data:`~govlang.runtime.plan.Amount` to its value for the current instance."""


def ladder_step(site: SanctionSite, earlier: int) -> int:
    """The index of the rate used on a fine's firing after ``earlier`` earlier firings."""
    return min(earlier, len(site.rates) - 1)


def fine_amount(site: SanctionSite, profit: float, earlier: int, resolve: Resolve) -> Fraction:
    """The amount of the fine at ``site`` for a payer whose raw payoff this round is ``profit``."""
    fine = site.sanction
    if not isinstance(fine, ir.Fine):
        raise TypeError(f"{site.id} is not a fine")
    rate = exact(float(resolve(site.rates[ladder_step(site, earlier)])))
    if fine.of_profit:
        gain = exact(profit)
        base = rate * gain if gain.numerator > 0 else ZERO
    else:
        base = rate
    amount = base if site.plus is None else base + exact(float(resolve(site.plus)))
    if site.floor is not None:
        amount = _larger(amount, exact(float(resolve(site.floor))))
    if site.cap is not None:
        amount = _smaller(amount, exact(float(resolve(site.cap))))
    return amount if amount.numerator > 0 else ZERO


def _larger(a: Fraction, b: Fraction) -> Fraction:
    """``max(a, b)``, compared in integers (``a`` on a tie, as ``max``)."""
    return b if b.numerator * a.denominator > a.numerator * b.denominator else a


def _smaller(a: Fraction, b: Fraction) -> Fraction:
    """``min(a, b)``, compared in integers (``a`` on a tie, as ``min``)."""
    return b if b.numerator * a.denominator < a.numerator * b.denominator else a


def grant_amount(site: SanctionSite, resolve: Resolve) -> Fraction:
    """The amount a grant asks for (negative amounts ask for nothing)."""
    if site.value is None:
        raise TypeError(f"{site.id} is not a grant")
    return max(exact(float(resolve(site.value))), ZERO)


class Mediation:
    """Step 7 of one round: fire every instance's sanctions, book the money, issue notices.

    Per instance, in order: the ``on each round`` sanctions of the state occupied during the
    round (action constraints excepted: they bound the round's actions at step 3), then the
    traversed edge's ``then`` sanctions, then the entered state's ``on enter`` sanctions, then
    the entry notice. Grants are paid by :meth:`settle`, after every fine of the round.
    """

    def __init__(self, plan: Plan, record: RoundRecord, ledger: Ledger) -> None:
        """Open the round's books."""
        self.plan = plan
        self.record = record
        self.book = RoundBook(ledger, record.raw)
        self.events: list[Event] = []
        self.notices: list[list[str]] = [[] for _ in plan.agents]
        self._grants: list[tuple[int, int]] = []  # (event index, agent index)

    def sanction(
        self, inst: Instance, before: InstanceState, after: InstanceState, edge: EdgePlan | None
    ) -> InstanceState:
        """Fire ``inst``'s sanctions of this round; return its state with the firings counted."""
        occupied = inst.scope.states[before.state]
        cause = None if before.entered_by is None else inst.scope.edges[before.entered_by]
        state = after
        for site in occupied.on_round:
            if not site.is_constraint:
                state = self.fire(inst, state, site, cause)
        if edge is not None:
            entered = inst.scope.states[edge.compiled.target]
            for site in (*edge.sanctions, *entered.on_enter):
                state = self.fire(inst, state, site, edge)
            self.notice(inst, entry_text(inst, entered.decl), None, edge, "entry")
        return state

    def fire(
        self, inst: Instance, state: InstanceState, site: SanctionSite, cause: EdgePlan | None
    ) -> InstanceState:
        """Apply one sanction for ``inst``; return the state with the firing counted."""
        sanction = site.sanction
        if isinstance(sanction, ir.Notice):
            self.notice(inst, sanction.text, site, cause, "sanction")
            return state
        present = [(k, a) for k, a in enumerate(inst.agents) if self.book.present(a)]
        for k, agent in present:
            resolve = resolver(self.record.values[inst.index][k])
            try:
                if isinstance(sanction, ir.Fine):
                    self._fine(inst, state, site, cause, agent, resolve)
                elif isinstance(sanction, ir.Grant):
                    self._grant(inst, site, cause, agent, grant_amount(site, resolve))
            except AccountingError as exc:
                where = f"round {self.record.round}, {inst.name}, `{site.text}`"
                raise AccountingError(f"{where}: {exc}") from exc
        return state.with_firing(site.id) if present else state

    def _fine(
        self,
        inst: Instance,
        state: InstanceState,
        site: SanctionSite,
        cause: EdgePlan | None,
        agent: int,
        resolve: Resolve,
    ) -> None:
        """Book one agent's fine and log it, with a notice of the amount and rule."""
        fine = site.sanction
        assert isinstance(fine, ir.Fine)
        raw = self.record.raw[agent]
        assert raw is not None
        step = ladder_step(site, state.fired(site.id))
        amount = fine_amount(site, raw, state.fired(site.id), resolve)
        self.book.fine(agent, amount, fine.recipient)
        detail = {
            "amount": float(amount),
            "rate": float(resolve(site.rates[step])),
            "step": step,
            "profit": raw,
            "recipient": fine.recipient,
        }
        self.events.append(self._event(inst, site, cause, agent, detail))
        rule = f"rule {cause.compiled.rule.id}" if cause is not None else f"`{site.id}`"
        text = f"Fined {float(amount):.2f} under {rule}."
        self.notice(inst, text, site, cause, "fine", to=(agent,))

    def _grant(
        self,
        inst: Instance,
        site: SanctionSite,
        cause: EdgePlan | None,
        agent: int,
        amount: Fraction,
    ) -> None:
        """Queue one agent's grant; its event gets the amount paid at settlement."""
        self.book.request_grant(agent, amount)
        self._grants.append((len(self.events), agent))
        self.events.append(self._event(inst, site, cause, agent, {"requested": float(amount)}))

    def _event(
        self,
        inst: Instance,
        site: SanctionSite,
        cause: EdgePlan | None,
        agent: int,
        detail: dict[str, Any],
    ) -> Event:
        """A sanction event of ``site`` hitting ``agent``."""
        compiled = None if cause is None else cause.compiled
        return Event(
            "sanction",
            self.record.round,
            inst.scope.kind,
            inst.name,
            None if compiled is None else compiled.rule.id,
            None if compiled is None else compiled.key,
            monitors=self._monitors(inst, cause),
            span=span_json(site.sanction.span),
            rule_span=None if compiled is None else span_json(compiled.rule.span),
            detail={
                "site": site.id,
                "sanction": site.text,
                "agent": self.plan.agents[agent],
                **detail,
            },
        )

    def _monitors(self, inst: Instance, cause: EdgePlan | None) -> Mapping[str, Any]:
        """The values of the monitors the causing edge's guard reads."""
        return (
            {} if cause is None else MonitorView(self.record.monitors[inst.index], cause.monitors)
        )

    def notice(
        self,
        inst: Instance,
        text: str,
        site: SanctionSite | None,
        cause: EdgePlan | None,
        origin: str,
        to: tuple[int, ...] | None = None,
    ) -> None:
        """Issue ``text`` to ``to`` (default: the agents of ``inst``), read next round."""
        recipients = inst.agents if to is None else to
        for agent in recipients:
            self.notices[agent].append(text)
        compiled = None if cause is None else cause.compiled
        span = site.sanction.span if site is not None else None
        self.events.append(
            Event(
                "notice",
                self.record.round,
                inst.scope.kind,
                inst.name,
                None if compiled is None else compiled.rule.id,
                None if compiled is None else compiled.key,
                monitors=self._monitors(inst, cause),
                span=span_json(span),
                rule_span=None if compiled is None else span_json(compiled.rule.span),
                detail={
                    "text": text,
                    "origin": origin,
                    "to": [self.plan.agents[a] for a in recipients],
                },
            )
        )

    def settle(self) -> tuple[Settlement, list[Event]]:
        """Pay the grants, settle the money, and return the round's sanction-step events."""
        settlement = self.book.settle()
        paid = iter(settlement.grants)
        for index, _agent in self._grants:
            _, amount = next(paid)
            event = self.events[index]
            self.events[index] = replace(event, detail={**event.detail, "amount": float(amount)})
        return settlement, self.events

    def notice_texts(self) -> tuple[tuple[str, ...], ...]:
        """The notices issued to each agent this round."""
        return tuple(tuple(texts) for texts in self.notices)


def entry_text(inst: Instance, state: ir.StateDecl) -> str:
    """The notice of entering ``state``: its public label and description."""
    who = "Your standing" if inst.scope.kind == "agent" else "The market's standing"
    text = f"{who} is now {state.label or state.name}"
    return text + (f": {state.description}" if state.description else ".")
