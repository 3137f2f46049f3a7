"""The command line: exit codes, stdin, formats, and no tracebacks without --debug."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from govlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "examples" / "cournot_reference.gov"

BROKEN = """institution Broken
observe quantity: number[agent]
per agent {
  initial state active "CLEAR"
  state warning "UNDER REVIEW"
  rule R1 "No hoarding." {
    active -> warnng when quantity > 10
  }
}
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", str(REFERENCE)], capsys)
    assert code == 0
    assert "ok" in err


def test_check_errors_exit_1_with_location_and_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.gov"
    bad.write_text(BROKEN)
    code, _, err = run(["check", str(bad)], capsys)
    assert code == 1
    assert f"{bad}:7:15: error[" in err
    assert "`warnng`" in err
    assert "did you mean `warning`?" in err
    assert "Traceback" not in err


def test_check_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.gov"
    bad.write_text(BROKEN)
    code, out, _ = run(["check", "--format", "json", str(bad)], capsys)
    assert code == 1
    report = json.loads(out)
    assert report["errors"] >= 1
    first = report["diagnostics"][0]
    assert {"code", "severity", "message", "file", "line", "column", "hint"} <= set(first)
    assert (first["line"], first["column"]) == (7, 15)


def test_check_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(REFERENCE.read_bytes())))
    code, _, err = run(["check", "-"], capsys)
    assert code == 0, err
    assert "<stdin>" in err


def test_missing_file_is_io_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "does/not/exist.gov"], capsys)
    assert code == 3
    assert "no such file" in err


def test_directory_is_io_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", str(tmp_path)], capsys)
    assert code == 3
    assert "directory" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["frobnicate"], capsys)[0] == 2
    assert run(["check"], capsys)[0] == 2
    code, _, err = run(["compile", str(REFERENCE), "--param", "fine_floor"], capsys)
    assert code == 2
    assert "NAME=VALUE" in err


def test_param_override_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", str(REFERENCE), "--param", "fine_floor=-5"], capsys)
    assert code == 1
    assert "outside its range" in err
    code, _, err = run(["check", str(REFERENCE), "--param", "fine_flor=5"], capsys)
    assert code == 1
    assert "did you mean `fine_floor`?" in err


def test_compile_digest_reflects_override(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["compile", str(REFERENCE)], capsys)
    assert code == 0
    base = json.loads(out)
    code, out, _ = run(["compile", str(REFERENCE), "--param", "fine_floor=100"], capsys)
    assert code == 0
    assert json.loads(out) != base
    assert "sha256:" in out


def test_compile_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "manifest.json"
    code, _, err = run(["compile", str(REFERENCE), "-o", str(target)], capsys)
    assert code == 0
    assert json.loads(target.read_text())
    assert "sha256:" in err


def test_unwritable_output_is_io_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["compile", str(REFERENCE), "-o", "/nonexistent/dir/m.json"], capsys)
    assert code == 3
    assert "cannot write" in err


@pytest.mark.parametrize("suffix", ["svg", "png", "pdf", "dot"])
def test_render_formats(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / f"graph.{suffix}"
    code, _, err = run(["render", str(REFERENCE), "-o", str(target)], capsys)
    assert code == 0, err
    assert target.stat().st_size > 0


def test_render_invalid_institution_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.gov"
    bad.write_text(BROKEN)
    code, _, err = run(["render", str(bad), "-o", str(tmp_path / "x.svg")], capsys)
    assert code == 1
    assert "error[" in err


def test_fmt_check_and_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = tmp_path / "messy.gov"
    messy.write_text(REFERENCE.read_text().replace("  ", "      ").replace(" = ", "   =  "))
    assert run(["fmt", "--check", str(messy)], capsys)[0] == 1
    assert run(["fmt", "-w", str(messy)], capsys)[0] == 0
    assert run(["fmt", "--check", str(messy)], capsys)[0] == 0
    code, out, _ = run(["fmt", str(messy)], capsys)
    assert code == 0
    assert out == messy.read_text()


def test_examples_are_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (ROOT / "examples").glob("*.gov"))
    code, _, err = run(["fmt", "--check", *files], capsys)
    assert code == 0, err


def test_fmt_syntax_error_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.gov"
    bad.write_text("institution X per agent {")
    code, _, err = run(["fmt", str(bad)], capsys)
    assert code == 1
    assert "GL004" in err


def test_binary_junk_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.gov"
    junk.write_bytes(bytes(range(256)) * 4)
    code, _, err = run(["check", str(junk)], capsys)
    assert code == 1
    assert "GL007" in err
    assert "Traceback" not in err


def test_env_check_against_builtin_market(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "--env", "cournot", str(REFERENCE)], capsys)
    assert code == 0, err
    code, _, err = run(["check", "--env", "bertrand", str(REFERENCE)], capsys)
    assert code == 1
    assert "quantity" in err or "commodity" in err


def test_unknown_env_is_io_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "--env", "no-such-market", str(REFERENCE)], capsys)
    assert code == 3
    assert "built-in market" in err


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "govlang", "check", str(REFERENCE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # The console script is installed next to the interpreter by `pip install -e .`.
    script = Path(sysconfig.get_path("scripts")) / "govlang"
    assert script.exists(), "run `bash .ci/install` first"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "exit codes" in result.stdout


def _governed_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    import govlang
    from govlang.markets import CournotMarket

    monkeypatch.setenv("GOVLANG_LOG_KEY", "operator-secret")
    manifest = tmp_path / "manifest.json"
    assert main(["compile", str(REFERENCE), "-o", str(manifest)]) == 0
    log = tmp_path / "governance.jsonl"
    env = govlang.govern(CournotMarket(), govlang.load(REFERENCE), log=log)
    env.reset(seed=1)
    for _ in range(4):
        env.step({"firm_0": [60.0, 0.0], "firm_1": [0.0, 60.0]})
    env.close()
    return log, manifest


def test_verify_intact_and_tampered_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log, manifest = _governed_log(tmp_path, monkeypatch)
    capsys.readouterr()
    code, _, err = run(["verify", str(log), "--manifest", str(manifest)], capsys)
    assert code == 0, err
    lines = log.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace("firm_0", "firm_1", 1)
    log.write_text("".join(lines))
    code, _, err = run(["verify", str(log), "--manifest", str(manifest)], capsys)
    assert code == 1
    assert f"{log}:4:" in err


def test_verify_without_a_trusted_key_fails_and_a_public_key_suffices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from govlang.runtime.signing import private_key, public_pem

    log, manifest = _governed_log(tmp_path, monkeypatch)
    monkeypatch.delenv("GOVLANG_LOG_KEY")
    monkeypatch.delenv("GOVLANG_LOG_KEY_FILE", raising=False)
    code, _, err = run(["verify", str(log), "--manifest", str(manifest)], capsys)
    assert code == 1
    assert "which you neither hold nor named" in err and "--public-key" in err
    assert "GOVLANG_LOG_KEY" in err and "Traceback" not in err
    public = tmp_path / "operator.pub.pem"
    public.write_bytes(public_pem(private_key("operator-secret")))
    code, _, err = run(
        ["verify", str(log), "--manifest", str(manifest), "--public-key", str(public)], capsys
    )
    assert code == 0, err
    assert "it does not prove the private key stayed secret" in err
    assert f"the public key in {public} (given with --public-key)" in err


def test_replay_prints_institutional_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actions = tmp_path / "actions.jsonl"
    actions.write_text(
        "".join(
            json.dumps({"round": t, "actions": {"firm_0": [60, 0], "firm_1": [0, 60]}}) + "\n"
            for t in range(1, 6)
        )
    )
    code, out, err = run(["replay", str(REFERENCE), str(actions), "--market", "cournot"], capsys)
    assert code == 0, err
    assert "warning" in out and "fined" in out and "suspended" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"round": 1}\n')
    code, _, err = run(["replay", str(REFERENCE), str(bad)], capsys)
    assert code == 3
    assert "Traceback" not in err
