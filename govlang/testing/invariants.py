"""Invariants of a governed run, as plain functions to call from any test suite.

Run an institution over an environment with a list of actions and check what
``specs/semantics.md`` and ``specs/artifacts.md`` promise (see ``specs/testing.md``)::

    violations = check_run_invariants(compiled, lambda: MyEnv(), actions, seed=0)
    assert not violations, reproduction(compiled, actions, violations)

Every check returns a list of :class:`Violation` (empty when the property holds); the
``check_*`` functions of one property each are exported too. :func:`governed_env_machine`
builds a hypothesis ``RuleBasedStateMachine`` that drives a governed environment through
resets and steps with arbitrary actions and checks the invariants after every step.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.fmt import format_institution
from govlang.lang.manifest import canonical_json
from govlang.runtime.govern import govern
from govlang.runtime.log import GovernanceLog
from govlang.runtime.replay import replay_actions
from govlang.runtime.verify import verify_bytes
from govlang.testing._effects import check_actions, check_money
from govlang.testing._recount import (
    Run,
    Violation,
    check_edges,
    check_sanctions,
)
from govlang.testing.traces import actions_jsonl

__all__ = [
    "LOG_KEY",
    "Run",
    "Violation",
    "assert_institution_invariants",
    "check_actions",
    "check_determinism",
    "check_edges",
    "check_log",
    "check_log_mutations",
    "check_money",
    "check_null_identity",
    "check_replay",
    "check_run_invariants",
    "check_sanctions",
    "governed_env_machine",
    "log_mutations",
    "null_institution",
    "reproduction",
    "run_governed",
]

LOG_KEY = b"govlang-property-tests"
"""The operator key of the logs written by :func:`run_governed` (fixed: runs compare)."""

SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
"""Where run logs are written: memory when available (logs are fsynced)."""

EnvFactory = Callable[[], Any]
MONEY_OR_CONSTRAINT = ("fine", "grant", "action_bound", "suspend", "exclude")


def run_governed(
    compiled: CompiledInstitution,
    env_factory: EnvFactory,
    actions: Sequence[Mapping[str, Any]],
    seed: int | None = 0,
    key: bytes = LOG_KEY,
) -> Run:
    """Govern a fresh env, reset with ``seed``, play ``actions`` (until the episode ends).

    Returns the recorded :class:`Run`: every round, the ledger and the infos' payoffs after
    each, every step's outputs and the bytes of the governance log (written with ``key``).
    """
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        path = Path(folder) / "run.govlog"
        log = GovernanceLog.create(path, compiled.digest, compiled.institution.name, key=key)
        env = govern(env_factory(), compiled, log=log, history=None)  # checks read every round
        spaces = {a: env.action_space(a) for a in env.possible_agents}
        ledgers: list[Any] = []
        payoffs: list[Any] = []
        outputs: list[Any] = [env.reset(seed=seed)]
        try:
            for joint in actions:
                if not env.agents:
                    break
                step = env.step({a: joint[a] for a in env.agents})
                outputs.append(step)
                state = env.institutional_state
                assert state is not None
                ledgers.append(state.ledger)
                payoffs.append({a: info["govlang"]["payoff"] for a, info in step[4].items()})
        finally:
            env.close()
        data = path.read_bytes()
    agents = tuple(env.possible_agents)
    history = tuple(env.history)
    return Run(agents, spaces, history, tuple(ledgers), tuple(payoffs), data, tuple(outputs))


# ------------------------------------------------------------------------------- the log


def check_log(compiled: CompiledInstitution, run: Run, key: bytes = LOG_KEY) -> list[Violation]:
    """The run's governance log verifies against the institution's digest."""
    result = verify_bytes(run.log, compiled.digest, key)
    return [] if result.ok else [Violation("log", None, f"intact log rejected: {result}")]


def log_mutations(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Every single mutation of a log, as ``(description, bytes)``.

    Per line: edit each field, insert a copy, delete it, swap it with the next, truncate the
    log after it, and cut it short.
    """
    lines = data.split(b"\n")[:-1]
    for i, line in enumerate(lines):
        entry = json.loads(line)
        for name, value in entry.items():
            changed = dict(entry, **{name: _edited(value)})
            edited = canonical_json(changed).encode("utf-8")
            yield f"line {i + 1}: edit {name}", _join([*lines[:i], edited, *lines[i + 1 :]])
        yield f"line {i + 1}: insert a copy", _join([*lines[: i + 1], line, *lines[i + 1 :]])
        yield f"line {i + 1}: delete", _join([*lines[:i], *lines[i + 1 :]])
        if i + 1 < len(lines) and lines[i + 1] != line:
            swapped = [*lines[:i], lines[i + 1], line, *lines[i + 2 :]]
            yield f"line {i + 1}: swap with the next", _join(swapped)
        if i + 1 < len(lines):
            yield f"truncate after line {i + 1}", _join(lines[: i + 1])
        yield f"line {i + 1}: cut short", _join(lines[:i]) + line[: len(line) // 2]


def _join(lines: Sequence[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def _edited(value: Any) -> Any:
    """A different JSON value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, 0]
    if isinstance(value, dict):
        return {**value, "x": 1}
    return 0


def check_log_mutations(
    compiled: CompiledInstitution, run: Run, key: bytes = LOG_KEY, limit: int | None = 30
) -> list[Violation]:
    """No single mutation of the run's log verifies.

    ``limit``: check about that many mutations, spread evenly over the log and the kinds of
    mutation (``None``: all of them; their number grows with the square of the log's length).
    """
    every = list(log_mutations(run.log))
    stride = 1 if limit is None else max(1, len(every) // max(limit, 1))
    found = []
    for what, mutated in every[::stride]:
        if verify_bytes(mutated, compiled.digest, key).ok:
            found.append(Violation("log", None, f"mutated log verifies: {what}"))
    return found


# ------------------------------------------------------------------------------- runs


def _comparable(run: Run) -> list[Any]:
    return [[t.as_json(), [e.as_json() for e in t.events]] for t in run.history]


def check_determinism(
    compiled: CompiledInstitution,
    env_factory: EnvFactory,
    actions: Sequence[Mapping[str, Any]],
    seed: int | None = 0,
) -> list[Violation]:
    """Two runs with the same institution, seed and actions: same trace, same log bytes."""
    first = run_governed(compiled, env_factory, actions, seed)
    second = run_governed(compiled, env_factory, actions, seed)
    found = []
    if _comparable(first) != _comparable(second):
        found.append(Violation("determinism", None, "two runs recorded different rounds"))
    if first.log != second.log:
        found.append(Violation("determinism", None, "two runs wrote different logs"))
    return found


def check_replay(
    compiled: CompiledInstitution, env_factory: EnvFactory, run: Run, seed: int | None = 0
) -> list[Violation]:
    """Replaying the run's recorded requested actions reproduces its events exactly."""
    recorded = [dict(t.requested) for t in run.history]
    replayed = replay_actions(compiled, env_factory(), recorded, seed)
    want = [e.as_json() for t in run.history for e in t.events]
    got = [e.as_json() for e in replayed.events]
    if got == want:
        return []
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    return [Violation("replay", None, f"replayed events differ (first at event {at})")]


def null_institution(institution: ir.Institution) -> ir.Institution:
    """``institution`` without any sanction that moves money or constrains actions."""

    def keep(sanctions: Sequence[ir.Sanction]) -> tuple[ir.Sanction, ...]:
        return tuple(s for s in sanctions if s.kind not in MONEY_OR_CONSTRAINT)

    scopes = tuple(
        scope.model_copy(
            update={
                "states": tuple(
                    s.model_copy(
                        update={"on_enter": keep(s.on_enter), "on_round": keep(s.on_round)}
                    )
                    for s in scope.states
                ),
                "rules": tuple(
                    r.model_copy(
                        update={
                            "edges": tuple(
                                e.model_copy(update={"sanctions": keep(e.sanctions)})
                                for e in r.edges
                            )
                        }
                    )
                    for r in scope.rules
                ),
            }
        )
        for scope in institution.scopes
    )
    return institution.model_copy(update={"scopes": scopes})


def _same(a: Any, b: Any) -> bool:
    """Bit-for-bit equality of nested step outputs (arrays by bytes, floats by repr)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray | np.generic) or isinstance(b, np.ndarray | np.generic):
        x, y = np.asarray(a), np.asarray(b)
        return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    return type(a) is type(b) and repr(a) == repr(b)


def check_null_identity(
    compiled: CompiledInstitution,
    env_factory: EnvFactory,
    actions: Sequence[Mapping[str, Any]],
    seed: int | None = 0,
) -> list[Violation]:
    """The null version of the institution (:func:`null_institution`) is the identity.

    Observations, rewards, terminations, truncations and the env's own infos equal the bare
    env's, bit for bit (only ``infos[agent]["govlang"]`` is added).
    """
    null = compile_institution(null_institution(compiled.institution), compiled.params)
    governed = run_governed(null, env_factory, actions, seed).outputs
    bare_env = env_factory()
    bare: list[Any] = [bare_env.reset(seed=seed)]
    for joint in actions[: len(governed) - 1]:
        bare.append(bare_env.step({a: joint[a] for a in bare_env.agents}))
    found = []
    for t, (g, b) in enumerate(zip(governed, bare, strict=True)):
        if not _same(g[:-1], b[:-1]):
            found.append(Violation("null", t, "the null institution changed the env's outputs"))
        infos = {a: {k: v for k, v in i.items() if k != "govlang"} for a, i in g[-1].items()}
        if not _same(infos, b[-1]):
            found.append(Violation("null", t, "the null institution changed the env's infos"))
    return found


def check_run_invariants(
    compiled: CompiledInstitution,
    env_factory: EnvFactory,
    actions: Sequence[Mapping[str, Any]],
    seed: int | None = 0,
    mutations: int | None = 30,
) -> list[Violation]:
    """Every invariant of one run.

    Edges, sanctions, actions, money, the log and about ``mutations`` single mutations of
    it, replay, determinism and the null identity.
    """
    run = run_governed(compiled, env_factory, actions, seed)
    return [
        *check_edges(compiled, run),
        *check_sanctions(compiled, run),
        *check_actions(compiled, run),
        *check_money(run),
        *check_log(compiled, run),
        *check_log_mutations(compiled, run, limit=mutations),
        *check_replay(compiled, env_factory, run, seed),
        *check_determinism(compiled, env_factory, actions, seed),
        *check_null_identity(compiled, env_factory, actions, seed),
    ]


def reproduction(
    compiled: CompiledInstitution,
    actions: Sequence[Mapping[str, Any]],
    violations: Sequence[Violation] = (),
) -> str:
    """What a bug report needs to reproduce a failure.

    The violations, the institution's canonical ``.gov`` text and the actions (JSONL in the
    replay format, for ``govlang replay``).
    """
    head = "".join(f"{v}\n" for v in violations)
    gov = format_institution(compiled.institution)
    return f"{head}--- institution.gov\n{gov}--- actions.jsonl\n{actions_jsonl(actions)}"


def assert_institution_invariants(
    compiled: CompiledInstitution,
    env_factory: EnvFactory,
    actions: Sequence[Mapping[str, Any]],
    seed: int | None = 0,
) -> None:
    """Raise ``AssertionError`` with a reproduction if any invariant of the run fails."""
    found = check_run_invariants(compiled, env_factory, actions, seed)
    if found:
        raise AssertionError(reproduction(compiled, actions, found))


def governed_env_machine(env_factory: EnvFactory, compiled: CompiledInstitution) -> type[Any]:
    """A ``RuleBasedStateMachine`` class driving ``govern(env_factory(), compiled)``.

    Rules: reset (with a seed), and step with arbitrary actions (inside or outside each
    agent's action space). After every step the invariants that hold for any actions are
    checked on the episode so far (edges, sanctions, actions, money). Use it as
    ``TestMine = governed_env_machine(...).TestCase`` or subclass it to add rules.
    """
    from govlang.testing._machine import machine

    return machine(env_factory, compiled)
