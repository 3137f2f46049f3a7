"""From the oracle's values to the controller's :class:`~govlang.runtime.state.RoundRecord`.

The oracle evaluates monitors and every :class:`~govlang.runtime.plan.Ref` of the plan
(guards and sanction numbers) on the whole population; the bridge cuts them per instance and
per agent, turns them into Python values, and decides the scope's evidence per instance
(a per-agent instance reads its own component; the market instance holds evidence when any
element of the evidence monitor is true).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from govlang.lang.schema import AGENT_DIM
from govlang.runtime.oracle import Oracle
from govlang.runtime.plan import Plan
from govlang.runtime.state import RoundRecord


class MonitorValues(Mapping[str, Any]):
    """Every monitor's value at one instance, as JSON data, converted on first read.

    Events name only the few monitors that justify them, and rounds without events read
    none: converting every monitor of every instance every round would be wasted. The
    oracle's arrays are never modified in place, so reading them later gives this round's
    values.
    """

    __slots__ = ("_agent", "_arrays", "_done", "_table")

    def __init__(
        self,
        table: Mapping[str, tuple[int, bool]],
        arrays: tuple[Any, ...],
        agent: int | None,
    ) -> None:
        """View the round's monitor ``arrays`` at ``agent`` (``None``: the market).

        ``table``: monitor name -> (position in ``arrays``, whether ``agent`` is its first dim).
        """
        self._table = table
        self._arrays = arrays
        self._agent = agent
        self._done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        """The JSON value of monitor ``name`` at the instance."""
        done = self._done
        if name in done:
            return done[name]
        position, per_agent = self._table[name]
        data = self._arrays[position]
        if per_agent and self._agent is not None:
            data = data[self._agent]
        found = done[name] = data.tolist()
        return found

    def get(self, name: str, default: Any = None) -> Any:
        """The JSON value of monitor ``name`` at the instance, or ``default``."""
        done = self._done
        if name in done:
            return done[name]
        return self[name] if name in self._table else default

    def __iter__(self) -> Iterator[str]:
        """The monitors, in declaration order."""
        return iter(self._table)

    def __len__(self) -> int:
        """The number of monitors."""
        return len(self._table)

    def __repr__(self) -> str:
        """The converted values, as a dict."""
        return repr(dict(self))

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        """Pickled (and deep-copied) as the plain dict of its items."""
        return dict, (dict(self),)


class OracleBridge:
    """Owns the oracle of a governed run and turns each round into a :class:`RoundRecord`."""

    def __init__(self, plan: Plan, dimensions: Mapping[str, Sequence[str]]) -> None:
        """Build the oracle for ``plan`` with the environment's dim labels.

        How each value is cut per agent is decided here, once, from its dims.
        """
        compiled = plan.compiled
        self.plan = plan
        oracle = self.oracle = Oracle(
            compiled.institution,
            compiled.params,
            plan.agents,
            dimensions,
            extra=[ref.expr for ref in plan.refs],
        )
        names = [m.name for m in compiled.institution.monitors]
        self._monitor_table = {
            name: (i, oracle.dims_of(name)[:1] == (AGENT_DIM,)) for i, name in enumerate(names)
        }
        self._read_monitors = oracle.reader(names)
        self._keys = tuple(ref.key for ref in plan.refs)
        self._cuts = tuple(_cut_of(oracle.dims_of(ref.expr)) for ref in plan.refs)
        self._read_refs = oracle.reader([ref.expr for ref in plan.refs])
        self._evidence = tuple(
            None
            if inst.scope.decl.evidence is None
            else (
                self._monitor_table[inst.scope.decl.evidence][0],
                inst.agent if self._monitor_table[inst.scope.decl.evidence][1] else None,
            )
            for inst in plan.instances
        )

    def reset(self) -> None:
        """Forget every history (a new episode)."""
        self.oracle.reset()

    def record(
        self,
        round_index: int,
        raw: tuple[float | None, ...],
        observables: Mapping[str, Any],
        action: np.ndarray | None,
    ) -> RoundRecord:
        """Evaluate round ``round_index`` and cut the values per instance."""
        reward = np.array([0.0 if r is None else r for r in raw], dtype=np.float64)
        self.oracle.evaluate(round_index, observables, reward, action)
        monitors = self._read_monitors()
        keys, agents = self._keys, len(self.plan.agents)
        columns = [
            cut(data, agents) for cut, data in zip(self._cuts, self._read_refs(), strict=True)
        ]
        rows = [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
        if not keys:
            rows = [{} for _ in range(agents)]
        instances = self.plan.instances
        table = self._monitor_table
        return RoundRecord(
            round_index,
            raw,
            tuple(_holds(monitors, where) for where in self._evidence),
            tuple(tuple(rows[agent] for agent in inst.agents) for inst in instances),
            tuple(MonitorValues(table, monitors, inst.agent) for inst in instances),
        )


def _holds(monitors: tuple[Any, ...], where: tuple[int, int | None] | None) -> bool:
    """Whether an instance's evidence holds: ``where`` = (monitor position, agent or ``None``)."""
    if where is None:
        return False
    position, agent = where
    data = monitors[position]
    if agent is not None:
        data = data[agent]
    return bool(data.any()) if data.ndim else bool(data)


Cut = Callable[[Any, int], Sequence[Any]]
"""One value of the round as each of ``n`` agents sees it: a Python ``bool``/``float`` when it
has no dims left at the agent, else a numpy array."""


def _cut_of(dims: tuple[str, ...]) -> Cut:
    """How a value with ``dims`` is seen by each agent (decided once per value)."""
    if not dims:
        return lambda data, n: [data.item()] * n
    if dims == (AGENT_DIM,):
        return lambda data, n: data.tolist()  # Python bools / floats, like item()
    if AGENT_DIM not in dims:
        return lambda data, n: [data] * n
    return lambda data, n: [np.asarray(data[i]) for i in range(n)]
