"""Reading untrusted YAML and JSON documents safely.

Safe loading only: no tag builds an object, a document's size is capped before parsing, the
values a document expands to (through YAML aliases) are counted and capped, and recursive aliases
are refused. Duplicate keys are errors, not silently overwritten. Dates stay strings, and so do
YAML 1.1's base-60 numbers (``1:30``). Only regular files are read (never a pipe or a device),
only UTF-8 text is decoded, and every string must be writable as UTF-8 again (no lone
surrogates); whole numbers are limited to the digits Python can print.

Every failure is a `DocumentError` naming the source, the line where known, what was wrong and
what is allowed; nothing here ever lets a parser's traceback through.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import math
import os
import re
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from ..errors import DocumentError, Issue
from ..present.words import describe_value
from .paths import json_path

MAX_DOCUMENT_BYTES = 1024 * 1024
"""A facts document larger than this is refused before it is parsed."""

MAX_DOCUMENT_VALUES = 100_000
"""A document that expands (counting every alias use) to more values than this is refused."""

MAX_DEPTH = 64
"""A document nested deeper than this is refused."""

MAX_INTEGER_DIGITS = 4300
"""Whole numbers longer than this are refused: Python cannot print them (its default
``sys.get_int_max_str_digits()``), and no facts document needs them."""

_INTEGER_LIMIT = 10 ** MAX_INTEGER_DIGITS

_TEXT_FILE = "a UTF-8 YAML or JSON text file"
_JSON_VALUES = "mappings, lists, strings, numbers, booleans and null"


# --- the document -----------------------------------------------------------------------------

class LineIndex:
    """Where the values of one document's text are, for error messages.

    Built once per document, on the first lookup (a valid document never pays for it): JSON is
    scanned once into a path -> line table; YAML is composed once into its node tree, and each
    mapping's keys are indexed the first time a path goes through it (aliases are not expanded).
    A lookup then costs the length of its path, so reporting N problems costs O(N + size).
    """

    def __init__(self, text: str, syntax: str) -> None:
        self.text = text
        self.syntax = syntax
        self._json: dict[tuple[str | int, ...], tuple[int, int]] | None = None
        self._yaml: Any = None
        self._composed = False
        self._mappings: dict[int, dict[str, tuple[Any, Any]]] = {}

    def line_of(self, path: Sequence[str | int], *, key: bool = False) -> int | None:
        """The 1-based line of the value at `path` (of its key when `key`), or None if unknown.

        When the path goes further than the text, the line of the deepest node found."""
        if self.syntax == "json":
            return self._json_line(tuple(path), key)
        return self._yaml_line(path, key)

    def _json_line(self, path: tuple[str | int, ...], key: bool) -> int | None:
        if self._json is None:
            self._json = _json_lines(self.text)
        for depth in range(len(path), -1, -1):
            found = self._json.get(path[:depth])
            if found is not None:
                return found[0] if key and depth == len(path) else found[1]
        return None

    def _yaml_line(self, path: Sequence[str | int], key: bool) -> int | None:
        if not self._composed:
            self._composed = True
            self._yaml = _compose(self.text)
        node = self._yaml
        if node is None:
            return None
        line: int = node.start_mark.line + 1
        for index, part in enumerate(path):
            entry = self._yaml_child(node, part)
            if entry is None:
                return line
            key_node, node = entry
            last = index == len(path) - 1
            line = (key_node if key and last else node).start_mark.line + 1
        return line

    def _yaml_child(self, node: Any, part: str | int) -> tuple[Any, Any] | None:
        if node.id == "mapping" and isinstance(part, str):
            entries = self._mappings.get(id(node))
            if entries is None:
                entries = {}
                for key_node, value_node in node.value:
                    if key_node.id == "scalar":
                        entries.setdefault(key_node.value, (key_node, value_node))
                self._mappings[id(node)] = entries
            return entries.get(part)
        if node.id == "sequence" and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            return child, child
        return None


class Document(NamedTuple):
    """A parsed document: its data, where it came from and its text (to find lines later)."""

    source: str
    data: Any
    text: str
    syntax: str  # "yaml" or "json"
    lines: LineIndex | None = None

    def line_of(self, path: Sequence[str | int], *, key: bool = False) -> int | None:
        """The 1-based line of the value (or key) at `path`, or None if unknown."""
        index = self.lines if self.lines is not None else LineIndex(self.text, self.syntax)
        return index.line_of(path, key=key)


def read_document(
    origin: str | Path | IO[bytes],
    *,
    name: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_values: int = MAX_DOCUMENT_VALUES,
) -> Document:
    """Read one YAML or JSON document from a path or a binary stream.

    The syntax is JSON when the name ends in ``.json`` or the text starts with ``{`` or ``[``,
    YAML otherwise. Raises `DocumentError` for anything that is not one plain mapping-or-value
    document within the limits.
    """
    source = name or (str(origin) if isinstance(origin, (str, Path)) else "<stdin>")
    raw = _read_bytes(origin, source, max_bytes)
    text = _decode(raw, source)
    syntax = _syntax_of(source, text)
    lines = LineIndex(text, syntax)
    try:
        data = _parse_json(text, source) if syntax == "json" else _parse_yaml(text, source)
        _check_values(data, max_values)
    except _Refused as refused:
        raise refused.error(source, lines) from None
    return Document(source=source, data=data, text=text, syntax=syntax, lines=lines)


def parse_scalar(text: str, *, source: str = "<value>") -> Any:
    """One value written inline, read as YAML reads it: ``true``, ``3``, ``2.5``, ``null``,
    ``text``, ``[a, b]``; empty text is None. The same rules as `read_document` (no tags that
    build objects, no lone surrogates, no endless numbers...); raises `DocumentError`, whose
    issue's code is ``syntax`` when the text is not valid YAML at all."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise _fail(source, f"is longer than {MAX_DOCUMENT_BYTES} characters", code="too-large")
    lines = LineIndex(text, "yaml")
    try:
        _check_text(text, ())
        data = _parse_yaml(text, source)
        _check_values(data, MAX_DOCUMENT_VALUES)
    except _Refused as refused:
        raise refused.error(source, lines) from None
    return data


def load_json(text: str, source: str, *, max_values: int = MAX_DOCUMENT_VALUES) -> Any:
    """One JSON value from text (e.g. a line of a JSONL file), with every check `read_document`
    makes (duplicate keys, numbers, lone surrogates, depth, values counted); raises
    `DocumentError`."""
    lines = LineIndex(text, "json")
    try:
        _check_text(text, ())
        data = _parse_json(text, source)
        _check_values(data, max_values)
    except _Refused as refused:
        raise refused.error(source, lines) from None
    return data


def _fail(source: str, message: str, *, line: int | None = None, code: str = "unreadable",
          allowed: str | None = None, path: str = "$") -> DocumentError:
    return DocumentError(source, (Issue(path, message, allowed=allowed, line=line, code=code),))


class _Refused(Exception):
    """A problem found while parsing or checking, before the source's name is at hand: where it
    is (path parts, or a line), what is wrong and what is allowed."""

    def __init__(self, message: str, *, code: str, allowed: str | None = None,
                 parts: Sequence[str | int] = (), line: int | None = None,
                 at: Sequence[str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.allowed = allowed
        self.parts = tuple(parts)
        self.line = line
        self.at = tuple(at) if at is not None else self.parts

    def error(self, source: str, lines: LineIndex) -> DocumentError:
        line = self.line
        if line is None and self.at:
            line = lines.line_of(self.at)
        return _fail(source, self.message, line=line, code=self.code, allowed=self.allowed,
                     path=json_path(self.parts))


# --- reading bytes ----------------------------------------------------------------------------

_NOT_REGULAR: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _read_bytes(origin: str | Path | IO[bytes], source: str, max_bytes: int) -> bytes:
    if isinstance(origin, (str, Path)):
        raw = _read_file(Path(origin), source, max_bytes)
    else:
        try:
            raw = origin.read(max_bytes + 1)
        except OSError as error:
            raise _fail(source, f"cannot be read: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise _fail(source, f"is larger than {max_bytes} bytes; a facts document is a few "
                            "kilobytes", code="too-large")
    return raw


def _read_file(path: Path, source: str, max_bytes: int) -> bytes:
    """A regular file's first `max_bytes` + 1 bytes: pipes, devices and sockets are refused
    before they are opened (reading them could block or never end), and again once open."""
    _check_regular(path, source)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise _os_failure(error, path, source) from None
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since checked
            raise _fail(source, "is not a regular file", code="not-a-file",
                        allowed=f"a regular file ({_TEXT_FILE})")
        try:
            return handle.read(max_bytes + 1)
        except OSError as error:
            raise _os_failure(error, path, source) from None


def _check_regular(path: Path, source: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise _os_failure(error, path, source) from None
    if stat.S_ISDIR(mode):
        raise _fail(source, "is a directory, not a file")
    for test, kind in _NOT_REGULAR:
        if test(mode):
            raise _fail(source, f"is {kind}, not a regular file", code="not-a-file",
                        allowed=f"a regular file ({_TEXT_FILE})")


def _os_failure(error: OSError, path: Path, source: str) -> DocumentError:
    if error.errno == errno.ELOOP:
        return _fail(source, "is a symbolic link loop (following it leads back to it), not a "
                             "file", code="not-found")
    if isinstance(error, FileNotFoundError):
        if path.is_symlink():
            with contextlib.suppress(OSError):
                target = os.readlink(path)
                return _fail(source, f"is a symbolic link to {target!r}, which does not exist",
                             code="not-found")
        return _fail(source, "no such file", code="not-found")
    return _fail(source, f"cannot be read: {error.strerror or error}")


# --- decoding text ----------------------------------------------------------------------------

_WIDE_ENCODINGS = (  # (byte order mark, codec, name); UTF-32 first: its BOMs begin like UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    wide = _wide_encoding(raw)
    if wide is not None:
        raise _fail(source, f"is {wide} text, not UTF-8: save it as UTF-8", code="encoding",
                    allowed=_TEXT_FILE)
    if b"\x00" in raw:
        raise _fail(source, "is not a text file (it contains NUL bytes)", code="binary",
                    allowed=_TEXT_FILE)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise _fail(source, f"is not valid UTF-8 text (byte 0x{raw[error.start]:02x} at column "
                            f"{column}): it seems to be in another encoding; save it as UTF-8",
                    line=line, code="binary", allowed=_TEXT_FILE) from None
    if not text.strip():
        raise _fail(source, "is empty", code="empty", allowed="a YAML or JSON mapping")
    return text


def _wide_encoding(raw: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the bytes are text in one of them (by its byte order mark, or
    by the NUL bytes that interleave ASCII text), else None."""
    for mark, codec, name in _WIDE_ENCODINGS:
        if raw.startswith(mark):
            return name if _reads_as_text(raw[len(mark):], codec) else None
    if b"\x00" in raw[:4096]:
        for codec in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
            if _reads_as_text(raw, codec):
                return codec[:6].upper()
    return None


def _reads_as_text(raw: bytes, codec: str) -> bool:
    width = 4 if "32" in codec else 2
    sample = raw[: min(len(raw), 4096) // width * width]
    text = sample.decode(codec, errors="replace")
    if not text:
        return False
    plain = sum(1 for char in text if char in "\t\r\n" or " " <= char <= "~")
    return plain * 10 >= len(text) * 7


def _syntax_of(source: str, text: str) -> str:
    if source.lower().endswith(".json"):
        return "json"
    if source.lower().endswith((".yaml", ".yml")):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


# --- numbers ----------------------------------------------------------------------------------

class _LongInteger(NamedTuple):
    """Stands for a whole number too long to use (never built: building it is the problem)."""

    digits: int


def _describe(value: Any) -> str:
    if isinstance(value, _LongInteger):
        return f"a whole number of {value.digits} digits"
    return describe_value(value)


def _json_integer(text: str) -> int | _LongInteger:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        return _LongInteger(digits)
    return int(text)


_BASES = (("0b", 2, re.compile(r"[01]+")), ("0x", 16, re.compile(r"[0-9a-fA-F]+")),
          ("0", 8, re.compile(r"[0-7]+")), ("", 10, re.compile(r"[0-9]+")))


def _yaml_integer(text: str) -> int | _LongInteger | None:
    """A YAML 1.1 whole number (``42``, ``-0x2A``, ``0b101``, ``052``, ``1_000``), or None when
    the text is not one (base-60 forms such as ``1:30`` are not)."""
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits[1:] if digits.startswith(("-", "+")) else digits
    if digits == "0":
        return 0
    for prefix, base, form in _BASES:
        if digits.startswith(prefix) and len(digits) > len(prefix):
            body = digits[len(prefix):]
            if not form.fullmatch(body):
                return None
            if base == 10 and len(body) > MAX_INTEGER_DIGITS:
                return _LongInteger(len(body))
            value = sign * int(body, base)  # other bases: linear time, any length
            if abs(value) >= _INTEGER_LIMIT:
                return _LongInteger(int(value.bit_length() * math.log10(2)) + 1)
            return value
    return None


_SPECIAL_FLOATS = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?")


def _yaml_float(text: str) -> float | None:
    """A YAML 1.1 number (``2.5``, ``1_000.0``, ``1e3``, ``.inf``), or None when the text is
    not one (base-60 forms such as ``1:30.5`` are not)."""
    cleaned = text.replace("_", "").lower()
    if cleaned in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[cleaned]
    return float(cleaned) if _FLOAT.fullmatch(cleaned) else None


# --- JSON -------------------------------------------------------------------------------------

class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_pairs_without_duplicates,
                          parse_constant=_no_constant, parse_int=_json_integer)
    except json.JSONDecodeError as error:
        raise _fail(source, f"is not valid JSON: {error.msg} (column {error.colno})",
                    line=error.lineno, code="syntax") from None
    except _DuplicateKey as error:
        raise _fail(source, f"has the key {_describe(error.key)} twice in one object",
                    code="duplicate-key",
                    line=_first_line_containing(text, f'"{error.key}"')) from None
    except RecursionError:
        raise _fail(source, f"is nested too deeply (more than {MAX_DEPTH} levels)",
                    code="too-deep") from None
    except ValueError as error:
        raise _fail(source, f"is not valid JSON: {error}", code="syntax") from None


def _first_line_containing(text: str, needle: str) -> int | None:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[1] if len(lines) > 1 else (lines[0] if lines else None)


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


def _json_lines(text: str) -> dict[tuple[str | int, ...], tuple[int, int]]:
    """Every path of a valid JSON text -> (line of its key, line of its value), in one scan."""
    found: dict[tuple[str | int, ...], tuple[int, int]] = {}
    frames: list[list[Any]] = []  # [path, next key or index, line of that key, expecting a key]
    line, position = 1, 0
    for match in _JSON_TOKEN.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        token = match.group()
        frame = frames[-1] if frames else None
        if frame is not None and frame[3]:  # an object's key
            if token.startswith('"'):
                frame[1:4] = [json.loads(token), line, False]
            elif token == "}":
                frames.pop()
            continue
        if token in ":,]}":
            if token == "," and isinstance(frame, list):
                if isinstance(frame[1], int):
                    frame[1:3] = [frame[1] + 1, None]
                else:
                    frame[3] = True
            elif token in "]}":
                frames.pop()
            continue
        path = () if frame is None else (*frame[0], frame[1])
        found.setdefault(path, (line if frame is None or frame[2] is None else frame[2], line))
        if token in "{[":
            frames.append([path, 0 if token == "[" else None, None, token == "{"])
    return found


# --- YAML -------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"

_TAG_WANTS = {
    "int": "a whole number such as 42 after !!int",
    "float": "a number such as 2.5 after !!float",
    "bool": "true or false after !!bool",
    "null": "nothing, ~ or null after !!null",
    "str": "text (not a list or a mapping) after !!str",
    "seq": "a list after !!seq",
    "map": "a mapping after !!map",
}
"""What each standard tag accepts; values of the wrong kind are refused with these words."""

_TAGS_JSON_LACKS = {"binary": "bytes", "timestamp": "dates", "set": "sets",
                    "omap": "ordered pairs", "pairs": "pairs"}
"""Standard tags that build values JSON does not have: refused."""

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLEANS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}

# YAML 1.1's implicit int and float forms, without base 60 (``1:30`` stays text, as in YAML 1.2;
# reading a megabyte of ``1:59:59...`` as a number costs seconds of CPU), and with YAML 1.2's
# (and JSON's) exponents without a decimal point (``1e-05`` is a number, as in a JSON file).
# The prefixed forms need a digit (``0x_`` is text).
_INT_FORM = re.compile(r"^(?:[-+]?0b_*[0-1][0-1_]*|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
                       r"|[-+]?0x_*[0-9a-fA-F][0-9a-fA-F_]*)$")
_FLOAT_FORM = re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
                         r"|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+"
                         r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
                         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


def _tag_mismatch(node: Any, name: str) -> _Refused:
    shown = describe_value(node.value) if node.id == "scalar" else f"a {node.id}"
    return _Refused(f"has the YAML tag !!{name} on {shown}, which is not what !!{name} takes",
                    code="yaml-tag", allowed=_TAG_WANTS[name], line=node.start_mark.line + 1)


def _scalar(node: Any, name: str) -> str:
    if node.id != "scalar":
        raise _tag_mismatch(node, name)
    return str(node.value)


def _construct_int(loader: Any, node: Any) -> int | _LongInteger:
    value = _yaml_integer(_scalar(node, "int"))
    if value is None:
        raise _tag_mismatch(node, "int")
    return value


def _construct_float(loader: Any, node: Any) -> float:
    value = _yaml_float(_scalar(node, "float"))
    if value is None:
        raise _tag_mismatch(node, "float")
    return value


def _construct_bool(loader: Any, node: Any) -> bool:
    value = _BOOLEANS.get(_scalar(node, "bool").lower())
    if value is None:
        raise _tag_mismatch(node, "bool")
    return value


def _construct_null(loader: Any, node: Any) -> None:
    if _scalar(node, "null") not in _NULLS:
        raise _tag_mismatch(node, "null")


def _construct_str(loader: Any, node: Any) -> str:
    return _scalar(node, "str")


def _construct_kind(name: str, kind: str, build: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def construct(loader: Any, node: Any) -> Any:
        if node.id != kind:
            raise _tag_mismatch(node, name)
        return build(loader, node)
    return construct


def _refuse_tag(name: str) -> Callable[..., Any]:
    def construct(loader: Any, node: Any) -> Any:
        raise _Refused(f"uses the YAML tag !!{name}, which makes {_TAGS_JSON_LACKS[name]}: "
                       "JSON has no such values", code="value-type",
                       allowed=f"{_JSON_VALUES} (without the tag)", line=node.start_mark.line + 1)
    return construct


@functools.cache
def _yaml_loader() -> type:
    """A safe loader class: the C parser when present, no timestamps, no base 60, no duplicate
    keys, and standard tags that accept only values of their kind.

    Built once (cached): it is a constant, and building a class per document costs more than
    parsing a small one."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    forms = {_TAG + "int": _INT_FORM, _TAG + "float": _FLOAT_FORM}

    class Loader(base):  # type: ignore[misc, valid-type]
        yaml_implicit_resolvers = {
            first: [(tag, forms.get(tag, regexp)) for tag, regexp in resolvers
                    if tag != _TAG + "timestamp"]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: dict[Any, Any] = {}
            for key_node, _value_node in node.value:
                if key_node.tag == _TAG + "merge":
                    raise _Refused("uses a YAML merge key (<<), which is not supported: write "
                                   "the keys out", code="yaml-tag", line=key_node.start_mark.line
                                   + 1, allowed="plain mappings, lists, strings, numbers and "
                                                "booleans")
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:
                    duplicate = False
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found the key {_describe(key)} twice in one mapping",
                        key_node.start_mark)
                with contextlib.suppress(TypeError):  # unhashable keys fail later, clearly
                    seen[key] = True
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    safe = yaml.constructor.SafeConstructor
    constructors: dict[str, Callable[..., Any]] = {
        "int": _construct_int, "float": _construct_float, "bool": _construct_bool,
        "null": _construct_null, "str": _construct_str,
        "seq": _construct_kind("seq", "sequence", safe.construct_yaml_seq),
        "map": _construct_kind("map", "mapping", safe.construct_yaml_map),
        **{name: _refuse_tag(name) for name in _TAGS_JSON_LACKS},
    }
    for name, construct in constructors.items():
        Loader.add_constructor(_TAG + name, construct)
    return Loader


def _compose(text: str) -> Any:
    """The YAML node tree of a text, or None when it cannot be composed."""
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.compose(text, Loader=loader)  # noqa: S506 - composes nodes only
    except Exception:  # noqa: BLE001 - best effort: a line number is a courtesy
        return None


def _parse_yaml(text: str, source: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as error:
        raise _constructor_failure(error, source) from None
    except yaml.MarkedYAMLError as error:
        raise _syntax_failure(error, source) from None
    except yaml.YAMLError as error:
        raise _fail(source, f"is not valid YAML: {error}", code="syntax") from None
    except RecursionError:
        raise _fail(source, f"is nested too deeply (more than {MAX_DEPTH} levels)",
                    code="too-deep") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as error:
        # a defence: the constructors above check every value they convert
        raise _fail(source, f"could not be read as YAML ({type(error).__name__})",
                    code="syntax") from None


_YAML_PROBLEMS = (  # (words of the parser, our message, code, what is allowed)
    ("expected a single document", "is not valid YAML: it holds more than one YAML document; "
     "give one organization per file", "syntax", None),
    ("maximum nesting depth", f"is nested too deeply (more than {MAX_DEPTH} levels)",
     "too-deep", None),
    ("invalid Unicode character escape", "has an escape that is not a character: a lone "
     "surrogate (\\ud800 to \\udfff) cannot be written as UTF-8", "surrogate",
     "escapes of real characters (one above U+FFFF is written \\U0001F600 in YAML)"),
)


def _syntax_failure(error: Any, source: str) -> DocumentError:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = str(error.problem or error.context or "syntax error")
    said = f"{error.context or ''} {problem}"
    for words, message, code, allowed in _YAML_PROBLEMS:
        if words in said:
            return _fail(source, message, line=line, code=code, allowed=allowed)
    return _fail(source, f"is not valid YAML: {problem}", line=line, code="syntax")


def _constructor_failure(error: Any, source: str) -> DocumentError:
    mark = error.problem_mark
    line = mark.line + 1 if mark is not None else None
    problem = str(error.problem or "")
    if "could not determine a constructor" in problem:
        tag = problem.split("tag", 1)[-1].strip()
        return _fail(source, f"uses the YAML tag {tag}, which is not allowed: tags that build "
                             "objects are refused and nothing in the file is executed",
                     line=line, code="yaml-tag",
                     allowed="plain mappings, lists, strings, numbers and booleans")
    code = "duplicate-key" if "twice" in problem else "syntax"
    return _fail(source, f"is not valid YAML: {problem}", line=line, code=code)


# --- shape checks -----------------------------------------------------------------------------

Place = tuple[Any, str | int] | None
"""Where a value is, as a linked list (parent place, key or index): O(1) per value."""


def _parts(place: Place) -> list[str | int]:
    parts: list[str | int] = []
    while place is not None:
        place, part = place
        parts.append(part)
    return parts[::-1]


def _check_values(data: Any, max_values: int) -> None:
    """Count the values the document expands to, refusing cycles, odd types and bombs."""
    count = 0
    stack: list[tuple[Any, int, Place]] = [(data, 0, None)]
    active: set[int] = set()
    exits: list[tuple[int, int]] = []  # (stack length when entered, id) to leave `active`
    while stack:
        while exits and exits[-1][0] > len(stack):
            active.discard(exits.pop()[1])
        value, depth, place = stack.pop()
        count += 1
        if count > max_values:
            raise _Refused(f"expands to more than {max_values} values (YAML aliases used to "
                           "multiply content are refused)", code="too-large")
        if depth > MAX_DEPTH:
            raise _Refused(f"is nested too deeply (more than {MAX_DEPTH} levels)",
                           code="too-deep", at=_parts(place))
        children = _children(value, place)
        if children is None:
            continue
        if id(value) in active:
            raise _Refused("refers to itself through a YAML alias", code="recursive-alias",
                           at=_parts(place))
        active.add(id(value))
        exits.append((len(stack) + 1, id(value)))
        stack.extend((child, depth + 1, (place, part)) for part, child in children)


def _children(value: Any, place: Place) -> list[tuple[str | int, Any]] | None:
    """A container's (key or index, child) pairs after checking its keys; None for a scalar,
    after checking it."""
    if isinstance(value, dict):
        for key in value:
            _check_key(key, place)
        return list(value.items())
    if isinstance(value, list):
        return list(enumerate(value))
    _check_scalar(value, place)
    return None


def _check_key(key: Any, place: Place) -> None:
    if isinstance(key, str):
        if not key.isascii():
            _check_text(key, [*_parts(place), key], key=True)
        return
    raise _Refused(f"has a key that is not a string: {_describe(key)}", code="key-type",
                   allowed="string keys (quote keys such as yes, no, on, off, true, false or "
                           "numbers)", parts=_parts(place))


def _check_scalar(value: Any, place: Place) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        if not value.isascii():
            _check_text(value, _parts(place))
    elif isinstance(value, int):
        if abs(value) >= _INTEGER_LIMIT:
            _too_long(_describe(value), place)
    elif isinstance(value, _LongInteger):
        _too_long(_describe(value), place)
    elif isinstance(value, float):
        if not math.isfinite(value):
            what = "a number too large to hold (infinite)" if math.isinf(value) else "NaN"
            raise _Refused(f"has {what}, not a finite number", code="value-type",
                           allowed="finite numbers", parts=_parts(place))
    else:
        raise _Refused(f"has a value of type {type(value).__name__}, which JSON does not have",
                       code="value-type", allowed=_JSON_VALUES, parts=_parts(place))


def _too_long(shown: str, place: Place) -> None:
    raise _Refused(f"has {shown}, too long to use", code="value-type",
                   allowed=f"whole numbers of at most {MAX_INTEGER_DIGITS} digits",
                   parts=_parts(place))


def _check_text(text: str, parts: Sequence[str | int], *, key: bool = False) -> None:
    """Refuses a lone surrogate (``\\ud800`` written as an escape): it is not a character, and
    no UTF-8 output (a report, a saved file) could hold it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code_point = ord(text[error.start])
        where = "a key" if key else "a string"
        raise _Refused(f"has {where} holding \\u{code_point:04x}, a lone surrogate: it is not "
                       "a character and cannot be written as UTF-8", code="surrogate",
                       allowed="text of real characters (one above U+FFFF is written as a "
                               "pair in JSON, \\ud83d\\ude00, and \\U0001F600 in YAML)",
                       parts=parts) from None
