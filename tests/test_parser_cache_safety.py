"""A planted parser cache can never run code, and a cache others can write is not used.

The attack: put a pickle that runs a command where the parser looks for its cached tables,
then run a plain ``govlang check``. The cache is JSON now, read only when private to the user
and intact, so the command never runs and the check still succeeds.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import lark
import pytest

from govlang.lang import parse, parser_cache
from govlang.lang.lexer import GovLexer
from govlang.lang.parse import grammar_text, parser_cache_file

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "examples" / "cournot_reference.gov"
CLASSES: dict[str, type] = {"govlang.lang.lexer.GovLexer": GovLexer}
CALLBACKS = {"COMMENT": lambda token: token}


class Evil:
    """Unpickling this runs ``touch MARKER``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def check(cache_home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GOVLANG_NO_PARSER_CACHE"}
    env.update(XDG_CACHE_HOME=str(cache_home), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "govlang", "check", str(REFERENCE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def old_lark_cache_name(grammar: str) -> str:
    """Where the pickle cache used to be."""
    key = hashlib.sha256(f"{grammar}\0{lark.__version__}".encode()).hexdigest()[:16]
    return f"parser-{key}.lark"


def test_a_planted_pickle_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Evil(marker))
    # The payload is live: unpickling it in another process runs the command.
    subprocess.run(
        [sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"],
        input=payload,
        check=True,
        timeout=60,
    )
    assert marker.exists()
    marker.unlink()

    cache_home = tmp_path / "cache"
    directory = cache_home / "govlang"
    directory.mkdir(parents=True, mode=0o700)
    grammar = grammar_text()
    planted = [
        directory / old_lark_cache_name(grammar),
        directory / f"parser-{parser_cache.cache_key(grammar)[:16]}.json",
    ]
    for path in planted:
        path.write_bytes(b"0" * 64 + b"\n" + payload)
        path.chmod(0o600)
    result = check(cache_home)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"{REFERENCE}: ok"
    assert not marker.exists()
    # The JSON cache was rebuilt over the planted file.
    assert json.loads(planted[1].read_text(encoding="utf-8").partition("\n")[0])["format"]


def test_cache_location_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOVLANG_NO_PARSER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    location = parser_cache_file(grammar_text())
    assert isinstance(location, str) and location.endswith(".json")


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A genuine cache file written for this grammar under a private folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    directory = parser_cache.cache_directory()
    assert directory is not None
    path = directory / "parser.json"
    parser_cache.save(path, parser_cache.cache_key(grammar_text()), parse.parser(), CLASSES)
    return path


def load(path: Path) -> object:
    key = parser_cache.cache_key(grammar_text())
    return parser_cache.load(path, key, CLASSES, lexer_callbacks=CALLBACKS)


def test_a_genuine_cache_parses_as_the_built_parser(cached: Path) -> None:
    assert cached.stat().st_mode & 0o777 == 0o600
    loaded = load(cached)
    assert isinstance(loaded, lark.Lark)
    text = REFERENCE.read_text(encoding="utf-8")
    assert loaded.parse(text) == parse.parser().parse(text)


def test_a_class_the_cache_may_not_name_is_refused(cached: Path) -> None:
    header, _, body = cached.read_text(encoding="utf-8").partition("\n")
    body = body.replace('"govlang.lang.lexer.GovLexer"', '"os.system"')
    fields = json.loads(header)
    fields["sha256"] = hashlib.sha256(body.encode()).hexdigest()
    cached.write_text(json.dumps(fields) + "\n" + body, encoding="utf-8")
    assert load(cached) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: text.replace('"lalr"', '"earley"', 1),  # edited, digest not updated
        lambda text: text.replace(parser_cache.FORMAT, "other/1", 1),  # another format
        lambda text: "",
    ],
)
def test_a_damaged_or_foreign_cache_is_ignored(cached: Path, damage: object) -> None:
    assert callable(damage)
    cached.write_text(damage(cached.read_text(encoding="utf-8")), encoding="utf-8")
    assert load(cached) is None


def test_a_cache_file_others_can_write_is_ignored(cached: Path) -> None:
    cached.chmod(0o620)
    assert load(cached) is None
    cached.chmod(0o602)
    assert load(cached) is None
    cached.chmod(0o600)
    assert load(cached) is not None


def test_a_cache_folder_others_can_write_is_not_used(cached: Path) -> None:
    cached.parent.chmod(0o770)
    assert load(cached) is None
    assert parser_cache.cache_directory() is None
    cached.parent.chmod(0o700)
    assert parser_cache.cache_directory() == cached.parent


def test_a_cache_of_another_user_is_ignored(cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    assert load(cached) is None


def test_a_symlinked_cache_file_is_ignored(cached: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    cached.rename(elsewhere)
    cached.symlink_to(elsewhere)
    assert load(cached) is None
