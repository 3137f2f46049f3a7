"""GL617: the deterrence warning of ``govlang analyse --env MARKET --deterrence``.

Opt-in, because it needs what the rest of the analyser abstracts away: a market. Each
collusive pattern of the market is played through the institution (``specs/deterrence.md``:
default market parameters, :data:`HORIZON` rounds, discount :data:`DISCOUNT`, no fine search)
and every pattern the institution cannot deter gets a warning at the ``evidence`` of the
first scope that declares one (else at the first scope's header).
"""

from __future__ import annotations

from govlang.analyse.findings import Findings
from govlang.deterrence.market import Market
from govlang.lang.compile import CompiledInstitution

HORIZON = 50
DISCOUNT = 0.95

__all__ = ["DISCOUNT", "HORIZON", "deterrence_findings"]


def deterrence_findings(compiled: CompiledInstitution, market: Market, findings: Findings) -> None:
    """Emit GL617 for each pattern of ``market`` that ``compiled`` cannot deter."""
    from govlang.deterrence.analysis import assess

    scopes = compiled.institution.scopes
    if not scopes:
        return
    scope = next((s for s in scopes if s.evidence is not None), scopes[0])
    span = findings.evidence(scope) if scope.evidence is not None else findings.scope(scope)
    assessment = assess(compiled, market, HORIZON, DISCOUNT, search=False)
    for item in assessment.undeterred:
        assert item.verdict.reason is not None
        reason = item.verdict.text().removeprefix("cannot deter (").removesuffix(")")
        findings.emit(
            "GL617",
            f"{item.pattern.title} (`{item.pattern.key}`) on {market.name} is not deterred: "
            f"{reason}",
            span,
            hint=f"`govlang deterrence FILE --env {market.name}` shows the sanction path and "
            "the minimum deterring fine",
        )
