"""The report's account of *why* the regimes can differ for each configuration, in words.

Regimes differ only in what reaches the firms (``specs/semantics.md``, Regimes): a
constitution text, the institution's notices and public standings, and the money and action
effects of its sanctions. Which of these a firm can perceive depends on its kind: offline
kinds other than ``reader`` perceive only money and actions, the ``reader`` kind also reads
text (:mod:`govlang.agents.reader`), LLM firms read everything they are shown. These notes
say, per configuration, which regime comparisons are equal by construction and how often the
text changed a reader's play.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govlang.experiments.config import ExperimentSpec

__all__ = ["regime_notes", "text_reactions"]


def text_reactions(records: Iterable[Mapping[str, Any]]) -> int:
    """Firm-rounds of a run in which a reader's reading rule chose the action."""
    return sum(
        1
        for record in records
        for firm in record["firms"].values()
        if (firm["decision"].get("record") or {}).get("text_trigger")
    )


def regime_notes(spec: ExperimentSpec, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The notes (plain text, one paragraph each) for the regimes this experiment compares."""
    out = []
    regimes = set(spec.regimes)
    blind = [n for n, p in spec.populations.items() if not p.reads_text]
    textual = regimes & {"constitutional", "announced_unenforced"}
    if blind and textual:
        out.append(
            f"Configurations {', '.join(blind)} contain only firms that cannot read text: "
            "they never see the constitution, the notices or the standings, so for them "
            "constitutional equals ungoverned and announced_unenforced equals ungoverned "
            "(same seeds, same play), and enforced_unannounced equals institutional. "
            "Sanctions reach them only through money (fines lower the reward) and actions "
            "(a suspension zeroes output). The numbers below are shown as they are."
        )
    readers = [n for n, p in spec.populations.items() if "reader" in p.kinds]
    if readers:
        out.append(_reader_note(spec, readers, rows))
    if "announced_unenforced" in regimes:
        out.append(
            "Under announced_unenforced the institution runs and its acts are announced "
            "(notices, standings), but none is applied: no fine is deducted and no action "
            "constrained. Its enforcement counts are acts announced, not sanctions imposed; "
            "its mediated payoffs equal the market's."
        )
    if "enforced_unannounced" in regimes:
        out.append(
            "Under enforced_unannounced the institution's sanctions bind but nothing is "
            "announced: firms see no constitution, no notices and no standings, only their "
            "(possibly fined) profit and their effective output."
        )
    return out


def _reader_note(
    spec: ExperimentSpec, readers: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> str:
    """How the reader firms' reading rules work and how often each fired, per regime."""
    source = "the institution's own constitution"
    if spec.constitution is not None:
        source = f"the experiment's constitution ({spec.constitution.source})"
    counts = []
    for regime in spec.regimes:
        mine = [r for r in rows if r["regime"] == regime and r["config"] in readers]
        reacted = sum(int(r.get("text_reactions") or 0) for r in mine)
        changed = sum(1 for r in mine if int(r.get("text_reactions") or 0))
        counts.append(f"{regime} {reacted} in {changed} of {len(mine)} runs")
    return (
        f"Configurations {', '.join(readers)} contain reader firms (kind reader), which read "
        f"what they are shown. Under constitutional they are shown {source}; a reader that "
        "finds a sentence prohibiting collusion in it obeys it (Nash play) with its "
        "heed_probability, drawn once per run. Under institutional and announced_unenforced a "
        "notice naming a sanction or a warning deters it like a felt fine, and a rival's "
        "changed public standing makes it read the cartel as exposed. This is why, for these "
        "configurations, constitutional and announced_unenforced can differ from ungoverned. "
        "Firm-rounds whose action a reading rule chose (each decision's record says which "
        "rule and what it read), per regime: " + "; ".join(counts) + "."
    )
