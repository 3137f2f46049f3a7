"""The paper-faithful LLM pack loads and plans the study's design without calling a model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from govlang.experiments.config import load_experiment
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runs import plan_runs

REPO = Path(__file__).resolve().parents[2]


def test_the_pack_plans_six_configurations_15_runs_50_rounds_3_regimes() -> None:
    spec = load_experiment(REPO / "examples" / "paper_llm.toml")
    runs = plan_runs(spec, institution_of(spec).digest, None)
    assert len(runs) == 6 * 15 * 3
    assert {r.rounds for r in runs} == {50}
    assert Counter(r.regime for r in runs) == {
        "ungoverned": 90,
        "constitutional": 90,
        "institutional": 90,
    }
    models = {
        name: tuple(f.options["model"] for f in p.firms) for name, p in spec.populations.items()
    }
    same = [m for m in models.values() if m[0] == m[1]]
    cross = [m for m in models.values() if m[0] != m[1]]
    assert len(same) == 3 and len(cross) == 3
    providers = {m.split("/")[0] for pair in models.values() for m in pair}
    assert len(providers) == 3
    assert all(len({a.split("/")[0], b.split("/")[0]}) == 2 for a, b in cross)
    # keys come from the environment, never from the file
    assert all(
        str(f.options["api_key"]).startswith("env:")
        for p in spec.populations.values()
        for f in p.firms
    )
    # the constitutional regime shows the study's fixed prohibition
    assert spec.constitution is not None
    assert "must not collude" in (spec.constitution.text or "")
    assert all(
        r.constitution == spec.constitution.text for r in runs if r.regime == "constitutional"
    )
    assert len({r.run_id for r in runs}) == len(runs)
