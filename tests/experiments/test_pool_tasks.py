"""How ``govlang run`` cuts an experiment's runs into process-pool tasks."""

from __future__ import annotations

from pathlib import Path

from govlang.experiments.config import load_experiment
from govlang.experiments.engine import LocalExecutor, Store, seed_groups
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runs import RunSpec, plan_runs

REPO = Path(__file__).resolve().parents[2]


def reference_runs() -> list[RunSpec]:
    spec = load_experiment(REPO / "examples" / "reference_offline.toml")
    return plan_runs(spec, institution_of(spec).digest, None)


def learns(run: RunSpec) -> bool:
    return any(f.kind == "qlearning" for f in run.firms)


def test_every_run_is_in_exactly_one_task() -> None:
    runs = reference_runs()
    tasks = seed_groups(runs, 2)
    assert sorted(r.run_id for t in tasks for r in t) == sorted(r.run_id for r in runs)


def test_the_q_learning_runs_of_a_seed_share_a_task_and_go_first() -> None:
    runs = reference_runs()
    tasks = seed_groups(runs, 2)
    slow = [t for t in tasks if any(learns(r) for r in t)]
    assert tasks[: len(slow)] == slow
    for task in slow:
        assert all(learns(r) for r in task) and len({r.seed for r in task}) == 1
        assert {r.population for r in task} == {"qlearners", "colluder_vs_qlearner"}
    assert len(slow) == len({r.seed for r in runs})


def test_the_other_runs_go_one_task_per_population_and_seed() -> None:
    runs = reference_runs()
    for task in seed_groups(runs, 2):
        if not any(learns(r) for r in task):
            assert len({(r.population, r.seed) for r in task}) == 1
            assert len(task) == 3  # its regimes


SMALL = """
rounds = 30
runs = 2
regimes = ["ungoverned", "institutional"]
[institution]
path = "{gov}"
[populations.nash]
firms = [{{ kind = "nash" }}, {{ kind = "nash" }}]
"""


def test_the_pool_tells_every_round_played_in_few_messages(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL.format(gov=REPO / "examples" / "cournot_reference.gov"), "utf-8")
    spec = load_experiment(path)
    runs = plan_runs(spec, institution_of(spec).digest, None)
    counts: list[int] = []
    done: list[str] = []
    store = Store(tmp_path / "out", b"k" * 32, spec.metrics)
    LocalExecutor(2, split=seed_groups).execute(runs, store, done.append, counts.append)
    assert sorted(done) == sorted(r.run_id for r in runs)
    assert sum(counts) == len(runs) * spec.rounds
    assert len(counts) < len(runs) * spec.rounds
