"""The checker as a whole: examples, ordering, robustness and speed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govlang.lang import ir
from govlang.lang.check import check, infer_types
from govlang.lang.diagnostics import sort_key
from govlang.lang.frontend import parse_bytes, parse_text
from govlang.lang.schema import ActionSpec, EnvironmentSchema, ObservableSpec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.gov"))
CORPUS = EXAMPLES + sorted((ROOT / "tests" / "golden" / "invalid").glob("*.gov"))
REFERENCE = ROOT / "examples" / "cournot_reference.gov"


def checked(path: Path) -> list[str]:
    document = parse_bytes(path.read_bytes(), path.name)
    return [f"{d.code} {d.severity}" for d in check(document)]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_check_without_errors(path: Path) -> None:
    assert not [d for d in checked(path) if d.endswith("error")]


def test_the_reference_checks_clean() -> None:
    assert checked(REFERENCE) == []


def cournot_like() -> EnvironmentSchema:
    """The parts of the Cournot environment's schema the reference reads."""
    return EnvironmentSchema(
        name="cournot",
        dimensions={"commodity": ("A", "B")},
        observables=(
            ObservableSpec(name="quantity", dims=("agent", "commodity")),
            ObservableSpec(name="profit", dims=("agent",)),
            ObservableSpec(name="nash.hhi", dims=("commodity",)),
            ObservableSpec(name="nash.cv", dims=("agent",)),
        ),
        action=ActionSpec(dims=("commodity",), low=0, high=100),
    )


def test_the_reference_matches_its_environment() -> None:
    from govlang.markets import cournot_schema

    document = parse_text(REFERENCE.read_text(encoding="utf-8"))
    assert check(document, cournot_schema()) == []


def test_environment_mismatches() -> None:
    schema = cournot_like().model_copy(update={"action": ActionSpec(dims=(), high=float("inf"))})
    text = (
        "institution T\nobserve quantity: number[commodity, agent]\nobserve price: number\n"
        "observe profit: bool[agent]\nobserve q2: number[agent, region]\n"
        "action: number in [0, 50]\n"
    )
    found = [d.code for d in check(parse_text(text), schema)]
    assert found == ["GL311", "GL407", "GL408", "GL410"]


def test_environment_without_an_action_space() -> None:
    schema = cournot_like().model_copy(update={"action": None})
    text = "institution T\naction: number[commodity] in [0, 100]\n"
    assert [d.code for d in check(parse_text(text), schema)] == ["GL311", "GL409"]


def test_overrides_reach_windows_and_caps() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    document = parse_text(text)
    assert [d.code for d in check(document, params={"collapse_rounds": 2})] == []
    found = check(document, params={"collapse_rounds": 0, "credit_max": 2.5})
    assert [d.code for d in found] == ["GL221", "GL223", "GL206"]


def test_diagnostics_are_sorted_and_include_the_parsers() -> None:
    text = (
        "institution T\nmonitor b = nope\nmonitor a = also_nope\n"
        "per agent { initial state s rule R { s -> s when b > 1 when a > 1 } }\n"
    )
    found = check(parse_text(text))
    assert found == sorted(found, key=sort_key)
    assert [d.code for d in found] == ["GL101", "GL110", "GL101", "GL006"]


def test_syntax_errors_alone() -> None:
    found = check(parse_text("institution T\nmonitor = 1\n"))
    assert [d.code for d in found] == ["GL001"]


def test_institution_built_without_spans() -> None:
    institution = ir.Institution(
        name="T",
        monitors=(ir.MonitorDecl(name="m", expr=ir.NameRef(name="nope")),),
        scopes=(ir.ScopeDecl(kind="market", states=(ir.StateDecl(name="s"),)),),
    )
    assert infer_types(institution) == {}


def mutate(text: str, seed: int) -> str:
    """Delete, repeat or swap a few tokens of ``text``."""
    rng = random.Random(seed)
    words = text.replace("\n", " \n ").split(" ")
    for _ in range(rng.randint(1, 4)):
        i, j = rng.randrange(len(words)), rng.randrange(len(words))
        action = rng.randrange(3)
        if action == 0:
            del words[i]
        elif action == 1:
            words.insert(i, words[j])
        else:
            words[i], words[j] = words[j], words[i]
    return " ".join(words)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(CORPUS), st.integers(0, 2**32))
def test_check_never_raises(path: Path, seed: int) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    document = parse_text(mutate(text, seed), path.name)
    for diagnostic in check(document):
        assert diagnostic.code.startswith("GL")
    if document.institution is not None:
        infer_types(document.institution)


def big_institution(lines: int) -> ir.Institution:
    """An institution of about ``lines`` lines: params, a chain of monitors, many states."""
    n = lines // 5
    text = ["institution Big", "observe q: number[agent, commodity]"]
    text += [f"param p{i}: float = {i} in [0, 100000]" for i in range(n)]
    text += ["monitor m0: number[agent] = sum(q over commodities) + p0"]
    text += [
        f"monitor m{i}: number[agent] = m{i - 1} + p{i} * lag(m{i - 1}, 2)" for i in range(1, n)
    ]
    text += [f"monitor flag: bool[agent] = m{n - 1} > 3", "per agent {", "evidence flag"]
    text += ["initial state s0"] + [
        f"state s{i} {{ on enter: fine 0.1 of profit }}" for i in range(1, n)
    ]
    text += ["rule R {"] + [f"s{i - 1} -> s{i} when flag and m{i} > p{i}" for i in range(1, n)]
    text += (
        ["}", "restore Q {"]
        + [f"s{i} -> s0 after 3 clean rounds" for i in range(1, n)]
        + ["}", "}"]
    )
    document = parse_text("\n".join(text))
    assert document.institution is not None
    return document.institution


def test_a_5000_line_institution_checks_clean() -> None:
    # Its speed is measured by benchmarks/language_tooling.py, not asserted here.
    from govlang.lang.frontend import Document

    institution = big_institution(5000)
    document = Document(parse_text("institution Big").source, institution)
    assert check(document) == []
