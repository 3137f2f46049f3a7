"""The message observables' declarations: their names, types and dimensions.

What an institution may declare with ``observe talk.…`` when its run has a channel between
the firms (``specs/semantics.md``, "Channels"). The checker reads them here (GL414, and the
schema of ``--env MARKET+talk``); the values of a round are computed by
:mod:`govlang.channels.observables`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govlang.lang.schema import AGENT_DIM, EnvironmentSchema, ObservableSpec

__all__ = [
    "MESSAGE_OBSERVABLES",
    "PEER_DIM",
    "PREFIX",
    "is_message_observable",
    "observable_types",
    "with_channel",
]

PREFIX = "talk."
"""Every message observable's name starts with it."""

PEER_DIM = "peer"
"""The recipients' dimension (labels: the firms)."""

_A = (AGENT_DIM,)

MESSAGE_OBSERVABLES: tuple[ObservableSpec, ...] = (
    ObservableSpec(
        name="talk.visible", type="bool", description="Whether the channel is monitored."
    ),
    ObservableSpec(name="talk.sent", dims=_A, description="Messages each firm sent this round."),
    ObservableSpec(name="talk.chars", dims=_A, description="Characters each firm sent this round."),
    ObservableSpec(
        name="talk.refused",
        dims=_A,
        description="Messages of each firm refused or truncated this round.",
    ),
    ObservableSpec(
        name="talk.pair",
        dims=(AGENT_DIM, PEER_DIM),
        description="Messages from each firm to each peer this round.",
    ),
    ObservableSpec(
        name="talk.states_quantity",
        type="bool",
        dims=_A,
        description="Some message of the firm this round states a quantity.",
    ),
    ObservableSpec(
        name="talk.quantity",
        dims=_A,
        description="The quantity stated in the firm's last message stating one (0: none).",
    ),
    ObservableSpec(
        name="talk.states_price",
        type="bool",
        dims=_A,
        description="Some message of the firm this round states a price.",
    ),
    ObservableSpec(
        name="talk.price",
        dims=_A,
        description="The price stated in the firm's last message stating one (0: none).",
    ),
    ObservableSpec(
        name="talk.proposes_division",
        type="bool",
        dims=_A,
        description="Some message of the firm this round proposes dividing the market.",
    ),
    ObservableSpec(
        name="talk.agrees",
        type="bool",
        dims=_A,
        description="Some message of the firm this round states agreement.",
    ),
)
"""Every message observable, in declaration order."""


def is_message_observable(name: str) -> bool:
    """Whether ``name`` is in the message observables' namespace (``talk.``)."""
    return name.startswith(PREFIX)


def with_channel(schema: EnvironmentSchema, agents: Sequence[str]) -> EnvironmentSchema:
    """``schema`` with the message observables and the ``peer`` dimension (labelled ``agents``)."""
    dimensions = {**schema.dimensions, PEER_DIM: tuple(agents)}
    observables = (*schema.observables, *MESSAGE_OBSERVABLES)
    return schema.model_copy(update={"dimensions": dimensions, "observables": observables})


def observable_types() -> Mapping[str, str]:
    """Each message observable's type as written in a ``.gov`` file."""
    return {
        spec.name: f"{spec.type}[{', '.join(spec.dims)}]" if spec.dims else spec.type
        for spec in MESSAGE_OBSERVABLES
    }
