"""Tidy tables: schema as specified, money and market measures consistent with runs.csv,
and tables rebuilt from traces for runs played before the tables existed."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
import pytest

from govlang.experiments.runner import ExperimentResult, run_experiment
from govlang.experiments.tidy import COLUMNS, IDENTITY, TABLES

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "specs" / "tables.md"
EXPERIMENT = """
name = "tidy"
rounds = 12
runs = 2
seed = 5
regimes = ["ungoverned", "institutional"]
[market]
kind = "{market}"
[institution]
path = "{gov}"
[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]
[populations.mixed]
firms = [{{ kind = "colluder" }}, {{ kind = "nash" }}]
"""


def _played(tmp: Path, market: str, gov: str) -> ExperimentResult:
    spec = tmp / f"{market}.toml"
    spec.write_text(EXPERIMENT.format(market=market, gov=REPO / "examples" / gov), "utf-8")
    return run_experiment(spec, tmp / market, quiet=True)


@pytest.fixture(scope="module")
def cournot(tmp_path_factory: pytest.TempPathFactory) -> ExperimentResult:
    return _played(tmp_path_factory.mktemp("tidy"), "cournot", "cournot_reference.gov")


def _table(out: Path, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(out / f"{name}.parquet").to_pylist()
    return rows


def _spec_columns(section: str) -> dict[str, str]:
    text = SPEC.read_text("utf-8")
    body = text[text.index(f"## {section}\n") :].split("\n## ")[0]
    found = re.findall(r"^\| (\w+) \| ([\w<>]+) \|", body, flags=re.M)
    return {name: kind for name, kind in found if name != "column"}


def test_the_schemas_are_the_specs() -> None:
    assert _spec_columns("Identity columns") == IDENTITY
    for name in TABLES:
        assert _spec_columns(name) == COLUMNS[name], name


def test_every_table_has_its_schema_and_a_row_per_unit(cournot: ExperimentResult) -> None:
    out = cournot.out_dir
    runs = len(cournot.runs)
    for name in TABLES:
        schema = pq.read_schema(out / f"{name}.parquet")
        assert schema.names == [*IDENTITY, *COLUMNS[name]]
    assert len(_table(out, "rounds")) == runs * 12 * 2
    assert len(_table(out, "series")) == runs * 12
    ids = {r.run_id for r in cournot.runs}
    assert {r["run_id"] for r in _table(out, "rounds")} == ids


def test_money_adds_up_and_matches_the_events(cournot: ExperimentResult) -> None:
    out = cournot.out_dir
    rounds, events = _table(out, "rounds"), _table(out, "events")
    for r in rounds:
        assert r["mediated_payoff"] == pytest.approx(
            r["raw_payoff"] - r["fined"] + r["received"], abs=1e-9
        )
    fined = sum(r["fined"] for r in rounds)
    sanctions = [e for e in events if e["kind"] == "sanction"]
    assert fined > 0 and fined == pytest.approx(sum(max(e["amount"], 0) for e in sanctions))
    assert all(e["amount"] is None for e in events if e["kind"] != "sanction")
    assert all(r["fined"] == 0 for r in rounds if r["regime"] == "ungoverned")
    held = [e for e in sanctions if e["signals"]]
    assert held and all("coordination" in e["signals"] for e in held)


def test_series_means_are_the_run_ratios(cournot: ExperimentResult) -> None:
    series = _table(cournot.out_dir, "series")
    for row in cournot.table:
        mine = [s for s in series if s["run_id"] == row["run_id"]]
        for key in ("price_vs_nash", "consumer_surplus_vs_nash", "quantity_vs_nash"):
            mean = sum(s[key] for s in mine) / len(mine)
            assert mean == pytest.approx(row[key], rel=1e-9), key


def test_reasons_are_coded_on_every_firm_round(cournot: ExperimentResult) -> None:
    rounds = _table(cournot.out_dir, "rounds")
    colluders = [r for r in rounds if r["kind"] == "colluder" and "division" in r["reasoning"]]
    assert colluders and all(r["reason_division"] for r in colluders)


def test_tables_of_runs_played_before_them_are_built_from_the_traces(
    cournot: ExperimentResult, tmp_path: Path
) -> None:
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(cournot.out_dir, out)
    before = {name: _table(out, name) for name in TABLES}
    for path in out.glob("runs/*/*.parquet"):
        path.unlink()
    spec = cournot.out_dir.parent / "cournot.toml"
    again = run_experiment(spec, out, quiet=True)
    assert not again.executed
    for name in TABLES:
        assert _table(out, name) == before[name], name


def test_bertrand_has_its_series(tmp_path: Path) -> None:
    done = _played(tmp_path, "bertrand", "bertrand_price_watch.gov")
    series = _table(done.out_dir, "series")
    assert len(series) == len(done.runs) * 12
    assert all(math.isnan(s["cv_excess"]) for s in series)
    assert all(math.isfinite(s["price_vs_nash"]) for s in series)


def test_the_example_question_runs_on_the_tables(cournot: ExperimentResult) -> None:
    import subprocess
    import sys

    script = REPO / "examples" / "tables_question.py"
    done = subprocess.run(
        [sys.executable, str(script), str(cournot.out_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(
        r"^colluders: \d+ fines, output rose the next round after \d+%", done.stdout, re.M
    )
    missing = subprocess.run(
        [sys.executable, str(script), str(cournot.out_dir / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1 and "no events.parquet" in missing.stderr
