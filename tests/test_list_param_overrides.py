"""`list[float]` and `list[int]` params take overrides from Python, TOML and the command line.

A list override arrives as a Python list (the API, TOML tables, JSON, sweep axes) or a tuple
(``--param``); both must reach the institution, and a list of anything but numbers is GL223.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import govlang.api as api
from govlang.experiments.config import load_experiment
from govlang.lang.frontend import parse_text
from govlang.lang.params import resolve_params

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "examples" / "cournot_reference.gov"

TEXT = """institution Demo
observe profit: number[agent]
param rates: list[float] = [0.5] in [0, 1]
param counts: list[int] = [1] in [0, 10]
"""


@pytest.mark.parametrize("given", [[0.1, 0.2], (0.1, 0.2), [0, 1]])
def test_a_list_override_from_python(given: list[float] | tuple[float, ...]) -> None:
    compiled = api.load(REFERENCE, params={"fine_ladder": given})  # type: ignore[dict-item]
    assert compiled.manifest["params"]["fine_ladder"]["value"] == [float(v) for v in given]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"rates": [0.25, 0.5], "counts": [2, 3]}, {"rates": (0.25, 0.5), "counts": (2.0, 3.0)}),
        ({"rates": []}, {"rates": ()}),
    ],
)
def test_lists_resolve(overrides: dict[str, object], expected: dict[str, object]) -> None:
    document = parse_text(TEXT)
    assert document.institution is not None
    values, problems = resolve_params(document.institution, overrides)  # type: ignore[arg-type]
    assert problems == []
    assert {k: values[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [("rates", [True, False]), ("rates", ["a"]), ("counts", [1.5]), ("rates", 0.5)],
)
def test_a_wrong_list_is_gl223(name: str, value: object) -> None:
    document = parse_text(TEXT)
    assert document.institution is not None
    _, problems = resolve_params(document.institution, {name: value})  # type: ignore[dict-item]
    assert [p.code for p in problems] == ["GL223"]


def test_a_list_override_from_toml(tmp_path: Path) -> None:
    (tmp_path / "inst.gov").write_bytes(REFERENCE.read_bytes())
    (tmp_path / "exp.toml").write_text(
        'name = "lists"\ndescription = "d"\nrounds = 2\nruns = 1\nseed = 1\n'
        'regimes = ["institutional"]\n[market]\nkind = "cournot"\n'
        '[institution]\npath = "inst.gov"\nparams = { fine_ladder = [0.1, 0.2] }\n'
        '[populations.c]\ndescription = "c"\n'
        'firms = [{ kind = "colluder" }, { kind = "colluder" }]\n',
        encoding="utf-8",
    )
    spec = load_experiment(tmp_path / "exp.toml")
    compiled = api.load(tmp_path / "inst.gov", params=dict(spec.institution.params))
    assert compiled.manifest["params"]["fine_ladder"]["value"] == [0.1, 0.2]
