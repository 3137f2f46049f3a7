"""The oracle: the deterministic evaluator of an institution's expressions over the trace.

Each round (:meth:`Oracle.step`) the oracle reads the environment's observables, the raw
rewards and the effective actions, evaluates every monitor once, in dependency order, and
every expression registered at construction (guards, evidence, sanction amounts); the
controller then reads any of them with :meth:`Oracle.value`.

Values
    A :class:`~govlang.runtime.values.Value` is a numpy array with named dims: float64 for
    numbers, bool for booleans. Dim sizes: ``agent`` is the number of agents (in
    ``possible_agents`` order); every other dim is sized by the environment's labels
    (``EnvironmentSchema.dimensions``). Dims are always kept in canonical order: ``agent``
    first, then the dims in order of first appearance in the ``observe`` / ``action``
    declarations. Operations broadcast by dim *name*: the result has the union of the
    operands' dims. Plural dim names (``agents``, ``commodities``) mean the singular.

Names
    Params (constants), monitors (values of this round), observables (from the round's
    observables dict, keyed by their declared name, dotted for benchmarks: ``nash.hhi``), and
    three built-ins: ``round`` (the 1-based round number), ``reward`` (``number[agent]``: the
    raw payoffs of this round) and ``action`` (``number[agent, <action dims>]``: the effective
    actions of this round). Declared names take precedence over the built-ins.

Operators
    ``+ - * /`` on numbers, with ``x / 0 = 0``; comparisons give bools; ``and or not`` on
    bools; ``if c then a else b`` is element-wise (both branches are always evaluated).
    Where a number is needed a bool counts as 0 / 1; where a bool is needed a number counts
    as ``x != 0`` (the checker rejects such mixes; the oracle stays total regardless).

Aggregates, ``f(x over D)``, drop dim ``D`` (without ``over``: every dim)
    ``sum mean min max std`` (population std), ``cv`` = std / mean, ``hhi`` = sum of
    squared shares, ``dispersion`` = (max - min) / mean, ``count`` (number of true
    values), ``any``, ``all``. ``share(x over D)`` = x / sum(x over D) keeps the dims.
    Every ratio is ``0`` when its denominator is ``0``. The mean is signed, as in
    ``specs/language.md`` (the markets' benchmark CV divides by ``|mean|``; the two agree
    on non-negative data such as quantities).

Element-wise functions
    ``abs(x)``, ``excess(x, ref)`` = (x - ref) / |ref| (0 when ref is 0), ``min(a, b)``,
    ``max(a, b)``, ``clip(x, lo, hi)`` = min(max(x, lo), hi).

Temporal operators (window ``k``: a constant int in [1, 1000], a literal or param expression)
    ``lag(x, k)``: the value k rounds ago; while fewer than k earlier rounds exist, the
    earliest recorded value (so ``lag(x, 1) == x`` in round 1). ``mean_last``, ``sum_last``,
    ``min_last``, ``max_last (x, k)``: over the last k rounds including this one (fewer at
    the start). ``held(b, k)``: b true in each of the last k rounds including this one
    (false while fewer than k rounds have been played). ``count_last(b, n)``: in how many
    of the last n rounds b was true. ``pct_change(x [, k = 1])`` = (x - lag(x, k)) /
    |lag(x, k)|, 0 when the lag is 0, hence 0 in round 1.
    Every temporal call node keeps its own ring buffer of its operand (bounded by the
    window) and is evaluated every round, even inside an ``if`` branch, so histories never
    have gaps and nested temporal operators work. Call nodes with equal content (the same
    text, anywhere) share one buffer: they see the same inputs every round, so their
    histories would be identical.

Totality
    No ``inf`` or ``nan`` enters (non-finite observables, rewards or actions are rejected
    with :class:`~govlang.runtime.values.OracleError`) and none is ever produced: divisions
    are guarded, and each operation (operator or built-in call) whose float64 result
    overflows saturates at the largest finite float of its sign (a ``nan`` born inside that
    one operation, as ``inf - inf``, becomes ``0``). Rounds without overflow, all rounds in
    practice, run on a fast path that only traps it.

Expressions and values
    :meth:`Oracle.value` finds an expression by identity first, then by content. Values are
    per agent when they carry the ``agent`` dim; :meth:`Oracle.at_agent` reads one agent's
    entry (values without it are the same for every agent). The arrays of returned values
    are shared with the oracle: treat them as read-only.

Built-in functions are listed in :data:`govlang.lang.builtins.BUILTINS`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
from numpy import asarray

from govlang.lang import ir
from govlang.lang.params import ParamValue
from govlang.runtime.inputs import Inputs, scope_for
from govlang.runtime.program import Program
from govlang.runtime.values import OracleError, Value
from govlang.runtime.values import at_agent as _at_agent


class Oracle:
    """Evaluates an institution's monitors and registered expressions, round by round."""

    def __init__(
        self,
        institution: ir.Institution,
        params: Mapping[str, ParamValue],
        agents: Sequence[str],
        dimensions: Mapping[str, Sequence[str]],
        extra: Sequence[ir.Expr] = (),
    ) -> None:
        """Compile every monitor and every ``extra`` expression once.

        ``params`` are the resolved param values, ``agents`` the environment's
        ``possible_agents``, ``dimensions`` the labels of each non-agent dim. ``extra`` are the
        guard / evidence / sanction-amount expressions the controller will ask for each round;
        their temporal operators are kept up to date from the first round on. Raises
        :class:`OracleError` for anything that cannot be evaluated (unknown names, bad
        windows, missing dimension labels, dependency cycles).
        """
        self.institution = institution
        self.agents = tuple(agents)
        scope = scope_for(institution, params, self.agents, dimensions)
        self._program = Program(scope)
        self._inputs = Inputs(institution, scope, self._program)
        self._monitors = {m.name: self._program.monitor(m.name) for m in institution.monitors}
        dims = self._program.signatures
        self._outputs = [(name, slot, dims[slot].dims) for name, slot in self._monitors.items()]
        self._by_id: dict[int, tuple[ir.Expr, int]] = {}
        for expr in extra:
            self._register(expr, self._program.compile(expr))
        self._round = 0
        self._evaluated = 0  # instructions already run this round

    @property
    def dimension_order(self) -> tuple[str, ...]:
        """The canonical order of dims (``agent`` first)."""
        return self._program.scope.order

    @property
    def round(self) -> int:
        """The last round evaluated (0 before the first :meth:`step` after a reset)."""
        return self._round

    def reset(self) -> None:
        """Forget every history: the next :meth:`step` must be round 1."""
        for history in self._program.histories:
            history.clear()
        self._inputs.clear()
        self._round = 0
        self._evaluated = 0

    def step(
        self,
        round_index: int,
        observables: Mapping[str, np.ndarray],
        reward: np.ndarray,
        action: np.ndarray | None,
    ) -> dict[str, Value]:
        """Evaluate round ``round_index`` (1-based, consecutive) and return every monitor.

        ``observables`` holds at least every declared observable, shaped by its declared dims
        (extra keys are ignored); ``reward`` has shape ``(agents,)``; ``action`` has shape
        ``(agents, *action dims)`` and may be ``None`` only if no expression reads ``action``.
        Raises :class:`OracleError` on missing, mis-shaped or non-finite input; the oracle's
        state is unchanged then.
        """
        self.evaluate(round_index, observables, reward, action)
        slots, new = self._program.slots, tuple.__new__
        return {
            name: new(Value, (asarray(slots[slot]), dims)) for name, slot, dims in self._outputs
        }

    def evaluate(
        self,
        round_index: int,
        observables: Mapping[str, np.ndarray],
        reward: np.ndarray,
        action: np.ndarray | None,
    ) -> None:
        """Evaluate round ``round_index`` as :meth:`step` does, without collecting monitors.

        For callers that read a few values each round through :meth:`reader`.
        """
        if round_index != self._round + 1:
            raise OracleError(
                f"round {round_index} out of order: expected round {self._round + 1}"
                + (" (call reset() to start a new episode)" if round_index == 1 else "")
            )
        self._inputs.load(round_index, observables, reward, action)
        self._program.run()
        self._evaluated = len(self._program.steps)
        self._round = round_index

    def dims_of(self, expr: ir.Expr | str) -> tuple[str, ...]:
        """The dims of a monitor (by name) or of a registered expression."""
        return self._program.signatures[self._slot_of(expr)].dims

    def reader(self, exprs: Sequence[ir.Expr | str]) -> Callable[[], tuple[Any, ...]]:
        """A function returning the current arrays of ``exprs``, in order, in one call.

        ``exprs``: registered expressions (see ``extra``) or monitor names. The arrays are
        the oracle's own (0-d or numpy arrays; never modified in place, so they keep this
        round's values after the next round replaces them): treat them as read-only.
        """
        slots = [self._slot_of(e) for e in exprs]
        table = self._program.slots
        if not slots:
            return tuple
        pick = itemgetter(*slots)
        if len(slots) == 1:
            return lambda: (pick(table),)
        return lambda: pick(table)

    def _slot_of(self, expr: ir.Expr | str) -> int:
        """The slot of a monitor name or a registered expression."""
        if isinstance(expr, str):
            if expr not in self._monitors:
                raise OracleError(f"unknown monitor `{expr}`")
            return self._monitors[expr]
        found = self._by_id.get(id(expr))
        if found is None or found[0] is not expr:
            raise OracleError("only expressions passed in `extra` can be read by a reader")
        return found[1]

    def value(self, expr: ir.Expr) -> Value:
        """The value of ``expr`` this round.

        ``expr`` is a monitor, a registered expression, or any expression without temporal
        operators of its own (those need history: pass them as ``extra``). Raises
        :class:`OracleError` before the first round or for an unregistered temporal operator.
        """
        if self._round == 0:
            raise OracleError("no round has been evaluated yet: call step() first")
        found = self._by_id.get(id(expr))
        slot = found[1] if found is not None and found[0] is expr else self._late(expr)
        return self._value(slot)

    def at_agent(self, value: Value, agent_index: int) -> Value:
        """``value`` at agent ``agent_index`` (the ``agent`` dim dropped); others unchanged."""
        if not 0 <= agent_index < len(self.agents):
            raise OracleError(f"agent index {agent_index} out of range for {len(self.agents)}")
        return _at_agent(value, agent_index)

    def snapshot(self) -> dict[str, Any]:
        """A copy of the oracle's state: round, histories, this round's inputs and values.

        Recorded values are never modified in place, so histories are copied shallowly.
        """
        return {
            "round": self._round,
            "histories": [(list(h.buffer), h.trues) for h in self._program.histories],
            "slots": copy.deepcopy(self._program.slots),
            "evaluated": self._evaluated,
            "inputs": self._inputs.state(),
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Return to the state of :meth:`snapshot` (taken from an oracle built identically)."""
        histories = snapshot["histories"]
        if len(histories) != len(self._program.histories):
            raise OracleError("snapshot taken from an oracle built for other expressions")
        for history, (buffer, trues) in zip(self._program.histories, histories, strict=True):
            history.clear()
            history.buffer.extend(buffer)
            history.trues = trues
        saved_slots = copy.deepcopy(snapshot["slots"])
        self._program.slots[: len(saved_slots)] = saved_slots
        self._program.slots_replaced()
        self._round = int(snapshot["round"])
        self._evaluated = int(snapshot["evaluated"]) if self._round else 0
        self._inputs.set_state(snapshot["inputs"])
        self._inputs.refresh()
        self._catch_up()

    # ------------------------------------------------------------------ internals

    def _register(self, expr: ir.Expr, slot: int) -> None:
        self._by_id[id(expr)] = (expr, slot)

    def _late(self, expr: ir.Expr) -> int:
        """Compile an expression first asked for after construction; evaluate it now."""
        temporal = self._program.unregistered_temporal(expr)
        if temporal is not None:
            raise OracleError(
                f"`{temporal.function}(...)` has no history: pass its expression in `extra` "
                "when building the Oracle"
            )
        slot = self._program.compile(expr)
        self._inputs.refresh()
        self._catch_up()
        self._register(expr, slot)
        return slot

    def _catch_up(self) -> None:
        """Run this round's instructions compiled since the round was evaluated."""
        if self._round and self._evaluated < len(self._program.steps):
            self._program.run(self._evaluated)
            self._evaluated = len(self._program.steps)

    def _value(self, slot: int) -> Value:
        return Value(np.asarray(self._program.slots[slot]), self._program.signatures[slot].dims)
