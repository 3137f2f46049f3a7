"""specs/experiments.md and the models that validate experiment and sweep files agree.

Every key table of the spec lists exactly the keys its model accepts, with the model's
default; the firm kinds listed are the registered ones, with the right capabilities.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from govlang.agents import FIRM_KINDS
from govlang.channels.spec import ChannelSpec
from govlang.experiments.config import (
    MODEL_KINDS,
    TEXT_BLIND_KINDS,
    ConstitutionSpec,
    ExperimentSpec,
    FirmSpec,
    InstitutionSpec,
    LLMDefaults,
    LogSpec,
    MarketSpec,
    PopulationSpec,
)
from govlang.experiments.metrics import MetricParams
from govlang.markets import BertrandConfig, CournotConfig
from govlang.markets.registry import BUILTIN_MARKETS
from govlang.sweeps.config import AxisRange, SweepSpec

SPEC = Path(__file__).resolve().parents[2] / "specs" / "experiments.md"

FLATTENED = {"options", "config"}
"""Fields whose keys sit next to ``kind`` in TOML (firm options, market overrides)."""

TABLES: list[tuple[str, type[BaseModel], set[str]]] = [
    ("experiment", ExperimentSpec, set()),
    ("`[market]`", MarketSpec, FLATTENED),
    ("`[market]`, cournot", CournotConfig, {"max_rounds"}),  # the experiment's `rounds`
    ("`[market]`, bertrand", BertrandConfig, {"max_rounds"}),
    ("`[institution]`", InstitutionSpec, set()),
    ("`[populations.NAME]`", PopulationSpec, set()),
    ("firm", FirmSpec, FLATTENED),
    ("`[metrics]`", MetricParams, set()),
    ("`[llm]`", LLMDefaults, set()),
    ("`[constitution]`", ConstitutionSpec, set()),
    ("`[log]`", LogSpec, set()),
    ("`[talk]`", ChannelSpec, set()),
    ("sweep", SweepSpec, set()),
    ("axis range", AxisRange, set()),
]


def rows(header: str) -> dict[str, str]:
    """The ``| key | default | meaning |`` rows of the table whose first column is ``header``."""
    lines = SPEC.read_text("utf-8").splitlines()
    start = lines.index(f"| key ({header}) | default | meaning |")
    out: dict[str, str] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        key, default, _ = (c.strip() for c in line.strip("|").split("|", 2))
        out[key.strip("`")] = default.strip("`")
    return out


def plain(value: Any) -> Any:
    """Tuples as lists, paths as strings, recursively (what TOML would hold)."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def documented(field: FieldInfo) -> str | Any:
    """What the spec's default cell must say for ``field``."""
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return "table"
    if field.default is None:
        return "unset"
    return plain(field.default)


@pytest.mark.parametrize(("header", "model", "left_out"), TABLES, ids=[t[0] for t in TABLES])
def test_each_table_lists_the_models_keys_and_defaults(
    header: str, model: type[BaseModel], left_out: set[str]
) -> None:
    table = rows(header)
    fields = {k: f for k, f in model.model_fields.items() if k not in left_out}
    assert set(table) == set(fields)
    for key, field in fields.items():
        expected = documented(field)
        cell = table[key]
        if isinstance(expected, str) and expected in ("required", "table", "unset"):
            assert cell == expected, key
        else:
            assert tomllib.loads(f"v = {cell}")["v"] == expected, key


def test_the_firm_kinds_are_the_registered_ones() -> None:
    lines = SPEC.read_text("utf-8").splitlines()
    start = lines.index(
        "| firm kind | reads the constitution and notices | calls a language model |"
    )
    listed: dict[str, tuple[bool, bool]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        kind, reads, calls = (c.strip() for c in line.strip("|").split("|"))
        listed[kind.strip("`")] = (reads == "yes", calls == "yes")
    assert set(listed) == set(FIRM_KINDS)
    for kind, (reads, calls) in listed.items():
        assert reads == (kind not in TEXT_BLIND_KINDS), kind
        assert calls == (kind in MODEL_KINDS), kind


def test_the_market_kinds_are_the_accepted_ones() -> None:
    text = SPEC.read_text("utf-8")
    listed = set(re.findall(r"^\| key \(`\[market\]`, (\w+)\) \|", text, re.MULTILINE))
    assert listed == {kind.name for kind in BUILTIN_MARKETS}
