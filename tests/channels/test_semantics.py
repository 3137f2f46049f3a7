"""The channel rules of specs/semantics.md ("Channels"), one named test per rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govlang.api import load
from govlang.channels import Channel, ChannelSpec, Outgoing
from govlang.channels.extractor import extract
from govlang.channels.govern import govern_talking
from govlang.channels.observables import message_observables
from govlang.channels.talk_env import environment_schema
from govlang.channels.topology import edges
from govlang.cli import main
from govlang.experiments.config import ExperimentError, load_experiment
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runs import plan_runs, run_id
from govlang.lang.diagnostics import GovlangError
from govlang.lang.talk_schema import MESSAGE_OBSERVABLES, PEER_DIM, with_channel
from govlang.markets import CournotConfig, CournotMarket

REPO = Path(__file__).resolve().parents[2]
DIVISION = REPO / "examples" / "talk_division.gov"
AGENTS = ("firm_0", "firm_1", "firm_2")


def channel(agents: tuple[str, ...] = AGENTS, **options: object) -> Channel:
    """A channel over ``agents`` with ``options``."""
    return Channel(ChannelSpec.model_validate(options), agents)


# ------------------------------------------------------------------ configuration


def test_no_channel_changes_nothing() -> None:
    """Without [talk] the reference experiment's runs keep their ids (pinned before channels)."""
    spec = load_experiment(REPO / "examples" / "reference_offline.toml")
    assert spec.talk is None
    runs = plan_runs(spec, institution_of(spec).digest, None)
    assert (runs[0].run_id, runs[-1].run_id) == ("fe5d29927e4bdc98", "29e6793b5f94af0c")
    first = runs[0]
    market = {"kind": first.market_kind, "config": first.market_config}
    args = (first.digest, market, first.firms, first.seed, first.regime, first.rounds)
    assert run_id(*args, None, None) == first.run_id
    assert run_id(*args, None, ChannelSpec()) != first.run_id


def test_named_topologies() -> None:
    """Each named topology's directed edges, for several numbers of firms."""

    def of(name: str, n: int, **extra: int) -> set[tuple[int, int]]:
        return set(edges(ChannelSpec.model_validate({"topology": name, **extra}), n))

    assert of("none", 4) == set()
    assert of("all", 3) == {(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)}
    assert of("pairs", 5) == {(0, 1), (1, 0), (2, 3), (3, 2)}
    assert of("ring", 4) == {(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2), (3, 0), (0, 3)}
    assert of("ring", 2) == {(0, 1), (1, 0)}
    assert of("ring", 1) == set()
    assert of("hub", 4, hub=2) == {(2, 0), (0, 2), (2, 1), (1, 2), (2, 3), (3, 2)}
    explicit = ChannelSpec.model_validate({"topology": [[0, 1], [2, 1]]})
    assert set(edges(explicit, 3)) == {(0, 1), (2, 1)}


BAD_TOPOLOGIES = [
    ('topology = "star"', "unknown topology 'star'"),
    ("topology = [[1, 1]]", "[1, 1] is a firm talking to itself"),
    ("topology = [[0, 2]]", "names a firm beyond the market's 2"),
    ('topology = "hub"\nhub = 5', "hub: firm index 5, but the market has 2 firms"),
    ("messages = -1", "greater than or equal to 0"),
    ('visibility = "public"', "'monitored' or 'private'"),
]


@pytest.mark.parametrize(("line", "message"), BAD_TOPOLOGIES)
def test_bad_topologies_are_refused(tmp_path: Path, line: str, message: str) -> None:
    """An unknown topology, a self-loop, a missing firm or a bad budget names its key."""
    path = tmp_path / "exp.toml"
    path.write_text(
        f'[institution]\npath = "{DIVISION}"\n[talk]\n{line}\n'
        '[populations.p]\nfirms = [{ kind = "talker" }, { kind = "nash" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(ExperimentError) as raised:
        load_experiment(path)
    assert "talk" in str(raised.value)
    assert message in str(raised.value)


# ------------------------------------------------------------------ round order


def test_messages_reach_the_next_round_only() -> None:
    """Round t's admitted messages are the recipients' inbox for round t + 1, and only then."""
    talk = channel()
    assert all(talk.inbox(a) == () for a in AGENTS)
    talk.admit(1, {"firm_0": [Outgoing("hello", to="firm_2")]})
    assert [m.text for m in talk.inbox("firm_2")] == ["hello"]
    assert talk.inbox("firm_1") == () and talk.inbox("firm_0") == ()
    assert talk.inbox("firm_2")[0].round == 1
    talk.admit(2, {})
    assert talk.inbox("firm_2") == ()
    talk.admit(3, {"firm_1": [Outgoing("to all")]})
    assert [m.recipients for m in talk.inbox("firm_0")] == [("firm_0", "firm_2")]
    talk.reset()
    assert talk.inbox("firm_0") == ()


def test_admission_rules_in_order() -> None:
    """Addressee, count and characters, in the order the firm wrote its messages."""
    talk = channel(topology="ring", messages=2, chars=10)
    said = talk.admit(
        1,
        {
            "firm_0": [
                Outgoing("nobody", to="firm_9"),
                Outgoing("12345678", to="firm_1"),
                Outgoing("abcdef", to="firm_2"),
                Outgoing("third", to="firm_1"),
            ],
            "firm_1": [Outgoing(""), Outgoing("x" * 30)],
        },
    )
    delivered = [(m.sender, m.recipients, m.text, m.truncated) for m in said.delivered]
    assert delivered == [
        ("firm_0", ("firm_1",), "12345678", False),
        ("firm_0", ("firm_2",), "ab", True),
        ("firm_1", ("firm_0", "firm_2"), "x" * 10, True),
    ]
    reasons = [(r.sender, r.reason) for r in said.refused]
    assert reasons == [
        ("firm_0", "unknown firm: 'firm_9'"),
        ("firm_0", "truncated: 6 characters, 2 left of 10"),
        ("firm_0", "over budget: at most 2 message(s)"),
        ("firm_1", "empty message"),
        ("firm_1", "truncated: 30 characters, 10 left of 10"),
    ]
    pairs = channel(topology="pairs", chars=4)
    said = pairs.admit(1, {"firm_2": [Outgoing("hi")], "firm_0": [Outgoing("hi", to="firm_2")]})
    assert said.delivered == ()
    assert [r.reason for r in said.refused] == [
        "no channel to it: 'firm_2'",
        "nobody to talk to",
    ]
    spent = channel(chars=3, messages=5).admit(1, {"firm_0": [Outgoing("abc"), Outgoing("d")]})
    assert [r.reason for r in spent.refused] == ["over budget: 3 characters used"]


def test_malformed_messages_are_recorded_never_executed() -> None:
    """What is not a message is refused, kept as bounded text, and never interpreted."""
    talk = channel()
    items = [42, {"text": 5}, {"text": "x", "cmd": "rm -rf /"}, "__import__('os')", None]
    items += [{"text": "ok", "to": 3}, {"text": "y" * 5000}]
    said = talk.admit(1, {"firm_0": items})
    reasons = [r.reason for r in said.refused]
    assert reasons[:6] == [
        "malformed: a message is an object with `text` and `to`, not int",
        "malformed: `text` must be a string",
        "malformed: unknown field(s) cmd",
        "malformed: a message is an object with `text` and `to`, not str",
        "malformed: a message is an object with `text` and `to`, not NoneType",
        'malformed: `to` must be a firm id or "all"',
    ]
    assert said.refused[3].given == "__import__('os')"
    assert [m.text for m in said.delivered] == ["y" * 280]
    assert reasons[6] == "truncated: 5000 characters, 280 left of 280"
    assert len(said.refused[6].given) <= 2100
    not_a_list = talk.admit(2, {"firm_1": {"text": "alone"}})
    assert [m.text for m in not_a_list.delivered] == ["alone"]


def test_the_oracle_reads_the_messages_of_the_round() -> None:
    """The institution sees round t's messages in round t: the proposer is fined that round."""
    market = CournotMarket(CournotConfig())
    agents = tuple(market.possible_agents)
    compiled = load(DIVISION, {}, with_channel(market.schema(), agents))
    talk = Channel(ChannelSpec(), agents)
    env = govern_talking(market, compiled, talk)
    env.reset(seed=0)
    nash = np.asarray(market.benchmarks["nash.quantity"], dtype=np.float64)
    actions = {a: nash[i] for i, a in enumerate(agents)}
    talk.admit(1, {"firm_0": [Outgoing("Let us divide the market: I take A.")]})
    _, rewards, _, _, infos = env.step(actions)
    assert env.last_round is not None
    fined = {e.detail["agent"] for e in env.last_round.events if e.kind == "sanction"}
    assert fined == {"firm_0"}
    assert rewards["firm_0"] < infos["firm_0"]["round_profit"]
    assert rewards["firm_1"] == infos["firm_1"]["round_profit"]
    talk.admit(2, {})
    env.step(actions)
    assert not [e for e in env.last_round.events if e.kind in ("sanction", "evidence")]
    env.close()


# ------------------------------------------------------------------ observables


def test_extractor_rules() -> None:
    """Quantities, prices, division and agreement, by the documented rules."""
    said = extract("Let us divide the market: I take A. I will produce 27.50 units.")
    assert (said.quantity, said.price, said.division, said.agreement) == (27.5, None, True, False)
    assert extract("My output will be 12 on A").quantity == 12.0
    assert extract("I make 40 units").quantity == 40.0
    assert extract("price at 55.5 please").price == 55.5
    assert extract("we charge $ 70").price == 70.0
    assert extract("I sell; 30 is my guess").quantity is None
    assert extract("Agreed: I keep to our division.").agreement
    assert extract("YES, deal.").agreement
    assert not extract("No deal.").agreement
    assert not extract("I do not agree").agreement
    assert not extract("hello there").division
    assert extract("you take B, stay out of A").division
    assert not extract("individed attention").division
    assert extract("Same text, 5 units") == extract("Same text, 5 units")


def test_observables_per_agent_and_pair() -> None:
    """Counts per sender and per (sender, recipient); stated values from the last message."""
    talk = channel(messages=3)
    said = talk.admit(
        1,
        {
            "firm_0": [Outgoing("I will produce 10 units"), Outgoing("price 40", to="firm_2")],
            "firm_2": [Outgoing("agreed", to="firm_0"), 7],
        },
    )
    seen = said.observables
    assert seen["talk.visible"]
    assert seen["talk.sent"].tolist() == [2, 0, 1]
    assert seen["talk.chars"].tolist() == [len("I will produce 10 units") + 8, 0, 6]
    assert seen["talk.refused"].tolist() == [0, 0, 1]
    assert seen["talk.pair"].tolist() == [[0, 1, 2], [0, 0, 0], [1, 0, 0]]
    assert seen["talk.states_quantity"].tolist() == [True, False, False]
    assert seen["talk.quantity"].tolist() == [10, 0, 0]
    assert seen["talk.states_price"].tolist() == [True, False, False]
    assert seen["talk.price"].tolist() == [40, 0, 0]
    assert seen["talk.agrees"].tolist() == [False, False, True]
    assert seen["talk.proposes_division"].tolist() == [False, False, False]


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_observables_work_for_any_number_of_firms(n: int) -> None:
    """Every observable has its declared type and shape, for any number of firms."""
    agents = tuple(f"firm_{i}" for i in range(n))
    said = channel(agents).admit(1, {a: [Outgoing("divide the market")] for a in agents})
    schema = with_channel(environment_schema("cournot"), agents)
    assert schema.dimensions[PEER_DIM] == agents
    sizes = {"agent": n, PEER_DIM: n}
    for spec in MESSAGE_OBSERVABLES:
        value = np.asarray(said.observables[spec.name])
        assert value.shape == tuple(sizes[d] for d in spec.dims), spec.name
        assert (value.dtype == np.bool_) == (spec.type == "bool"), spec.name
        assert schema.lookup(spec.name) == spec
    assert said.observables["talk.sent"].tolist() == [1.0 if n > 1 else 0.0] * n


def test_reading_talk_without_a_channel_is_refused(tmp_path: Path) -> None:
    """GL414 at check time: `check --env cournot`, and an experiment without [talk]."""
    assert main(["check", "--env", "cournot", str(DIVISION)]) == 1
    assert main(["check", "--env", "cournot+talk", str(DIVISION)]) == 0
    path = tmp_path / "exp.toml"
    path.write_text(
        f'[institution]\npath = "{DIVISION}"\n'
        '[populations.p]\nfirms = [{ kind = "talker" }, { kind = "nash" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(GovlangError) as raised:
        institution_of(load_experiment(path))
    assert {d.code for d in raised.value.diagnostics} == {"GL414"}
    assert main(["run", str(path), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out" / "runs").exists() or not any(
        (tmp_path / "out" / "runs").iterdir()
    )


def test_private_channel_reads_as_silence() -> None:
    """Private: every observable reads as a silent round; the messages are still delivered."""
    talk = channel(visibility="private")
    said = talk.admit(1, {"firm_0": [Outgoing("Let us divide the market, I produce 5 units")]})
    assert [m.text[:6] for m in talk.inbox("firm_1")] == ["Let us"]
    silent = message_observables(AGENTS, (), (), visible=False)
    assert set(said.observables) == set(silent)
    for name, value in said.observables.items():
        assert np.array_equal(value, silent[name]), name
        assert not np.any(value), name


def test_trace_records_the_talk(tmp_path: Path) -> None:
    """Every round of a run with a channel records what was delivered and refused."""
    from govlang.experiments.run_loop import read_trace
    from govlang.experiments.runner import run_experiment

    path = tmp_path / "exp.toml"
    path.write_text(
        f'rounds = 3\nruns = 1\nregimes = ["institutional"]\n[institution]\npath = "{DIVISION}"\n'
        "[talk]\nchars = 20\n"
        '[populations.p]\nfirms = [{ kind = "talker" }, { kind = "nash" }]\n',
        encoding="utf-8",
    )
    done = run_experiment(path, tmp_path / "out", quiet=True)
    trace = read_trace(tmp_path / "out" / "runs" / done.runs[0].run_id / "trace.jsonl")
    first = trace[0]["talk"]
    assert first["visibility"] == "monitored"
    assert first["delivered"] == [
        {
            "round": 1,
            "from": "firm_0",
            "to": ["firm_1"],
            "text": "Let us divide the ma",
            "truncated": True,
            "extract": {"quantity": None, "price": None, "division": True, "agreement": False},
        }
    ]
    written = first["refused"][0]["given"].removeprefix("to all: ")
    assert written.startswith("Let us divide the ma") and written.endswith("units.")
    reason = f"truncated: {len(written)} characters, 20 left of 20"
    assert [r["reason"] for r in first["refused"]] == [reason]
    assert all("talk" in record for record in trace)


def test_deterrence_refuses_a_talking_market(capsys: pytest.CaptureFixture[str]) -> None:
    """Deterrence plays tacit patterns: a market with a channel is a usage error, not a crash."""
    code = main(["analyse", "--deterrence", "--env", "cournot+talk", str(DIVISION)])
    assert code == 2
    error = capsys.readouterr().err
    assert "deterrence plays the market's collusive patterns without talk" in error
