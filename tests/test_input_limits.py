"""Bounded reads: size limits, refused devices and FIFOs, and a clean Ctrl-C.

Each test feeds the command line what a hostile or careless user could: an endless device, a
FIFO nobody writes to, an oversized file or stream, a malformed limit. Every one must end
quickly with exit code 1 and a one-line error naming the input, a hint, and no traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govlang.cli import main
from govlang.lang.inputs import GOV, KEY, LIMITS, InputRefused, Limit, read_file
from govlang.runtime.log import load_key

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "examples" / "cournot_reference.gov"
EXPERIMENT = ROOT / "examples" / "reference_offline.toml"
SPECS = ROOT / "specs" / "inputs.md"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def refused(err: str, name: str, what: str) -> None:
    """The error names the input and the problem, carries a hint, and shows no traceback."""
    assert err.startswith(f"govlang: error: {name}: {what}"), err
    assert "\n  hint: " in err
    assert "Traceback" not in err


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text('{"digest": "sha256:0"}', encoding="utf-8")
    return path


# ---------------------------------------------------------------- devices and FIFOs


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_check_refuses_devices(device: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["check", device], capsys)
    assert code == 1
    refused(err, device, "is a character device, not a regular file")


def test_check_dev_zero_ends_at_once_in_a_real_process() -> None:
    """The reported attack: ``govlang check /dev/zero`` grew to 24 GB; now it is refused."""
    result = subprocess.run(
        [sys.executable, "-m", "govlang", "check", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 1
    refused(result.stderr, "/dev/zero", "is a character device")


def test_check_refuses_a_fifo_without_blocking(
    fifo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(["check", str(fifo)], capsys)
    assert code == 1
    refused(err, str(fifo), "is a FIFO (named pipe), not a regular file")


def test_a_symlink_to_a_device_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "innocent.gov"
    link.symlink_to("/dev/zero")
    code, err = run(["check", str(link)], capsys)
    assert code == 1
    refused(err, str(link), "is a character device")


def test_a_directory_keeps_its_own_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(["check", str(tmp_path)], capsys)
    assert code == 3
    assert f"{tmp_path}: is a directory" in err


def test_verify_refuses_a_fifo_log_and_a_device_manifest(
    fifo: Path, manifest: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVLANG_LOG_KEY", "k")
    code, err = run(["verify", str(fifo), "--manifest", str(manifest)], capsys)
    assert code == 1
    refused(err, str(fifo), "is a FIFO")
    code, err = run(["verify", str(fifo), "--manifest", "/dev/urandom"], capsys)
    assert code == 1
    refused(err, "/dev/urandom", "is a character device")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_key_file_device_is_refused(
    device: str,
    tmp_path: Path,
    manifest: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOVLANG_LOG_KEY", raising=False)
    monkeypatch.setenv("GOVLANG_LOG_KEY_FILE", device)
    log = tmp_path / "run.jsonl"
    log.write_text("", encoding="utf-8")
    code, err = run(["verify", str(log), "--manifest", str(manifest)], capsys)
    assert code == 1
    refused(err, device, "is a character device")


def test_experiment_fifo_is_refused(
    fifo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    code, err = run(["run", str(fifo), "-o", str(out)], capsys)
    assert code == 1
    refused(err, str(fifo), "is a FIFO")
    assert not out.exists()


# ---------------------------------------------------------------- size limits


def test_stdin_stream_over_the_limit_is_refused() -> None:
    """``check -`` fed an endless stream stops one byte past the limit."""
    with subprocess.Popen(
        [sys.executable, "-m", "govlang", "check", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "GOVLANG_MAX_GOV_BYTES": "64K"},
    ) as process:
        assert process.stdin is not None
        try:
            while True:  # write until the reader gives up and closes the pipe
                process.stdin.write("# a comment line that never ends the file\n" * 100)
                process.stdin.flush()
        except BrokenPipeError:
            pass
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    refused(err, "<stdin>", "larger than 64 KiB, the limit for an institution file")
    assert "GOVLANG_MAX_GOV_BYTES=256K" in err


def test_gov_file_over_the_limit_then_allowed_by_the_override(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.gov"
    text = REFERENCE.read_text(encoding="utf-8")
    big.write_text(text + "# padding\n" * 500, encoding="utf-8")
    monkeypatch.setenv("GOVLANG_MAX_GOV_BYTES", str(len(text)))
    code, err = run(["check", str(big)], capsys)
    assert code == 1
    refused(err, str(big), "larger than")
    assert "GOVLANG_MAX_GOV_BYTES" in err
    monkeypatch.setenv("GOVLANG_MAX_GOV_BYTES", "1M")
    code, err = run(["check", str(big)], capsys)
    assert code == 0, err


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "exact.gov"
    path.write_bytes(b"x" * 1000)
    limit = Limit("a test file", "GOVLANG_TEST_LIMIT", 1000)
    assert read_file(path, limit) == b"x" * 1000
    path.write_bytes(b"x" * 1001)
    with pytest.raises(InputRefused, match="larger than 1000 bytes"):
        read_file(path, limit)


def test_verify_log_over_the_limit(
    tmp_path: Path,
    manifest: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVLANG_LOG_KEY", "k")
    monkeypatch.setenv("GOVLANG_MAX_LOG_BYTES", "1K")
    log = tmp_path / "run.jsonl"
    log.write_text('{"kind": "header"}\n' * 200, encoding="utf-8")
    code, err = run(["verify", str(log), "--manifest", str(manifest)], capsys)
    assert code == 1
    refused(err, str(log), "larger than 1 KiB, the limit for a governance log")


def test_key_file_over_the_limit(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"k" * (KEY.default + 1))
    with pytest.raises(InputRefused, match="the limit for a key file"):
        load_key({"GOVLANG_LOG_KEY_FILE": str(key)})
    key.write_bytes(b"k" * 64 + b"\n")
    key.chmod(0o600)
    assert load_key({"GOVLANG_LOG_KEY_FILE": str(key)}) == b"k" * 64


def test_experiment_file_over_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVLANG_MAX_TOML_BYTES", "1K")
    experiment = tmp_path / "big.toml"
    experiment.write_text(EXPERIMENT.read_text(encoding="utf-8") + "#\n" * 1000)
    out = tmp_path / "results"
    code, err = run(["run", str(experiment), "-o", str(out)], capsys)
    assert code == 1
    refused(err, str(experiment), "larger than 1 KiB, the limit for an experiment")
    assert not out.exists()


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5M", "12T"])
def test_a_malformed_limit_is_refused(
    value: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVLANG_MAX_GOV_BYTES", value)
    code, err = run(["check", str(REFERENCE)], capsys)
    assert code == 1
    refused(err, f"GOVLANG_MAX_GOV_BYTES={value!r}", "not a size")


@pytest.mark.parametrize(("value", "size"), [("2048", 2048), ("4k", 4096), ("3M", 3 << 20)])
def test_limit_suffixes(value: str, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(GOV.env, value)
    assert GOV.bytes() == size


def test_every_limit_is_documented() -> None:
    """specs/inputs.md names each variable and its default."""
    specs = SPECS.read_text(encoding="utf-8")
    for limit in LIMITS:
        assert limit.env in specs, limit.env
    assert "4 MiB" in specs and "1 GiB" in specs


# ---------------------------------------------------------------- Ctrl-C


def test_keyboard_interrupt_is_one_line_and_exit_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("govlang.api.check_file", interrupted)
    code, err = run(["check", str(REFERENCE)], capsys)
    assert code == 130
    assert err == "govlang: interrupted\n"


def test_a_ctrl_c_turned_into_another_error_is_still_an_interrupt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A C extension interrupted while it loads reports ``ImportError`` caused by Ctrl-C."""

    def loading(*_: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None

    monkeypatch.setattr("govlang.api.check_file", loading)
    code, err = run(["check", str(REFERENCE)], capsys)
    assert code == 130
    assert err == "govlang: interrupted\n"


def blocked_on_a_pipe(pid: int) -> bool:
    """Whether the process sleeps in a pipe read (Linux's ``/proc/PID/wchan``)."""
    try:
        return "pipe" in Path(f"/proc/{pid}/wchan").read_text(encoding="ascii")
    except OSError:
        return False


def test_ctrl_c_while_waiting_for_stdin() -> None:
    """A real SIGINT to ``python -m govlang check -`` blocked on its input."""
    with subprocess.Popen(
        [sys.executable, "-m", "govlang", "check", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as process:
        deadline = time.monotonic() + 60
        while not blocked_on_a_pipe(process.pid):
            assert time.monotonic() < deadline, "never waited for its input"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == "govlang: interrupted\n"
    assert out == ""
