"""Every `.gov` file in the repository is checked: valid ones check clean and render;
deliberately invalid ones live in an `invalid` folder next to their expected diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.api import check_file, load
from govlang.lang.render import render

ROOT = Path(__file__).resolve().parent.parent
ALL_GOV = sorted(
    p for p in ROOT.rglob("*.gov") if ".git" not in p.parts and "site-packages" not in p.parts
)
INVALID = [p for p in ALL_GOV if "invalid" in p.parent.parts]
VALID = [p for p in ALL_GOV if p not in INVALID]
EXAMPLES = sorted((ROOT / "examples").glob("*.gov"))


def test_corpus_is_not_empty() -> None:
    assert len(EXAMPLES) >= 4
    assert set(EXAMPLES) <= set(VALID)


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_valid_file_checks_without_errors(path: Path) -> None:
    _, diagnostics = check_file(path)
    assert [d for d in diagnostics if d.is_error] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_has_no_warnings_and_renders(path: Path, tmp_path: Path) -> None:
    document, diagnostics = check_file(path)
    assert [d.code for d in diagnostics if d.severity == "warning"] == []
    compiled = load(path)
    svg = render(compiled, tmp_path / f"{path.stem}.svg")
    text = svg.read_text()
    assert document.institution is not None
    for scope in document.institution.scopes:
        for state in scope.states:
            assert state.name in text


@pytest.mark.parametrize("path", INVALID, ids=lambda p: str(p.relative_to(ROOT)))
def test_invalid_file_has_expected_diagnostics(path: Path) -> None:
    expected = path.with_suffix(".expected")
    assert expected.exists(), f"{path} has no {expected.name} beside it"


MARKET_OF_EXAMPLE = {
    "cournot_reference.gov": "cournot",
    "leniency.gov": "cournot",
    "output_floor.gov": "cournot",
    "cartel_exclusion.gov": "cournot",
    "bertrand_price_watch.gov": "bertrand",
    "talk_division.gov": "cournot+talk",
}


@pytest.mark.parametrize("name", sorted(MARKET_OF_EXAMPLE))
def test_example_matches_its_market(name: str) -> None:
    from govlang.channels.talk_env import environment_schema

    schema = environment_schema(MARKET_OF_EXAMPLE[name])
    _, diagnostics = check_file(ROOT / "examples" / name, schema)
    assert [d for d in diagnostics if d.is_error] == []
