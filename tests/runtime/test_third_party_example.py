"""The example that governs a ParallelEnv govlang did not write runs, and is governed."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

import govlang

from .support import ROOT


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "third_party_env", ROOT / "examples" / "third_party_env.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_sanctions_the_free_rider_and_pays_the_others(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = example().main(rounds=12)
    standings = [t.standings["player_2"] for t in env.history]
    assert standings == ["warned"] + ["sanctioned"] * 7 + ["member"] * 4
    for trace in env.history[2:9]:  # rounds 3-9: fined 6, shared by the two others
        assert trace.mediated["player_2"] == pytest.approx(trace.raw["player_2"] - 6)
        assert trace.mediated["player_0"] == pytest.approx(trace.raw["player_0"] + 3)
    assert "restoration C2_return:sanctioned->member" in capsys.readouterr().out


def test_the_governed_third_party_env_passes_the_parallel_api_test() -> None:
    module = example()
    compiled = govlang.load(ROOT / "examples" / "public_goods.gov")
    parallel_api_test(govlang.govern(module.PublicGoodsGame(rounds=30), compiled), num_cycles=40)
    bare = module.PublicGoodsGame()
    bare.reset(seed=0)
    assert not hasattr(bare, "schema") and not hasattr(bare, "observables")
    assert bare.step({a: np.float64(5) for a in bare.agents})[1]["player_0"] == pytest.approx(23.0)
