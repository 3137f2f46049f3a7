"""Experiment files: validation with readable errors, exit codes, LLM defaults, run ids."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govlang.cli import main
from govlang.experiments.config import (
    ExperimentError,
    ExperimentSpec,
    FirmSpec,
    InstitutionSpec,
    PopulationSpec,
    load_experiment,
)
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runs import plan_runs, run_id
from govlang.lang.frontend import InputError

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "examples" / "cournot_reference.gov"

BASE = """
rounds = 5
runs = 2
seed = 3
[institution]
path = "ref.gov"
[populations.pair]
firms = [{ kind = "colluder" }, { kind = "nash" }]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(REFERENCE, tmp_path / "ref.gov")
    return tmp_path


def write(folder: Path, text: str) -> Path:
    path = folder / "experiment.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(folder: Path, text: str) -> str:
    with pytest.raises(ExperimentError) as caught:
        load_experiment(write(folder, text))
    return str(caught.value)


def test_a_minimal_file_loads_with_defaults(folder: Path) -> None:
    spec = load_experiment(write(folder, BASE))
    assert spec.regimes == ("ungoverned", "constitutional", "institutional")
    assert spec.institution.path == folder / "ref.gov"
    assert spec.market.kind == "cournot" and spec.concurrency == 1
    assert spec.populations["pair"].kinds == ("colluder", "nash")
    assert spec.offline and not spec.populations["pair"].reads_text


def test_unknown_kind_names_file_key_and_suggestion(folder: Path) -> None:
    text = BASE.replace('kind = "colluder"', 'kind = "coluder"')
    message = problems(folder, text)
    assert "experiment.toml: populations.pair.firms[0]: unknown firm kind 'coluder'" in message
    assert "did you mean 'colluder'?" in message


def test_unknown_firm_option_is_explained(folder: Path) -> None:
    text = BASE.replace('kind = "colluder" }', 'kind = "colluder", tolerence = 0.1 }')
    message = problems(folder, text)
    assert "populations.pair.firms[0]: colluder: unknown option 'tolerence'" in message
    assert "did you mean 'tolerance'?" in message


def test_invalid_firm_option_value_is_explained(folder: Path) -> None:
    text = BASE.replace('kind = "colluder" }', 'kind = "colluder", tolerance = -1 }')
    assert "populations.pair.firms[0]: colluder: tolerance must be" in problems(folder, text)


def test_bad_regime_is_reported_with_its_position(folder: Path) -> None:
    text = 'regimes = ["ungoverned", "institutionl"]\n' + BASE
    message = problems(folder, text)
    assert "regimes[1]:" in message and "'institutionl'" in message
    assert "did you mean 'institutional'?" in message


def test_every_problem_is_reported_at_once(folder: Path) -> None:
    text = 'runz = 3\nregimes = ["nope"]\n' + BASE.replace('"nash"', '"nsh"')
    lines = problems(folder, text).splitlines()
    assert len(lines) == 3
    assert any("runz: unknown key; did you mean 'runs'?" in line for line in lines)


def test_market_overrides_are_validated(folder: Path) -> None:
    assert "market.alpah: unknown key" in problems(folder, BASE + "[market]\nalpah = 3\n")
    text = BASE + "[market]\nmax_rounds = 9\n"
    assert "set the experiment's `rounds` instead" in problems(folder, text)
    text = BASE + '[market]\nkind = "bertran"\n'
    assert "did you mean 'bertrand'?" in problems(folder, text)


def test_population_must_match_the_number_of_firms(folder: Path) -> None:
    text = BASE + '[populations.solo]\nfirms = [{ kind = "nash" }]\n'
    assert "populations.solo: 1 firms, but the market has 2" in problems(folder, text)


def test_identical_populations_are_refused(folder: Path) -> None:
    text = BASE + '[populations.twin]\nfirms = [{ kind = "colluder" }, { kind = "nash" }]\n'
    assert "populations.twin: identical to populations.pair" in problems(folder, text)


def test_toml_syntax_error_is_an_invalid_experiment(folder: Path) -> None:
    assert "TOML syntax" in problems(folder, "rounds = \n")


def test_missing_files_are_input_errors(folder: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_experiment(folder / "absent.toml")
    with pytest.raises(InputError, match=r"institution.path: no such file: .*other.gov"):
        load_experiment(write(folder, BASE.replace("ref.gov", "other.gov")))


def test_cli_exit_codes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(folder / "out")
    bad = write(folder, BASE.replace('"nash"', '"nsh"'))
    assert main(["run", str(bad), "-o", out, "--quiet"]) == 1
    assert "populations.pair.firms[1]: unknown firm kind 'nsh'" in capsys.readouterr().err
    assert main(["run", str(folder / "absent.toml"), "-o", out]) == 3
    assert main(["run", str(bad), "-o", out, "--concurrency", "0"]) == 2


def test_institution_param_errors_are_institution_errors(folder: Path) -> None:
    text = BASE.replace('path = "ref.gov"', 'path = "ref.gov"\nparams = { fine_flor = 3 }')
    code = main(["run", str(write(folder, text)), "-o", str(folder / "out"), "--quiet"])
    assert code == 1


def test_llm_defaults_fill_llm_firms_only(folder: Path) -> None:
    text = BASE.replace('{ kind = "nash" }', '{ kind = "llm", temperature = 0.5 }')
    text += '[llm]\nmodel = "openai/smollm2"\napi_base = "http://127.0.0.1:8011/v1"\n'
    text += 'api_key = "sk-secret"\ncache = "cache"\n'
    spec = load_experiment(write(folder, text))
    llm = spec.populations["pair"].firms[1]
    assert llm.options["model"] == "openai/smollm2" and llm.options["temperature"] == 0.5
    assert "model" not in spec.populations["pair"].firms[0].options
    assert spec.llm.cache == folder / "cache"
    assert llm.public()["api_key"] == "<redacted>"
    assert "api_key" not in llm.identity()["options"]
    assert spec.populations["pair"].reads_text and not spec.offline


def test_programmatic_spec_and_content_addressed_run_ids(folder: Path) -> None:
    pair = PopulationSpec(firms=(FirmSpec(kind="colluder"), FirmSpec(kind="colluder")))
    spec = ExperimentSpec(
        rounds=4,
        runs=2,
        institution=InstitutionSpec(path=REFERENCE),
        populations={"pair": pair},
    )
    digest = institution_of(spec).digest
    runs = plan_runs(spec, digest, None)
    assert len(runs) == 3 * 2 and len({r.run_id for r in runs}) == 6
    renamed = spec.model_copy(update={"populations": {"other": pair}})
    assert [r.run_id for r in plan_runs(renamed, digest, None)] == [r.run_id for r in runs]
    first = runs[0]
    market = {"kind": "cournot", "config": first.market_config}
    assert first.run_id == run_id(digest, market, first.firms, first.seed, "ungoverned", 4)
    assert run_id(digest, market, first.firms, first.seed, "ungoverned", 5) != first.run_id
    overridden = spec.model_copy(
        update={"institution": InstitutionSpec(path=REFERENCE, params={"fine_floor": 100.0})}
    )
    other = institution_of(overridden).digest
    assert other != digest
    assert plan_runs(overridden, other, None)[0].run_id != first.run_id


def test_the_example_experiments_are_valid() -> None:
    offline = load_experiment(REPO / "examples" / "reference_offline.toml")
    assert offline.offline and offline.regimes == ("ungoverned", "constitutional", "institutional")
    assert {"colluders", "qlearners", "nash"} <= set(offline.populations)
    assert offline.institution.path == REPO / "examples" / "cournot_reference.gov"
    llm = load_experiment(REPO / "examples" / "reference_llm.toml")
    assert not llm.offline
    firm = llm.populations["smollm2_pair"].firms[0]
    assert firm.options["model"] == "openai/smollm2"
    assert firm.options["api_base"] == "http://127.0.0.1:8011/v1"
    assert firm.options["json_schema"] is True and firm.options["max_tokens"] == 400


def test_the_log_fsync_policy_is_chosen_in_the_file_and_leaves_run_ids_alone(
    folder: Path,
) -> None:
    default = load_experiment(write(folder, BASE))
    assert default.log.fsync == "batch" and default.log.fsync_every == 100
    chosen = load_experiment(write(folder, BASE + '[log]\nfsync = "round"\n'))
    assert chosen.log.fsync == "round"
    digest = institution_of(default).digest
    runs, others = plan_runs(default, digest, None), plan_runs(chosen, digest, None)
    assert [r.run_id for r in runs] == [r.run_id for r in others]
    assert {r.log_fsync for r in others} == {"round"}
    assert "log.fsync" in problems(folder, BASE + '[log]\nfsync = "sometimes"\n')
    assert "log.fsync_every" in problems(folder, BASE + "[log]\nfsync_every = 0\n")
    assert "did you mean 'fsync'" in problems(folder, BASE + '[log]\nfsinc = "run"\n')
