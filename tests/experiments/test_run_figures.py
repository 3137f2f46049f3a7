"""Run figures drawn while the runs are played are the report's figures, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.experiments.plots import RunFigures, experiment_figures, shown_runs
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runner import ExperimentResult, run_experiment
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV

REPO = Path(__file__).resolve().parents[2]

EXPERIMENT = """
name = "figures"
rounds = 6
runs = 2
seed = 3

[institution]
path = "{gov}"

[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]
"""


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> ExperimentResult:
    folder = tmp_path_factory.mktemp("figures")
    path = folder / "experiment.toml"
    path.write_text(EXPERIMENT.format(gov=REPO / "examples" / "cournot_reference.gov"), "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, "figures-test-key")
        patch.delenv(KEY_FILE_ENV, raising=False)
        return run_experiment(path, folder / "results", quiet=True)


def test_the_runs_shown_are_the_first_of_each_regime(done: ExperimentResult) -> None:
    shown = shown_runs(done.runs)
    assert [(r.regime, r.index) for r in shown] == [
        ("ungoverned", 0),
        ("constitutional", 0),
        ("institutional", 0),
    ]


def test_figures_drawn_in_the_background_equal_those_the_report_draws(
    done: ExperimentResult,
) -> None:
    compiled = institution_of(done.spec)
    figures = RunFigures(compiled, done.runs, done.out_dir)
    for run in done.runs:
        figures.add(run.run_id)
    drawn = figures.close()
    assert set(drawn) == {r.run_id for r in shown_runs(done.runs)}
    args = (compiled, done.runs, done.table, done.comparisons, done.out_dir)
    fresh = experiment_figures(*args)
    reused = experiment_figures(*args, drawn)
    assert [(f.name, f.png) for f in reused] == [(f.name, f.png) for f in fresh]
    # the standings figure of the institutional run: three run figures and a standings one
    assert sum(f.run_id is not None for f in fresh) == 4
    for figure in fresh:
        on_disk = done.out_dir / "plots" / figure.name
        assert on_disk.read_bytes() == figure.png


def test_a_run_that_cannot_be_drawn_is_left_to_the_report(
    done: ExperimentResult, tmp_path: Path
) -> None:
    compiled = institution_of(done.spec)
    figures = RunFigures(compiled, done.runs, tmp_path)  # no traces there
    figures.add(done.runs[0].run_id)
    assert figures.close() == {}


def test_a_stopped_drawer_draws_nothing_more(done: ExperimentResult) -> None:
    compiled = institution_of(done.spec)
    figures = RunFigures(compiled, done.runs, done.out_dir)
    figures.stop()
    figures.add(done.runs[0].run_id)
    assert figures.close() == {}
