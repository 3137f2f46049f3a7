"""The Python front door: load, check and compile institution files in one call.

    >>> import govlang
    >>> compiled = govlang.load("examples/cournot_reference.gov", params={"fine_floor": 100})
    >>> compiled.digest[:7]
    'sha256:'

Every function here reports problems in the institution by raising
:class:`~govlang.lang.diagnostics.GovlangError` (which carries all diagnostics) and I/O problems by
raising :class:`~govlang.lang.frontend.InputError`; nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from govlang.lang.check import check
from govlang.lang.diagnostics import Diagnostic, GovlangError
from govlang.lang.frontend import Document, parse_bytes, read_bytes
from govlang.lang.params import ParamValue

if TYPE_CHECKING:
    from govlang.lang.schema import EnvironmentSchema

if TYPE_CHECKING:  # the compiler (and networkx) is imported only when something is compiled
    from govlang.lang.compile import CompiledInstitution


def read_document(path: str | Path) -> tuple[Document, bytes]:
    """Read and parse a ``.gov`` file (``-`` is standard input) without checking it."""
    data, name = read_bytes(str(path))
    return parse_bytes(data, name), data


def check_file(
    path: str | Path,
    schema: EnvironmentSchema | None = None,
    params: Mapping[str, ParamValue] | None = None,
) -> tuple[Document, list[Diagnostic]]:
    """Parse and check a file; return the document and every diagnostic (errors and warnings)."""
    document, _ = read_document(path)
    return document, check(document, schema, params)


def load(
    path: str | Path,
    params: Mapping[str, ParamValue] | None = None,
    schema: EnvironmentSchema | None = None,
) -> CompiledInstitution:
    """Parse, check and compile a file; raise :class:`GovlangError` if it has errors."""
    document, data = read_document(path)
    return compile_document(document, params, schema, data)


def loads(
    text: str,
    params: Mapping[str, ParamValue] | None = None,
    schema: EnvironmentSchema | None = None,
    name: str = "<string>",
) -> CompiledInstitution:
    """Like :func:`load`, from source text."""
    data = text.encode("utf-8")
    return compile_document(parse_bytes(data, name), params, schema, data)


def compile_document(
    document: Document,
    params: Mapping[str, ParamValue] | None = None,
    schema: EnvironmentSchema | None = None,
    source_bytes: bytes | None = None,
) -> CompiledInstitution:
    """Check a parsed document and compile it; raise :class:`GovlangError` on errors."""
    from govlang.lang.compile import compile_institution

    diagnostics = check(document, schema, params)
    errors = [d for d in diagnostics if d.is_error]
    if errors or document.institution is None:
        raise GovlangError(errors, document.source)
    return compile_institution(document.institution, params, source_bytes)
