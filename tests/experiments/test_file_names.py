"""Names that become file names cannot write outside the results folder.

A population's name is part of its plot files; a sweep's provider limit names lock files. A
hostile experiment file tries path traversal, absolute paths, separators and NUL: each is
refused when the file is loaded, with the TOML key path, exit code 1 and nothing written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from govlang.cli import main
from govlang.experiments.config import ExperimentSpec, InstitutionSpec, PopulationSpec
from govlang.experiments.names import MAX_NAME, file_name, toml_key

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "examples" / "cournot_reference.gov"

HOSTILE = [
    "..",
    ".",
    "../x",
    "../../../../tmp/govlang-escape",
    "/tmp/govlang-escape",
    "a/b",
    "a\\b",
    "x\x00y",
    ".hidden",
    "-rf",
    "a b",
    "x\ny",
    "",
    "p" * (MAX_NAME + 1),
]


def experiment(population: str) -> str:
    """An experiment whose only population has the TOML key ``population`` (quoted)."""
    return f"""
rounds = 3
runs = 1
regimes = ["institutional"]
[institution]
path = "ref.gov"
[populations.{json.dumps(population)}]
firms = [{{ kind = "colluder" }}, {{ kind = "nash" }}]
"""


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_hostile_population_names_are_refused_before_anything_is_written(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(REFERENCE, work / "ref.gov")
    (work / "exp.toml").write_text(experiment(name), encoding="utf-8")
    before = files_under(tmp_path)
    code = main(["run", str(work / "exp.toml"), "-o", str(work / "results"), "-q"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"{work / 'exp.toml'}: populations.{toml_key(name)}: " in err
    assert "Traceback" not in err
    assert files_under(tmp_path) == before
    assert not Path("/tmp/govlang-escape").exists()


def test_the_message_says_what_is_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(REFERENCE, tmp_path / "ref.gov")
    (tmp_path / "exp.toml").write_text(experiment("../x"), encoding="utf-8")
    assert main(["run", str(tmp_path / "exp.toml"), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert 'populations."../x": "../x" cannot name files' in err
    assert "use letters, digits, `_`, `-` and `.`" in err


@pytest.mark.parametrize("name", ["colluders", "pair_2", "v1.5", "A-B", "_x", "p" * MAX_NAME])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert file_name(name) == name


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_the_python_api_refuses_them_too(name: str) -> None:
    pair = PopulationSpec.model_validate({"firms": [{"kind": "colluder"}, {"kind": "nash"}]})
    with pytest.raises(ValidationError, match="name"):
        ExperimentSpec(
            institution=InstitutionSpec(path=REFERENCE),
            populations={name: pair},
        )


def test_sweep_provider_limits_cannot_name_files_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(REFERENCE, tmp_path / "ref.gov")
    (tmp_path / "exp.toml").write_text(experiment("pair"), encoding="utf-8")
    (tmp_path / "sweep.toml").write_text(
        'base = "exp.toml"\n[axes]\n"market.cost_mean" = [10.0, 20.0]\n'
        '[limits]\n"../../escape" = 1\n',
        encoding="utf-8",
    )
    before = files_under(tmp_path)
    code = main(["sweep", str(tmp_path / "sweep.toml"), "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert 'limits."../../escape": ' in err
    assert files_under(tmp_path) == before
