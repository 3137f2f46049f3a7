"""A run's own page: ``runs/<run_id>/run.html``, every round in one table.

The worker writes the page when the run completes, beside its trace (before
``summary.json``, the completion marker), so the experiment report stays small: it links to
each run's page instead of inlining every round of every run. A run's page lists its facts,
links to the rounds with institutional events, and per round each firm's requested and
effective action, raw and mediated profit, standing, the notices it read, what it said on the
channel (runs with one), its stated
reasoning, fallbacks and faults, the market's prices and the institutional events that
followed. :func:`ensure_run_page` writes the page of a run played before pages existed.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from govlang.experiments.faults import fallback_reason, firm_faults
from govlang.experiments.numbers import table_number
from govlang.experiments.run_loop import read_trace
from govlang.experiments.talk import said_html
from govlang.explain.pages import Why, act_notes, event_item, paths_html
from govlang.runtime.events import Event

if TYPE_CHECKING:
    from govlang.experiments.runs import RunSpec
    from govlang.lang.compile import CompiledInstitution

__all__ = ["PAGE", "ensure_run_page", "run_page", "template", "write_run_page"]

PAGE = "run.html"
"""A run's page, in its folder."""


def run_page(
    run: RunSpec,
    facts: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    why: Why | None = None,
    compiled: CompiledInstitution | None = None,
) -> str:
    """The run's HTML page; ``facts`` holds its ``tier``, ``fines`` and ``suspensions``.

    ``why`` explains each act (folded under it, :mod:`govlang.explain.pages`); with
    ``compiled``, each agent's path is drawn on the institution's diagram.
    """
    e = html.escape
    agents = list(records[0]["firms"]) if records else []
    acted = [r["round"] for r in records if any(_shown(ev) for ev in r["events"])]
    jumps = " ".join(f'<a href="#r{t}">{t}</a>' for t in acted) or "none"
    firms = "+".join(f.kind for f in run.firms)
    summary = (
        f"config {e(run.population)} ({e(firms)}), regime "
        f'<a href="../../report.html#regime-{run.regime}">{e(run.regime)}</a>, seed {run.seed}: '
        f"tier {facts.get('tier')}, fines {facts.get('fines')}, suspensions "
        f'{facts.get("suspensions")}. Trace: <a href="trace.jsonl"><code>trace.jsonl</code></a>'
    )
    heads = "".join(f"<th>{e(a)}: decision</th>" for a in agents)
    paths = paths_html(run.run_id, records, compiled)
    rounds = "".join(_round_row(r, agents, why) for r in records)
    body = (
        f'<p><a href="../../report.html#runs">&larr; report</a></p>'
        f"<h1>Run {run.run_id}</h1><p>{summary}</p>"
        f"<p>Rounds with institutional events: {jumps}</p>{paths}"
        "<table><thead><tr><th>round</th>"
        f"{heads}<th>market</th><th>institutional events that followed</th></tr></thead>"
        f"<tbody>{rounds}</tbody></table>"
    )
    return template().substitute(title=e(f"run {run.run_id}"), body=body)


def write_run_page(
    directory: Path, run: RunSpec, facts: Mapping[str, Any], records: Sequence[Mapping[str, Any]]
) -> None:
    """Write the run's page into its folder (acts explained from the trace and the log)."""
    from govlang.experiments.run_loop import compiled_for

    compiled = compiled_for(run)
    why = act_notes(compiled, run.institution_path, directory, records)
    (directory / PAGE).write_text(run_page(run, facts, records, why, compiled), "utf-8")


def ensure_run_page(directory: Path, run: RunSpec, facts: Mapping[str, Any]) -> None:
    """Write a complete run's page from its trace if it has none (a run from before pages)."""
    if not (directory / PAGE).is_file():
        write_run_page(directory, run, facts, read_trace(directory / "trace.jsonl"))


def _shown(event: Mapping[str, Any]) -> bool:
    """Whether an event is worth listing (evidence alone is not)."""
    return event.get("kind") != "evidence"


def _vector(value: Any) -> str:
    """A number or a list of numbers, briefly."""
    if isinstance(value, list):
        return "[" + ", ".join(_vector(v) for v in value) + "]"
    return table_number(float(value), 1) if isinstance(value, int | float) else str(value)


def _round_row(record: Mapping[str, Any], agents: Sequence[str], why: Why | None) -> str:
    """One round: each firm's decision, the market outcome, the events."""
    e = html.escape
    cells = []
    for agent in agents:
        firm = record["firms"][agent]
        decision = firm["decision"]
        pay = record["payoffs"]
        text = (
            f"{_vector(record['requested'][agent])} &rarr; {_vector(record['effective'][agent])}"
            f"<br>profit {table_number(pay['raw'][agent])} &rarr; "
            f"{table_number(pay['mediated'][agent])}"
        )
        if record["standings"].get(agent):
            text += f"<br>standing after: {e(record['standings'][agent])}"
        if firm["view"]["notices"]:
            text += f'<div class="muted">read: {e(" / ".join(firm["view"]["notices"]))}</div>'

        if decision["reasoning"]:
            text += f'<div class="reason">{e(decision["reasoning"])}</div>'
        text += said_html(record, agent)
        faults = firm_faults(firm)
        if decision["fallback"]:
            text += f'<div class="muted">fallback: {e(fallback_reason(firm))}</div>'
        if faults:
            listed = "; ".join(f"{f['stage']}: {f['error']}" for f in faults)
            text += f'<div class="muted">faults ({len(faults)}): {e(listed)}</div>'
        cells.append(f"<td>{text}</td>")
    market = f"price {_vector(record['outcome']['price'])}"
    events = "".join(
        event_item(_event_text(ev), "" if why is None else why(ev, n))
        for n, ev in enumerate(record["events"])
        if _shown(ev)
    )
    return (
        f'<tr id="r{record["round"]}"><td>{record["round"]}</td>{"".join(cells)}'
        f'<td>{market}</td><td><ul class="events">{events}</ul></td></tr>'
    )


def _event_text(event: Mapping[str, Any]) -> str:
    """A one-line description of an institutional event (as replays print it, no round)."""
    return " ".join(Event(**event).summary().split()[2:])


def template() -> Template:
    """The HTML page template (``templates/report.html``)."""
    text = (
        resources.files("govlang.experiments").joinpath("templates/report.html").read_text("utf-8")
    )
    return Template(text)
