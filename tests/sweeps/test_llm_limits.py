from __future__ import annotations

from pathlib import Path

from govlang.agents.fakeserver import FakeLLMServer
from govlang.experiments.engine import LocalExecutor
from govlang.sweeps.config import load_sweep
from govlang.sweeps.design import plan_sweep
from govlang.sweeps.run import run_sweep


def _files(folder: Path, server: FakeLLMServer, examples: Path) -> Path:
    gov = (examples / "cournot_reference.gov").as_posix()
    (folder / "base.toml").write_text(
        f"""
rounds = 2
runs = 1
regimes = ["ungoverned"]
[institution]
path = "{gov}"
[llm]
model = "{server.model}"
api_base = "{server.api_base}"
api_key = "fake"
max_retries = 0
cache = false
[populations.llm]
firms = [{{ kind = "llm" }}, {{ kind = "llm" }}]
[populations.mixed]
firms = [{{ kind = "llm" }}, {{ kind = "colluder" }}]
""",
        encoding="utf-8",
    )
    path = folder / "sweep.toml"
    path.write_text(
        'base = "base.toml"\nreplicates = 1\n[axes]\n"firms.history_window" = [0, 5]\n'
        "[limits]\nopenai = 1\n",
        encoding="utf-8",
    )
    return path


def test_history_window_axis_reaches_llm_firms_only(tmp_path: Path, examples: Path) -> None:
    with FakeLLMServer() as server:
        spec = load_sweep(_files(tmp_path, server, examples))
    planned = plan_sweep(spec, None)
    mixed = [p.run for p in planned if p.run.population == "mixed"]
    assert {r.firms[0].options["history_window"] for r in mixed} == {0, 5}
    assert all("history_window" not in r.firms[1].options for r in mixed)
    assert len({p.run.run_id for p in planned}) == len(planned) == 4


def test_provider_limit_holds_across_pool_workers(tmp_path: Path, examples: Path) -> None:
    with FakeLLMServer(latency=0.2) as server:
        result = run_sweep(
            _files(tmp_path, server, examples),
            tmp_path / "out",
            LocalExecutor(2, {"openai": 1}),
            plots=False,
            quiet=True,
        )
        assert len(result.rows) == 4
        # one LLM run at a time: at most its two firms' requests in flight
        assert 1 <= server.max_in_flight <= 2
        assert server.requests == 2 * (2 * 2 + 2)
