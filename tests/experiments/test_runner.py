"""Running experiments end to end: artifacts, tables, resume, determinism, faults, effects."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from govlang.agents import FIRM_KINDS, RoundView
from govlang.agents.offline import ColluderFirm
from govlang.cli import main
from govlang.experiments.results import ID_COLUMNS
from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import ExperimentResult, run_experiment
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV
from govlang.runtime.signing import fingerprint, load_public_pem
from govlang.runtime.verify import verify_log

REPO = Path(__file__).resolve().parents[2]

TINY = """
name = "tiny"
rounds = 10
runs = 2
seed = 5
concurrency = {concurrency}

[institution]
path = "{gov}"

[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]

[populations.qlearners]
firms = [
  {{ kind = "qlearning", pretrain_rounds = 400 }},
  {{ kind = "qlearning", pretrain_rounds = 400 }},
]
"""


@pytest.fixture(scope="module")
def no_key_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(KEY_ENV, raising=False)
        patch.delenv(KEY_FILE_ENV, raising=False)
        yield


def tiny(folder: Path, concurrency: int = 1) -> Path:
    path = folder / "tiny.toml"
    gov = REPO / "examples" / "cournot_reference.gov"
    path.write_text(TINY.format(concurrency=concurrency, gov=gov), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory, no_key_env: None) -> ExperimentResult:
    folder = tmp_path_factory.mktemp("tiny")
    return run_experiment(tiny(folder), folder / "results", quiet=True)


def rows(out: Path) -> list[dict[str, str]]:
    with (out / "runs.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def traces(out: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(out.glob("runs/*/trace.jsonl"))}


def test_every_artifact_is_written(done: ExperimentResult) -> None:
    out = done.out_dir
    tables = ("runs.csv", "runs.parquet", "rounds.parquet", "events.parquet", "series.parquet")
    for name in ("manifest.json", "institution.svg", *tables):
        assert (out / name).is_file(), name
    assert done.report_md.is_file() and done.report_html.is_file()
    assert len(done.runs) == 12 and len(done.executed) == 12 and not done.reused
    for run in done.runs:
        folder = out / "runs" / run.run_id
        assert {p.name for p in folder.iterdir()} == {
            "trace.jsonl",
            "governance.jsonl",
            "log-key-id",
            "summary.json",
            "rounds.parquet",
            "events.parquet",
            "series.parquet",
            "run.html",
        }
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["run_id"] for r in manifest["runs"]] == [r.run_id for r in done.runs]
    assert manifest["digest"] == manifest["institution"]["digest"] == done.runs[0].digest


def test_tables_have_one_row_per_run_and_every_column(done: ExperimentResult) -> None:
    table = rows(done.out_dir)
    parquet = pq.read_table(done.out_dir / "runs.parquet")
    assert parquet.num_rows == len(table) == 12
    assert parquet.column_names == list(table[0])
    wanted = {*ID_COLUMNS, "tier", "cv_excess", "hhi_excess", "price_vs_nash"}
    wanted |= {"consumer_surplus_vs_nash", "warnings", "fines", "suspensions", "credits"}
    wanted |= {"blocked_requests", "fallbacks", "faults"}
    assert wanted <= set(table[0])
    assert {(r["config"], r["regime"]) for r in table} == {
        (c, g)
        for c in ("colluders", "qlearners")
        for g in ("ungoverned", "constitutional", "institutional")
    }
    assert parquet.column("tier").to_pylist() == [int(r["tier"]) for r in table]


def test_trace_has_one_complete_record_per_round(done: ExperimentResult) -> None:
    run = next(r for r in done.runs if r.regime == "institutional")
    records = read_trace(done.out_dir / "runs" / run.run_id / "trace.jsonl")
    assert [r["round"] for r in records] == list(range(1, 11))
    first = records[0]
    assert set(first) == {
        "round",
        "firms",
        "requested",
        "effective",
        "outcome",
        "payoffs",
        "standings",
        "events",
    }
    firm = first["firms"]["firm_0"]
    assert set(firm) == {"kind", "seen", "view", "decision", "faults"}
    assert firm["seen"]["info"]["govlang"]["regime"] == "institutional"
    assert firm["decision"]["record"]["mode"] == "divide"
    assert first["standings"]["firm_0"] == "warning"
    assert any(e["kind"] == "traversal" for e in first["events"])
    assert set(first["payoffs"]) == {"raw", "mediated"}


def test_no_private_key_in_the_results_and_logs_verify(done: ExperimentResult) -> None:
    out = done.out_dir
    assert not (out / ".log-key").exists()
    assert not [p for p in out.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
    key_file = Path(os.environ["GOVLANG_KEY_DIR"]) / "log-signing-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    public = load_public_pem((out / "log-public-key.pem").read_bytes(), "public key")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["log_public_key"]["fingerprint"] == fingerprint(public)
    assert "log-public-key.pem" in done.report_md.read_text()
    for run in done.runs:
        run_dir = out / "runs" / run.run_id
        assert (run_dir / "log-key-id").read_text().strip() == fingerprint(public)
        result = verify_log(run_dir / "governance.jsonl", out / "manifest.json", public)
        assert result.ok, result
        assert result.run == {
            "run_id": run.run_id,
            "population": run.population,
            "regime": run.regime,
            "seed": run.seed,
        }


def tiers(table: list[dict[str, str]], config: str, regime: str) -> list[int]:
    return [int(r["tier"]) for r in table if r["config"] == config and r["regime"] == regime]


def test_institution_deters_the_colluders(done: ExperimentResult) -> None:
    table = rows(done.out_dir)
    ungoverned = tiers(table, "colluders", "ungoverned")
    institutional = tiers(table, "colluders", "institutional")
    assert np.mean(institutional) < np.mean(ungoverned) == 4
    run = next(r for r in done.runs if r.population == "colluders" and r.regime == "institutional")
    records = read_trace(done.out_dir / "runs" / run.run_id / "trace.jsonl")
    modes = [r["firms"]["firm_0"]["decision"]["record"]["mode"] for r in records]
    assert modes[:2] == ["divide", "divide"] and "deterred" in modes
    fined = [r["round"] for r in records if any(e["kind"] == "sanction" for e in r["events"])]
    assert fined and min(fined) < modes.index("deterred") + 1


def test_constitutional_play_equals_ungoverned_for_offline_firms(done: ExperimentResult) -> None:
    by_key = {(r.population, r.seed, r.regime): r.run_id for r in done.runs}
    for (population, seed, regime), run_id in by_key.items():
        if regime != "constitutional":
            continue
        base = read_trace(
            done.out_dir / "runs" / by_key[population, seed, "ungoverned"] / "trace.jsonl"
        )
        mine = read_trace(done.out_dir / "runs" / run_id / "trace.jsonl")
        assert [r["effective"] for r in mine] == [r["effective"] for r in base]


def test_resume_plays_only_the_missing_run(done: ExperimentResult, tmp_path: Path) -> None:
    out = tmp_path / "results"
    shutil.copytree(done.out_dir, out)
    victim = done.runs[4].run_id
    before = traces(out)
    (out / "runs" / victim / "summary.json").unlink()
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("runs/*/summary.json")}
    again = run_experiment(tiny(tmp_path), out, quiet=True)
    assert again.executed == (victim,) and len(again.reused) == 11
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert traces(out) == before
    assert drop_wall_time(rows(out)) == drop_wall_time(rows(done.out_dir))


def drop_wall_time(table: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{k: v for k, v in r.items() if k != "wall_time_s"} for r in table]


def test_process_pool_gives_identical_traces(done: ExperimentResult, tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    # signed by the same key (the user's, in GOVLANG_KEY_DIR): Ed25519 signs deterministically
    pooled = run_experiment(tiny(tmp_path, concurrency=2), out, quiet=True)
    assert len(pooled.executed) == 12
    assert traces(out) == traces(done.out_dir)
    for run in done.runs:
        path = Path("runs") / run.run_id / "governance.jsonl"
        assert (out / path).read_bytes() == (done.out_dir / path).read_bytes()


class FlakyFirm(ColluderFirm):
    """Raises in round 3, returns NaN in round 4, fails to learn after round 5."""

    name = "flaky"

    async def decide(self, view: RoundView) -> Any:
        if view.round == 3:
            raise RuntimeError("flaky firm exploded")
        decision = await super().decide(view)
        if view.round == 4:
            return type(decision)(action=np.array([np.nan, 1.0]))
        return decision

    def observe_outcome(self, info: Mapping[str, Any], reward: float) -> None:
        if info["round"] == 5:
            raise ValueError("cannot learn")
        super().observe_outcome(info, reward)


def test_a_raising_firm_is_recorded_and_the_run_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_key_env: None
) -> None:
    monkeypatch.setitem(FIRM_KINDS, "flaky", FlakyFirm)
    path = tmp_path / "flaky.toml"
    gov = REPO / "examples" / "cournot_reference.gov"
    path.write_text(
        f'rounds = 6\nruns = 1\nregimes = ["ungoverned", "institutional"]\n'
        f'[institution]\npath = "{gov}"\n'
        '[populations.mixed]\nfirms = [{ kind = "flaky" }, { kind = "colluder" }]\n'
    )
    result = run_experiment(path, tmp_path / "results", quiet=True)
    for run in result.runs:
        records = read_trace(tmp_path / "results" / "runs" / run.run_id / "trace.jsonl")
        assert len(records) == 6
        firm = [r["firms"]["firm_0"] for r in records]
        assert firm[2]["faults"] == [
            {"stage": "decide", "error": "RuntimeError: flaky firm exploded"}
        ]
        assert (
            firm[2]["decision"]["fallback"]
            and records[2]["requested"]["firm_0"] == records[1]["requested"]["firm_0"]
        )
        assert (
            firm[3]["faults"][0]["stage"] == "decide"
            and "malformed action" in firm[3]["faults"][0]["error"]
        )
        assert firm[5]["faults"] == [
            {"stage": "observe_outcome", "error": "ValueError: cannot learn"}
        ]
        assert sum(len(f["faults"]) for f in firm) == 3
    table = rows(tmp_path / "results")
    assert [int(r["faults"]) for r in table] == [3, 3]
    assert "6 firm fault(s) and 4 fallback decision(s)" in result.report_md.read_text()


def test_cli_run_prints_the_regime_table(
    done: ExperimentResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    shutil.copytree(done.out_dir, out)
    assert main(["run", str(tiny(tmp_path)), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("| regime | runs | mean tier [95% CI]")
    assert "| institutional | 4 |" in captured.out
    assert "0 run(s) played, 12 reused" in captured.err


@pytest.mark.slow
def test_reference_offline_example_shows_the_institution_working(
    tmp_path: Path, no_key_env: None
) -> None:
    result = run_experiment(REPO / "examples" / "reference_offline.toml", tmp_path, quiet=True)
    table = rows(tmp_path)
    for config in ("colluders", "colluders_forgiving", "colluders_stubborn"):
        assert np.mean(tiers(table, config, "ungoverned")) == 4
        assert tiers(table, config, "constitutional") == tiers(table, config, "ungoverned")
    for config in ("colluders", "colluders_forgiving"):
        assert np.mean(tiers(table, config, "institutional")) < 4
    # Stubborn colluders keep dividing the market between suspensions: with idle rounds left
    # out (the default) their tier stays 4; counting the empty market as unconcentrated would
    # flatter the institution, and their consumers are worse off than ungoverned.
    stubborn = [r for r in table if r["config"] == "colluders_stubborn"]
    governed = [r for r in stubborn if r["regime"] == "institutional"]
    assert tiers(table, "colluders_stubborn", "institutional") == [4] * len(governed)
    assert all(int(r["tier_idle_counted"]) < 4 for r in governed)
    # Q-learners restrict output (S5 sees it): the institution fines and suspends them, and
    # suspensions take more output off the market, so their consumers are worse off too.
    worse = result.comparisons.worse["institutional"]
    assert [w.config for w in worse] == ["colluders_stubborn", "qlearners"]
    pooled = result.comparisons.pooled
    assert pooled["institutional"].mean_tier.mean < pooled["ungoverned"].mean_tier.mean
    # Readers read the paper's prohibition: the constitutional regime differs for them (some
    # runs heed it and play Nash), for the reason the report gives.
    assert tiers(table, "readers", "ungoverned") == [4] * 10
    assert np.mean(tiers(table, "readers", "constitutional")) < 4
    report = result.report_md.read_text()
    assert "constitutional equals ungoverned" in report
    assert "contain reader firms (kind reader)" in report
    assert "consumers of configuration colluders_stubborn are worse off" in report
