"""Channel axes of a sweep: talk on or off, and the fields of the base experiment's ``[talk]``.

* ``talk``: ``"off"`` (no channel: firms cannot talk), ``"private"`` or ``"monitored"`` (the
  base experiment's channel, or the default one, with that visibility);
* ``talk.FIELD`` for a field of :class:`~govlang.channels.spec.ChannelSpec`: ``topology``
  (a named topology), ``visibility``, ``messages``, ``chars``, ``hub``. A point that sets a
  field has a channel (the base's, or the default one, with the field changed) unless its
  ``talk`` axis says ``"off"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govlang.channels.spec import ChannelSpec

__all__ = ["TALK_FIELDS", "TALK_SWITCH", "check_talk_axis", "talk_of"]

TALK_SWITCH = ("off", "private", "monitored")
"""The values of the ``talk`` axis."""

TALK_FIELDS = tuple(name for name in ChannelSpec.model_fields)
"""The fields a ``talk.FIELD`` axis may vary."""


def check_talk_axis(name: str, values: Any) -> None:
    """Refuse an unknown ``talk`` axis or a ``talk`` value outside :data:`TALK_SWITCH`."""
    if name == "talk":
        if not isinstance(values, tuple):
            raise ValueError("axes.talk: list the values (off, private, monitored)")
        unknown = [v for v in values if v not in TALK_SWITCH]
        if unknown:
            raise ValueError(f"axes.talk: unknown value(s) {unknown} (off, private, monitored)")
        return
    field = name.partition(".")[2]
    if field not in TALK_FIELDS:
        raise ValueError(f"axes.{name}: no channel field {field!r} ({', '.join(TALK_FIELDS)})")


def talk_of(base: ChannelSpec | None, point: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``[talk]`` table of a design point's experiment (``None``: no channel)."""
    switch = point.get("talk")
    fields = {k.split(".", 1)[1]: v for k, v in point.items() if k.startswith("talk.")}
    if switch == "off" or (base is None and switch is None and not fields):
        return None
    data: dict[str, Any] = base.model_dump() if base is not None else {}
    if switch is not None:
        data["visibility"] = switch
    data.update(fields)
    return data
