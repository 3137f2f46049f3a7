"""The states one agent went through in a recorded run, as a diagram's path overlay.

``govlang render FILE --path TRACE`` draws the institution with the states and edges an agent
traversed highlighted (:func:`govlang.lang.render.to_dot`'s ``path_overlay``). The path is read
from the trace's recorded standings: the scope's initial state, then the standing after each
round.
"""

from __future__ import annotations

from pathlib import Path

from govlang.explain.inputs import ExplainError, _lines, _pick_run
from govlang.lang.compile import CompiledInstitution
from govlang.lang.graph import node_key


def trace_file(path: str | Path, run: str | None) -> Path:
    """The trace of ``path``: a results folder (with ``run``), a run folder or a trace file."""
    target = Path(path)
    if not target.exists():
        raise ExplainError(f"{path}: no such file or directory")
    if target.is_dir() and (target / "manifest.json").is_file():
        target = _pick_run(target, run)
    elif run is not None:
        raise ExplainError(f"{path}: --run needs a results folder (with manifest.json)")
    if target.is_dir():
        target = target / "trace.jsonl"
        if not target.is_file():
            raise ExplainError(f"{path}: neither a results folder nor a run folder (no trace)")
    return target


def run_path(
    compiled: CompiledInstitution, path: str | Path, run: str | None, agent: str | None
) -> tuple[str, list[str]]:
    """The instance shown and its path of node keys (``agent.active``, ...)."""
    trace = trace_file(path, run)
    rounds = [line for line in _lines(trace) if "standings" in line]
    if not rounds:
        raise ExplainError(f"{trace}: no rounds with standings")
    names = list(dict.fromkeys(n for line in rounds for n in line["standings"]))
    if agent is None:
        if len(names) != 1:
            raise ExplainError(f"{trace}: choose whose path with --agent: {', '.join(names)}")
        agent = names[0]
    if agent not in names:
        raise ExplainError(f"{trace}: no agent {agent!r}; the agents: {', '.join(names)}")
    scope = "market" if agent == "market" else "agent"
    decl = compiled.scope(scope)
    if decl is None:
        raise ExplainError(f"{compiled.institution.name} has no {scope} scope")
    initial = next(s.name for s in decl.states if s.initial)
    states = [initial] + [line["standings"].get(agent) for line in rounds]
    if any(s is None for s in states):
        raise ExplainError(
            f"{trace}: {agent} has no recorded standing in some rounds (the institution did not "
            "run in this run's regime)"
        )
    return agent, [node_key(scope, str(s)) for s in states]
