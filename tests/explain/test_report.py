"""The explanation in the experiment report: per-act notes on run pages, per-signal tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govlang.api import load
from govlang.explain.acts import TIMES
from govlang.explain.attribution import Attribution, attribute
from govlang.explain.recorded import RecordedActs

from .conftest import GOLDEN, REFERENCE, run_ids


def golden_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        if data["kind"] == "round":
            records.append({**data, "events": []})
        else:
            records[-1]["events"].append(data)
    return records


def test_attribution_of_the_golden_trace_by_hand() -> None:
    # Rounds 1-5 (both firms divide the market): HHI and specialisation (and, from round 2,
    # restriction) hold together: 10 escalations, 6 fines. Rounds 13-21 (`S`): firm_0 alone
    # specialises (its HHI excess is 0.07). Its own output, 55, is 1.375 of the way from Nash
    # (73.33) to its monopoly output (60), and the market's 0.81 on average: restriction holds
    # from the second `S` in a row, so rounds 16 and 17 are joint; 13, 15 and 21 are alone.
    found = attribute(RecordedActs(load(REFERENCE), "", ""), golden_records())
    assert found.totals == {"escalations": 15, "fines": 9}
    assert found.alone["escalations"] == {"specialised": 3}
    assert found.jointly["escalations"] == {"high_hhi": 10, "specialised": 12, "restricting": 10}
    assert found.alone["fines"] == {"specialised": 1}
    assert found.jointly["fines"] == {"high_hhi": 6, "specialised": 8, "restricting": 8}
    again = Attribution.from_json(json.loads(json.dumps(found.as_json())))
    assert again.as_json() == found.as_json() and again.alone == found.alone


def test_summaries_store_the_attribution_and_the_report_pools_it(results: Path) -> None:
    run = run_ids(results)["institutional"]
    summary = json.loads((results / "runs" / run / "summary.json").read_text(encoding="utf-8"))
    records = [
        json.loads(line)
        for line in (results / "runs" / run / "trace.jsonl").read_text("utf-8").splitlines()
    ]
    counted = attribute(RecordedActs(load(REFERENCE), "", ""), records)
    assert summary["attribution"] == counted.as_json() and counted.totals["fines"] > 0
    report = (results / "report.md").read_text(encoding="utf-8")
    assert "### Acts per evidence signal" in report
    fines = counted.totals["fines"]
    assert (
        f"| institutional | (all acts) | {counted.totals['escalations']} | - | {fines} | - |"
        in (report)
    )
    assert 'id="attribution"' in (results / "report.html").read_text(encoding="utf-8")


def test_run_pages_explain_each_act(results: Path) -> None:
    run = run_ids(results)["institutional"]
    page = (results / "runs" / run / "run.html").read_text(encoding="utf-8")
    assert (
        "<li><details><summary>firm_0 traversal P2_independent_decision:active-&gt;warning "
        "active -&gt; warning</summary>"
    ) in page
    assert "signals that held: high_hhi, specialised<br>counters: streak 1, dwell 1" in page
    assert "cournot_reference.gov:109:5 | warning -&gt; fined when coordination priority 1" in page
    assert f"0.35 {TIMES} 1800.00 = 630.00; floor fine_floor 200.00 not binding → 630.00" in page
    log = (results / "runs" / run / "governance.jsonl").read_text(encoding="utf-8").splitlines()
    first = next(n for n, line in enumerate(log) if json.loads(line)["kind"] == "traversal")
    assert f"log entry {first}, sha256 " in page
    assert f"firm_0: warning → fined {TIMES}3 → suspended" in page
    assert f"govlang explain RESULTS --run {run} --agent AGENT --round N" in page
    ungoverned = run_ids(results)["ungoverned"]
    bare = (results / "runs" / ungoverned / "run.html").read_text(encoding="utf-8")
    assert "Standings, round by round" not in bare and "<details>" not in bare


def test_run_pages_draw_each_path_on_the_diagram(results: Path) -> None:
    import re
    import shutil

    if shutil.which("dot") is None:  # the page then shows the text path only
        page = (results / "runs" / run_ids(results)["institutional"] / "run.html").read_text()
        assert "on the diagram" not in page
        return
    run = run_ids(results)["institutional"]
    page = (results / "runs" / run / "run.html").read_text(encoding="utf-8")
    assert page.count("<details><summary>on the diagram</summary><svg") == 2
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # each copy of the diagram has its own ids
    groups = dict(
        re.findall(r'<g id="(path0-node\d+)" class="node">\s*<title>([^<]*)</title>', page)
    )
    by_state = {title: group for group, title in groups.items()}
    (style,) = re.findall(r"<style>(#path0-[^<]*)</style>", page)
    # firm_0 (stubborn colluder, 8 rounds): warning, fined, suspended; never credited.
    for state in ("active", "warning", "fined", "suspended"):
        assert f"#{by_state['agent.' + state]} path" in style, state
    assert f"#{by_state['agent.credited']} " not in style
