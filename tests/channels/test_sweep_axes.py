"""Channel axes of sweeps: talk off / private / monitored and the channel's fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.channels import ChannelSpec
from govlang.sweeps.config import SweepError, load_sweep
from govlang.sweeps.design import plan_sweep
from govlang.sweeps.talk import talk_of

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def test_talk_of_a_point() -> None:
    """`off` removes the channel; a visibility or a field changes the base's channel."""
    base = ChannelSpec(topology="ring", chars=50)
    assert talk_of(base, {"talk": "off", "talk.chars": 9}) is None
    assert talk_of(None, {}) is None
    assert talk_of(base, {}) == base.model_dump()
    private = talk_of(base, {"talk": "private", "talk.messages": 3})
    assert private == {**base.model_dump(), "visibility": "private", "messages": 3}
    assert talk_of(None, {"talk.topology": "hub"}) == {"topology": "hub"}


def test_the_example_sweep_plans_each_channel() -> None:
    """examples/sweep_talk.toml: no channel, or the base's with the point's visibility."""
    planned = plan_sweep(load_sweep(EXAMPLES / "sweep_talk.toml"), None)
    seen = {(str(r.point["talk"]), int(r.point["talk.messages"])): r.run.talk for r in planned}
    assert seen[("off", 1)] is None and seen[("off", 0)] is None
    monitored = seen[("monitored", 1)]
    private = seen[("private", 0)]
    assert monitored is not None and private is not None
    assert (monitored.visibility, monitored.messages, monitored.topology) == ("monitored", 1, "all")
    assert (private.visibility, private.messages) == ("private", 0)
    off = {r.run.run_id for r in planned if r.point["talk"] == "off"}
    assert len(off) == len(planned) // 6  # both budgets of `off` are the same runs


BAD_AXES = [
    ('"talk" = ["on"]', "axes.talk: unknown value(s) ['on']"),
    ('"talk.colour" = ["red"]', "axes.talk.colour: no channel field 'colour'"),
    ('"talk.topology" = ["star"]', "unknown topology 'star'"),
]


@pytest.mark.parametrize(("axis", "message"), BAD_AXES)
def test_bad_channel_axes_are_refused(tmp_path: Path, axis: str, message: str) -> None:
    """An unknown switch value, channel field or topology names the axis or the point."""
    path = tmp_path / "sweep.toml"
    path.write_text(
        f'base = "{EXAMPLES / "talk_reference.toml"}"\nreplicates = 1\n[axes]\n{axis}\n',
        encoding="utf-8",
    )
    with pytest.raises(SweepError) as raised:
        plan_sweep(load_sweep(path), None)
    assert message in str(raised.value)


def test_turning_off_a_channel_the_institution_reads_is_refused(tmp_path: Path) -> None:
    """With talk_division.gov, `talk = off` is GL414 for that point, before anything runs."""
    path = tmp_path / "sweep.toml"
    path.write_text(
        f'base = "{EXAMPLES / "talk_offline.toml"}"\nreplicates = 1\n'
        '[axes]\n"talk" = ["off", "private"]\n',
        encoding="utf-8",
    )
    with pytest.raises(SweepError) as raised:
        plan_sweep(load_sweep(path), None, str(path))
    text = str(raised.value)
    assert "talk=off" in text and "GL414" in text
    assert "talk=private" not in text
