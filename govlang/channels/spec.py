"""The configuration of a channel: topology, visibility and budget (an experiment's ``[talk]``)."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["TOPOLOGIES", "ChannelSpec", "Visibility"]

TOPOLOGIES = ("none", "all", "pairs", "ring", "hub")
"""The named topologies (:func:`govlang.channels.topology.edges` defines each)."""

Visibility = Literal["monitored", "private"]

Edge = tuple[int, int]


class ChannelSpec(BaseModel):
    """A channel between the firms of a run.

    ``topology``: a named topology (``none``, ``all``, ``pairs``, ``ring``, ``hub``) or an
    explicit adjacency, a list of directed ``[from, to]`` firm indices (0-based, in the market's
    firm order). ``hub``: the hub's firm index (``hub`` topology only). ``visibility``:
    ``monitored`` (the institution reads the message observables) or ``private`` (it reads
    them as nothing was said). ``messages``: the most messages a firm may send per round;
    ``chars``: the most characters it may write per round, over all its messages.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    topology: str | tuple[Edge, ...] = Field("all", description="Who can talk to whom.")
    hub: int = Field(0, ge=0, description="The hub's firm index (hub topology).")
    visibility: Visibility = Field("monitored", description="What the institution sees.")
    messages: int = Field(1, ge=0, le=100, description="Messages per firm and round.")
    chars: int = Field(280, ge=0, le=100_000, description="Characters per firm and round.")

    @model_validator(mode="after")
    def _known(self) -> Self:
        """A named topology must be one of :data:`TOPOLOGIES`; explicit edges no self-loops."""
        if isinstance(self.topology, str):
            if self.topology not in TOPOLOGIES:
                raise ValueError(
                    f"topology: unknown topology {self.topology!r} (one of "
                    f"{', '.join(TOPOLOGIES)}, or a list of [from, to] firm indices)"
                )
        else:
            for start, end in self.topology:
                if start < 0 or end < 0:
                    raise ValueError(f"topology: firm indices are >= 0, got [{start}, {end}]")
                if start == end:
                    raise ValueError(f"topology: [{start}, {end}] is a firm talking to itself")
        return self

    def check_firms(self, n: int) -> None:
        """Raise ``ValueError`` if the topology names a firm beyond the market's ``n`` firms."""
        if self.topology == "hub" and self.hub >= n:
            raise ValueError(f"hub: firm index {self.hub}, but the market has {n} firms")
        if not isinstance(self.topology, str):
            for start, end in self.topology:
                if max(start, end) >= n:
                    raise ValueError(
                        f"topology: [{start}, {end}] names a firm beyond the market's {n}"
                        f" (indices 0..{n - 1})"
                    )

    def identity(self) -> dict[str, Any]:
        """The JSON content that defines the channel (part of a run's id)."""
        data = self.model_dump(mode="json")
        if self.topology != "hub":
            data.pop("hub")
        return data
