"""Run data as JSON: plain Python values, and their canonical JSON in one pass.

:func:`plain` turns numpy scalars and arrays (and other mappings and sequences) into fresh
plain Python data, for infos, facts and reports. :func:`canonical` gives exactly the text of
``canonical_json(plain(data))`` (:func:`govlang.lang.manifest.canonical_json`), what the
governance log and the traces write, with less work: :func:`json_ready` converts only what JSON
cannot encode as it is (numpy arrays and scalars, mappings that are not dicts, keys that are
not strings) and hands plain containers back without copying them, and one JSON encoder, made
once, encodes the result. Numpy's ``float64`` is a ``float`` and JSON prints it as one, so it
is left as it is.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from govlang.lang.manifest import canonical_json

__all__ = ["canonical", "json_ready", "plain", "string_json", "value_json"]


def plain(data: Any) -> Any:
    """``data`` with numpy scalars and arrays turned into Python values (JSON-ready)."""
    kind = type(data)
    if kind in _SCALARS:
        return data
    if kind is dict:
        if all(type(k) is str and type(v) in _SCALARS for k, v in data.items()):
            return dict(data)  # names to plain values (monitors at an agent): a copy will do
        return {k if type(k) is str else str(k): plain(v) for k, v in data.items()}
    if (kind is list or kind is tuple) and all(type(v) in _SCALARS for v in data):
        return list(data)  # a row of plain numbers (monitor values): nothing to convert
    if isinstance(data, np.ndarray | np.generic):
        return data.tolist()
    if isinstance(data, Mapping):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [plain(v) for v in data]
    return data


_SCALARS = frozenset({str, float, int, bool, type(None)})
"""Types :func:`plain` keeps as they are."""

_AS_IS = _SCALARS | {np.float64}
"""Types JSON encodes exactly as their ``plain`` conversion: nothing to convert."""
_STR = frozenset({str})

string_json: Callable[[str], str] = json.encoder.encode_basestring
"""A string as JSON (UTF-8 kept, only the escapes JSON requires), as ``canonical_json`` does."""


def json_ready(data: Any) -> Any:
    """``data`` in a form whose JSON is the canonical JSON of ``plain(data)``.

    The same object when it is already plain (a dict with string keys, a list or a tuple of
    plain values); otherwise a converted copy of the containers that need it.
    """
    kind = type(data)
    if kind in _AS_IS:
        return data
    if kind is dict:
        if _STR.issuperset(map(type, data)):
            if _AS_IS.issuperset(map(type, data.values())):
                return data
            return {k: v if type(v) in _AS_IS else json_ready(v) for k, v in data.items()}
        return {k if type(k) is str else str(k): json_ready(v) for k, v in data.items()}
    if kind is list or kind is tuple:
        if _AS_IS.issuperset(map(type, data)):
            return data
        return [v if type(v) in _AS_IS else json_ready(v) for v in data]
    if isinstance(data, np.ndarray | np.generic):
        return data.tolist()
    if isinstance(data, Mapping):
        return {k if type(k) is str else str(k): json_ready(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(v) for v in data]
    return data


def _unknown(value: Any) -> Any:
    """What the encoder does with a value JSON cannot hold: refuse it, as ``json.dumps``."""
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encoder() -> Callable[[Any], str]:
    """Canonical JSON of JSON-ready data (finite floats only: others raise ``ValueError``)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the pure-Python encoder, same bytes
        return json.JSONEncoder(
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            check_circular=False,
        ).encode
    encode = make(None, _unknown, string_json, None, ":", ",", True, False, False)

    def run(data: Any) -> str:
        return "".join(encode(data, 0))

    return run


_ENCODE = _encoder()


def canonical(data: Any) -> str:
    """The canonical JSON of ``plain(data)``: the bytes :func:`canonical_json` would give."""
    ready = json_ready(data)
    try:
        return _ENCODE(ready)
    except ValueError:  # a non-finite float: canonical_json writes it as a string
        return canonical_json(ready)


def value_json(value: Any) -> str:
    """:func:`canonical` with shortcuts for strings and ``None`` (an event's scalar fields)."""
    if type(value) is str:
        return string_json(value)
    if value is None:
        return "null"
    return canonical(value)
