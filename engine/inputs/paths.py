"""Addressing a value inside a facts document: dotted paths (``engagement.mode``) and the JSON
paths messages show (``$.engagement.lifecycle[2]``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


MAX_KEY_SHOWN = 60
"""Characters of one key shown in a path; a longer key (a hostile one) is elided."""


def json_path(parts: Iterable[str | int]) -> str:
    """``$.engagement.lifecycle[2]``; keys that are not plain names are quoted, and keys
    longer than `MAX_KEY_SHOWN` characters shortened (the path is for people to read)."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        key = part if len(part) <= MAX_KEY_SHOWN else part[:MAX_KEY_SHOWN - 3] + "..."
        text += f".{key}" if _NAME.fullmatch(part) else "[" + repr(key) + "]"
    return text


def value_at(data: Any, path: str | Sequence[str]) -> Any:
    """The value at a path (``engagement.mode`` or its parts) of a document, None if absent."""
    value: Any = data
    for part in path.split(".") if isinstance(path, str) else path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def container_at(data: dict[str, Any], path: str | Sequence[str]) -> tuple[dict[str, Any], str]:
    """The mapping that holds the last part of `path` (made on the way when missing), and
    that part: ``parent, key = container_at(doc, "brm.formal_role"); parent[key] = True``."""
    *parents, leaf = path.split(".") if isinstance(path, str) else path
    target = data
    for part in parents:
        target = target.setdefault(part, {})
    return target, leaf
