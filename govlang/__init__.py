"""govlang: a governance-graph specification language for multi-agent AI safety research.

The Python entry points:

* :func:`load` / :func:`loads` — parse, check and compile an institution
  (raises :class:`GovlangError` carrying every diagnostic);
* :func:`check_file` — every diagnostic of a file, errors and warnings;
* :func:`govern` — wrap a PettingZoo ParallelEnv so that an institution binds it;
* :mod:`govlang.cli` — the ``govlang`` command line.

The entry points are imported on first use, so that ``govlang check`` does not pay for
the runtime's dependencies (numpy, networkx, PettingZoo) it never touches, and importing the
package itself is instant (``python -m govlang`` handles Ctrl-C from its first line).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govlang.api import check_file, load, loads
    from govlang.lang.diagnostics import Diagnostic, GovlangError
    from govlang.runtime.govern import govern

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "GovlangError",
    "__version__",
    "check_file",
    "govern",
    "load",
    "loads",
]

_LAZY = {
    "Diagnostic": "govlang.lang.diagnostics",
    "GovlangError": "govlang.lang.diagnostics",
    "check_file": "govlang.api",
    "load": "govlang.api",
    "loads": "govlang.api",
    "govern": "govlang.runtime.govern",
}


def __getattr__(name: str) -> Any:
    """Import an entry point on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'govlang' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
