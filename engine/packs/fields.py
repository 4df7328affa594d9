"""The facts schema of a pack as one table of fields, built once per pack.

Every part of brm-advisor that needs to know a fact's shape reads it here: the condition parser
(which paths a rule may test, and with which values), the what-if search (which values to try),
the interview (what to ask, what is required, what a placeholder answer is), batch CSV columns,
comparisons and reports (a field's description). Nothing else walks the JSON Schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

TESTABLE_KINDS = ("string", "boolean", "integer", "number", "list")
_IDENT = re.compile(r"[a-z][a-z0-9_]*")


class Field(NamedTuple):
    """What the facts schema says about one leaf field (a value that is not a group of
    fields)."""

    path: str
    kind: str  # one of TESTABLE_KINDS, or "other" (e.g. a mapping of free text)
    required: bool  # required, and every group above it is required too
    choices: tuple[Any, ...] = ()  # allowed values (for lists: allowed items)
    minimum: float | None = None
    maximum: float | None = None
    description: str | None = None
    schema: Mapping[str, Any] = {}  # the field's own JSON Schema
    testable: bool = True  # a rule may test it (a plain name of a testable kind)
    exclusive_minimum: float | None = None  # the schema's exclusiveMinimum (numbers, no choices)
    exclusive_maximum: float | None = None
    multiple_of: float | None = None  # the schema's multipleOf

    @property
    def label(self) -> str:
        """The field for people: its description without the final full stop, else its path."""
        return (self.description or self.path).rstrip(".")


class FieldTable(Mapping[str, Field]):
    """Every leaf field of a facts schema, by dotted path, in the schema's order."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._fields = {f.path: f for f in _walk(schema, "", True, schema, frozenset())}
        self.testable: Mapping[str, Field] = {p: f for p, f in self._fields.items()
                                              if f.testable}
        """The fields a rule may test (what conditions address)."""

    def __getitem__(self, path: str) -> Field:
        return self._fields[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    @property
    def required(self) -> tuple[str, ...]:
        """Paths of the fields every facts document must give."""
        return tuple(p for p, f in self._fields.items() if f.required)

    def placeholder_document(self) -> Any:
        """A document with the first allowed value for every required field: a starting point
        for searches and for questions not answered yet, never shown as an answer."""
        return _placeholder(self.schema, self.schema)


def _walk(schema: Mapping[str, Any], prefix: str, required: bool, root: Mapping[str, Any],
          within: frozenset[str]) -> Iterator[Field]:
    """The leaf fields under `schema`; `within` holds the references already followed on the
    way down, so that a recursive definition (a tree) is one field, not an endless walk."""
    needed = set(schema.get("required", ()))
    for name, child in schema.get("properties", {}).items():
        if not isinstance(child, Mapping):
            continue
        reference = child.get("$ref")
        recursive = isinstance(reference, str) and reference in within
        child = child if recursive else _resolved(child, root)
        path = f"{prefix}{name}"
        is_required = required and name in needed
        if not recursive and child.get("type") == "object" and "properties" in child:
            followed = within | {reference} if isinstance(reference, str) else within
            yield from _walk(child, path + ".", is_required, root, followed)
        else:
            yield _field(path, _standalone(child, root), is_required,
                         all(_IDENT.fullmatch(part) for part in path.split(".")))


MAX_REFERENCES = 32
"""Local ``$ref``s followed in a row to find what a field is (the loader refuses cycles)."""


def _resolved(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """A field's schema with a local ``$ref`` (``#/$defs/x``) replaced by what it points to,
    its own other keywords kept beside."""
    for _ in range(MAX_REFERENCES):
        pointer = schema.get("$ref")
        if not isinstance(pointer, str) or not pointer.startswith("#"):
            return schema
        target: Any = root
        for part in pointer[2:].split("/") if len(pointer) > 1 else ():
            target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(
                target, Mapping) else None
        if not isinstance(target, Mapping):
            return schema
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _standalone(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """The field's schema, usable alone (to check one answer): with the root's definitions,
    which references inside it may point to."""
    if "$defs" in root and "$defs" not in schema:
        return {**schema, "$defs": root["$defs"]}
    return schema


def _field(path: str, schema: Mapping[str, Any], required: bool, plain_name: bool) -> Field:
    kind = schema.get("type")
    choices: tuple[Any, ...] = ()
    if kind == "array":
        items = _resolved(schema.get("items", {}), schema)
        items = items if isinstance(items, Mapping) else {}
        # a list of records (the BRMs of a team) is no fact a rule tests: its items are read
        # by what knows them (engine/team)
        kind = "other" if items.get("type") == "object" else "list"
        choices = tuple(items.get("enum", ()))
    elif "enum" in schema:
        kind, choices = _kind_of(schema["enum"]), tuple(schema["enum"])
    elif "const" in schema:
        kind, choices = _kind_of([schema["const"]]), (schema["const"],)
    elif kind not in TESTABLE_KINDS:
        kind = "other"
    ranged = kind in ("integer", "number") and not choices
    description = schema.get("description")
    bounds = [schema.get(key) if ranged else None for key in _BOUNDS]
    return Field(path, str(kind), required, choices, bounds[0], bounds[1],
                 description if isinstance(description, str) else None, schema,
                 plain_name and kind in TESTABLE_KINDS, *bounds[2:])


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
"""The schema's keywords a number's field carries, in `Field`'s order."""


def _kind_of(choices: Sequence[Any]) -> str:
    if all(isinstance(c, bool) for c in choices):
        return "boolean"
    if all(isinstance(c, int) and not isinstance(c, bool) for c in choices):
        return "integer"
    return "string"


def _placeholder(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    schema = _resolved(schema, root)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _placeholder(properties.get(name, {}), root)
                for name in schema.get("required", [])}
    return _SCALAR_PLACEHOLDERS.get(str(kind), lambda s: None)(schema)


_SCALAR_PLACEHOLDERS: dict[str, Any] = {
    "array": lambda schema: [],
    "boolean": lambda schema: False,
    "integer": lambda schema: schema.get("minimum", 0),
    "number": lambda schema: schema.get("minimum", 0),
    "string": lambda schema: "example",
}
