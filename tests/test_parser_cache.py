"""The analysed grammar is cached per user, and a bad cache never breaks parsing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from govlang.lang.parse import grammar_text, parser_cache_file

CHECK = [sys.executable, "-m", "govlang", "check", "examples/cournot_reference.gov"]
ROOT = Path(__file__).resolve().parent.parent


def run_check(cache_home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GOVLANG_NO_PARSER_CACHE"}
    env.update(XDG_CACHE_HOME=str(cache_home), **extra)
    return subprocess.run(CHECK, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_cache_is_written_in_a_private_directory_and_reused(tmp_path: Path) -> None:
    first = run_check(tmp_path)
    assert first.returncode == 0, first.stderr
    directory = tmp_path / "govlang"
    (cached,) = directory.iterdir()
    assert directory.stat().st_mode & 0o077 == 0
    written = cached.stat().st_mtime_ns
    second = run_check(tmp_path)
    assert second.returncode == 0, second.stderr
    assert cached.stat().st_mtime_ns == written  # loaded, not rebuilt


@pytest.mark.parametrize("damage", [b"", b"not a cache\n", b"\x80\x04garbage"])
def test_a_damaged_cache_is_rebuilt(tmp_path: Path, damage: bytes) -> None:
    run_check(tmp_path)
    (cached,) = (tmp_path / "govlang").iterdir()
    cached.write_bytes(damage)
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "examples/cournot_reference.gov: ok"
    assert cached.read_bytes() != damage


def test_an_unwritable_cache_location_means_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.delenv("GOVLANG_NO_PARSER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    usable = parser_cache_file(grammar_text())
    assert isinstance(usable, str) and Path(usable).parent == tmp_path / "govlang"
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert parser_cache_file(grammar_text()) is False
    result = run_check(blocker)
    assert result.returncode == 0, result.stderr


def test_cache_can_be_turned_off(tmp_path: Path) -> None:
    result = run_check(tmp_path, GOVLANG_NO_PARSER_CACHE="1")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "govlang").exists()
