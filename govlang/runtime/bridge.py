"""From the oracle's values to the controller's :class:`~govlang.runtime.state.RoundRecord`.

The oracle evaluates monitors and every :class:`~govlang.runtime.plan.Ref` of the plan
(guards and sanction numbers) on the whole population; the bridge cuts them per instance and
per agent, turns them into Python values, and decides the scope's evidence per instance
(a per-agent instance reads its own component; the market instance holds evidence when any
element of the evidence monitor is true).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from govlang.lang.schema import AGENT_DIM
from govlang.runtime.oracle import Oracle
from govlang.runtime.plan import Instance, Plan
from govlang.runtime.state import RoundRecord
from govlang.runtime.values import Value, at_agent


def python_value(value: Value) -> Any:
    """A dimensionless value as a Python ``bool``/``float``; others as a numpy array."""
    return value.item() if not value.dims else value.data


def json_value(value: Value) -> Any:
    """A value as JSON-ready Python data (scalars, nested lists)."""
    return value.tolist()


class MonitorValues(Mapping[str, Any]):
    """Every monitor's value at one instance, as JSON data, converted on first read.

    Events name only the few monitors that justify them, and rounds without events read
    none: converting every monitor of every instance every round would be wasted. The
    oracle's arrays are never modified in place, so reading them later gives this round's
    values.
    """

    __slots__ = ("_agent", "_done", "_values")

    def __init__(self, values: Mapping[str, Value], agent: int | None) -> None:
        """``values``: the oracle's monitors; ``agent``: the instance's agent (``None``: market)."""
        self._values = values
        self._agent = agent
        self._done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        """The JSON value of monitor ``name`` at the instance."""
        done = self._done
        if name in done:
            return done[name]
        value = self._values[name]
        if self._agent is not None and AGENT_DIM in value.dims:
            value = at_agent(value, self._agent)
        found = done[name] = value.data.tolist()
        return found

    def get(self, name: str, default: Any = None) -> Any:
        """The JSON value of monitor ``name`` at the instance, or ``default``."""
        done = self._done
        if name in done:
            return done[name]
        return self[name] if name in self._values else default

    def __iter__(self) -> Iterator[str]:
        """The monitors, in declaration order."""
        return iter(self._values)

    def __len__(self) -> int:
        """The number of monitors."""
        return len(self._values)

    def __repr__(self) -> str:
        """The converted values, as a dict."""
        return repr(dict(self))

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        """Pickled (and deep-copied) as the plain dict of its items."""
        return dict, (dict(self),)


class OracleBridge:
    """Owns the oracle of a governed run and turns each round into a :class:`RoundRecord`."""

    def __init__(self, plan: Plan, dimensions: Mapping[str, Sequence[str]]) -> None:
        """Build the oracle for ``plan`` with the environment's dim labels."""
        compiled = plan.compiled
        self.plan = plan
        self.oracle = Oracle(
            compiled.institution,
            compiled.params,
            plan.agents,
            dimensions,
            extra=[ref.expr for ref in plan.refs],
        )
        self._evidence = {s.kind: s.decl.evidence for s in plan.scopes}
        self._refs = [(ref.key, ref.expr) for ref in plan.refs]

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
        monitors = self.oracle.step(round_index, observables, reward, action)
        value = self.oracle.value
        refs = [(key, _Cut(value(expr))) for key, expr in self._refs]
        instances = self.plan.instances
        return RoundRecord(
            round_index,
            raw,
            tuple(self._evidence_of(inst, monitors) for inst in instances),
            tuple(
                tuple({key: cut.at(agent) for key, cut in refs} for agent in inst.agents)
                for inst in instances
            ),
            tuple(MonitorValues(monitors, inst.agent) for inst in instances),
        )

    def _evidence_of(self, inst: Instance, monitors: Mapping[str, Value]) -> bool:
        """Whether the scope's evidence holds for ``inst`` this round."""
        name = self._evidence[inst.scope.kind]
        if name is None:
            return False
        value = monitors[name]
        if inst.agent is not None and value.dims and value.dims[0] == AGENT_DIM:
            data = value.data[inst.agent]
        else:
            data = value.data
        return bool(data.any()) if data.ndim else bool(data)


class _Cut:
    """One ref's value of the round, read at each agent as :func:`python_value` would."""

    __slots__ = ("_per_agent", "_same", "_value")

    def __init__(self, value: Value) -> None:
        self._value = value
        dims = value.dims
        self._same: Any = None
        self._per_agent: list[Any] | None = None
        if not dims:
            self._same = python_value(value)
        elif dims == (AGENT_DIM,):
            self._per_agent = value.data.tolist()  # Python bools / floats, like item()
        elif AGENT_DIM not in dims:
            self._same = value.data

    def at(self, agent: int) -> Any:
        """The value at agent ``agent``."""
        if self._per_agent is not None:
            return self._per_agent[agent]
        if self._same is not None:
            return self._same
        return python_value(at_agent(self._value, agent))
