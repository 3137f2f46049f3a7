"""The message observables' values in a round, computed from the messages the channel admitted.

Their names, types and dimensions are declared in :mod:`govlang.lang.talk_schema`.

Every observable is about the messages *admitted* in the round (refusals count only in
``talk.refused``), indexed by the sender, and works for any number of firms. ``peer`` is the
dimension of recipients: its labels are the firms (``possible_agents`` order).

On a ``private`` channel the institution sees nothing: every observable reads as a round
in which nothing was said (numbers 0, bools false), and ``talk.visible`` is false.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from govlang.channels.extractor import extract
from govlang.channels.messages import Message, Refusal
from govlang.lang.talk_schema import PREFIX

__all__ = ["message_observables"]


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
