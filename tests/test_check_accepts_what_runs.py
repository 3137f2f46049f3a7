"""What `check` accepts, the runtime runs: hostile numbers, empty ladders and long chains.

Each case is an institution that `check` used to accept and the runtime (or the analyser) then
failed on with an internal error. Every one must now be a diagnostic with a documented code
(exit code 1), or run; an amount that only the round's values push beyond the money limit must
stop the round with a clear error, after which the governed env refuses to go on until reset.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from govlang.cli import main
from govlang.lang.codes import CHECK_CODES as CODES
from govlang.lang.money import AccountingError
from govlang.lang.params import parse_value
from govlang.runtime.govern import govern
from tests.runtime.support import EchoEnv, compile_text

ROUND = (
    "observe quantity: number[agent, commodity]\n"
    "action: number[commodity] in [0, 100]\n"
    "monitor total: number[agent] = sum(quantity over commodities)\n"
)


def institution(fine: str, extra: str = "", evidence: str = "total > 50") -> str:
    """An institution that fines with ``fine`` whenever ``evidence`` holds."""
    return (
        f"institution Demo\n{ROUND}{extra}"
        f"monitor high: bool[agent] = {evidence}\n"
        "per agent {\n  evidence high\n  initial state active\n"
        f"  state fined {{\n    on enter: {fine}\n  }}\n"
        "  rule R { active -> fined when high }\n"
        "  restore X { fined -> active after 2 rounds }\n}\n"
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, text: str, name: str = "case.gov") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def actions(tmp_path: Path) -> Path:
    path = tmp_path / "actions.jsonl"
    rows = [{"round": t, "actions": {"firm_0": [60, 60], "firm_1": [60, 60]}} for t in (1, 2)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


HUGE = "1" * 400
CASES = {
    "empty ladder": (institution("fine ladder [] of profit"), "GL413"),
    "empty ladder param": (
        institution("fine ladder rates of profit", "param rates: list[float] = [] in [0, 1]\n"),
        "GL413",
    ),
    "fine and plus beyond the limit": (institution("fine 1e308 plus 1e308"), "GL412"),
    "fine and plus summing beyond the limit": (institution("fine 9e14 plus 9e14"), "GL412"),
    "1e400": (institution("fine 1e400"), "GL008"),
    "400-digit fine": (institution(f"fine {HUGE}"), "GL008"),
    "400-digit param": (institution("fine 5", f"param k: int = {HUGE}\n", "total > k"), "GL008"),
    "overflowing param arithmetic": (
        institution("fine 5", f"param k: int = {'9' * 300} * {'9' * 300}\n", "total > k"),
        "GL220",
    ),
    "overflowing float arithmetic": (
        institution("fine 5", "param k: float = 1e200 * 1e200\n", "total > k"),
        "GL220",
    ),
    "ladder step beyond the limit": (institution("fine ladder [0.5, 1e16] of profit"), "GL412"),
    "cap beyond the limit": (institution("fine 0.5 of profit cap 1e300"), "GL412"),
    "grant beyond the limit": (institution("grant 2e15 from treasury"), "GL412"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_refuses_what_the_runtime_cannot_run(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = CASES[name]
    path = write(tmp_path, text)
    for command in (["check"], ["analyse"], ["compile"]):
        code, _, err = run([*command, str(path)], capsys)
        assert code == 1, (command, err)
        assert f"[{expected}]" in err, err
        assert "internal error" not in err and "Traceback" not in err
    code, _, err = run(["replay", str(path), str(actions(tmp_path))], capsys)
    assert (code, "internal error" in err) == (1, False), err
    assert expected in CODES


@pytest.mark.parametrize("value", ["1e400", "-1e400", "NaN", "Infinity", HUGE, "[0.5, 1e999]"])
def test_non_finite_overrides_are_refused(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        parse_value(value)
    path = write(tmp_path, institution("fine f", "param f: float = 5 in [0, 100]\n"))
    code, _, err = run(["check", "--param", f"f={value}", str(path)], capsys)
    assert code == 2 and "not a finite number" in err, err


def test_analyse_of_an_evidence_that_always_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`0 / 0 == 0` is true (x / 0 = 0): no round is clean, so P4 holds vacuously."""
    path = write(tmp_path, institution("fine 5", evidence="0 / 0 == 0 or total > 50"))
    code, out, err = run(["analyse", str(path)], capsys)
    assert code == 0, err
    assert "P4   return to good standing: proved: vacuously" in out
    assert "[GL607]" in err and "internal error" not in err


def test_a_chain_of_3000_monitors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["monitor m0: number[agent] = total"]
    lines += [f"monitor m{i}: number[agent] = m{i - 1} + 1" for i in range(1, 3000)]
    path = write(tmp_path, institution("fine 5", "\n".join(lines) + "\n", "m2999 > 50"))
    for command in (["check"], ["analyse"], ["compile"], ["fmt"]):
        code, _, err = run([*command, str(path)], capsys)
        assert code == 0, (command, err)
    code, out, err = run(["replay", str(path), str(actions(tmp_path))], capsys)
    assert code == 0, err
    assert "firm_0" in out


def test_a_computed_fine_beyond_the_limit_stops_the_round_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, institution("fine total * 1e14"))
    code, _, err = run(["replay", str(path), str(actions(tmp_path))], capsys)
    assert code == 3
    assert err.startswith("govlang: error: round 1, firm_0, `fine total * ")
    assert "beyond the money limit (1e15)" in err and "internal error" not in err
    path = write(tmp_path, institution("fine total * 1e300 * 1e300"))
    code, _, err = run(["replay", str(path), str(actions(tmp_path))], capsys)
    assert code == 3 and "internal error" not in err, err


ECHO = """institution Echo
observe info.x: number[agent]
action: number in [0, 100]
monitor high: bool[agent] = info.x > 50
per agent {
  evidence high
  initial state active
  state fined {
    on enter: fine info.x * 1e14
  }
  rule R { active -> fined when high }
  restore X { fined -> active after 1 rounds }
}
"""


def test_a_failed_round_ends_the_episode_until_reset() -> None:
    env = govern(EchoEnv(("a0", "a1")), compile_text(ECHO))
    env.reset(seed=0)
    env.step({"a0": np.float64(10), "a1": np.float64(10)})
    with pytest.raises(AccountingError, match=r"round 2, a0, .*beyond the money limit"):
        env.step({"a0": np.float64(90), "a1": np.float64(10)})
    for _ in range(2):  # the market moved without the institution: no further round
        with pytest.raises(RuntimeError, match=r"cannot continue: round 2 failed .*reset\(\)"):
            env.step({"a0": np.float64(10), "a1": np.float64(10)})
    env.reset(seed=1)
    _, rewards, *_ = env.step({"a0": np.float64(20), "a1": np.float64(30)})
    assert rewards == {"a0": 200.0, "a1": 300.0}
    assert [trace.round for trace in env.history] == [1]
    env.close()
