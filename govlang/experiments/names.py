"""Names from experiment files that become file names (population names, provider limits).

A population's name is part of its plot files (``plots/NAME-REGIME-actions.png``), so a name
such as ``../x``, ``/tmp/x`` or one holding a path separator or a NUL would write outside the
results folder. :data:`FileName` refuses such names when the experiment is loaded, before
anything is written; :func:`toml_key` shows a key as it would be written in TOML, so that an
error names the exact key path (``populations."../x"``).
"""

from __future__ import annotations

import json
import re
from typing import Annotated

from pydantic import AfterValidator

MAX_NAME = 64
"""The longest name accepted (file systems allow 255 bytes for a whole file name)."""

_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def file_name(name: str) -> str:
    """``name`` when it is safe inside a file name; ``ValueError`` saying why it is not."""
    if not name:
        raise ValueError("an empty name cannot name files")
    if len(name) > MAX_NAME:
        raise ValueError(f"a name of {len(name)} characters is too long (at most {MAX_NAME})")
    if _SAFE.fullmatch(name) is None:
        raise ValueError(
            f"{json.dumps(name)} cannot name files (it becomes part of the plot file names): "
            "use letters, digits, `_`, `-` and `.`, not starting with `.` or `-`"
        )
    return name


FileName = Annotated[str, AfterValidator(file_name)]
"""A string that :func:`file_name` accepts."""


def toml_key(part: str) -> str:
    """A key as TOML writes it: bare when it can be, else quoted (``"../x"``)."""
    return part if _BARE_KEY.fullmatch(part) else json.dumps(part)
