"""A fast reader for the plain YAML a facts file is usually written in, and nothing else.

``documents.read_document`` tries it first and falls back to the full reader (PyYAML with the
project's checks) for anything it does not take. It reads block mappings of plain keys; values
that are plain words, whole numbers, ``true``/``false``/``null``, quoted strings on one line,
flow lists of such values and block lists (``- item``), nested by indentation; and full-line
comments. Anything else (tabs, anchors and tags, ``#`` after a value, multi-line or escaped
strings, other number forms, ``yes``/``no``, flow mappings, lists of mappings, several
documents, characters YAML refuses, duplicate keys...) makes it decline rather than guess: what
it returns is what the full reader returns for the same text (tests/test_speed_parsing.py holds
the two equal over the examples and thousands of mutations of them), without importing and
running PyYAML. It never raises: it declines with None.
"""

from __future__ import annotations

import re
from typing import Any

MAX_NODES = 10_000
"""More values than this and the reader declines: what it returns holds at most this many
values besides the top mapping, so a count of values with a higher limit cannot refuse it."""
MAX_NESTING = 32
"""Deeper than this and the reader declines (well below the depth the full reader refuses)."""

_REFUSED_CHARACTERS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""Tabs, carriage returns, controls, the line breaks YAML knows besides \\n, byte order marks
and what YAML refuses to read: the full reader decides about any of them."""
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]{0,199}) {0,20}:(?: +(.*))?")
"""A key and its colon; YAML limits such keys to 1024 characters, this to 200."""
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,4299})")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_NUMBER_STARTS = frozenset("0123456789-")
_REFUSED_STARTS = frozenset("?:,[]{}#&*!|>'\"%@`+.<=~")
"""YAML's indicators, and the first characters of the other forms of numbers, merge keys,
values and nulls."""
_TEXT = object()
_WORDS = {"null": None, "Null": None, "NULL": None, "~": None, "true": True, "True": True,
          "TRUE": True, "false": False, "False": False, "FALSE": False}
_OTHER_BOOLEANS = frozenset({"yes", "no", "on", "off"})


class _Decline(Exception):
    """Not plain enough: the full reader decides."""


def read_plain(text: str) -> Any | None:
    """The mapping `text` holds, as the full reader would build it; None when `text` is not
    plain YAML as described above."""
    if _REFUSED_CHARACTERS.search(text):
        return None
    indents: list[int] = []
    contents: list[str] = []
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if content and content[0] != "#":
            indents.append(len(line) - len(content))
            contents.append(content.rstrip(" "))
    if not contents or indents[0] != 0 or contents[0][0] == "-":
        return None
    indents.append(-1)  # the end: shallower than anything
    reader = _Reader(indents, contents)
    try:
        value = reader.mapping(0, 1)
    except (_Decline, RecursionError):
        return None
    return value if reader.position == len(contents) else None


class _Reader:
    def __init__(self, indents: list[int], contents: list[str]) -> None:
        self.indents = indents
        self.contents = contents
        self.position = 0
        self.nodes = 0

    def count(self, depth: int, nodes: int) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES or depth > MAX_NESTING:
            raise _Decline

    def mapping(self, indent: int, depth: int) -> dict[str, Any]:
        found: dict[str, Any] = {}
        indents, contents, match_key = self.indents, self.contents, _KEY_LINE.fullmatch
        while indents[self.position] == indent:
            match = match_key(contents[self.position])
            if match is None:
                raise _Decline
            key, rest = match.group(1, 2)
            if key in found or not _text_key(key):
                raise _Decline  # a duplicate, or a key that is not text (true:, null:...)
            self.position += 1
            self.count(depth, 1)
            found[key] = self._entry_value(rest, indent, depth)
        if indents[self.position] > indent:
            raise _Decline
        return found

    def _entry_value(self, rest: str | None, indent: int, depth: int) -> Any:
        following = self.indents[self.position]
        if rest:
            if following > indent:
                raise _Decline  # a value continued on the next lines
            return _value(rest, self, depth + 1)
        if following < indent:
            return None
        content = self.contents[self.position]
        if content == "-" or content.startswith("- "):
            return self.sequence(following, depth + 1)
        if following == indent:
            return None
        return self.mapping(following, depth + 1)

    def sequence(self, indent: int, depth: int) -> list[Any]:
        found: list[Any] = []
        indents, contents = self.indents, self.contents
        while indents[self.position] == indent:
            content = contents[self.position]
            if not content.startswith("- "):
                break
            rest = content[2:].lstrip(" ")
            if not rest or _KEY_LINE.fullmatch(rest) or ": " in rest:
                raise _Decline  # a nested block or a mapping in a list
            self.position += 1
            if indents[self.position] > indent:
                raise _Decline
            self.count(depth, 1)
            found.append(_value(rest, self, depth + 1))
        return found


def _value(text: str, reader: _Reader, depth: int) -> Any:
    if "#" in text:
        raise _Decline  # a comment, or a # the full reader reads
    first = text[0]
    if first == "[":
        items = _flow(text)
        reader.count(depth, len(items))
        return items
    if first == '"':
        match = _DOUBLE_QUOTED.fullmatch(text)
        if match is None:
            raise _Decline
        return match.group(1)
    if first == "'":
        match = _SINGLE_QUOTED.fullmatch(text)
        if match is None:
            raise _Decline
        return match.group(1).replace("''", "'")
    if ": " in text or text.endswith(":"):
        raise _Decline
    return _plain(text)


def _flow(text: str) -> list[Any]:
    inner = text[1:-1] if text.endswith("]") else "["
    if any(mark in inner for mark in "[]{}\"':"):
        raise _Decline
    if not inner.strip(" "):
        return []
    items = [item.strip(" ") for item in inner.split(",")]
    if not all(items):
        raise _Decline  # an empty item, or a trailing comma
    return [_plain(item) for item in items]


def _plain(text: str) -> Any:
    """A plain scalar as the full reader resolves it: text, a whole number, true/false/null;
    any other form (other numbers, yes/no, words starting with an indicator) declines."""
    word = _WORDS.get(text, _TEXT)
    if word is not _TEXT:
        return word
    first = text[0]
    if first in _NUMBER_STARTS:
        if _INTEGER.fullmatch(text):
            return int(text)
        raise _Decline
    if first in _REFUSED_STARTS or (len(text) <= 3 and text.lower() in _OTHER_BOOLEANS):
        raise _Decline
    return text


def _text_key(key: str) -> bool:
    """Whether a key (already a plain word) is read as text, not as true, false or null."""
    return key not in _WORDS and not (len(key) <= 3 and key.lower() in _OTHER_BOOLEANS)
