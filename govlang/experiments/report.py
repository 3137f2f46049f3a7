"""The experiment report: ``report.md`` and a self-contained ``report.html``.

Both open with the question and the regime comparison (mean tier with its 95% CI, severe
incidence with its Wilson interval, tier distribution, Cohen's d and Welch's p against
ungoverned, the paired sign-flip test across configurations), then the per-configuration
table, the enforcement totals and the figures. The HTML page is *multi-scale*: the regime
table links to each regime's run list, every run links to its own section, and a run's
section lists every round -- each firm's decision and stated reasoning, the market outcome
and the institutional events that followed. Figures are embedded as base64 PNG and the
institution's diagram as inline SVG, so the page needs nothing else; the Markdown report
links the same figures, written to ``plots/``.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from govlang.compile import CompiledInstitution
from govlang.experiments.config import ExperimentSpec
from govlang.experiments.false_positives import SignalCounts, regime_false_positives
from govlang.experiments.faults import fallback_reason, firm_faults
from govlang.experiments.plots import Figure, experiment_figures
from govlang.experiments.results import Comparisons, notes, run_dir
from govlang.experiments.tables import (
    config_table,
    enforcement_table,
    false_positive_table,
    false_positive_words,
    html_table,
    md_table,
    regime_table,
    runs_table,
    table_number,
)
from govlang.experiments.trace import read_trace
from govlang.frontend import InputError
from govlang.runtime.events import Event

if TYPE_CHECKING:
    from govlang.experiments.runner import RunSpec

__all__ = ["write_report"]


# ---------------------------------------------------------------------------- pages


def _img(figure: Figure) -> str:
    """An embedded figure with its caption (and a link to its run)."""
    data = base64.b64encode(figure.png).decode("ascii")
    link = f' (<a href="#run-{figure.run_id}">run {figure.run_id}</a>)' if figure.run_id else ""
    return (
        f'<figure><img alt="{html.escape(figure.caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(figure.caption)}{link}</figcaption></figure>"
    )


def _intro(spec: ExperimentSpec, compiled: CompiledInstitution, rows: Sequence[Any]) -> str:
    """The question, in one paragraph of plain text."""
    configs = ", ".join(spec.populations)
    return (
        f"Does the institution {compiled.institution.name} ({compiled.short_digest}) stop "
        f"these firms from colluding in this {spec.market.kind} market? {len(rows)} runs of "
        f"{spec.rounds} rounds: configurations {configs}; regimes {', '.join(spec.regimes)}; "
        f"{spec.runs} run(s) per condition, seeds {spec.seed}..{spec.seed + spec.runs - 1}. "
        "Tiers 0 (no evidence) to 4 (severe collusion) follow the Institutional AI study."
    )


def markdown_page(
    spec: ExperimentSpec,
    compiled: CompiledInstitution,
    rows: Sequence[Mapping[str, Any]],
    c: Comparisons,
    key_source: str,
    found: Sequence[Figure],
    fp: Mapping[str, SignalCounts],
) -> str:
    """The Markdown report."""
    parts = [f"# {spec.name}", spec.description, _intro(spec, compiled, rows)]
    parts += [f"> {note}" for note in notes(spec, rows, key_source)]
    if rows:
        parts += [
            "## Regimes",
            md_table(regime_table(c)),
            "## Configurations",
            md_table(config_table(c, rows)),
            "## Enforcement",
            md_table(enforcement_table(c)),
            "### Fines on a move toward Nash",
            false_positive_words(fp),
            md_table(false_positive_table(fp)) if any(x.total_fines for x in fp.values()) else "",
        ]
    parts += ["## Figures", "![institution](institution.svg)"]
    parts += [f"![{f.caption}](plots/{f.name})" for f in found]
    for regime in c.regimes:
        mine = [r for r in rows if r["regime"] == regime]
        parts += [f"## Runs: {regime}", md_table(runs_table(mine))]
    parts.append("Per-round detail (decisions, reasoning, outcomes, events): `report.html`.")
    return "\n\n".join(p for p in parts if p) + "\n"


def html_page(
    spec: ExperimentSpec,
    compiled: CompiledInstitution,
    runs: Sequence[RunSpec],
    rows: Sequence[Mapping[str, Any]],
    c: Comparisons,
    key_source: str,
    found: Sequence[Figure],
    out: Path,
    fp: Mapping[str, SignalCounts],
) -> str:
    """The self-contained HTML report."""
    e = html.escape
    body = [
        f"<h1>{e(spec.name)}</h1>",
        f"<p>{e(spec.description)}</p>" if spec.description else "",
        f"<p>{e(_intro(spec, compiled, rows))}</p>",
        '<nav><a href="#regimes">regimes</a><a href="#configs">configurations</a>'
        '<a href="#enforcement">enforcement</a><a href="#figures">figures</a>'
        '<a href="#institution">institution</a><a href="#runs">runs</a></nav>',
    ]
    body += [f'<p class="note">{e(n)}</p>' for n in notes(spec, rows, key_source)]
    if rows:
        body += [
            '<h2 id="regimes">Regimes</h2>',
            html_table(regime_table(c)),
            '<h2 id="configs">Configurations</h2>',
            html_table(config_table(c, rows)),
            '<h2 id="enforcement">Enforcement</h2>',
            html_table(enforcement_table(c)),
            '<h3 id="false-positives">Fines on a move toward Nash</h3>',
            f"<p>{e(false_positive_words(fp))}</p>",
            html_table(false_positive_table(fp)) if any(x.total_fines for x in fp.values()) else "",
        ]
    body += ['<h2 id="figures">Figures</h2>', *(_img(f) for f in found)]
    body += ['<h2 id="institution">Institution</h2>', _diagram(out)]
    body += ['<h2 id="runs">Runs</h2>']
    for regime in c.regimes:
        mine = [r for r in rows if r["regime"] == regime]
        body += [f'<h3 id="regime-{regime}">{e(regime)}</h3>', html_table(runs_table(mine))]
    done = {r["run_id"]: r for r in rows}
    body += [_run_section(run, done[run.run_id], out) for run in runs if run.run_id in done]
    return template().substitute(title=e(spec.name), body="\n".join(body))


def _diagram(out: Path) -> str:
    """The institution's diagram as inline SVG (its XML prologue dropped)."""
    path = out / "institution.svg"
    if not path.is_file():
        return '<p class="note warn">The diagram could not be drawn (see manifest.json).</p>'
    svg = path.read_text("utf-8")
    return svg[svg.find("<svg") :]


def _run_section(run: RunSpec, row: Mapping[str, Any], out: Path) -> str:
    """One run: its facts, links to its sanctioned rounds, and every round in a table."""
    e = html.escape
    records = read_trace(run_dir(out, run) / "trace.jsonl")
    agents = list(records[0]["firms"]) if records else []
    acted = [r["round"] for r in records if any(_shown(ev) for ev in r["events"])]
    jumps = " ".join(f'<a href="#run-{run.run_id}-r{t}">{t}</a>' for t in acted) or "none"
    facts = (
        f"config {e(run.population)} ({e(row['firms'])}), regime "
        f'<a href="#regime-{run.regime}">{e(run.regime)}</a>, seed {run.seed}: tier '
        f"{row['tier']}, fines {row['fines']}, suspensions {row['suspensions']}. "
        f"Trace: <code>runs/{run.run_id}/trace.jsonl</code>"
    )
    heads = "".join(f"<th>{e(a)}: decision</th>" for a in agents)
    rounds = "".join(_round_row(run.run_id, r, agents) for r in records)
    return (
        f'<section id="run-{run.run_id}"><h3>Run {run.run_id}</h3><p>{facts}</p>'
        f"<p>Rounds with institutional events: {jumps}</p><details><summary>"
        f"{len(records)} rounds</summary><table><thead><tr><th>round</th>{heads}"
        f"<th>market</th><th>institutional events that followed</th></tr></thead>"
        f"<tbody>{rounds}</tbody></table></details></section>"
    )


def _shown(event: Mapping[str, Any]) -> bool:
    """Whether an event is worth listing (evidence alone is not)."""
    return event.get("kind") != "evidence"


def _vector(value: Any) -> str:
    """A number or a list of numbers, briefly."""
    if isinstance(value, list):
        return "[" + ", ".join(_vector(v) for v in value) + "]"
    return table_number(float(value), 1) if isinstance(value, int | float) else str(value)


def _round_row(run_id: str, record: Mapping[str, Any], agents: Sequence[str]) -> str:
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
        faults = firm_faults(firm)
        if decision["fallback"]:
            text += f'<div class="muted">fallback: {e(fallback_reason(firm))}</div>'
        if faults:
            listed = "; ".join(f"{f['stage']}: {f['error']}" for f in faults)
            text += f'<div class="muted">faults ({len(faults)}): {e(listed)}</div>'
        cells.append(f"<td>{text}</td>")
    market = f"price {_vector(record['outcome']['price'])}"
    events = "".join(f"<li>{e(_event_text(ev))}</li>" for ev in record["events"] if _shown(ev))
    return (
        f'<tr id="run-{run_id}-r{record["round"]}"><td>{record["round"]}</td>{"".join(cells)}'
        f'<td>{market}</td><td><ul class="events">{events}</ul></td></tr>'
    )


def _event_text(event: Mapping[str, Any]) -> str:
    """A one-line description of an institutional event (as replays print it, no round)."""
    return " ".join(Event(**event).summary().split()[2:])


def write_report(
    out: Path,
    spec: ExperimentSpec,
    compiled: CompiledInstitution,
    runs: Sequence[RunSpec],
    rows: Sequence[Mapping[str, Any]],
    c: Comparisons,
    key_source: str,
) -> None:
    """Write ``report.md``, ``report.html`` and ``plots/*.png``."""
    found = experiment_figures(compiled, runs, rows, c, out) if rows else []
    fp = regime_false_positives(out, runs, compiled.institution)
    try:
        (out / "plots").mkdir(exist_ok=True)
        for figure in found:
            (out / "plots" / figure.name).write_bytes(figure.png)
        (out / "report.md").write_text(
            markdown_page(spec, compiled, rows, c, key_source, found, fp), "utf-8"
        )
        page = html_page(spec, compiled, runs, rows, c, key_source, found, out, fp)
        (out / "report.html").write_text(page, "utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the report: {exc.strerror or exc}") from None


def template() -> Template:
    """The HTML page template (``templates/report.html``)."""
    text = (
        resources.files("govlang.experiments").joinpath("templates/report.html").read_text("utf-8")
    )
    return Template(text)
