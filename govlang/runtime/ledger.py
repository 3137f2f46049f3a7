"""Money: exact accounting of one round's fines, transfers and grants.

Every amount is kept as a :class:`fractions.Fraction` built from the float it came from, so
sums are exact and the two identities of ``specs/semantics.md`` are checked exactly every
round, not up to a tolerance:

* per agent: ``mediated == raw - fines_paid + received``;
* globally: ``sum(raw) + grants_paid == sum(mediated) + to_treasury + to_consumers``, and the
  treasury moves by exactly ``to_treasury - grants_paid``.

No money is created or destroyed, except grants, which move money from the treasury to agents.
Only the final mediated payoff of an agent is rounded to a float, once. An agent with no fine
and no receipt this round keeps its raw payoff object untouched (bit for bit, ``-0.0`` and
non-finite values included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from govlang.lang import ir
from govlang.lang.money import LIMIT_TEXT, MONEY_LIMIT, AccountingError

ZERO = Fraction(0)


@dataclass(frozen=True)
class Ledger:
    """Balances carried from round to round within an episode.

    ``treasury``: fines paid to the treasury minus grants paid out of it; ``consumers``: fines
    paid to consumers; ``fined`` and ``granted``: totals since the episode began.
    """

    treasury: Fraction = ZERO
    consumers: Fraction = ZERO
    fined: Fraction = ZERO
    granted: Fraction = ZERO

    def as_json(self) -> dict[str, float]:
        """The balances as floats (for infos, logs and reports)."""
        return {
            "treasury": float(self.treasury),
            "consumers": float(self.consumers),
            "fined": float(self.fined),
            "granted": float(self.granted),
        }


@dataclass(frozen=True)
class Settlement:
    """The money of one round, settled: per agent (``possible_agents`` order) and the ledger.

    ``raw`` and ``mediated`` are ``None`` for agents absent from the round's rewards.
    ``grants`` lists ``(agent index, amount paid)`` in the order the grants were requested.
    """

    raw: tuple[float | None, ...]
    fines: tuple[Fraction, ...]
    received: tuple[Fraction, ...]
    mediated: tuple[float | None, ...]
    grants: tuple[tuple[int, Fraction], ...]
    ledger: Ledger


_LIMIT = int(MONEY_LIMIT)  # an integer: the limit is compared exactly, in integers


def _within_limit(amount: Fraction, what: str) -> None:
    """Raise :class:`AccountingError` when ``amount`` is beyond the money limit."""
    if abs(amount.numerator) > _LIMIT * amount.denominator:
        shown = f"{float(amount):.6g}" if abs(amount) < 1e300 else "more than 1e300"
        raise AccountingError(f"{what} of {shown} is beyond the money limit ({LIMIT_TEXT})")


def exact(value: float) -> Fraction:
    """The exact rational value of a finite float (raises :class:`AccountingError` otherwise)."""
    if not math.isfinite(value):
        raise AccountingError(f"cannot account for a non-finite amount {value}")
    return Fraction(*value.as_integer_ratio())


@dataclass
class RoundBook:
    """The money of the round in progress. Fines are booked at once; grants are queued.

    ``raw`` is each agent's raw payoff this round (``None``: the agent is absent and can be
    neither fined nor paid).
    """

    ledger: Ledger
    raw: Sequence[float | None]
    fines: list[Fraction] = field(init=False)
    received: list[Fraction] = field(init=False)
    to_treasury: Fraction = field(init=False, default=ZERO)
    to_consumers: Fraction = field(init=False, default=ZERO)
    queued: list[tuple[int, Fraction]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        """Start every agent at zero fines and zero receipts."""
        self.fines = [ZERO] * len(self.raw)
        self.received = [ZERO] * len(self.raw)
        self._exact_raw: list[Fraction | None] = [None] * len(self.raw)

    def exact_raw(self, agent: int) -> Fraction:
        """The exact value of ``agent``'s raw payoff (converted once per round)."""
        found = self._exact_raw[agent]
        if found is None:
            raw = self.raw[agent]
            assert raw is not None
            found = self._exact_raw[agent] = exact(raw)
        return found

    def present(self, agent: int) -> bool:
        """Whether ``agent`` takes part in this round's money."""
        return self.raw[agent] is not None

    def fine(self, agent: int, amount: Fraction, recipient: ir.Recipient) -> None:
        """Book a fine of ``amount`` (>= 0) paid by ``agent`` to ``recipient``.

        ``others`` splits the fine equally among the other present agents; with nobody else
        present it goes to the treasury.
        """
        if amount.numerator < 0:
            raise AccountingError(f"a fine cannot be negative ({amount})")
        _within_limit(amount, "a fine")
        self.fines[agent] += amount
        others = [i for i in range(len(self.raw)) if i != agent and self.present(i)]
        if recipient == "others" and others:
            share = amount / len(others)
            for other in others:
                self.received[other] += share
        elif recipient == "consumers":
            self.to_consumers += amount
        else:
            self.to_treasury += amount

    def request_grant(self, agent: int, amount: Fraction) -> None:
        """Queue a grant of ``amount`` (>= 0) to ``agent``, paid by :meth:`settle`."""
        if amount.numerator < 0:
            raise AccountingError(f"a grant cannot be negative ({amount})")
        _within_limit(amount, "a grant")
        self.queued.append((agent, amount))

    def settle(self) -> Settlement:
        """Pay the queued grants in order out of the treasury, then close the round's books."""
        if not self.queued and not any(self.fines) and not any(self.received):
            raw = tuple(self.raw)  # nothing moved: every payoff passes through untouched
            return Settlement(raw, tuple(self.fines), tuple(self.received), raw, (), self.ledger)
        treasury = self.ledger.treasury + self.to_treasury
        grants: list[tuple[int, Fraction]] = []
        for agent, amount in self.queued:
            paid = min(amount, treasury)
            treasury -= paid
            self.received[agent] += paid
            grants.append((agent, paid))
        granted = sum((paid for _, paid in grants), ZERO)
        exact_mediated = self._mediated()
        self._check(exact_mediated, granted, treasury)
        ledger = Ledger(
            treasury=treasury,
            consumers=self.ledger.consumers + self.to_consumers,
            fined=self.ledger.fined + sum(self.fines, ZERO),
            granted=self.ledger.granted + granted,
        )
        mediated = tuple(self._rounded(i, m) for i, m in enumerate(exact_mediated))
        return Settlement(
            tuple(self.raw),
            tuple(self.fines),
            tuple(self.received),
            mediated,
            tuple(grants),
            ledger,
        )

    def _moved(self, agent: int) -> bool:
        """Whether any money moved for ``agent`` this round."""
        return self.fines[agent] != 0 or self.received[agent] != 0

    def _mediated(self) -> list[Fraction | None]:
        """``raw - fines + received`` exactly, for each agent money moved for (else ``None``)."""
        return [
            None
            if raw is None or not self._moved(i)
            else self.exact_raw(i) - self.fines[i] + self.received[i]
            for i, raw in enumerate(self.raw)
        ]

    def _rounded(self, agent: int, mediated: Fraction | None) -> float | None:
        """The float payoff: the raw object itself when no money moved for this agent."""
        if mediated is None:
            return self.raw[agent]
        _within_limit(mediated, f"agent {agent}'s mediated payoff")
        return float(mediated)

    def _check(
        self, mediated: list[Fraction | None], granted: Fraction, treasury: Fraction
    ) -> None:
        """Recompute both identities exactly; raise :class:`AccountingError` if one fails.

        Agents no money moved for contribute the same amount to both sides of the global
        identity and are left out of its sums.
        """
        raw_sum, mediated_sum = ZERO, ZERO
        for i, raw in enumerate(self.raw):
            if not self._moved(i):
                continue
            value = mediated[i]
            if raw is None or value is None:
                raise AccountingError(f"money moved for absent agent {i}")
            if value != self.exact_raw(i) - self.fines[i] + self.received[i]:
                raise AccountingError(f"agent {i}: mediated != raw - fines + received")
            raw_sum += self.exact_raw(i)
            mediated_sum += value
        if raw_sum + granted != mediated_sum + self.to_treasury + self.to_consumers:
            raise AccountingError("money was created or destroyed this round")
        if treasury != self.ledger.treasury + self.to_treasury - granted:
            raise AccountingError("the treasury balance does not add up")
