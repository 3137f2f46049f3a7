from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from govlang.experiments.config import load_experiment
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runs import plan_runs
from govlang.sweeps.config import SweepError, load_sweep
from govlang.sweeps.design import design_points, experiment_for, plan_sweep


def test_grid_crosses_every_axis(small_sweep: Path) -> None:
    spec = load_sweep(small_sweep)
    points = design_points(spec)
    assert len(points) == 1 * 2 * 2
    assert {p["regime"] for p in points} == {"ungoverned", "institutional"}
    assert len(plan_sweep(spec, None)) == 4 * 2


def test_out_of_range_param_is_refused_before_anything_runs(
    tmp_path: Path, sweep_file: Any
) -> None:
    path = sweep_file(tmp_path, '[axes]\n"param.suspension_streak" = [2, 99]\n')
    with pytest.raises(SweepError) as caught:
        plan_sweep(load_sweep(path), None)
    text = str(caught.value)
    assert "GL221" in text and "suspension_streak" in text and "[1, 20]" in text


def test_wrong_type_and_unknown_param_are_refused(tmp_path: Path, sweep_file: Any) -> None:
    path = sweep_file(tmp_path, '[axes]\n"param.suspension_streak" = [2.5]\n"param.nope" = [1]\n')
    with pytest.raises(SweepError) as caught:
        plan_sweep(load_sweep(path), None)
    assert "GL223" in str(caught.value) and "GL222" in str(caught.value)


def test_unknown_axis_and_population_are_refused(tmp_path: Path, sweep_file: Any) -> None:
    with pytest.raises(SweepError, match="unknown axis"):
        load_sweep(sweep_file(tmp_path, '[axes]\n"colour" = [1]\n'))
    with pytest.raises(SweepError, match="not a base population"):
        load_sweep(sweep_file(tmp_path, 'populations = ["martians"]\n'))
    with pytest.raises(SweepError, match="no market field"):
        load_sweep(sweep_file(tmp_path, '[axes]\n"market.gamma" = [1]\n'))


def test_lhs_is_stratified_seeded_and_rounds_int_params(tmp_path: Path, sweep_file: Any) -> None:
    body = """
populations = ["colluders"]
regimes = ["institutional"]
design = "lhs"
samples = 10
seed = 3
[axes]
"param.fine_floor" = { low = 0, high = 1000 }
"param.suspension_streak" = { low = 1, high = 20 }
"""
    spec = load_sweep(sweep_file(tmp_path, body))
    first = design_points(spec, ["param.suspension_streak"])
    assert first == design_points(
        load_sweep(sweep_file(tmp_path, body)), ["param.suspension_streak"]
    )
    floors = np.array([p["param.fine_floor"] for p in first])
    strata = np.floor(floors / 100).astype(int)
    assert sorted(strata.tolist()) == list(range(10))
    assert all(isinstance(p["param.suspension_streak"], int) for p in first)
    other = load_sweep(sweep_file(tmp_path, body.replace("seed = 3", "seed = 4")))
    assert design_points(other) != design_points(spec)


def test_market_and_population_axes_build_valid_experiments(
    tmp_path: Path, sweep_file: Any
) -> None:
    body = """
populations = ["colluder_vs_qlearner"]
[axes]
"market.firms" = [3]
"market.cost_asymmetry" = [0, 20]
"market.alpha" = [120]
"firm.1.kind" = ["nash"]
"""
    spec = load_sweep(sweep_file(tmp_path, body))
    point = design_points(spec)[1]
    experiment = experiment_for(spec, point)
    config = experiment.market.resolved(5)
    assert config.n_firms == 3 and config.alpha == (120.0, 120.0)
    assert config.costs[0] == (35.0, 55.0) and config.costs[1] == (55.0, 35.0)
    assert [f.kind for f in experiment.populations["colluder_vs_qlearner"].firms] == [
        "colluder",
        "nash",
        "colluder",
    ]


def test_run_ids_are_shared_with_the_experiment(
    tmp_path: Path, sweep_file: Any, examples: Path
) -> None:
    experiment = load_experiment(examples / "reference_offline.toml")
    ids = {r.run_id for r in plan_runs(experiment, institution_of(experiment).digest, None)}
    body = 'populations = ["colluders", "nash"]\nreplicates = 10\n'
    body += '[axes]\n"market.cost_asymmetry" = [10]\n'
    planned = plan_sweep(load_sweep(sweep_file(tmp_path, body)), None)
    assert len(planned) == 2 * 3 * 10
    assert {p.run.run_id for p in planned} <= ids


def test_random_design_is_seeded_and_within_range(tmp_path: Path, sweep_file: Any) -> None:
    body = """
populations = ["colluders"]
regimes = ["institutional"]
design = "random"
samples = 6
[axes]
"param.fine_floor" = { low = 10, high = 1000, log = true }
"""
    spec = load_sweep(sweep_file(tmp_path, body))
    points = design_points(spec)
    assert len(points) == 6 and points == design_points(load_sweep(sweep_file(tmp_path, body)))
    assert all(10 <= float(p["param.fine_floor"]) <= 1000 for p in points)


def test_example_sweeps_plan(examples: Path) -> None:
    fine = plan_sweep(load_sweep(examples / "sweep_fine_rate.toml"), None)
    assert len(fine) == 2 * 3 * 3 * 2 * 3
    population = plan_sweep(load_sweep(examples / "sweep_population.toml"), None)
    assert len(population) == 3 * 3 * 3 * 2 * 2
