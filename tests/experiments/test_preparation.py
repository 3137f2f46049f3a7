"""What is prepared while the runs are played: the report's run figures and the tidy tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.experiments.plots import experiment_figures, shown_runs
from govlang.experiments.preparation import ReportPreparation
from govlang.experiments.results import run_dir
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runner import ExperimentResult, run_experiment
from govlang.experiments.tidy import TABLES, run_table
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
    preparation = ReportPreparation(compiled, done.runs, done.out_dir)
    for run in done.runs:
        preparation.add(run.run_id)
    drawn = preparation.close().figures
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


def test_every_run_added_has_its_tidy_tables_read(done: ExperimentResult) -> None:
    preparation = ReportPreparation(institution_of(done.spec), done.runs, done.out_dir)
    for run in done.runs:
        preparation.add(run.run_id)
    tables = preparation.close().tables
    assert set(tables) == {run_dir(done.out_dir, r) for r in done.runs}
    for folder, read in tables.items():
        for name in TABLES:
            assert read[name].equals(run_table(folder, name, "cournot"))


def test_a_run_that_cannot_be_read_is_left_to_the_report(
    done: ExperimentResult, tmp_path: Path
) -> None:
    preparation = ReportPreparation(institution_of(done.spec), done.runs, tmp_path)  # no runs
    preparation.add(done.runs[0].run_id)
    prepared = preparation.close()
    assert prepared.figures == {} and prepared.tables == {}


def test_a_stopped_preparation_prepares_nothing_more(done: ExperimentResult) -> None:
    preparation = ReportPreparation(institution_of(done.spec), done.runs, done.out_dir)
    preparation.stop()
    preparation.add(done.runs[0].run_id)
    prepared = preparation.close()
    assert prepared.figures == {} and prepared.tables == {}
