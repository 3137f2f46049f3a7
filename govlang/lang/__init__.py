"""The govlang language core, listed in pipeline order.

Reading and parsing a ``.gov`` file:

* :mod:`.inputs` -- which files are read, and their size limits;
* :mod:`.lexer`, :mod:`.parse` (:mod:`.parser_cache`) -- tokens and the Lark parse tree;
* :mod:`.token_spans` -- source spans of parse-tree tokens and nodes;
* :mod:`.precedence`, :mod:`.transform`, :mod:`.transform_values` -- the parse tree into the IR;
* :mod:`.frontend` -- all of the above for one file: a document and its syntax diagnostics.

What a file means:

* :mod:`.ir` -- the typed intermediate representation (with :class:`~.ir.Span`);
* :mod:`.builtins` (:mod:`.kernels`, :mod:`.interval`) -- the built-in functions, defined once;
* :mod:`.dims`, :mod:`.assertions`, :mod:`.graph` -- dimensions, assertion scopes, the
  governance graph;
* :mod:`.params`, :mod:`.schema`, :mod:`.money` -- param values, environment schemas, amounts;
* :mod:`.diagnostics` -- diagnostics and their rendering.

Checking and compiling:

* :mod:`.check` -- every GL diagnostic of a document;
* :mod:`.compile`, :mod:`.manifest` -- a checked institution bound to its params, its
  manifest and digests.

Writing it back out: :mod:`.unparse` and :mod:`.fmt` (canonical text), :mod:`.render`
(Graphviz diagrams). Nothing here imports the runtime, the markets, the experiments or the
API (``tests/test_layering.py``).

Importing the package imports Lark, the parser library, without the optional third-party
``regex`` module (see :func:`import_lark`).
"""

from __future__ import annotations

import sys


def import_lark() -> None:
    """Import Lark with the ``regex`` module hidden, unless either is already imported.

    When ``regex`` is installed Lark imports it, and it takes nearly as long to import as
    Lark's own modules; Lark uses it only for grammars with Unicode property classes
    (``p{..}`` escapes) or ``Lark(regex=True)``, and govlang's grammar has neither, so the
    parser is the same with or without it. The module is hidden only while Lark is imported
    (a ``None`` entry in ``sys.modules`` makes ``import regex`` fail): a library that imports
    it afterwards gets it as usual (one importing it in another thread at that very moment
    would not).
    """
    if "lark" in sys.modules or "regex" in sys.modules:
        return
    sys.modules["regex"] = None  # type: ignore[assignment]
    try:
        import lark  # noqa: F401
    finally:
        del sys.modules["regex"]


import_lark()
