"""`govlang view`: the JSON API, bad input, and the drill-down driven in a real Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govlang.experiments.runner import ExperimentResult, run_experiment
from govlang.viewer import serve

REPO = Path(__file__).resolve().parents[1]
EXPERIMENT = """
name = "view"
rounds = 10
runs = 2
seed = 3
regimes = ["ungoverned", "institutional"]
[market]
kind = "cournot"
[institution]
path = "{gov}"
[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]
[populations.nash]
firms = [{{ kind = "nash" }}, {{ kind = "nash" }}]
"""


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> ExperimentResult:
    folder = tmp_path_factory.mktemp("view")
    spec = folder / "view.toml"
    spec.write_text(EXPERIMENT.format(gov=REPO / "examples" / "cournot_reference.gov"), "utf-8")
    return run_experiment(spec, folder / "results", quiet=True)


@pytest.fixture(scope="module")
def url(done: ExperimentResult) -> Iterator[str]:
    server = serve(done.out_dir, 0, open_browser=False)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_api_lists_runs_and_serves_one_run(done: ExperimentResult, url: str) -> None:
    status, data = get(f"{url}/api/runs")
    assert status == 200 and len(data["runs"]) == len(done.runs)
    run = next(r for r in done.runs if r.regime == "institutional" and r.population == "colluders")
    status, detail = get(f"{url}/api/run/{run.run_id}")
    assert status == 200
    assert len(detail["rounds"]) == 10 * 2 and len(detail["series"]) == 10
    assert any(e["kind"] == "sanction" for e in detail["events"])
    status, signals = get(f"{url}/api/signals")
    assert "coordination" in signals["signals"][run.run_id]


@pytest.mark.parametrize("path", ["/api/run/0000000000000000", "/api/run/..%2F..%2Fetc", "/nope"])
def test_unknown_runs_and_pages_are_404_with_a_message(url: str, path: str) -> None:
    status, data = get(url + path)
    assert status == 404 and data["error"]


def test_a_folder_without_results_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "govlang", "view", str(tmp_path), "--no-browser", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert "no runs.parquet here" in done.stderr and "Traceback" not in done.stderr


def test_the_viewer_listens_on_loopback_only(url: str) -> None:
    assert url.startswith("http://127.0.0.1:")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is missing: .ci/install installs it (apt-get install chromium)"
    return found


def test_the_drill_down_reaches_a_fined_round_in_a_real_browser(
    done: ExperimentResult, url: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    run = next(
        r
        for r in done.runs
        if r.regime == "institutional" and r.population == "colluders" and r.index == 0
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(url + "/")
            page.select_option("#f-regime", "institutional")
            page.select_option("#f-config", "colluders")
            expect(page.locator(".run")).to_have_count(2)
            page.locator(f'.run[data-run="{run.run_id}"]').click()
            expect(page.locator("#run-title")).to_contain_text(run.run_id)
            expect(page.locator("#diagram g.visited").first).to_be_attached()
            fined = page.locator("tr.acted", has_text="fined").first
            fined.click()
            explanation = page.locator("#explain")
            expect(explanation).to_contain_text("sanction: fine")
            expect(explanation).to_contain_text("rule P2_independent_decision")
            expect(explanation).to_contain_text("signals that held: ")
            expect(explanation).to_contain_text("coordination")
            page.select_option("#f-signal", "coordination")
            expect(page.locator(".run")).to_have_count(2)
        finally:
            browser.close()
