"""The message observables: what an institution may read of a channel, with their types.

Every observable is about the messages *admitted* in the round (refusals count only in
``talk.refused``), indexed by the sender, and works for any number of firms. ``peer`` is the
dimension of recipients: its labels are the firms (``possible_agents`` order).

On a ``private`` channel the institution sees nothing: every observable reads as a round
in which nothing was said (numbers 0, bools false), and ``talk.visible`` is false.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from govlang.channels.extractor import extract
from govlang.channels.messages import Message, Refusal
from govlang.schema import AGENT_DIM, EnvironmentSchema, ObservableSpec

__all__ = [
    "MESSAGE_OBSERVABLES",
    "PEER_DIM",
    "PREFIX",
    "is_message_observable",
    "message_observables",
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


def message_observables(
    agents: Sequence[str],
    delivered: Sequence[Message],
    refused: Sequence[Refusal],
    visible: bool,
) -> dict[str, Any]:
    """The round's observables (arrays shaped by their dims) from its admitted messages."""
    n = len(agents)
    index = {agent: i for i, agent in enumerate(agents)}
    numbers = {name: np.zeros(n) for name in ("sent", "chars", "refused", "quantity", "price")}
    flags = {
        name: np.zeros(n, dtype=bool)
        for name in ("states_quantity", "states_price", "proposes_division", "agrees")
    }
    pair = np.zeros((n, n))
    if visible:
        for message in delivered:
            i = index[message.sender]
            said = extract(message.text)
            numbers["sent"][i] += 1
            numbers["chars"][i] += len(message.text)
            for recipient in message.recipients:
                pair[i, index[recipient]] += 1
            if said.quantity is not None:
                flags["states_quantity"][i] = True
                numbers["quantity"][i] = said.quantity
            if said.price is not None:
                flags["states_price"][i] = True
                numbers["price"][i] = said.price
            flags["proposes_division"][i] |= said.division
            flags["agrees"][i] |= said.agreement
        for refusal in refused:
            numbers["refused"][index[refusal.sender]] += 1
    out: dict[str, Any] = {"talk.visible": np.bool_(visible), "talk.pair": pair}
    out.update({PREFIX + k: v for k, v in numbers.items()})
    out.update({PREFIX + k: v for k, v in flags.items()})
    return out


def observable_types() -> Mapping[str, str]:
    """Each message observable's type as written in a ``.gov`` file."""
    return {
        spec.name: f"{spec.type}[{', '.join(spec.dims)}]" if spec.dims else spec.type
        for spec in MESSAGE_OBSERVABLES
    }
