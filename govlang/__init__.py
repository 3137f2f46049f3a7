"""govlang: a governance-graph specification language for multi-agent AI safety research.

The Python entry points:

* :func:`load` / :func:`loads` — parse, check and compile an institution
  (raises :class:`GovlangError` carrying every diagnostic);
* :func:`check_file` — every diagnostic of a file, errors and warnings;
* :func:`govern` — wrap a PettingZoo ParallelEnv so that an institution binds it;
* :mod:`govlang.cli` — the ``govlang`` command line.
"""

from govlang.api import check_file, load, loads
from govlang.diagnostics import Diagnostic, GovlangError
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
