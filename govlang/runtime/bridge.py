"""From the oracle's values to the controller's :class:`~govlang.runtime.state.RoundRecord`.

The oracle evaluates monitors and every :class:`~govlang.runtime.plan.Ref` of the plan
(guards and sanction numbers) on the whole population; the bridge cuts them per instance and
per agent, turns them into Python values, and decides the scope's evidence per instance
(a per-agent instance reads its own component; the market instance holds evidence when any
element of the evidence monitor is true).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from govlang.runtime.oracle import Oracle
from govlang.runtime.plan import Instance, Plan
from govlang.runtime.state import RoundRecord, Values
from govlang.runtime.values import Value, at_agent
from govlang.schema import AGENT_DIM


def python_value(value: Value) -> Any:
    """A dimensionless value as a Python ``bool``/``float``; others as a numpy array."""
    return value.item() if not value.dims else value.data


def json_value(value: Value) -> Any:
    """A value as JSON-ready Python data (scalars, nested lists)."""
    return value.tolist()


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
        refs = {ref.key: self.oracle.value(ref.expr) for ref in self.plan.refs}
        instances = self.plan.instances
        return RoundRecord(
            round_index,
            raw,
            tuple(self._evidence_of(inst, monitors) for inst in instances),
            tuple(self._values(inst, refs) for inst in instances),
            tuple(self._monitors(inst, monitors) for inst in instances),
        )

    def _values(self, inst: Instance, refs: Mapping[str, Value]) -> tuple[Values, ...]:
        """One mapping per agent of ``inst``: ref key -> value at that agent."""
        return tuple(
            {key: python_value(at_agent(value, agent)) for key, value in refs.items()}
            for agent in inst.agents
        )

    def _evidence_of(self, inst: Instance, monitors: Mapping[str, Value]) -> bool:
        """Whether the scope's evidence holds for ``inst`` this round."""
        name = self._evidence[inst.scope.kind]
        if name is None:
            return False
        value = monitors[name]
        if inst.agent is not None:
            value = at_agent(value, inst.agent)
        return bool(np.any(value.data))

    def _monitors(self, inst: Instance, monitors: Mapping[str, Value]) -> dict[str, Any]:
        """Every monitor's value at ``inst`` (per-agent monitors cut to its agent)."""
        if inst.agent is None:
            return {name: json_value(value) for name, value in monitors.items()}
        agent = inst.agent
        return {
            name: json_value(at_agent(value, agent) if AGENT_DIM in value.dims else value)
            for name, value in monitors.items()
        }
