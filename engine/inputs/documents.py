"""Reading untrusted YAML and JSON documents safely.

Safe loading only: no tag builds an object, a document's size is capped before parsing, the
values a document expands to (through YAML aliases) are counted and capped, and recursive aliases
are refused. Duplicate keys are errors, not silently overwritten. Dates stay strings.

Every failure is a `DocumentError` naming the source, the line where known, what was wrong and
what is allowed; nothing here ever lets a parser's traceback through.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from ..errors import DocumentError, Issue

MAX_DOCUMENT_BYTES = 1024 * 1024
"""A facts document larger than this is refused before it is parsed."""

MAX_DOCUMENT_VALUES = 100_000
"""A document that expands (counting every alias use) to more values than this is refused."""

MAX_DEPTH = 64
"""A document nested deeper than this is refused."""


class Document(NamedTuple):
    """A parsed document: its data, where it came from and its text (to find lines later)."""

    source: str
    data: Any
    text: str
    syntax: str  # "yaml" or "json"

    def line_of(self, path: Sequence[str | int], *, key: bool = False) -> int | None:
        """The 1-based line of the value (or key) at `path`, or None if unknown."""
        return locate_line(self.text, path, key=key)


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
    data = _parse_json(text, source) if syntax == "json" else _parse_yaml(text, source)
    _check_values(data, source, max_values)
    return Document(source=source, data=data, text=text, syntax=syntax)


def _fail(source: str, message: str, *, line: int | None = None, code: str = "unreadable",
          allowed: str | None = None) -> DocumentError:
    return DocumentError(source, (Issue("$", message, allowed=allowed, line=line, code=code),))


def _read_bytes(origin: str | Path | IO[bytes], source: str, max_bytes: int) -> bytes:
    try:
        if isinstance(origin, (str, Path)):
            path = Path(origin)
            if path.is_dir():
                raise _fail(source, "is a directory, not a file")
            with path.open("rb") as handle:
                raw = handle.read(max_bytes + 1)
        else:
            raw = origin.read(max_bytes + 1)
    except DocumentError:
        raise
    except FileNotFoundError:
        raise _fail(source, "no such file", code="not-found") from None
    except OSError as error:
        raise _fail(source, f"cannot be read: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise _fail(source, f"is larger than {max_bytes} bytes; a facts document is a few "
                            "kilobytes", code="too-large")
    return raw


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        raise _fail(source, "is not a text file (it contains NUL bytes)", code="binary",
                    allowed="a UTF-8 YAML or JSON text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise _fail(source, f"is not valid UTF-8 text (byte {error.start})", line=line,
                    code="binary", allowed="a UTF-8 YAML or JSON text file") from None
    if not text.strip():
        raise _fail(source, "is empty", code="empty", allowed="a YAML or JSON mapping")
    return text


def _syntax_of(source: str, text: str) -> str:
    if source.lower().endswith(".json"):
        return "json"
    if source.lower().endswith((".yaml", ".yml")):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


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
                          parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _fail(source, f"is not valid JSON: {error.msg} (column {error.colno})",
                    line=error.lineno, code="syntax") from None
    except _DuplicateKey as error:
        raise _fail(source, f"has the key {error.key!r} twice in one object", code="duplicate-key",
                    line=_first_line_containing(text, f'"{error.key}"')) from None
    except (ValueError, RecursionError) as error:
        raise _fail(source, f"is not valid JSON: {error}", code="syntax") from None


def _first_line_containing(text: str, needle: str) -> int | None:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[1] if len(lines) > 1 else (lines[0] if lines else None)


# --- YAML -------------------------------------------------------------------------------------

@functools.cache
def _yaml_loader() -> type:
    """A safe loader class: the C parser when present, no timestamps, no duplicate keys.

    Built once (cached): it is a constant, and building a class per document costs more than
    parsing a small one."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers
                    if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: dict[Any, Any] = {}
            for key_node, _value_node in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:
                    duplicate = False
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found the key {key!r} twice in one mapping",
                        key_node.start_mark)
                with contextlib.suppress(TypeError):  # unhashable keys fail later, clearly
                    seen[key] = True
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    return Loader


def _parse_yaml(text: str, source: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = str(error.problem or "")
        if "could not determine a constructor" in problem:
            tag = problem.split("tag", 1)[-1].strip()
            raise _fail(source, f"uses the YAML tag {tag}, which is not allowed: tags that build "
                                "objects are refused and nothing in the file is executed",
                        line=line, code="yaml-tag",
                        allowed="plain mappings, lists, strings, numbers and booleans") from None
        code = "duplicate-key" if "twice" in problem else "syntax"
        raise _fail(source, f"is not valid YAML: {problem}", line=line, code=code) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "syntax error"
        if "expected a single document" in str(error.context or "") + str(problem):
            problem = "it holds more than one YAML document; give one organization per file"
        raise _fail(source, f"is not valid YAML: {problem}", line=line, code="syntax") from None
    except yaml.YAMLError as error:
        raise _fail(source, f"is not valid YAML: {error}", code="syntax") from None
    except RecursionError:
        raise _fail(source, f"is nested too deeply (more than {MAX_DEPTH} levels)",
                    code="too-deep") from None


# --- shape checks -----------------------------------------------------------------------------

def _check_values(data: Any, source: str, max_values: int) -> None:
    """Count the values the document expands to, refusing cycles, odd types and bombs."""
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    active: set[int] = set()
    exits: list[tuple[int, int]] = []  # (stack length when entered, id) to leave `active`
    while stack:
        while exits and exits[-1][0] > len(stack):
            active.discard(exits.pop()[1])
        value, depth = stack.pop()
        count += 1
        if count > max_values:
            raise _fail(source, f"expands to more than {max_values} values (YAML aliases used "
                                "to multiply content are refused)", code="too-large")
        if depth > MAX_DEPTH:
            raise _fail(source, f"is nested too deeply (more than {MAX_DEPTH} levels)",
                        code="too-deep")
        if isinstance(value, Mapping):
            children: Iterator[Any] = iter(value.values())
            for key in value:
                if not isinstance(key, str):
                    raise _fail(source, f"has a key that is not a string: {key!r}",
                                code="key-type", allowed="string keys (quote keys such as "
                                "yes, no, on, off, true, false or numbers)")
        elif isinstance(value, list):
            children = iter(value)
        elif value is None or isinstance(value, (str, bool, int)):
            continue
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise _fail(source, f"has a number that is not finite: {value}",
                            code="value-type", allowed="finite numbers")
            continue
        else:
            raise _fail(source, f"has a value of type {type(value).__name__}, which JSON does "
                                "not have", code="value-type",
                        allowed="mappings, lists, strings, numbers, booleans and null")
        if id(value) in active:
            raise _fail(source, "refers to itself through a YAML alias", code="recursive-alias")
        active.add(id(value))
        exits.append((len(stack) + 1, id(value)))
        stack.extend((child, depth + 1) for child in children)


# --- locating a path's line -------------------------------------------------------------------

def locate_line(text: str, path: Sequence[str | int], *, key: bool = False) -> int | None:
    """The 1-based line of the value at `path` in a YAML or JSON text (of its key when `key`).

    When the path goes further than the text, the line of the deepest node found. Only used
    when reporting errors, so it may take its time; it never raises.
    """
    try:
        import yaml

        node = yaml.compose(text, Loader=yaml.SafeLoader)  # noqa: S506 - composes nodes only
    except Exception:  # noqa: BLE001 - best effort: a line number is a courtesy
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for index, part in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if getattr(k, "value", None) == part]
            if not found:
                return line
            key_node, node = found[0]
            last = index == len(path) - 1
            line = (key_node if key and last else node).start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
