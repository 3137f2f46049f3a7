"""The report's tables: regimes, configurations, enforcement, false positives, runs.

Each renders as Markdown and HTML.

A table is a header and rows of cells; a cell is text or a :class:`Link` (an anchor in
HTML, a relative file in Markdown), so one table renders to both formats.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govlang.experiments.false_positives import SignalCounts
from govlang.experiments.numbers import table_number
from govlang.experiments.reasons import CODES, ReasonCounts
from govlang.experiments.results import ENFORCEMENT_COLUMNS, Comparisons
from govlang.experiments.stats import Comparison, MeanCI, RegimeSummary
from govlang.experiments.welfare import WELFARE_CLASSES
from govlang.experiments.welfare_summary import WelfareSummary, Worse


@dataclass(frozen=True)
class Link:
    """A table cell that links somewhere (an anchor in HTML, a relative file in Markdown)."""

    text: str
    html_href: str
    md_href: str | None = None


Cell = str | Link
Table = tuple[list[str], list[list[Cell]]]


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
    "profit gain [95% CI]",
    "CS / Nash [95% CI]",
    "welfare-collusive runs [95% CI]",
    "consumers worse off than ungoverned",
]


def _ci(m: MeanCI | None) -> str:
    """``mean [low, high]`` (``-`` when undefined)."""
    return "-" if m is None else f"{m.mean:.2f} [{table_number(m.low)}, {table_number(m.high)}]"


def _collusive(w: WelfareSummary) -> str:
    """``share (count/n) [low, high]`` of welfare-collusive runs, and the restricted ones."""
    s = w.collusive
    if s is None:
        text = "-"
    else:
        text = f"{100 * s.estimate:.1f}% ({s.count}/{s.n}) [{100 * s.low:.1f}, {100 * s.high:.1f}]"
    text += f"; {w.restricted} restricted" if w.restricted else ""
    return text + (f"; {w.undefined} undefined" if w.undefined else "")


def _worse(regime: str, worse: Mapping[str, Sequence[Worse]]) -> str:
    """Which configurations' consumers are worse off than ungoverned (and whether the tier fell)."""
    if regime == "ungoverned":
        return "(baseline)"
    found = worse.get(regime, ())
    if not found:
        return "none"
    parts = [
        f"{w.config} (CS {w.surplus:.2f} vs {w.baseline:.2f}"
        + ("; tier fell: NOT collusion stopped)" if w.tier_lower else ")")
        for w in found
    ]
    return f"{len(found)}: " + ", ".join(parts)


def idle_differs(c: Comparisons) -> bool:
    """Whether the other idle reading changes some regime's mean tier."""
    return any(
        w.mean_tier_other_idle is not None
        and abs(w.mean_tier_other_idle - c.pooled[g].mean_tier.mean) > 1e-12
        for g, w in c.welfare.items()
    )


def regime_table(c: Comparisons) -> Table:
    """The regime comparison, pooled over configurations, with its welfare outcomes.

    When the two idle readings differ, a last column gives the mean tier under the other one.
    """
    head = list(REGIME_HEAD)
    other = idle_differs(c)
    if other:
        head.append("mean tier, idle rounds " + ("counted" if c.exclude_idle else "excluded"))
    rows: list[list[Cell]] = []
    for regime in c.regimes:
        s, w = c.pooled[regime], c.welfare[regime]
        cells: list[Cell] = [Link(regime, f"#regime-{regime}"), str(s.runs), _mean(s)]
        cells += [_severe(s), _distribution(s), *_versus(c.versus.get(regime))]
        cells += [_ci(w.profit_gain), _ci(w.consumer_surplus), _collusive(w)]
        cells.append(_worse(regime, c.worse))
        if other:
            cells.append(table_number(w.mean_tier_other_idle))
        rows.append(cells)
    return head, rows


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
    "quantity / Nash",
    "CS / Nash",
    "mean welfare tier",
    "welfare classes (competitive/restricted/collusive)",
    "constrained firm-rounds per run",
]
CONFIG_MEANS = (
    "cv_excess",
    "hhi_excess",
    "profit_gain",
    "price_vs_nash",
    "quantity_vs_nash",
    "consumer_surplus_vs_nash",
    "welfare_tier",
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
            classes = [r.get("welfare_class") for r in mine]
            counts = " / ".join(str(classes.count(k)) for k in WELFARE_CLASSES)
            cells = [config, mine[0]["firms"], link, str(s.runs), _mean(s), severe]
            out.append([*cells, _distribution(s), *means, counts, constrained])
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


def false_positive_words(counts: Mapping[str, SignalCounts]) -> str:
    """One sentence on fines that fell on a move toward Nash, pooled over regimes."""
    total = sum(c.total_fines for c in counts.values())
    toward = sum(c.total_toward_nash for c in counts.values())
    if not total:
        return "No fines were imposed, so none fell on a move toward Nash."
    if not toward:
        return (
            f"None of the {total} fines fell on a round in which the fined firm moved toward Nash."
        )
    arrived = sum(c.total_at_nash for c in counts.values())
    verdict = (
        f"{arrived} of them as it arrived at Nash: the institution fined competitive play "
        "(false positives, per signal below)."
        if arrived
        else "none as it arrived at Nash: each rests on evidence that still held after a "
        "partial move (per signal below)."
    )
    return (
        f"{toward} of {total} fines fell on a round in which the fined firm moved toward its "
        f"Nash action, {verdict}"
    )


def false_positive_table(counts: Mapping[str, SignalCounts]) -> Table:
    """Per regime and signal: fines while it held, of them on a move toward Nash, and alone."""
    head = [
        "regime",
        "signal",
        "fines while it held",
        "of them on a move toward Nash",
        "of those arriving at Nash",
        "toward Nash with it the only signal",
    ]
    body: list[list[Cell]] = []
    for regime, c in counts.items():
        if not c.total_fines:
            continue
        totals = [str(c.total_fines), str(c.total_toward_nash), str(c.total_at_nash), "-"]
        body.append([regime, "(all fines)", *totals])
        for name in sorted(c.fines):
            row = [c.fines[name], c.toward_nash.get(name, 0), c.at_nash.get(name, 0)]
            body.append([regime, name, *map(str, row), str(c.alone.get(name, 0))])
    return head, body


def reason_table(counts: Mapping[str, ReasonCounts]) -> Table:
    """Per regime: LLM answers coded, each code's share, the runs that colluded anyway.

    A run colluded anyway when an answer acknowledged the directive and its tier is >= 3.
    """
    head = ["regime", "runs", "answers", *(f"{c} (answers / runs)" for c in CODES)]
    head.append("acknowledged the directive and colluded anyway (runs)")
    body: list[list[Cell]] = []
    for regime, c in counts.items():
        shares = [
            f"{100 * c.by_code[code] / c.answers:.1f}% / {c.runs_by_code[code]}" for code in CODES
        ]
        body.append([regime, str(c.runs), str(c.answers), *shares, str(c.colluded_anyway)])
    return head, body


RUNS_HEAD = (
    "config|seed|run|tier|tier idle excluded / counted|CV excess|HHI excess|profit gain|"
    "price / Nash|CS / Nash|welfare tier|welfare class|fines|suspensions|fallbacks|faults"
)


def runs_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """The runs of one regime, each linking to its section (HTML) or trace (Markdown)."""
    body: list[list[Cell]] = []
    for r in rows:
        link = Link(r["run_id"], f"runs/{r['run_id']}/run.html", f"runs/{r['run_id']}/run.html")
        idle = (
            f"{r['tier_idle_excluded']} / {r['tier_idle_counted']}"
            if "tier_idle_excluded" in r
            else "-"
        )
        excess = [table_number(r.get("cv_excess")), table_number(r.get("hhi_excess"))]
        welfare = [
            table_number(r.get(k))
            for k in ("profit_gain", "price_vs_nash", "consumer_surplus_vs_nash")
        ]
        kinds = [table_number(r.get("welfare_tier")), str(r.get("welfare_class") or "undefined")]
        counts = [str(r[k]) for k in ("fines", "suspensions", "fallbacks", "faults")]
        cells: list[Cell] = [r["config"], str(r["seed"]), link, str(r["tier"]), idle]
        body.append([*cells, *excess, *welfare, *kinds, *counts])
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
