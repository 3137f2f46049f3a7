"""The oracle's inputs: the scope of names and dims, and the validated loading of a round.

:func:`scope_for` fixes what names and dims mean for one institution in one environment.
:class:`Inputs` checks each round's observables, rewards and actions (present, shaped by
their declared dims, finite) and writes them, read-only and in canonical dim order, into the
program's input slots.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from govlang.lang import ir
from govlang.lang.dims import dimension_order, singular
from govlang.lang.kernels import Array
from govlang.lang.params import ParamValue
from govlang.lang.schema import AGENT_DIM
from govlang.runtime.program import Program, Scope, Signature
from govlang.runtime.values import OracleError

BUILTIN_INPUTS = ("round", "reward", "action")
"""Names every expression may use besides params, monitors and observables."""


def normalise_dim(known: Sequence[str], written: str) -> str:
    """The dim ``written`` means (plurals accepted: ``commodities``), checked against ``known``."""
    dim = singular(written, known)
    if dim not in known:
        raise OracleError(f"unknown dimension `{written}`; the dimensions are {list(known)}")
    return dim


def full_order(institution: ir.Institution, labels: Mapping[str, Any]) -> tuple[str, ...]:
    """The checker's canonical dim order, then any other environment dim.

    Raises :class:`OracleError` for a declared dim the environment has no labels for.
    """
    declared = dimension_order(institution)
    unlabelled = [dim for dim in declared[1:] if dim not in labels]
    if unlabelled:
        raise OracleError(
            f"the environment has no labels for dimension(s) {unlabelled}; it has {list(labels)}"
        )
    return (*declared, *(dim for dim in labels if dim not in declared))


def scope_for(
    institution: ir.Institution,
    params: Mapping[str, ParamValue],
    agents: Sequence[str],
    dimensions: Mapping[str, Sequence[str]],
) -> Scope:
    """The names and dims of ``institution`` run with ``agents`` and dim labels ``dimensions``."""
    if not agents:
        raise OracleError("at least one agent is required")
    labels = {dim: tuple(names) for dim, names in dimensions.items() if dim != AGENT_DIM}
    empty = [dim for dim, names in labels.items() if not names]
    if empty:
        raise OracleError(f"dimension(s) {empty} have no labels")
    order = full_order(institution, labels)
    normalise = partial(normalise_dim, order)
    sizes = {AGENT_DIM: len(agents), **{dim: len(names) for dim, names in labels.items()}}
    inputs = {
        decl.name: Signature(decl.type.base, _canonical(decl.type.dims, normalise, order))
        for decl in institution.observes
    }
    action_dims = institution.action.type.dims if institution.action is not None else ()
    builtins = {
        "round": Signature("number", ()),
        "reward": Signature("number", (AGENT_DIM,)),
        "action": Signature("number", _canonical((AGENT_DIM, *action_dims), normalise, order)),
    }
    for name, sig in builtins.items():
        inputs.setdefault(name, sig)
    monitors = {m.name: m for m in institution.monitors}
    return Scope(order, sizes, params, monitors, inputs, normalise)


def _canonical(
    written: Sequence[str], normalise: Callable[[str], str], order: Sequence[str]
) -> tuple[str, ...]:
    dims = [normalise(d) for d in written]
    if len(set(dims)) != len(dims):
        raise OracleError(f"dimension repeated in {list(written)}")
    return tuple(d for d in order if d in dims)


@dataclass(frozen=True)
class _Slot:
    """Where and how one input is loaded: its slot, declared shape and axis permutation."""

    name: str
    slot: int
    base: str
    shape: tuple[int, ...]
    permutation: tuple[int, ...] | None


class Inputs:
    """Validates a round's inputs and writes them into the program's input slots.

    Every declared observable must be present each round, but only the inputs some
    expression reads are converted and checked (the others never reach an expression). An
    input first read by an expression compiled mid-round is loaded on :meth:`refresh`.
    """

    def __init__(self, institution: ir.Institution, scope: Scope, program: Program) -> None:
        """Prepare the loading of every declared observable, ``reward`` and ``action``."""
        self._program = program
        self._observables = [self._spec(o.name, o.type.dims, scope) for o in institution.observes]
        builtins = [name for name in BUILTIN_INPUTS if institution.observable(name) is None]
        action = institution.action
        dims = {
            "reward": (AGENT_DIM,),
            "action": (AGENT_DIM, *(action.type.dims if action is not None else ())),
        }
        self._specs = self._observables + [
            self._spec(name, dims[name], scope) for name in builtins if name in dims
        ]
        self._round_slot = program.inputs["round"] if "round" in builtins else None
        self._raw: dict[str, Any] = {}
        self._loaded: set[str] = set()
        self._last: dict[str, tuple[Any, bytes, Array]] = {}  # name -> (kind, bytes, loaded)
        self._wanted: tuple[int, list[_Slot]] = (-1, [])  # (inputs read, their specs)

    def load(
        self,
        round_index: int,
        observables: Mapping[str, Any],
        reward: Any,
        action: Any | None,
    ) -> None:
        """Validate every input of a round, then (only if all are valid) store them."""
        missing = [spec.name for spec in self._observables if spec.name not in observables]
        if missing:
            raise OracleError(
                f"round {round_index}: missing observable(s) {missing}; "
                f"given: {sorted(observables)}"
            )
        raw = {spec.name: observables[spec.name] for spec in self._observables}
        raw.setdefault("reward", reward)
        raw.setdefault("action", action)
        converted = self._convert(raw, round_index, set())
        self._loaded = set()
        self._store(converted)
        if self._round_slot is not None:
            self._program.slots[self._round_slot] = np.float64(round_index)
        self._raw = raw

    def refresh(self) -> None:
        """Load this round's inputs that expressions compiled since :meth:`load` read."""
        if self._raw:
            self._store(self._convert(self._raw, None, self._loaded))

    def clear(self) -> None:
        """Drop the references to the last round's raw inputs."""
        self._raw = {}
        self._loaded = set()

    def state(self) -> dict[str, Any]:
        """A deep copy of this round's raw inputs and of which were loaded."""
        return {"raw": copy.deepcopy(self._raw), "loaded": set(self._loaded)}

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Return to a :meth:`state`."""
        self._raw = copy.deepcopy(dict(state["raw"]))
        self._loaded = set(state["loaded"])

    def _convert(
        self, raw: Mapping[str, Any], round_index: int | None, skip: set[str]
    ) -> list[tuple[_Slot, Array]]:
        used = self._program.used_inputs
        if skip:
            wanted = [spec for spec in self._specs if spec.name in used and spec.name not in skip]
        else:  # every round: the inputs read so far (the set only grows, as expressions do)
            if self._wanted[0] != len(used):
                self._wanted = (len(used), [spec for spec in self._specs if spec.name in used])
            wanted = self._wanted[1]
        for spec in wanted:
            if raw[spec.name] is None:
                when = f"round {round_index}: " if round_index is not None else ""
                raise OracleError(f"{when}an expression reads `{spec.name}`, but none was given")
        return [(spec, self._load(spec, raw[spec.name])) for spec in wanted]

    def _load(self, spec: _Slot, raw: Any) -> Array:
        """:func:`_load`, or last round's array when the same bytes come in again.

        Reusing the (read-only) array saves checking it again, and lets the program skip
        every computation that depends on unchanged values only (:mod:`govlang.runtime.inline`).
        """
        if type(raw) is not np.ndarray:
            return _load(spec, raw)
        kind, data = (raw.dtype, raw.shape), raw.tobytes()
        last = self._last.get(spec.name)
        if last is not None and last[0] == kind and last[1] == data:
            return last[2]
        loaded = _load(spec, raw)
        self._last[spec.name] = (kind, data, loaded)
        return loaded

    def _store(self, loaded: list[tuple[_Slot, Array]]) -> None:
        slots = self._program.slots
        for spec, data in loaded:
            slots[spec.slot] = data
            self._loaded.add(spec.name)

    def _spec(self, name: str, written: Sequence[str], scope: Scope) -> _Slot:
        slot = self._program.inputs[name]
        dims = [scope.normalise(d) for d in written]
        canonical = self._program.signatures[slot].dims
        permutation = tuple(dims.index(d) for d in canonical)
        identity = permutation == tuple(range(len(dims)))
        base = self._program.signatures[slot].base
        shape = tuple(scope.sizes[d] for d in dims)
        return _Slot(name, slot, base, shape, None if identity else permutation)


def _load(spec: _Slot, raw: Any) -> Array:
    """``raw`` as a read-only array of the spec's base, checked and in canonical order."""
    try:
        data = np.array(raw, dtype=np.float64 if spec.base == "number" else None)
    except (TypeError, ValueError) as exc:
        raise OracleError(f"`{spec.name}` is not numeric: {exc}") from None
    if data.shape != spec.shape:
        raise OracleError(f"`{spec.name}` has shape {data.shape}, expected {spec.shape}")
    if spec.base == "bool":
        data = _as_bool(spec.name, data)
    elif not np.isfinite(data).all():
        raise OracleError(f"`{spec.name}` contains non-finite values: {data.tolist()}")
    if spec.permutation is not None:
        data = np.ascontiguousarray(data.transpose(spec.permutation))
    data.flags.writeable = False
    return data


def _as_bool(name: str, data: Array) -> Array:
    if data.dtype == np.bool_:
        return data
    if data.dtype.kind in "iuf" and np.isin(data, (0, 1)).all():
        return np.asarray(data != 0)
    raise OracleError(f"`{name}` must be boolean (or 0 / 1), got {data.tolist()}")
