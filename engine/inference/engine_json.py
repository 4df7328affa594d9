"""The JSON text durable-rules reads: standard JSON, but a number with an exponent must hold a
decimal point (its parser refuses ``1e-05`` and ``1e+16``, error 204, and reads ``1.0e-05``).

Python writes such floats without one (``repr(0.00001) == '1e-05'``), so they are written here
with ``.0`` before the exponent: the same value, in a form the engine reads.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_MARK = "\x00brm-float\x00"
_BARE_EXPONENT = re.compile(r"(?<![.\d])\d+e[-+]?\d")
"""A number written with an exponent and no decimal point (or, rarely, text that looks so)."""


def dumps(data: Any, *, sort_keys: bool = False, ensure_ascii: bool = True) -> str:
    """``json.dumps(data)``, with every float the engine could not read written so it can
    (the plain ``json.dumps`` text whenever it holds none: the usual case costs one search)."""
    text = json.dumps(data, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
    if not _BARE_EXPONENT.search(text):
        return text
    floats: list[str] = []
    marked = _marked(data, floats)
    text = json.dumps(marked, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
    for written in floats:
        text = text.replace(json.dumps(f"{_MARK}{written}", ensure_ascii=ensure_ascii),
                            written, 1)
    return text


def engine_float(value: float) -> str | None:
    """How the engine must read `value`, when Python's own writing would not do (else None)."""
    text = repr(value)
    if "e" not in text or not math.isfinite(value):
        return None
    mantissa, exponent = text.split("e")
    return text if "." in mantissa else f"{mantissa}.0e{exponent}"


def _marked(data: Any, floats: list[str]) -> Any:
    """`data` with each float that needs rewriting replaced by a marked string (in order)."""
    if type(data) is float:
        written = engine_float(data)
        if written is None or written == repr(data):
            return data
        floats.append(written)
        return f"{_MARK}{written}"
    if isinstance(data, Mapping):
        return {key: _marked(value, floats) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_marked(item, floats) for item in data]
    return data
