"""What a run's page (``runs/<run_id>/run.html``) shows of the explanation.

Every act of the round table gets its explanation folded under it (from the record alone:
:mod:`govlang.explain.recorded`), the page lists each agent's path through the standings,
and it gives the commands that show the signal values (``govlang explain``) and draw a path
on the diagram (``govlang render --path``).
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from govlang.explain.acts import TIMES
from govlang.explain.inputs import log_entries
from govlang.explain.overlay import path_svg
from govlang.explain.recorded import event_entries, recorded_acts
from govlang.lang.compile import CompiledInstitution
from govlang.lang.graph import node_key

Why = Callable[[Mapping[str, Any], int], str]
"""The explanation (HTML) of a round's event at its position in the round, or ``""``."""


def act_notes(
    compiled: CompiledInstitution,
    source: Path,
    directory: Path,
    records: Sequence[Mapping[str, Any]],
) -> Why:
    """Each act's explanation for the page of the run in ``directory``."""
    acts = recorded_acts(compiled, source)
    logged = event_entries(records, log_entries(directory / "governance.jsonl"))
    agents = list(records[0]["firms"]) if records else []

    def why(event: Mapping[str, Any], position: int) -> str:
        if event.get("kind") in ("notice", "evidence"):
            return ""
        lines = acts.lines(event, agents, logged.get((int(event["round"]), position)))
        return '<div class="why">' + "<br>".join(html.escape(x) for x in lines) + "</div>"

    return why


def event_item(text: str, why: str) -> str:
    """One event of a round's list, its explanation (if any) folded under it."""
    if not why:
        return f"<li>{html.escape(text)}</li>"
    return f"<li><details><summary>{html.escape(text)}</summary>{why}</details></li>"


def paths_html(
    run_id: str,
    records: Sequence[Mapping[str, Any]],
    compiled: CompiledInstitution | None = None,
) -> str:
    """Each agent's standings in order (runs of a state collapsed), and the commands.

    With ``compiled``, each agent's path is also drawn on the diagram (folded).
    """
    agents = list(records[0].get("standings", {})) if records else []
    lines = []
    for number, agent in enumerate(agents):
        states = [r["standings"].get(agent) for r in records]
        if any(s is None for s in states):
            return ""  # the institution did not run in this regime
        runs = [(s, len(list(group))) for s, group in itertools.groupby(states)]
        path = " → ".join(f"{s} {TIMES}{n}" if n > 1 else str(s) for s, n in runs)
        drawn = None if compiled is None else _drawn(compiled, [str(s) for s in states], number)
        shown = (
            "" if drawn is None else f"<details><summary>on the diagram</summary>{drawn}</details>"
        )
        shown += "" if drawn is None else "</details>"
        lines.append(f"<li>{html.escape(agent)}: {html.escape(path)}{shown}</li>")
    if not lines:
        return ""
    return (
        f"<p>Standings, round by round:</p><ul>{''.join(lines)}</ul>"
        '<p class="muted">Each act\'s explanation unfolds under it. Signal values against '
        f"thresholds: <code>govlang explain RESULTS --run {run_id} --agent AGENT --round N</code>"
        f"; a path on the diagram: <code>govlang render INSTITUTION -o path.svg --path RESULTS "
        f"--run {run_id} --agent AGENT</code>.</p>"
    )


def _drawn(compiled: CompiledInstitution, states: Sequence[str], number: int) -> str | None:
    """An agent's path on the diagram: the initial state, then its standing each round."""
    decl = compiled.scope("agent")
    if decl is None:
        return None
    initial = next(s.name for s in decl.states if s.initial)
    path = [node_key("agent", s) for s in [initial, *states]]
    return path_svg(compiled, path, f"path{number}")
