"""A user-supplied constitution: inline or from a file, bad input, and readers that act on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govlang.cli import main
from govlang.experiments.config import ExperimentError, load_experiment
from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import run_experiment
from govlang.experiments.runs import plan_runs

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "examples" / "cournot_reference.gov"
PAPER = REPO / "examples" / "constitutions" / "anti_collusion.txt"

BASE = """
rounds = 12
runs = 4
seed = 1
regimes = ["ungoverned", "constitutional", "announced_unenforced", "enforced_unannounced"]
[institution]
path = "ref.gov"
[populations.readers]
firms = [{ kind = "reader", heed_probability = 0.5 }, { kind = "reader", heed_probability = 0.5 }]
[populations.colluders]
firms = [{ kind = "colluder" }, { kind = "colluder" }]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(REFERENCE, tmp_path / "ref.gov")
    return tmp_path


def write(folder: Path, table: str) -> Path:
    path = folder / "experiment.toml"
    path.write_text(BASE + table, encoding="utf-8")
    return path


def test_inline_and_file_constitutions_load(folder: Path) -> None:
    inline = load_experiment(write(folder, '[constitution]\ntext = "Firms must not collude."\n'))
    assert inline.constitution is not None
    assert inline.constitution.text == "Firms must not collude."
    assert inline.constitution.source == "inline"
    shutil.copy(PAPER, folder / "c.txt")
    filed = load_experiment(write(folder, '[constitution]\nfile = "c.txt"\n'))
    assert filed.constitution is not None
    assert filed.constitution.text == PAPER.read_text(encoding="utf-8")
    assert filed.constitution.source == str(folder / "c.txt") and filed.constitution.file is None


def test_the_text_enters_constitutional_runs_only(folder: Path) -> None:
    spec = load_experiment(write(folder, '[constitution]\ntext = "Firms must not collude."\n'))
    runs = plan_runs(spec, "d" * 64, None)
    texts = {(r.regime, r.constitution) for r in runs}
    assert texts == {
        ("ungoverned", None),
        ("constitutional", "Firms must not collude."),
        ("announced_unenforced", None),
        ("enforced_unannounced", None),
    }
    other = load_experiment(write(folder, '[constitution]\ntext = "Be fair."\n'))
    ids = {r.run_id for r in runs}
    changed = {r.run_id for r in plan_runs(other, "d" * 64, None)}
    assert len(ids & changed) == 3 * 2 * 4  # only the constitutional runs change identity


@pytest.mark.parametrize(
    ("table", "make", "message"),
    [
        ('file = "absent.txt"', None, r"constitution\.file: no such file: .*absent\.txt"),
        (
            'file = "latin1.txt"',
            b"Firms must not collude \xe9",
            r"constitution\.file: .* not UTF-8",
        ),
        ('file = "empty.txt"', b"  \n", r"constitution\.file: .*empty"),
        ('file = "."', None, r"constitution\.file: not a regular file"),
        ('text = "x"\nfile = "c.txt"', b"x", r"constitution: give exactly one of `text`"),
        ("", None, r"constitution: give exactly one"),
        ('text = "   "', None, r"constitution: text: the constitution is empty"),
        ('txt = "x"', None, r"constitution\.txt: unknown key; did you mean 'text'\?"),
    ],
)
def test_bad_constitutions_name_the_key_exit_1_and_write_nothing(
    folder: Path, table: str, make: bytes | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if make is not None:
        name = table.split('"')[-2]
        (folder / name).write_bytes(make)
    path = write(folder, f"[constitution]\n{table}\n")
    with pytest.raises(ExperimentError, match=message):
        load_experiment(path)
    out = folder / "out"
    assert main(["run", str(path), "-o", str(out), "--quiet"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()


def test_readers_make_the_text_regimes_differ_and_the_report_says_why(folder: Path) -> None:
    shutil.copy(PAPER, folder / "c.txt")
    result = run_experiment(
        write(folder, '[constitution]\nfile = "c.txt"\n'), folder / "r", quiet=True
    )
    by = {(r.population, r.regime, r.index): r for r in result.runs}

    def actions(population: str, regime: str, k: int) -> list[object]:
        run = by[(population, regime, k)]
        trace = read_trace(folder / "r" / "runs" / run.run_id / "trace.jsonl")
        return [r["requested"] for r in trace]

    def trace(population: str, regime: str, k: int) -> list[dict[str, object]]:
        run = by[(population, regime, k)]
        return read_trace(folder / "r" / "runs" / run.run_id / "trace.jsonl")

    # colluders cannot read: the text regimes equal ungoverned, the unannounced one binds
    for k in range(4):
        base = actions("colluders", "ungoverned", k)
        assert actions("colluders", "constitutional", k) == base
        assert actions("colluders", "announced_unenforced", k) == base
    # readers: some constitutional run heeds the prohibition, and says which sentence it read
    heeded = [
        k
        for k in range(4)
        if trace("readers", "constitutional", k)[0]["firms"]["firm_0"]["decision"]["record"][
            "text_trigger"
        ]
        == "prohibition"
        or trace("readers", "constitutional", k)[0]["firms"]["firm_1"]["decision"]["record"][
            "text_trigger"
        ]
        == "prohibition"
    ]
    assert heeded and all(
        actions("readers", "constitutional", k) != actions("readers", "ungoverned", k)
        for k in heeded
    )
    first = trace("readers", "constitutional", heeded[0])[0]["firms"]
    read = {f["decision"]["record"].get("read") for f in first.values()}  # type: ignore[attr-defined]
    assert "Firms must not collude with one another" in read
    # announced only: the readers read the notices although nothing is deducted
    for k in range(4):
        rounds = trace("readers", "announced_unenforced", k)
        assert all(r["payoffs"]["raw"] == r["payoffs"]["mediated"] for r in rounds)  # type: ignore[index]
        triggers = {
            f["decision"]["record"]["text_trigger"]  # type: ignore[index]
            for r in rounds
            for f in r["firms"].values()  # type: ignore[attr-defined]
        }
        assert triggers & {"notice", "standing", "prohibition"}
    # enforced, unannounced: no text reaches anyone, the firms see no notices
    for k in range(4):
        for r in trace("readers", "enforced_unannounced", k):
            for f in r["firms"].values():  # type: ignore[attr-defined]
                assert f["view"]["notices"] == [] and "govlang" not in f["seen"]["info"]
    report = result.report_md.read_text(encoding="utf-8")
    assert "contain reader firms (kind reader)" in report
    assert f"the experiment's constitution ({folder / 'c.txt'})" in report
    assert "Under announced_unenforced the institution runs and its acts are announced" in report
    assert "Under enforced_unannounced the institution's sanctions bind" in report
