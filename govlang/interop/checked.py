"""The last step of an import: print, parse back, check, and map the checker's problems.

The generated text is parsed back and must give the same IR (else it is a printer bug, said
so); each checker diagnostic is reported at the manifest key path of the innermost generated
declaration containing its line (the scope's problems at ``states``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govlang.interop.problems import InteropError, KeyPath, Problem
from govlang.interop.source import ManifestSource
from govlang.lang import ir

Origins = dict[str, list[KeyPath]]
"""For each kind of declaration, the manifest key path of each one, in ``.gov`` order."""


@dataclass(frozen=True)
class Imported:
    """The result of an import: the ``.gov`` text, its institution and the checker's warnings."""

    text: str
    institution: ir.Institution
    warnings: list[str]


def checked(source: ManifestSource, institution: ir.Institution, origins: Origins) -> Imported:
    """Format, parse back and check; map the checker's errors to manifest key paths."""
    from govlang.lang.check import check
    from govlang.lang.fmt import format_institution
    from govlang.lang.frontend import parse_text

    text = format_institution(institution)
    document = parse_text(text, "<generated>")
    diagnostics = check(document)
    parsed = document.institution
    if parsed is None or parsed != institution:  # the printer and parser disagree: a bug
        detail = "; ".join(d.message for d in diagnostics if d.is_error) or "different IR"
        raise InteropError(
            source.name,
            [
                Problem(
                    (),
                    f"the generated .gov does not read back: {detail}",
                    "report this as a govlang bug",
                )
            ],
        )
    located = _locations(parsed, origins)
    problems, warnings = [], []
    for diagnostic in diagnostics:
        path = _path_at(located, diagnostic.span.line)
        line_text = document.source.line_text(diagnostic.span.line).strip()
        message = f"{diagnostic.message} [{diagnostic.code}] in the generated line `{line_text}`"
        if diagnostic.is_error:
            problems.append(source.problem(path, message, diagnostic.hint))
        elif diagnostic.severity == "warning":
            warnings.append(source.problem(path, message, diagnostic.hint).render(source.name))
    if problems:
        raise InteropError(source.name, problems)
    return Imported(text, parsed, warnings)


def _locations(inst: ir.Institution, origins: Origins) -> list[tuple[int, int, KeyPath]]:
    """(first line, last line, key path) of every generated declaration."""
    scope = inst.scopes[0]
    nodes: dict[str, list[Any]] = {
        "observe": list(inst.observes),
        "param": list(inst.params),
        "monitor": list(inst.monitors),
        "state": list(scope.states),
        "rule": list(scope.rules),
        "edge": [edge for rule in scope.rules for edge in rule.edges],
        "assert": list(inst.asserts),
    }
    scope_path: KeyPath = ("states",)  # where scope-wide problems are reported
    found = [(scope.span.line, scope.span.end_line, scope_path)]
    for kind, paths in origins.items():
        for node, path in zip(nodes[kind], paths, strict=True):
            found.append((node.span.line, node.span.end_line, path))
    return found


def _path_at(located: list[tuple[int, int, KeyPath]], line: int) -> KeyPath:
    """The innermost declaration's key path at ``line`` (``()`` for the header)."""
    best: tuple[int, KeyPath] | None = None
    for first, last, path in located:
        if first <= line <= last and (best is None or last - first < best[0]):
            best = (last - first, path)
    return best[1] if best is not None else ()
