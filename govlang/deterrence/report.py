"""What ``govlang deterrence`` prints: the assessment as text or as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from govlang.deterrence.analysis import Assessment, MinimumFine, PatternAssessment
from govlang.deterrence.patterns import FirmEconomics
from govlang.deterrence.search import MAX_SCALE, Threshold
from govlang.deterrence.verdict import FirmOutcome, Outcome

__all__ = ["REPORT_FORMAT", "to_json", "to_text"]

REPORT_FORMAT = "govlang.deterrence"
"""The ``format`` of the JSON document."""

STRATEGY_TITLES = {
    "persistent": "persistent collusion (the pattern every round)",
    "evasive": "evasive collusion (the pattern in good standing only, Nash otherwise)",
}


def _num(value: float) -> str:
    return f"{value:,.2f}"


def _actions(row: Any) -> str:
    array = np.asarray(row, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.4g}"
    return "[" + ", ".join(f"{v:.4g}" for v in array) + "]"


def to_text(assessment: Assessment) -> str:
    """The assessment as a readable report."""
    market = assessment.market
    lines = [
        f"deterrence of {assessment.institution} ({assessment.digest[:19]}…) on {market.name}",
        f"market: {len(market.firms)} firms ({', '.join(market.firms)}); horizon "
        f"{assessment.horizon} rounds, discount {assessment.discount:g}",
        "benchmarks:",
        f"  Nash: {market.methods['nash']}",
        f"  joint optimum: {market.methods['joint']}",
        f"  best response: {market.methods['best_response']}",
    ]
    if market.numeric:
        lines.append(
            "  note: no closed form for "
            + ", ".join(_BENCHMARK_NAMES[k] for k in market.numeric)
            + " with these market parameters; the numeric solvers were used"
        )
    lines.append(f"  Nash actions: {_profile(market.firms, market.nash)}")
    for item in assessment.patterns:
        lines += ["", *_pattern_text(item, assessment)]
    for skipped in assessment.skipped:
        lines += ["", f"pattern {skipped.key} ({skipped.title}): {skipped.note}"]
    return "\n".join(lines)


_BENCHMARK_NAMES = {"nash": "Nash", "joint": "the joint optimum", "best_response": "best responses"}


def _profile(firms: tuple[str, ...], actions: Any) -> str:
    return ", ".join(f"{firm} {_actions(actions[i])}" for i, firm in enumerate(firms))


def _pattern_text(item: PatternAssessment, assessment: Assessment) -> list[str]:
    pattern = item.pattern
    assert pattern.actions is not None
    lines = [
        f"pattern {pattern.key} ({pattern.title}): {item.verdict.text()}",
        f"  actions: {_profile(assessment.market.firms, pattern.actions)}",
        "  per round:  collusive profit, Nash profit, rent, one-shot deviation gain, "
        "critical discount",
    ]
    lines += [f"    {_economics(e)}" for e in item.economics]
    for outcome in (item.persistent, item.evasive):
        lines.append(f"  {STRATEGY_TITLES[outcome.strategy]}:")
        lines += _outcome_text(outcome, assessment)
    if item.minimum is not None:
        lines += _minimum_text(item.minimum)
    return lines


def _economics(e: FirmEconomics) -> str:
    critical = "-" if e.critical_discount is None else f"{e.critical_discount:.4f}"
    return (
        f"{e.firm}: {_num(e.collusive)}, {_num(e.nash)}, {_num(e.rent)}, "
        f"{_num(e.deviation_gain)}, {critical}"
    )


def _outcome_text(outcome: Outcome, assessment: Assessment) -> list[str]:
    blocks: list[tuple[list[str], list[str]]] = []
    for firm in outcome.firms:
        body = _firm_text(firm, outcome, assessment)
        for names, seen in blocks:
            if seen == body:
                names.append(firm.firm)
                break
        else:
            blocks.append(([firm.firm], body))
    lines = []
    for names, body in blocks:
        who = "every firm" if len(names) == len(outcome.firms) > 1 else ", ".join(names)
        lines.append(f"    {who}: {body[0]}")
        lines += [f"      {line}" for line in body[1:]]
    return lines


def _firm_text(firm: FirmOutcome, outcome: Outcome, assessment: Assessment) -> list[str]:
    horizon = assessment.horizon
    detection = (
        "never detected"
        if firm.first_act is None
        else f"first act r{firm.first_act[0]} ({firm.first_act[1]})"
    )
    if firm.first_evidence is not None:
        detection = f"evidence from r{firm.first_evidence}, {detection}"
    if firm.first_sanction is None:
        sanction = "never sanctioned"
    else:
        free = firm.free_rounds or 0
        sanction = (
            f"first sanction r{firm.first_sanction[0]} ({firm.first_sanction[1]}), "
            f"{free} free round{'s' if free != 1 else ''}{_free_split(firm)}"
        )
    lines = [
        f"colluded in {firm.collusive_rounds} of {horizon} rounds; {detection}; {sanction}",
        "path: " + _path(firm),
        f"sanctions: {firm.sanctions.text()}",
        f"discounted: rent {_num(firm.rent)}, penalty {_num(firm.penalty)} "
        f"(fines {_num(firm.fines)}), net gain over competing {_num(firm.gain)}",
    ]
    if outcome.strategy == "evasive":
        if firm.restored is None:
            lines.append("never restored to good standing within the horizon")
        else:
            lines.append(
                f"back in good standing after r{firm.restored}; net gain from then on "
                f"{_num(firm.repeat_gain)}"
            )
    verdict = "deterred" if _firm_deterred(firm, outcome) else "NOT deterred"
    lines[-1] += f" -> {verdict}"
    return lines


def _free_split(firm: FirmOutcome) -> str:
    """How the free rounds divide: before the first act (persistence) and after it (warnings)."""
    if not firm.free_rounds or firm.first_act is None or firm.first_sanction is None:
        return ""
    before = firm.first_act[0] - 1
    after = firm.first_sanction[0] - firm.first_act[0]
    if before < 0 or after < 0:
        return ""
    return f" ({before} before the first act, {after} from it to the first sanction)"


def _firm_deterred(firm: FirmOutcome, outcome: Outcome) -> bool:
    value = firm.repeat_gain if outcome.strategy == "evasive" else firm.gain
    return value <= outcome.tolerance


def _path(firm: FirmOutcome, limit: int = 8) -> str:
    """The first ``limit`` segments of the path; the rest are counted."""
    shown = "; ".join(s.text() for s in firm.path[:limit])
    more = len(firm.path) - limit
    return shown + (f"; ... {more} more" if more > 0 else "")


def _threshold(threshold: Threshold | None, minimum: MinimumFine, strategy: str) -> str:
    if threshold is None:
        return "-"
    if threshold.scale is None:
        why = (
            ""
            if threshold.fined
            else ": never fined (undetected, or colluding only where no fine applies)"
        )
        return f"none up to x{MAX_SCALE:g}{why}"
    if threshold.scale == 0.0:
        why = (
            "no restoration to collude again after, or the constraints deter"
            if strategy == "evasive"
            else "the constraints alone deter"
        )
        return f"x0: deterred without any fine ({why})"
    return (
        f"x{threshold.scale:.4g} of the current fine params ({_values(minimum, threshold.scale)})"
    )


def _values(minimum: MinimumFine, scale: float) -> str:
    def shown(value: object) -> str:
        if isinstance(value, tuple):
            return "[" + ", ".join(f"{v:.4g}" for v in value) + "]"
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    return ", ".join(f"{k} = {shown(v)}" for k, v in minimum.at(scale).items())


def _minimum_text(minimum: MinimumFine) -> list[str]:
    found = minimum.params
    if not found.fines:
        return ["  minimum deterring fine: the institution declares no fine to scale"]
    if not found.scaled:
        why = "its amounts are literals" if found.literal else "no float param"
        return [f"  minimum deterring fine: cannot search ({why}; declare the amounts as params)"]
    lines = [f"  minimum deterring fine (scaling {', '.join(found.scaled)} together):"]
    lines.append(f"    persistent: {_threshold(minimum.persistent, minimum, 'persistent')}")
    lines.append(f"    evasive: {_threshold(minimum.evasive, minimum, 'evasive')}")
    overall = minimum.scale
    lines.append(
        "    pattern: "
        + ("no fine scale deters both strategies" if overall is None else f"x{overall:.4g}")
        + (
            f" (outside the declared range: {'; '.join(minimum.outside)})"
            if minimum.outside
            else ""
        )
    )
    if found.ladders:
        if minimum.ladder_step is None:
            lines.append(f"    ladder: no starting rung of {', '.join(found.ladders)} deters")
        else:
            rates = minimum.ladder_rates or {}
            shown = "; ".join(f"{k} = {v}" for k, v in rates.items())
            lines.append(f"    ladder: starting at rung {minimum.ladder_step} deters ({shown})")
    if found.skipped:
        lines.append(f"    not scaled (integer params): {', '.join(found.skipped)}")
    return lines


# ------------------------------------------------------------------------------- JSON


def to_json(assessment: Assessment) -> dict[str, Any]:
    """The assessment as a JSON-ready dict (``govlang deterrence --format json``)."""
    market = assessment.market
    return {
        "format": REPORT_FORMAT,
        "institution": assessment.institution,
        "digest": assessment.digest,
        "market": {
            "name": market.name,
            "schema_file": market.schema_file,
            "firms": list(market.firms),
            "config": market.config.model_dump(mode="json"),
            "methods": dict(market.methods),
            "numeric": list(market.numeric),
            "nash": market.nash.tolist(),
            "joint": market.joint.tolist(),
        },
        "horizon": assessment.horizon,
        "discount": assessment.discount,
        "patterns": [_pattern_json(p) for p in assessment.patterns],
        "not_applicable": [
            {"key": p.key, "title": p.title, "note": p.note} for p in assessment.skipped
        ],
    }


def _pattern_json(item: PatternAssessment) -> dict[str, Any]:
    assert item.pattern.actions is not None
    verdict = item.verdict
    return {
        "key": item.pattern.key,
        "title": item.pattern.title,
        "actions": item.pattern.actions.tolist(),
        "verdict": {
            "kind": verdict.kind,
            "free_rounds": verdict.free_rounds,
            "reason": verdict.reason,
            "text": verdict.text(),
        },
        "economics": [
            {
                "firm": e.firm,
                "collusive_profit": e.collusive,
                "nash_profit": e.nash,
                "rent": e.rent,
                "deviation_profit": e.deviation,
                "deviation_gain": e.deviation_gain,
                "deviation_action": np.asarray(e.deviation_action).tolist(),
                "critical_discount": e.critical_discount,
            }
            for e in item.economics
        ],
        "strategies": {o.strategy: _outcome_json(o) for o in (item.persistent, item.evasive)},
        "minimum_fine": None if item.minimum is None else _minimum_json(item.minimum),
    }


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "deterred": outcome.deterred,
        "firms": [
            {
                "firm": f.firm,
                "net_gain": f.gain,
                "rent": f.rent,
                "penalty": f.penalty,
                "fines": f.fines,
                "collusive_rounds": f.collusive_rounds,
                "first_evidence": f.first_evidence,
                "first_act": None if f.first_act is None else list(f.first_act),
                "first_sanction": None if f.first_sanction is None else list(f.first_sanction),
                "free_rounds": f.free_rounds,
                "restored": f.restored,
                "sanctions": {
                    "fines": f.sanctions.fines,
                    "ladder_steps": list(f.sanctions.steps),
                    "at_floor": f.sanctions.floors,
                    "at_cap": f.sanctions.caps,
                    "constrained_rounds": f.sanctions.constrained,
                },
                "repeat_gain": f.repeat_gain,
                "path": [
                    {
                        "state": s.state,
                        "start": s.start,
                        "end": s.end,
                        "fines": list(s.fines),
                        "constrained": s.constrained,
                    }
                    for s in f.path
                ],
            }
            for f in outcome.firms
        ],
    }


def _threshold_json(threshold: Threshold | None) -> dict[str, Any] | None:
    if threshold is None:
        return None
    return {"scale": threshold.scale, "fined": threshold.fined}


def _minimum_json(minimum: MinimumFine) -> dict[str, Any]:
    return {
        "scaled_params": list(minimum.params.scaled),
        "ladder_params": list(minimum.params.ladders),
        "unscaled_params": list(minimum.params.skipped),
        "persistent": _threshold_json(minimum.persistent),
        "evasive": _threshold_json(minimum.evasive),
        "scale": minimum.scale,
        "values_at_scale": None if minimum.scale is None else minimum.at(minimum.scale),
        "current_values": dict(minimum.values),
        "outside_declared_range": list(minimum.outside),
        "ladder_step": minimum.ladder_step,
        "ladder_rates": None if minimum.ladder_rates is None else dict(minimum.ladder_rates),
    }
