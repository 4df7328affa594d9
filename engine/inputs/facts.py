"""Facts about one organization: read, validated against the pack's facts schema, immutable."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

from ..errors import FactsValidationError, Issue
from ..team.roster import listed, team_issues
from .documents import Document, read_document
from .paths import value_at
from .schema_check import SchemaValidator, cap_issues

RESERVED_KEYS = frozenset({"interview"})
"""Top-level keys that are not facts, set aside before a document is validated when they hold
a mapping the pack's facts schema does not define: ``interview`` is what a saved interview keeps
about itself (see engine/interview/savefile.py), so `brm assess` can read a saved interview."""


class Facts(NamedTuple):
    """A validated facts document. `data` is a private copy: nothing outside changes it."""

    source: str
    data: Mapping[str, Any]

    @property
    def organization(self) -> str:
        return str(self.data.get("organization", ""))

    @property
    def target_level(self) -> str | None:
        value = self.data.get("target_level")
        return value if isinstance(value, str) else None

    def get(self, path: str) -> Any:
        """The value at a dotted path, or None when absent."""
        return value_at(self.data, path)


class FactsReader:
    """Reads and validates facts documents against one facts schema (compiled once)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.validator = SchemaValidator(schema)

    def read(self, origin: str | Path | IO[bytes], *, name: str | None = None) -> Facts:
        """Read a YAML or JSON file (or stream) and validate it; raises `InputError`."""
        return self.check(read_document(origin, name=name))

    def check(self, document: Document) -> Facts:
        """Validate a parsed document; every problem at once, with lines."""
        return self.from_data(document.data, document.source, document, owned=True)

    def from_data(self, data: Any, source: str = "<data>",
                  document: Document | None = None, *, owned: bool = False) -> Facts:
        """Validate in-memory data (e.g. one JSONL record). The facts keep a copy, unless the
        caller hands the data over (`owned`: nobody else holds it)."""
        data = self._facts_part(data)
        valid = self.validator.is_valid(data)
        if valid and not (isinstance(data, Mapping) and listed(data)):
            return Facts(source, data if owned else copy.deepcopy(data))
        line_of = None
        if document is not None:
            def line_of(parts: list[str | int], is_key: bool) -> int | None:
                return document.line_of(parts, key=is_key)
        # at most MAX_ISSUES, then a count; a team's names given twice beside the schema's
        issues = self.validator.issues(data, line_of) if not valid else ()
        if not any(issue.code == "more" for issue in issues):
            issues = cap_issues([*issues, *team_issues(data, line_of=_value_lines(line_of))])
        if not issues:
            return Facts(source, data if owned else copy.deepcopy(data))
        if not isinstance(data, Mapping):
            kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
            issues = (Issue("$", f"the document is {kind}, not a mapping",
                            allowed="a mapping with organization, brm, engagement, measures",
                            line=1, code="type"),)
        raise FactsValidationError(source, issues)

    def _facts_part(self, data: Any) -> Any:
        """The document without its reserved keys (a shallow copy, only when it has some)."""
        if not isinstance(data, dict):
            return data
        defined = self.validator.schema.get("properties", {})
        aside = [key for key in RESERVED_KEYS
                 if isinstance(data.get(key), Mapping) and key not in defined]
        if not aside:
            return data
        return {key: value for key, value in data.items() if key not in aside}


def _value_lines(line_of: Callable[[list[str | int], bool], int | None] | None
                 ) -> Callable[[list[str | int]], int | None] | None:
    """A finder of the line of a value from one that finds values or keys."""
    if line_of is None:
        return None
    finder = line_of
    return lambda parts: finder(parts, False)
