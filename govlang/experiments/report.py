"""The experiment report: ``report.md`` and a self-contained ``report.html``.

Both open with the question and the regime comparison (mean tier with its 95% CI, severe
incidence with its Wilson interval, tier distribution, Cohen's d and Welch's p against
ungoverned, the paired sign-flip test across configurations), then the per-configuration
table, the enforcement totals and the figures. The HTML page is *multi-scale*: the regime
table links to each regime's run list, and every run links to its own page
(``runs/<run_id>/run.html``, :mod:`govlang.experiments.run_page`) listing every round --
each firm's decision and stated reasoning, the market outcome and the institutional events
that followed. The report stays small however many runs there are. Figures are embedded as
base64 PNG and the institution's diagram as inline SVG; the Markdown report links the same
figures, written to ``plots/``.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govlang.experiments.config import ExperimentSpec
from govlang.experiments.false_positives import SignalCounts, regime_false_positives
from govlang.experiments.plots import Figure, experiment_figures
from govlang.experiments.reasons import ReasonCounts, regime_reasons
from govlang.experiments.results import Comparisons, notes, run_dir
from govlang.experiments.run_page import PAGE, ensure_run_page, template
from govlang.experiments.tables import (
    config_table,
    enforcement_table,
    false_positive_table,
    false_positive_words,
    html_table,
    md_table,
    reason_table,
    regime_table,
    runs_table,
)
from govlang.explain.attribution import Attribution, attribution_rows, regime_attribution
from govlang.explain.recorded import RecordedActs
from govlang.lang.compile import CompiledInstitution
from govlang.lang.frontend import InputError

if TYPE_CHECKING:
    from govlang.experiments.runs import RunSpec

__all__ = ["write_report"]


# ---------------------------------------------------------------------------- pages


def _img(figure: Figure) -> str:
    """An embedded figure with its caption (and a link to its run)."""
    data = base64.b64encode(figure.png).decode("ascii")
    page = f"runs/{figure.run_id}/{PAGE}"
    link = f' (<a href="{page}">run {figure.run_id}</a>)' if figure.run_id else ""
    return (
        f'<figure><img alt="{html.escape(figure.caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(figure.caption)}{link}</figcaption></figure>"
    )


REASONS_WORDS = (
    "Each LLM answer (stated observations, plans and insights) is coded by fixed word "
    "patterns (specs/tables.md): it speaks of the rival, of dividing the market, of the "
    "institution or its sanctions, or acknowledges the prohibition of collusion. Per code: "
    "the share of answers, and the number of runs with at least one such answer. The last "
    "column counts runs that acknowledged the directive and still reached tier 3 or 4."
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
    reasons: Mapping[str, ReasonCounts],
    attribution: Mapping[str, Attribution] | None = None,
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
            *_attribution_section(attribution, markdown=True),
        ]
    if reasons:
        parts += ["## Stated reasons (LLM firms)", REASONS_WORDS, md_table(reason_table(reasons))]
    parts += ["## Figures", "![institution](institution.svg)"]
    parts += [f"![{f.caption}](plots/{f.name})" for f in found]
    for regime in c.regimes:
        mine = [r for r in rows if r["regime"] == regime]
        parts += [f"## Runs: {regime}", md_table(runs_table(mine))]
    parts.append(
        "Per-round detail (decisions, reasoning, outcomes, events): each run's "
        "`runs/<run_id>/run.html`, linked from the run tables."
    )
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
    reasons: Mapping[str, ReasonCounts],
    attribution: Mapping[str, Attribution] | None = None,
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
            *_attribution_section(attribution, markdown=False),
        ]
    if reasons:
        body += ['<h2 id="reasons">Stated reasons (LLM firms)</h2>', f"<p>{e(REASONS_WORDS)}</p>"]
        body.append(html_table(reason_table(reasons)))
    body += ['<h2 id="figures">Figures</h2>', *(_img(f) for f in found)]
    body += ['<h2 id="institution">Institution</h2>', _diagram(out)]
    body += ['<h2 id="runs">Runs</h2>']
    for regime in c.regimes:
        mine = [r for r in rows if r["regime"] == regime]
        body += [f'<h3 id="regime-{regime}">{e(regime)}</h3>', html_table(runs_table(mine))]
    return template().substitute(title=e(spec.name), body="\n".join(body))


def _attribution_section(
    attribution: Mapping[str, Attribution] | None, markdown: bool
) -> list[str]:
    """Acts per evidence signal, alone and jointly (``specs/explain.md``), if any was counted."""
    if not attribution or not any(sum(a.totals.values()) for a in attribution.values()):
        return []
    title, table = "Acts per evidence signal", attribution_rows(attribution)
    if markdown:
        return [f"### {title}", md_table(table)]
    return [f'<h3 id="attribution">{title}</h3>', html_table(table)]


def _diagram(out: Path) -> str:
    """The institution's diagram as inline SVG (its XML prologue dropped)."""
    path = out / "institution.svg"
    if not path.is_file():
        return '<p class="note warn">The diagram could not be drawn (see manifest.json).</p>'
    svg = path.read_text("utf-8")
    return svg[svg.find("<svg") :]


def write_report(
    out: Path,
    spec: ExperimentSpec,
    compiled: CompiledInstitution,
    runs: Sequence[RunSpec],
    rows: Sequence[Mapping[str, Any]],
    c: Comparisons,
    key_source: str,
    drawn: Mapping[str, list[Figure]] | None = None,
) -> None:
    """Write ``report.md``, ``report.html`` and ``plots/*.png``.

    ``drawn``: run figures already drawn, by run id (:func:`~.plots.run_figures`).
    """
    found = experiment_figures(compiled, runs, rows, c, out, drawn) if rows else []
    folders = [(str(run.regime), run_dir(out, run)) for run in runs]
    fp = regime_false_positives(folders, compiled.institution)
    attribution = regime_attribution(folders, RecordedActs(compiled, "", ""))
    reasons = regime_reasons(out, rows)
    done = {r["run_id"]: r for r in rows}
    try:
        for run in runs:
            if run.run_id in done:
                ensure_run_page(run_dir(out, run), run, done[run.run_id])
        (out / "plots").mkdir(exist_ok=True)
        for figure in found:
            (out / "plots" / figure.name).write_bytes(figure.png)
        (out / "report.md").write_text(
            markdown_page(spec, compiled, rows, c, key_source, found, fp, reasons, attribution),
            "utf-8",
        )
        page = html_page(
            spec, compiled, runs, rows, c, key_source, found, out, fp, reasons, attribution
        )
        (out / "report.html").write_text(page, "utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the report: {exc.strerror or exc}") from None
