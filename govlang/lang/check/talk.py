"""GL414: an institution reads message observables, but the environment has no channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govlang.lang import ir
from govlang.lang.check.sink import Reporter

if TYPE_CHECKING:
    from govlang.lang.schema import EnvironmentSchema


def without_channel(reporter: Reporter, observe: ir.ObserveDecl, schema: EnvironmentSchema) -> bool:
    """Report GL414 when ``observe`` is a message observable the environment lacks.

    An environment has the message observables when its run has a channel
    (``specs/semantics.md``, "Channels"); returns whether GL414 was reported.
    """
    from govlang.lang.talk_schema import observable_types  # a schema is loaded: so is pydantic

    what = observable_types().get(observe.name)
    if what is None or schema.lookup(observe.name) is not None:
        return False
    reporter.emit(
        "GL414",
        f"`{observe.name}` is a message observable, but the environment `{schema.name}` has no "
        f"channel (it is {what} on a channel)",
        ir.name_or_node(observe.name_span, observe),
        "give the run a channel (`[talk]` in the experiment; `--env "
        f"{schema.name}+talk` for `check`), or drop the declaration",
    )
    return True
