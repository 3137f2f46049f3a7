"""``govlang deterrence`` on the command line: output, formats and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govlang.cli import main

from .support import REFERENCE, ROOT, write


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_reference_institution_on_cournot(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["deterrence", str(REFERENCE), "--env", "cournot"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("deterrence of CournotAntiCollusion (sha256:")
    assert "  Nash: closed form (interior Cournot-Nash)" in out
    assert "pattern market_division (market division): cannot deter (restoration too quick" in out
    assert "    firm_0: 1,800.00, 1,444.44, 355.56, 200.00, 0.3600" in out
    assert (
        "first sanction r2 (fine 630.00 (0.35 x 1800.00, ladder step 0) "
        "under P2_independent_decision), 1 free round" in out
    )
    assert "discounted: rent 6,563.95, penalty 23,137.32" in out
    assert "    persistent: x0: deterred without any fine" in out
    assert "    evasive: none up to x1024: never fined" in out


def test_a_market_the_institution_does_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["deterrence", str(REFERENCE), "--env", "cournot", "--market-param", "capacity=30"]
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    assert "error[GL409]: the action space is not inside the environment's" in err


def test_json_and_the_numeric_note(capsys: pytest.CaptureFixture[str]) -> None:
    costs = "costs=[[10, 90], [90, 10]]"  # each firm's Nash supply of its dear good is zero
    argv = ["deterrence", str(REFERENCE), "--env", "cournot", "--market-param", costs]
    code, out, _ = run([*argv, "--no-search", "--horizon", "12"], capsys)
    assert code == 0
    assert "note: no closed form for Nash with these market parameters" in out
    code, out, _ = run([*argv, "--no-search", "--horizon", "12", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["format"] == "govlang.deterrence" and data["horizon"] == 12
    assert data["market"]["numeric"] == ["nash"]
    kinds = {p["key"]: p["verdict"]["kind"] for p in data["patterns"]}
    assert set(kinds) == {"symmetric_restriction", "market_division"}
    assert data["patterns"][0]["minimum_fine"] is None


def test_bertrand(capsys: pytest.CaptureFixture[str]) -> None:
    gov = REFERENCE.parent / "bertrand_price_watch.gov"
    code, out, _ = run(["deterrence", str(gov), "--env", "bertrand", "--no-search"], capsys)
    assert code == 0
    assert "pattern joint_pricing (symmetric price coordination at the joint optimum)" in out
    assert "pattern market_division (market division): not applicable" in out
    assert "note: no closed form for Nash, the joint optimum, best responses" in out


def test_an_institution_that_does_not_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path, (REFERENCE.read_text(encoding="utf-8")).replace("nash.hhi", "nash.hhx", 1)
    )
    code, out, err = run(["deterrence", str(bad), "--env", "cournot"], capsys)
    assert code == 1 and out == ""
    assert "error[GL" in err and "nash.hhx" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--env", "monopoly"], "--env monopoly: not a built-in market (cournot, bertrand)"),
        (["--env", "cournot", "--market-param", "alpah=3"], "did you mean `alpha`?"),
        (["--env", "cournot", "--market-param", "alpha=-3"], "alpha must be finite and > 0"),
        (["--env", "cournot", "--market-param", "alpha=high"], "is not a JSON value"),
        (["--env", "cournot", "--market-param", "alpha"], "expected KEY=VALUE"),
        (["--env", "cournot", "--horizon", "0"], "--horizon must be between 1 and 10000"),
        (["--env", "cournot", "--discount", "0"], "--discount must be in (0, 1]"),
        (["--env", "cournot", "--param", "fine_flor=3"], "fine_flor"),
    ],
)
def test_bad_usage(extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["deterrence", str(REFERENCE), *extra], capsys)
    assert code in (1, 2) and out == "" and "Traceback" not in err
    assert message in err


def test_a_schema_file_names_its_market(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from govlang.markets import cournot_schema

    schema = cournot_schema()
    good = tmp_path / "cournot.json"
    good.write_text(schema.model_dump_json(), encoding="utf-8")
    code, out, _ = run(
        ["deterrence", str(REFERENCE), "--env", str(good), "--no-search", "--horizon", "5"], capsys
    )
    assert code == 0 and "on cournot" in out
    other = tmp_path / "other.json"
    other.write_text(
        schema.model_copy(update={"name": "auction"}).model_dump_json(), encoding="utf-8"
    )
    code, _, err = run(["deterrence", str(REFERENCE), "--env", str(other)], capsys)
    assert code == 2
    assert "the schema describes `auction`, which govlang cannot play" in err


def test_analyse_warns_about_undeterred_patterns(capsys: pytest.CaptureFixture[str]) -> None:
    fast = ["--bound", "10"]  # the model checker's part is not under test here
    code, out, err = run(
        ["analyse", str(REFERENCE), *fast, "--env", "cournot", "--deterrence"], capsys
    )
    assert code == 0 and out.startswith("analysis of CournotAntiCollusion")
    warned = [line for line in err.splitlines() if "warning[GL617]" in line]
    assert len(warned) == 2
    assert all("is not deterred: restoration too quick" in line for line in warned)
    flawed = ROOT / "tests" / "analyse" / "flawed" / "GL617_not_deterred.gov"
    code, _, err = run(["analyse", str(flawed), "--env", "cournot"], capsys)
    assert code == 0 and "GL617" not in err  # opt-in
    code, _, err = run(["analyse", str(REFERENCE), *fast, "--deterrence"], capsys)
    assert code == 2 and "--deterrence needs --env" in err


def test_the_readme_excerpt_is_real(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (REFERENCE.parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```\npattern market_division") + 4
    excerpt = readme[start : readme.index("```", start)].splitlines()
    code, out, _ = run(["deterrence", str(REFERENCE), "--env", "cournot", "--no-search"], capsys)
    assert code == 0 and len(excerpt) >= 5
    lines = out.splitlines()
    for line in excerpt:
        assert line in lines
