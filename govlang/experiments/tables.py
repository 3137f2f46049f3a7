"""The report's tables: regimes, configurations, enforcement, runs; as Markdown and HTML.

A table is a header and rows of cells; a cell is text or a :class:`Link` (an anchor in
HTML, a relative file in Markdown), so one table renders to both formats.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govlang.experiments.results import ENFORCEMENT_COLUMNS, Comparisons
from govlang.experiments.stats import Comparison, RegimeSummary


@dataclass(frozen=True)
class Link:
    """A table cell that links somewhere (an anchor in HTML, a relative file in Markdown)."""

    text: str
    html_href: str
    md_href: str | None = None


Cell = str | Link
Table = tuple[list[str], list[list[Cell]]]


def table_number(value: Any, digits: int = 2) -> str:
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
    return f"{m.mean:.2f} [{table_number(m.low)}, {table_number(m.high)}]"


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
    return [table_number(result.cohens_d), welch, improved]


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
    return table_number(sum(values) / len(values), digits) if values else "-"


def enforcement_table(c: Comparisons) -> Table:
    """Enforcement totals per regime."""
    keys = [*ENFORCEMENT_COLUMNS, "runs_with_action"]
    head = ["regime", *(k.replace("_", " ") for k in keys)]
    body: list[list[Cell]] = [
        [
            regime,
            *(table_number(c.enforcement[regime][k], 2 if k == "fine_total" else 0) for k in keys),
        ]
        for regime in c.regimes
    ]
    return head, body


RUNS_HEAD = "config|seed|run|tier|CV excess|HHI excess|fines|suspensions|fallbacks|faults"


def runs_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """The runs of one regime, each linking to its section (HTML) or trace (Markdown)."""
    body: list[list[Cell]] = []
    for r in rows:
        link = Link(r["run_id"], f"#run-{r['run_id']}", f"runs/{r['run_id']}/trace.jsonl")
        excess = [table_number(r.get("cv_excess")), table_number(r.get("hhi_excess"))]
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
