"""``govlang import``: manifest -> checked .gov, and every way a manifest can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from govlang.api import check_file, load
from govlang.cli import main
from govlang.interop.problems import InteropError
from govlang.interop.source import parse_manifest
from govlang.interop.to_gov import import_manifest, import_source
from govlang.lang.fmt import format_institution

FIXTURES = Path(__file__).parent / "fixtures"
MANIFEST = FIXTURES / "reference_manifest.yaml"
EXPECTED = FIXTURES / "reference_manifest.gov"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def manifest_data() -> dict[str, object]:
    data = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(data, dict)
    return data


def problems_of(text: str, name: str = "m.yaml") -> str:
    with pytest.raises(InteropError) as caught:
        import_source(parse_manifest(text, name))
    return str(caught.value)


# ------------------------------------------------------------------------------- round trip


def test_reference_manifest_becomes_the_expected_gov() -> None:
    imported = import_manifest(str(MANIFEST))
    assert imported.text == EXPECTED.read_text()
    assert imported.warnings == []


def test_expected_gov_checks_clean_is_formatted_and_compiles() -> None:
    document, diagnostics = check_file(EXPECTED)
    assert [d for d in diagnostics if d.severity in ("error", "warning")] == []
    assert document.institution is not None
    assert format_institution(document.institution) == EXPECTED.read_text()
    compiled = load(EXPECTED)
    scope = compiled.manifest["scopes"]["agent"]
    assert [s["name"] for s in scope["states"]] == [
        "active",
        "warning",
        "fined",
        "credited",
        "suspended",
    ]
    assert "P2_independent_decision:fined->suspended" in scope["edges"]
    assert compiled.manifest["params"]["fine_ladder"]["value"] == [0.35, 0.75, 1.0]
    assert scope["restoration"]["suspended"] == [["R1_expiry:suspended->active"]]


def test_json_manifest_gives_the_same_institution(tmp_path: Path) -> None:
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(manifest_data(), indent=1))
    assert import_manifest(str(path)).text == EXPECTED.read_text()


def test_cli_writes_a_checked_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "institution.gov"
    code, _, err = run(["import", str(MANIFEST), "-o", str(out)], capsys)
    assert code == 0, err
    assert out.read_text() == EXPECTED.read_text()
    assert main(["check", str(out)]) == 0


def test_cli_prints_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["import", str(MANIFEST)], capsys)
    assert (code, out) == (0, EXPECTED.read_text())


# ------------------------------------------------------------------------------- bad input


def test_malformed_yaml_reports_line_and_column() -> None:
    text = "institution:\n  name: X\nstates: {active: {initial: true}\nedges: []\n"
    message = problems_of(text)
    assert message.startswith("m.yaml:4:1: error: invalid YAML"), message


def test_malformed_json_reports_line_and_column() -> None:
    message = problems_of('{"institution": {"name": "X"},\n "states": {,}}', "m.json")
    assert message.startswith("m.json:2:13: error: invalid JSON"), message


def test_unknown_key_names_the_path_and_the_allowed_keys() -> None:
    text = MANIFEST.read_text().replace("  warning: {label:", "  warning: {lable:")
    message = problems_of(text)
    assert "at `states.warning.lable`: unknown key `lable`" in message
    assert "hint: the keys allowed here are: label, description, initial" in message
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "lable" in t)
    assert f"m.yaml:{line}:" in message


def test_unknown_top_level_key() -> None:
    message = problems_of("institution: {name: X}\nstates: {a: {initial: true}}\nstate: {}\n")
    assert "m.yaml:3:1: error: at `state`: unknown key `state`" in message
    assert "version, institution, observe" in message


def test_edge_to_an_unknown_state() -> None:
    text = MANIFEST.read_text().replace("from: warning, to: fined", "from: warning, to: fine")
    message = problems_of(text)
    assert "at `edges[1].to`: unknown state `fine`" in message
    assert "hint: the states are: active, credited, fined, suspended, warning" in message


def test_guard_that_does_not_parse() -> None:
    text = MANIFEST.read_text().replace(
        "guard: concentration <= recovery_hhi", "guard: concentration <= <= recovery_hhi"
    )
    message = problems_of(text)
    assert "at `edges[9].guard`: the guard `concentration <= <= recovery_hhi` does not parse" in (
        message
    )
    assert "(column 18)" in message


def test_guard_with_a_trailing_string_is_not_silently_dropped() -> None:
    text = MANIFEST.read_text().replace(
        "guard: not coordination", "guard: 'not coordination \"x\"'"
    )
    assert "at `edges[8].guard`: the guard" in problems_of(text)


def test_checker_errors_are_reported_at_the_manifest_key() -> None:
    text = MANIFEST.read_text().replace(
        "expr: sum(quantity over commodities)", "expr: sum(quantiy over commodities)"
    )
    message = problems_of(text)
    assert "at `signals.total_output`: " in message
    assert "[GL101]" in message and "quantiy" in message


def test_unknown_sanction_and_rule_references() -> None:
    text = MANIFEST.read_text().replace("on_enter: [escalating_fine]", "on_enter: [escalating]")
    text = text.replace("- {rule: R1_expiry, from: warning", "- {rule: R1_expire, from: warning")
    message = problems_of(text)
    assert "at `states.fined.on_enter[0]`: `escalating` is neither a notice nor a sanction" in (
        message
    )
    assert "at `edges[5].rule`: unknown rule `R1_expire`" in message


def test_sanction_needs_exactly_one_kind() -> None:
    text = MANIFEST.read_text().replace("suspend: {}", "suspend: {}\n    exclude: {}")
    assert "exactly one key" in problems_of(text)


def test_repeated_key_is_an_error() -> None:
    text = "institution: {name: X}\nstates:\n  a: {initial: true}\n  a: {}\n"
    message = problems_of(text)
    assert "m.yaml:4:3: error: at `states.a`: the key `a` is given twice" in message


def test_top_level_must_be_a_mapping() -> None:
    assert "a manifest is a mapping at the top level, got list" in problems_of("- 1\n")


def test_cli_bad_manifest_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MANIFEST.read_text().replace("to: fined, guard", "to: fine, guard"))
    out = tmp_path / "out.gov"
    code, stdout, err = run(["import", str(bad), "-o", str(out)], capsys)
    assert code == 1 and stdout == ""
    assert "unknown state `fine`" in err and "nothing written" in err
    assert "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_cli_missing_manifest_is_an_io_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["import", "no/such.yaml"], capsys)
    assert code == 3 and "no/such.yaml: no such file" in err


def test_json_that_yaml_cannot_read_still_imports(tmp_path: Path) -> None:
    path = tmp_path / "tabs.json"
    path.write_text(json.dumps(manifest_data(), indent="\t"))
    assert import_manifest(str(path)).text == EXPECTED.read_text()


def test_scope_wide_checker_errors_point_at_the_states() -> None:
    text = MANIFEST.read_text().replace("active: {initial: true, label:", "active: {label:")
    message = problems_of(text)
    assert "at `states`: the `per agent` scope has no initial state [GL301]" in message
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("states:"))
    assert f"m.yaml:{line}:1:" in message
