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
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from govlang.compile import CompiledInstitution
from govlang.experiments.config import ExperimentSpec
from govlang.experiments.plots import Figure, experiment_figures
from govlang.experiments.results import ENFORCEMENT_COLUMNS, Comparisons, notes, run_dir
from govlang.experiments.stats import Comparison, RegimeSummary
from govlang.experiments.trace import read_trace
from govlang.frontend import InputError
from govlang.runtime.events import Event

if TYPE_CHECKING:
    from govlang.experiments.runner import RunSpec

__all__ = ["Link", "write_report"]


@dataclass(frozen=True)
class Link:
    """A table cell that links somewhere (an anchor in HTML, a relative file in Markdown)."""

    text: str
    html_href: str
    md_href: str | None = None


Cell = str | Link
Table = tuple[list[str], list[list[Cell]]]


def _num(value: Any, digits: int = 2) -> str:
    """A number for a table (``-`` for missing, ``inf`` spelled out)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _p(value: float) -> str:
    """A p-value: scientific notation when small."""
    return f"{value:.2e}" if 0 < value < 1e-3 else f"{value:.4f}".rstrip("0").rstrip(".")


def _mean(summary: RegimeSummary) -> str:
    """``mean [low, high]`` of a regime's tiers."""
    m = summary.mean_tier
    return f"{m.mean:.2f} [{_num(m.low)}, {_num(m.high)}]"


def _severe(summary: RegimeSummary) -> str:
    """``share (count/n) [low, high]`` of tier-4 runs."""
    s = summary.severe
    return f"{100 * s.estimate:.1f}% ({s.count}/{s.n}) [{100 * s.low:.1f}, {100 * s.high:.1f}]"


def _distribution(summary: RegimeSummary) -> str:
    """Run counts at tiers 0..4."""
    return " / ".join(str(summary.distribution[t]) for t in range(5))


def _versus(result: Comparison | str | None) -> list[Cell]:
    """Cohen's d, Welch p and the sign-flip result against ungoverned."""
    if result is None:
        return ["(baseline)", "", ""]
    if isinstance(result, str):
        return [result, "", ""]
    flip = result.sign_flip
    improved = f"{result.improved}/{flip.n} improved, p = {_p(flip.p_value)} ({flip.method})"
    welch = _p(result.welch.p_value) + (" (degenerate)" if result.welch.degenerate else "")
    return [_num(result.cohens_d), welch, improved]


# ---------------------------------------------------------------------------- tables


REGIME_HEAD = [
    "regime",
    "runs",
    "mean tier [95% CI]",
    "severe (tier 4) [95% CI]",
    "tiers 0/1/2/3/4",
    "Cohen's d vs ungoverned",
    "Welch p",
    "paired sign-flip across configurations",
]


def regime_table(c: Comparisons) -> Table:
    """The regime comparison, pooled over configurations."""
    rows: list[list[Cell]] = []
    for regime in c.regimes:
        s = c.pooled[regime]
        cells: list[Cell] = [Link(regime, f"#regime-{regime}"), str(s.runs), _mean(s)]
        rows.append([*cells, _severe(s), _distribution(s), *_versus(c.versus.get(regime))])
    return REGIME_HEAD, rows


CONFIG_HEAD = [
    "config",
    "firms",
    "regime",
    "runs",
    "mean tier [95% CI]",
    "severe",
    "tiers 0/1/2/3/4",
    "CV excess",
    "HHI excess",
    "profit gain",
    "price / Nash",
    "CS / Nash",
    "constrained firm-rounds per run",
]
CONFIG_MEANS = (
    "cv_excess",
    "hhi_excess",
    "profit_gain",
    "price_vs_nash",
    "consumer_surplus_vs_nash",
)


def config_table(c: Comparisons, rows: Sequence[Mapping[str, Any]]) -> Table:
    """Per configuration and regime: tiers and the collusion measures behind them."""
    out: list[list[Cell]] = []
    for config, by_regime in c.by_config.items():
        for regime, s in by_regime.items():
            mine = [r for r in rows if r["config"] == config and r["regime"] == regime]
            link = Link(regime, f"#regime-{regime}")
            severe = f"{s.severe.count}/{s.severe.n}"
            means = [_avg(mine, k) for k in CONFIG_MEANS]
            constrained = _avg(mine, "constrained_rounds", 1)
            cells = [config, mine[0]["firms"], link, str(s.runs), _mean(s), severe]
            out.append([*cells, _distribution(s), *means, constrained])
    return CONFIG_HEAD, out


def _avg(rows: Sequence[Mapping[str, Any]], key: str, digits: int = 2) -> str:
    """The mean of a metric over rows (``-`` if absent)."""
    values = [float(r[key]) for r in rows if r.get(key) is not None]
    return _num(sum(values) / len(values), digits) if values else "-"


def enforcement_table(c: Comparisons) -> Table:
    """Enforcement totals per regime."""
    keys = [*ENFORCEMENT_COLUMNS, "runs_with_action"]
    head = ["regime", *(k.replace("_", " ") for k in keys)]
    body: list[list[Cell]] = [
        [regime, *(_num(c.enforcement[regime][k], 2 if k == "fine_total" else 0) for k in keys)]
        for regime in c.regimes
    ]
    return head, body


RUNS_HEAD = "config|seed|run|tier|CV excess|HHI excess|fines|suspensions|fallbacks|faults"


def runs_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """The runs of one regime, each linking to its section (HTML) or trace (Markdown)."""
    body: list[list[Cell]] = []
    for r in rows:
        link = Link(r["run_id"], f"#run-{r['run_id']}", f"runs/{r['run_id']}/trace.jsonl")
        excess = [_num(r.get("cv_excess")), _num(r.get("hhi_excess"))]
        counts = [str(r[k]) for k in ("fines", "suspensions", "fallbacks", "faults")]
        body.append([r["config"], str(r["seed"]), link, str(r["tier"]), *excess, *counts])
    return RUNS_HEAD.split("|"), body


def md_table(table: Table) -> str:
    """A Markdown table."""
    head, rows = table

    def cell(c: Cell) -> str:
        text = c.text if isinstance(c, Link) else c
        if isinstance(c, Link) and c.md_href:
            text = f"[{text}]({c.md_href})"
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(table: Table) -> str:
    """An HTML table (numbers right-aligned)."""
    head, rows = table

    def cell(c: Cell) -> str:
        if isinstance(c, Link):
            return f'<td><a href="{html.escape(c.html_href)}">{html.escape(c.text)}</a></td>'
        numeric = c.replace(".", "", 1).replace("-", "", 1).isdigit()
        return f'<td class="num">{c}</td>' if numeric else f"<td>{html.escape(c)}</td>"

    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>\n" for row in rows)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>\n{trs}</tbody></table>"


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
    return _num(float(value), 1) if isinstance(value, int | float) else str(value)


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
            f"<br>profit {_num(pay['raw'][agent])} &rarr; {_num(pay['mediated'][agent])}"
        )
        if record["standings"].get(agent):
            text += f"<br>standing after: {e(record['standings'][agent])}"
        if firm["view"]["notices"]:
            text += f'<div class="muted">read: {e(" / ".join(firm["view"]["notices"]))}</div>'

        if decision["reasoning"]:
            text += f'<div class="reason">{e(decision["reasoning"])}</div>'
        if decision["fallback"] or firm["faults"]:
            faults = "; ".join(f"{f['stage']}: {f['error']}" for f in firm["faults"])
            text += f'<div class="muted">fallback {e(faults)}</div>'
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
    try:
        (out / "plots").mkdir(exist_ok=True)
        for figure in found:
            (out / "plots" / figure.name).write_bytes(figure.png)
        (out / "report.md").write_text(
            markdown_page(spec, compiled, rows, c, key_source, found), "utf-8"
        )
        page = html_page(spec, compiled, runs, rows, c, key_source, found, out)
        (out / "report.html").write_text(page, "utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the report: {exc.strerror or exc}") from None


def template() -> Template:
    """The HTML page template (``templates/report.html``)."""
    text = (
        resources.files("govlang.experiments").joinpath("templates/report.html").read_text("utf-8")
    )
    return Template(text)
