"""The text form of an explanation (``govlang explain --format text``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govlang.explain.acts import Act, RoundStory
from govlang.explain.conditions import Condition, format_value
from govlang.explain.whynot import WhyNot

INDENT = "  "


def story_lines(story: RoundStory) -> list[str]:
    """A round of one instance: the move, the evidence, then each act."""
    move = story.before if story.before == story.after else f"{story.before} → {story.after}"
    lines = [f"round {story.round} · {story.instance} · {move}"]
    if story.evidence is not None:
        lines += [INDENT + line for line in evidence_lines(story.evidence)]
        if story.params:
            lines.append(INDENT * 2 + "thresholds: " + params_text(story.params))
    for act in story.acts:
        lines += [INDENT + line for line in act_lines(act, story.evidence, set(story.params))]
    return lines


def evidence_lines(evidence: Condition) -> list[str]:
    """Which signals of the evidence monitor held, with their values against thresholds."""
    signals = evidence.signals()
    if not evidence.held:
        lines = [f"evidence `{evidence.text}` did not hold (a clean round)"]
        held = [s.text for s, negated in signals if s.held and not negated]
        blocking = [s.text for s, negated in signals if s.held and negated]
        if held:
            lines.append("signals that held: " + ", ".join(held))
        if blocking:
            lines.append("held, and ruled evidence out: " + ", ".join(blocking))
        return lines
    triggered = [(s, n) for s, n in signals if s.held != n]
    names = ", ".join(("not " if n else "") + s.text for s, n in triggered)
    lines = [f"evidence `{evidence.text}` held: {names}"]
    for signal, negated in triggered:
        lines += [INDENT + line for line in signal_lines(signal, negated)]
    return lines


def signal_lines(signal: Condition, negated: bool = False) -> list[str]:
    """One signal: its name and the comparisons that decided it, each marked true or false."""
    name = ("not " if negated else "") + signal.text
    mark = _mark(signal.held != negated)
    body = signal.children[0] if signal.kind == "monitor" and signal.children else signal
    leaves = _deciding(body, False)
    if len(leaves) == 1:
        leaf, flipped = leaves[0]
        text = f"not ({leaf.line()})" if flipped else leaf.line()
        false = "" if leaf.held != flipped else " is false"
        return [f"{mark} {name}: {text}{false}"]
    return [f"{mark} {name}:"] + [INDENT + _leaf_text(*leaf) for leaf in leaves]


def guard_lines(guard: Condition) -> list[str]:
    """Each signal a guard combines with the comparisons that decided it (or its own leaves)."""
    signals = guard.signals()
    if signals:
        return [line for signal, negated in signals for line in signal_lines(signal, negated)]
    return [_leaf_text(*leaf) for leaf in _deciding(guard, False)]


def _mark(truth: bool) -> str:
    return "✓" if truth else "✗"


def _leaf_text(leaf: Condition, negated: bool) -> str:
    """``✓ left 0.86 ≥ right 0.50`` (``not (...)`` under a negation)."""
    text = leaf.line()
    if negated:
        text = f"not ({text})"
    return f"{_mark(leaf.held != negated)} {text}"


Leaf = tuple[Condition, bool]
"""A deciding condition and whether it sits under an odd number of ``not``."""


def _deciding(node: Condition, negated: bool) -> list[Leaf]:
    """The comparisons (and ``held`` windows) that gave ``node`` its value."""
    if node.kind in ("compare", "value", "over") or not node.children:
        return [(node, negated)]
    if node.kind == "held":
        return [(node, negated), *_deciding(node.children[0], negated)]
    if node.kind == "monitor":
        return _deciding(node.children[0], negated)
    if node.kind == "not":
        return _deciding(node.children[0], not negated)
    # An `and` that held or an `or` that failed: every part decided; otherwise the parts
    # that have the chain's value (the false parts of an `and`, the true parts of an `or`).
    if node.held == (node.kind == "all"):
        return [leaf for child in node.children for leaf in _deciding(child, negated)]
    wanted = node.kind == "any"
    decided = [child for child in node.children if child.held == wanted]
    return [leaf for child in decided for leaf in _deciding(child, negated)]


def act_lines(act: Act, evidence: Condition | None, shown: set[str] | None = None) -> list[str]:
    """One act: what it was, where it is written, and why."""
    head = {
        "traversal": f"traversal {act.edge}",
        "restoration": f"restoration {act.edge}",
        "blocked": f"blocked request {act.edge}",
        "sanction": f"sanction {act.detail.get('sanction', '')}",
        "notice": f"notice {str(act.detail.get('text', ''))!r}",
    }[act.kind]
    if act.kind == "sanction" and "amount" in act.detail:
        head += f": {format_value(float(act.detail['amount']))}"
    if act.kind in ("sanction", "notice") and act.edge:
        head += f"  (edge {act.edge})"
    return [head] + [INDENT + line for line in _act_body(act, evidence, shown or set())]


def _act_body(act: Act, evidence: Condition | None, shown: set[str]) -> list[str]:
    """The lines under an act's head: where, why, how much, and the log entry."""
    sub: list[str] = []
    if act.rule_source is not None and act.kind in ("traversal", "restoration", "blocked"):
        sub.append(f"rule {act.rule} at {act.rule_source}")
    if act.source is not None:
        sub.append(f"{act.source} | {act.source.text.strip()}")
    if act.guard is not None and (evidence is None or act.guard.text != evidence.text):
        sub.append(f"guard `{act.guard.text}` {'held' if act.guard.held else 'did not hold'}")
        sub += [INDENT + line for line in guard_lines(act.guard)]
    if act.counters:
        sub.append("counters: " + ", ".join(str(c) for c in act.counters))
    if act.reasons:
        sub.append("blocked: " + "; ".join(act.reasons))
    return sub + _money_lines(act, shown)


def _money_lines(act: Act, shown: set[str]) -> list[str]:
    """A sanction's arithmetic or constraint, a notice's recipients, params, the log entry."""
    sub: list[str] = []
    if act.arithmetic is not None:
        sub.append(act.arithmetic.text())
    if "requested" in act.detail and "effective" in act.detail:
        sub.append(
            f"requested {format_value(act.detail['requested'])} → "
            f"effective {format_value(act.detail['effective'])}"
        )
    if act.kind == "notice":
        sub.append(f"to {', '.join(act.detail.get('to', ()))} ({act.detail.get('origin')})")
    params = {name: value for name, value in act.params.items() if name not in shown}
    if params:
        sub.append("params: " + params_text(params))
    if act.log is not None:
        sub.append(f"log: {act.log.path} entry {act.log.seq}, sha256 {act.log.hash[:16]}…")
    return sub


def params_text(params: Mapping[str, Any]) -> str:
    """``name = value`` pairs."""
    return ", ".join(f"{name} = {_param(value)}" for name, value in params.items())


def _param(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_param(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) >= 10 else str(value)
    return str(value)


def why_not_lines(answer: WhyNot) -> list[str]:
    """The why-not answer."""
    move = answer.before if answer.before == answer.after else f"{answer.before} → {answer.after}"
    verdict = "it happened" if answer.happened else "it did not happen"
    lines = [f"round {answer.round} · {answer.instance} · {move}: `{answer.target}`? {verdict}"]
    for candidate in answer.candidates:
        lines.append(f"{INDENT}{candidate.edge}: {candidate.verdict}")
        if candidate.source is not None:
            lines.append(f"{INDENT * 2}{candidate.source} | {candidate.source.text.strip()}")
        lines += [f"{INDENT * 2}{reason}" for reason in candidate.reasons]
        if candidate.verdict == "guard" and candidate.guard is not None:
            lines += [INDENT * 3 + line for line in guard_lines(candidate.guard)]
        if candidate.verdict in ("counts", "guard", "preempted"):
            shown = [c for c in candidate.counters if c.needed is not None]
            if shown:
                lines.append(f"{INDENT * 2}counters: " + ", ".join(str(c) for c in shown))
    return lines


def block(header: Sequence[str], bodies: Iterable[list[str]]) -> str:
    """The header lines, then each body separated by a blank line."""
    parts = ["\n".join(header)] + ["\n".join(body) for body in bodies]
    return "\n\n".join(p for p in parts if p) + "\n"
