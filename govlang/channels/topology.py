"""Who can talk to whom: the directed edges of a channel's topology over ``n`` firms.

* ``none``: no edges (every message is refused).
* ``all``: every firm to every other.
* ``pairs``: firms 0-1, 2-3, ... talk within their pair (both ways); with an odd number of
  firms the last one has nobody.
* ``ring``: each firm to its two ring neighbours ``i - 1`` and ``i + 1`` (mod ``n``).
* ``hub``: the hub to every other firm and every other firm to the hub.
* an explicit list of directed ``[from, to]`` edges, taken as given.
"""

from __future__ import annotations

from govlang.channels.spec import ChannelSpec

__all__ = ["edges", "neighbours"]


def edges(spec: ChannelSpec, n: int) -> frozenset[tuple[int, int]]:
    """The directed edges ``(from, to)`` of ``spec``'s topology over ``n`` firms."""
    spec.check_firms(n)
    topology = spec.topology
    if not isinstance(topology, str):
        return frozenset(topology)
    pairs: set[tuple[int, int]] = set()
    if topology == "all":
        pairs = {(i, j) for i in range(n) for j in range(n)}
    elif topology == "pairs":
        pairs = {(i, i ^ 1) for i in range(n) if i ^ 1 < n}
    elif topology == "ring":
        pairs = {(i, (i + step) % n) for i in range(n) for step in (-1, 1)}
    elif topology == "hub":
        pairs = {(spec.hub, j) for j in range(n)} | {(j, spec.hub) for j in range(n)}
    return frozenset((i, j) for i, j in pairs if i != j)


def neighbours(spec: ChannelSpec, n: int) -> tuple[tuple[int, ...], ...]:
    """For each firm, the firms it can write to, in firm order."""
    found = edges(spec, n)
    return tuple(tuple(j for j in range(n) if (i, j) in found) for i in range(n))
