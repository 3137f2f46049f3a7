"""The one catalogue of diagnostic codes: each code's severity and a one-line title.

Every stage (reader, parser, transformer, params, checker, compiler, analyser) makes its
diagnostics with :func:`diagnostic` or a :class:`govlang.lang.sink.Sink`, so a code's severity
is defined here and nowhere else.

Codes are stable: a code is never reused for another problem. The ranges are GL0xx syntax,
GL1xx names, GL2xx types and params, GL3xx the governance graph, GL4xx sanctions and the
environment, GL5xx assertions (all documented with a failing example in
``specs/diagnostics.md``), and GL6xx the analyser's findings (documented with a flawed
institution in ``specs/analysis.md``).
"""

from __future__ import annotations

from typing import Final

from govlang.lang.diagnostics import Diagnostic, Severity
from govlang.lang.ir import NO_SPAN, Span

CODES: Final[dict[str, tuple[Severity, str]]] = {
    # GL0xx: syntax and structure (reported by the parser and the transformer)
    "GL001": ("error", "unexpected token"),
    "GL002": ("error", "unexpected character"),
    "GL003": ("error", "unterminated string"),
    "GL004": ("error", "unexpected end of file"),
    "GL005": ("error", "expression nested too deeply"),
    "GL006": ("error", "clause or declaration repeated"),
    "GL007": ("error", "not a UTF-8 text file"),
    "GL008": ("error", "number too large"),
    # GL1xx: names
    "GL101": ("error", "undefined name"),
    "GL102": ("error", "duplicate declaration"),
    "GL103": ("error", "unknown function"),
    "GL104": ("error", "unknown dimension"),
    "GL105": ("error", "undefined state in an edge"),
    "GL106": ("error", "monitor dependency cycle"),
    "GL107": ("error", "evidence is not a monitor"),
    "GL108": ("warning", "a reserved word used as a name"),
    "GL109": ("warning", "unused param"),
    "GL110": ("warning", "unused monitor"),
    # GL2xx: types, constants and params
    "GL201": ("error", "operand of the wrong type"),
    "GL202": ("error", "wrong number of arguments"),
    "GL203": ("error", "aggregate without `over`"),
    "GL204": ("error", "`over` on a function that is not an aggregate"),
    "GL205": ("error", "`over` a dimension the value does not have"),
    "GL206": ("error", "temporal window not a constant integer in [1, 1000]"),
    "GL207": ("error", "guard or evidence is not a single bool"),
    "GL208": ("error", "per-agent value in the market scope"),
    "GL209": ("error", "declared monitor type differs from its expression's"),
    "GL210": ("error", "count not a constant non-negative integer"),
    "GL211": ("error", "dimension repeated in a type"),
    "GL220": ("error", "param default not constant or of the wrong type"),
    "GL221": ("error", "param value outside its range"),
    "GL222": ("error", "override of an unknown param"),
    "GL223": ("error", "override of the wrong type"),
    # GL3xx: the governance graph
    "GL301": ("error", "scope without an initial state"),
    "GL302": ("error", "more than one initial state"),
    "GL303": ("error", "scope kind given twice"),
    "GL304": ("error", "terminal state with outgoing edges"),
    "GL305": ("error", "sanction state with no way back"),
    "GL306": ("note", "terminal state"),
    "GL307": ("error", "edge without a trigger"),
    "GL308": ("error", "clean rounds without `evidence`"),
    "GL309": ("error", "`spend` without `credits`"),
    "GL310": ("warning", "rule without edges"),
    "GL311": ("warning", "institution without a scope"),
    "GL312": ("error", "`for k rounds` without `when`"),
    "GL313": ("warning", "edge repeated in one rule"),
    # GL4xx: sanctions and the environment
    "GL401": ("error", "action constraint outside `on each round`"),
    "GL402": ("error", "action constraint without an `action:` declaration"),
    "GL403": ("error", "action constraint outside the action space"),
    "GL404": ("warning", "action constraint could leave the action space"),
    "GL405": ("error", "fine or grant amount not a single number"),
    "GL406": ("error", "fine ladder not a list"),
    "GL407": ("error", "observable unknown to the environment"),
    "GL408": ("error", "observable type differs from the environment's"),
    "GL409": ("error", "action space differs from the environment's"),
    "GL410": ("error", "dimension unknown to the environment"),
    "GL411": ("error", "invalid action space"),
    "GL412": ("error", "amount of money beyond the money limit"),
    "GL413": ("error", "fine ladder without steps"),
    "GL414": ("error", "message observable without a channel"),
    # GL5xx: assertions (properties for `govlang analyse`)
    "GL501": ("error", "undefined name in an assertion"),
    "GL502": ("error", "`entered` without a state"),
    "GL503": ("error", "assertion scope unclear"),
    "GL504": ("error", "name both a state and a declaration"),
    "GL505": ("error", "assertion condition is not a single bool"),
    "GL506": ("error", "assertion id repeated"),
    # GL6xx: the analyser's findings; structure of the governance graph
    "GL601": ("warning", "unreachable state"),
    "GL602": ("warning", "state never entered"),
    "GL603": ("warning", "edge never traversed"),
    "GL604": ("warning", "state with no way out"),
    "GL605": ("error", "sanction state with no usable way back"),
    "GL606": ("warning", "condition never holds"),
    "GL607": ("warning", "condition always holds"),
    "GL608": ("warning", "edges of equal priority can fire together"),
    # behaviour: built-in properties
    "GL609": ("error", "sanction without evidence (P1)"),
    "GL610": ("error", "sanction not left under clean conduct (P2)"),
    "GL611": ("warning", "declared persistence bypassed (P3)"),
    "GL612": ("warning", "no return to good standing under clean conduct (P4)"),
    # behaviour: assertions and limits
    "GL613": ("error", "assertion violated"),
    "GL614": ("error", "assertion's condition unreachable"),
    "GL615": ("warning", "state space not exhausted within the bound"),
    "GL616": ("warning", "behaviour not analysed"),
    # deterrence (opt-in: --env MARKET --deterrence)
    "GL617": ("warning", "collusion not deterred"),
}
"""Every code: (severity, title)."""

ANALYSIS_PREFIX: Final = "GL6"
"""The range of the analyser's findings."""

ANALYSIS_CODES: Final[dict[str, tuple[Severity, str]]] = {
    code: entry for code, entry in CODES.items() if code.startswith(ANALYSIS_PREFIX)
}
"""The analyser's codes (GL6xx), documented in ``specs/analysis.md``."""

CHECK_CODES: Final[dict[str, tuple[Severity, str]]] = {
    code: entry for code, entry in CODES.items() if not code.startswith(ANALYSIS_PREFIX)
}
"""The codes of every stage up to the checker (GL0xx-GL5xx), documented in
``specs/diagnostics.md``."""


def severity(code: str) -> Severity:
    """The severity of ``code`` (a ``KeyError`` for an uncatalogued code is a bug)."""
    return CODES[code][0]


def title(code: str) -> str:
    """The one-line title of ``code``."""
    return CODES[code][1]


def diagnostic(
    code: str,
    message: str,
    span: Span = NO_SPAN,
    hint: str | None = None,
    file: str = "<input>",
) -> Diagnostic:
    """A diagnostic for ``code`` with the catalogue's severity."""
    return Diagnostic(code, message, span, severity(code), hint=hint, file=file)
