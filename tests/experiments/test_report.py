"""The report: self-contained HTML, regimes linked to runs and run pages, honest notes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from govlang.agents.fakeserver import FakeLLMServer
from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import ExperimentResult, run_experiment
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV

REPO = Path(__file__).resolve().parents[2]

EXPERIMENT = """
name = "report-check"
description = "A colluding pair and a pair with a language-model firm."
rounds = 4
runs = 1
seed = 11

[institution]
path = "{gov}"

[llm]
model = "{model}"
api_base = "{api_base}"
api_key = "not-a-secret"
timeout = 10
max_retries = 0

[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]

[populations.talkers]
firms = [{{ kind = "llm" }}, {{ kind = "colluder" }}]
"""


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExperimentResult]:
    folder = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch, FakeLLMServer() as server:
        patch.setenv(KEY_ENV, "report-test-key")
        patch.delenv(KEY_FILE_ENV, raising=False)
        path = folder / "experiment.toml"
        gov = REPO / "examples" / "cournot_reference.gov"
        text = EXPERIMENT.format(gov=gov, model=server.model, api_base=server.api_base)
        path.write_text(text, encoding="utf-8")
        yield run_experiment(path, folder / "results", quiet=True)


@pytest.fixture(scope="module")
def page(done: ExperimentResult) -> str:
    return done.report_html.read_text(encoding="utf-8")


def test_html_is_self_contained(page: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", page)
    assert "<script" not in page and "<link" not in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    assert "<svg" in page and "<?xml" not in page


def _run_page(done: ExperimentResult, run_id: str) -> str:
    return (done.out_dir / "runs" / run_id / "run.html").read_text(encoding="utf-8")


def test_every_link_resolves(done: ExperimentResult, page: str) -> None:
    ids = set(re.findall(r'id="([^"]+)"', page))
    links = re.findall(r'href="([^"]+)"', page)
    anchors = [link for link in links if link.startswith("#")]
    files = [link for link in links if not link.startswith("#")]
    assert anchors and {link[1:] for link in anchors} <= ids
    assert files and all((done.out_dir / link).is_file() for link in files)
    for run in done.runs:
        run_page = _run_page(done, run.run_id)
        run_ids = set(re.findall(r'id="([^"]+)"', run_page))
        folder = done.out_dir / "runs" / run.run_id
        for link in re.findall(r'href="([^"]+)"', run_page):
            target, _, anchor = link.partition("#")
            if target:
                assert (folder / target).is_file(), link
            if anchor:
                shown = (folder / target).read_text("utf-8") if target else run_page
                assert f'id="{anchor}"' in shown, link
        assert run_ids


def test_the_report_stays_small(page: str) -> None:
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert len(text.encode()) < 200_000  # 12 runs; rounds live on the run pages
    assert '<tr id="r1">' not in page


def regime_section(page: str, regime: str) -> str:
    start = page.index(f'<h3 id="regime-{regime}">')
    return page[start : page.index("</table>", start)]


def test_regimes_link_to_runs_and_runs_to_rounds(done: ExperimentResult, page: str) -> None:
    regime_table = page[page.index('id="regimes"') : page.index('id="configs"')]
    for regime in ("ungoverned", "constitutional", "institutional"):
        assert f'href="#regime-{regime}"' in regime_table
        section = regime_section(page, regime)
        for run in done.runs:
            linked = f'href="runs/{run.run_id}/run.html"' in section
            assert linked == (run.regime == regime)
    for run in done.runs:
        run_page = _run_page(done, run.run_id)
        assert f"<h1>Run {run.run_id}</h1>" in run_page
        assert f'href="../../report.html#regime-{run.regime}"' in run_page
        rounds = re.findall(r'<tr id="r(\d+)">', run_page)
        assert rounds == ["1", "2", "3", "4"]


def test_round_detail_shows_reasoning_outcome_and_events(done: ExperimentResult) -> None:
    run = next(r for r in done.runs if r.population == "talkers" and r.regime == "institutional")
    run_page = _run_page(done, run.run_id)
    start = run_page.index('<tr id="r1">')
    row = run_page[start : run_page.index("</tr>", start)]
    assert "Prices held steady." in row
    assert "price [" in row
    assert "traversal P2_independent_decision:active-&gt;warning" in row
    assert '<a href="#r1">1</a>' in run_page


def test_llm_exchange_is_in_the_trace(done: ExperimentResult) -> None:
    run = next(r for r in done.runs if r.population == "talkers" and r.regime == "constitutional")
    records = read_trace(done.out_dir / "runs" / run.run_id / "trace.jsonl")
    record = records[0]["firms"]["firm_0"]["decision"]["record"]
    system = record["messages"][0]["content"]
    assert "P2_independent_decision" in system
    assert record["answer"]["observations"] == "Prices held steady."
    assert records[0]["requested"]["firm_0"] == [30.0, 20.0]
    assert "not-a-secret" not in (done.out_dir / "manifest.json").read_text()


def test_markdown_report_and_honesty_notes(done: ExperimentResult) -> None:
    text = done.report_md.read_text(encoding="utf-8")
    assert "| regime | runs | mean tier [95% CI]" in text
    assert "Configurations colluders contain only firms that cannot read text" in text
    assert "talkers contain" not in text
    assert "the operator key from GOVLANG_LOG_KEY" in text
    assert "report-test-key" not in text
    for figure in re.findall(r"\]\((plots/[^)]+)\)", text):
        assert (done.out_dir / figure).read_bytes().startswith(b"\x89PNG")
    assert "plots/tiers.png" in text


def test_regime_statistics_are_reported(done: ExperimentResult) -> None:
    comparison = done.comparisons.versus["institutional"]
    assert not isinstance(comparison, str)
    assert comparison.sign_flip.n == 2
    line = next(
        x for x in done.report_md.read_text().splitlines() if x.startswith("| institutional |")
    )
    assert f"| {comparison.cohens_d:.2f} |" in line
    assert f"{comparison.improved}/2 improved" in line and "(exact)" in line
    severe = done.comparisons.pooled["institutional"].severe
    assert f"({severe.count}/{severe.n})" in line


def test_llm_answers_are_coded_in_the_reason_table(done: ExperimentResult, page: str) -> None:
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    rounds = pq.read_table(done.out_dir / "rounds.parquet").to_pylist()
    llm = [r for r in rounds if r["kind"] == "llm" and (r["reasoning"] or r["plans"])]
    assert llm, "the fake server's answers reach rounds.parquet"
    text = done.report_md.read_text(encoding="utf-8")
    section = text[text.index("## Stated reasons (LLM firms)") :].split("\n## ")[0]
    answers = {
        line.split("|")[1].strip(): int(line.split("|")[3])
        for line in section.splitlines()
        if line.startswith("| ") and "regime" not in line
    }
    per_regime: dict[str, int] = {}
    for r in llm:
        per_regime[r["regime"]] = per_regime.get(r["regime"], 0) + 1
    assert answers == per_regime
    assert 'id="reasons"' in page
