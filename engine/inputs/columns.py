"""Column maps: a survey export's own headings mapped onto facts fields (`brm batch --columns`).

A map is a small YAML (or JSON) file:

    columns:                       # heading in the export -> facts field (null or ignore: drop it)
      Company: organization
      Formal BRM role?: brm.formal_role
      Timestamp: null
    values:                        # optional: per field, a cell's text -> the value it means
      engagement.mode: {Order taking: order_taking}
    separator: ";"                 # optional: what splits a list cell (a text, or a list of them)

Headings and cell texts are compared without regard to case or surrounding spaces. A heading
of the file that the map does not name may still be a field's own dotted path. A map is checked
whole when it is loaded (unknown keys, fields that do not exist, two headings for one field),
and against each file's header before anything is read (`header_targets`): every problem at
once, each with its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import InputError, Issue
from ..packs.fields import Field
from ..present.words import suggest
from ..team.roster import table_fields
from .documents import Document, read_document

MAP_KEYS = ("columns", "values", "separator")
IGNORE = "ignore"
"""A heading mapped to this (or to null) is dropped."""

DEFAULT_SEPARATORS = (";",)


class ColumnMap(NamedTuple):
    """A checked column map: headings (folded) to fields, cell translations, list separators."""

    source: str
    fields: Mapping[str, str | None]  # folded heading -> field path, or None: ignored
    headings: Mapping[str, str]  # folded heading -> the heading as the map writes it
    lines: Mapping[str, int | None]  # folded heading -> its line in the map
    values: Mapping[str, Mapping[str, Any]]  # field -> folded cell text -> value
    separators: tuple[str, ...] = DEFAULT_SEPARATORS

    def translate(self, field: str, text: str) -> Any:
        """What a cell's text (already stripped) means for `field`: its translation, else the
        text itself."""
        table = self.values.get(field)
        if table is None:
            return text
        return table.get(fold(text), text)

    def split(self, text: str) -> list[str]:
        """A list cell's items: split on every separator, stripped, empty ones dropped."""
        parts = [text]
        for separator in self.separators:
            parts = [piece for part in parts for piece in part.split(separator)]
        return [part.strip() for part in parts if part.strip()]


def fold(text: str) -> str:
    """A heading or a cell's text as compared: without case or surrounding spaces."""
    return " ".join(text.split()).casefold()


# --- loading ----------------------------------------------------------------------------------

def load_column_map(path: str | Path, fields: Mapping[str, Field]) -> ColumnMap:
    """Read and check a column map against a pack's field table. Raises `InputError` (a
    `DocumentError` for a file that is not YAML or JSON) naming every problem with its line.
    A BRM's columns (a row per BRM: ``brms.name``...) may be mapped too."""
    fields = table_fields(fields)
    document = read_document(path)
    data = document.data
    if not isinstance(data, Mapping):
        raise InputError(document.source, (Issue(
            "$", "is not a column map: expected a mapping with 'columns:'",
            allowed=", ".join(MAP_KEYS), line=1, code="type"),))
    problems = [_issue(document, [key], f"unknown key {key!r}", key=True,
                       allowed=", ".join(MAP_KEYS), suggestion=suggest(key, MAP_KEYS),
                       code="unknown-field") for key in data if key not in MAP_KEYS]
    columns = data.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        problems.append(_issue(document, ["columns"] if "columns" in data else [],
                               "needs 'columns:', a mapping of the file's headings to facts "
                               "fields", code="required"))
        columns = {}
    mapped, headings, lines = _columns(document, columns, fields, problems)
    values = _values(document, data.get("values"), fields, problems)
    separators = _separators(document, data.get("separator", DEFAULT_SEPARATORS), problems)
    if problems:
        raise InputError(document.source, tuple(problems))
    return ColumnMap(document.source, mapped, headings, lines, values, separators)


def _issue(document: Document, path: Sequence[str], message: str, *, key: bool = False,
           allowed: str | None = None, suggestion: str | None = None,
           code: str = "invalid") -> Issue:
    where = "$" + "".join(f"[{part!r}]" if not _plain(part) else f".{part}" for part in path)
    return Issue(where, message, allowed=allowed, suggestion=suggestion,
                 line=document.line_of(list(path), key=key) if path else 1, code=code)


def _plain(part: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9_.]+", part) is not None


def _columns(document: Document, columns: Mapping[Any, Any], fields: Mapping[str, Field],
             problems: list[Issue]) -> tuple[dict[str, str | None], dict[str, str],
                                             dict[str, int | None]]:
    mapped: dict[str, str | None] = {}
    headings: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    owner: dict[str, str] = {}  # field -> the heading mapped to it first
    for heading, field in columns.items():
        place = ["columns", str(heading)]
        if not isinstance(heading, str) or not heading.strip():
            problems.append(_issue(document, place, f"the heading {heading!r} is not a text",
                                   key=True, code="type"))
            continue
        folded = fold(heading)
        if folded in headings:
            problems.append(_issue(document, place, f"the heading {heading!r} is mapped twice "
                                   f"(as {headings[folded]!r} too; headings are compared "
                                   "without case or surrounding spaces)", key=True,
                                   code="duplicate-key"))
            continue
        headings[folded], lines[folded] = heading, document.line_of(place, key=True)
        if field is None or field == IGNORE:
            mapped[folded] = None
        elif not isinstance(field, str) or field not in fields:
            problems.append(_issue(document, place, f"the heading {heading!r} is mapped to "
                                   f"{field!r}, which is not a facts field",
                                   allowed=f"a field ({', '.join(fields)}), or null to ignore "
                                           "the column",
                                   suggestion=suggest(field, list(fields)),
                                   code="unknown-field"))
        elif field in owner:
            problems.append(_issue(document, place, f"the headings {owner[field]!r} and "
                                   f"{heading!r} are both mapped to {field!r}; one column a "
                                   "field", code="duplicate-key"))
        else:
            mapped[folded], owner[field] = field, heading
    return mapped, headings, lines


def _values(document: Document, values: Any, fields: Mapping[str, Field],
            problems: list[Issue]) -> dict[str, dict[str, Any]]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        problems.append(_issue(document, ["values"], "expected a mapping of fields to "
                               "translations ({field: {cell text: value}})", code="type"))
        return {}
    tables: dict[str, dict[str, Any]] = {}
    for field, table in values.items():
        place = ["values", str(field)]
        if field not in fields:
            problems.append(_issue(document, place, f"{field!r} is not a facts field", key=True,
                                   suggestion=suggest(field, list(fields)),
                                   code="unknown-field"))
        elif not isinstance(table, Mapping):
            problems.append(_issue(document, place, "expected a mapping of a cell's text to "
                                   "the value it means", code="type"))
        else:
            tables[field] = _table(document, place, table, problems)
    return tables


def _table(document: Document, place: list[str], table: Mapping[Any, Any],
           problems: list[Issue]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for text, value in table.items():
        if isinstance(value, (Mapping, list)) or value is None:
            problems.append(_issue(document, [*place, str(text)], f"the translation of "
                                   f"{text!r} is not one value (a text, a number, true or "
                                   "false)", code="type"))
        else:
            out[fold(str(text))] = value
    return out


def _separators(document: Document, given: Any, problems: list[Issue]) -> tuple[str, ...]:
    items = [given] if isinstance(given, str) else given
    if isinstance(items, (list, tuple)) and items and all(
            isinstance(item, str) and item and "\n" not in item for item in items):
        return tuple(items)
    problems.append(_issue(document, ["separator"], f"the separator {given!r} is not a "
                           "non-empty text or a list of them", allowed="e.g. ';' or [';', ',']",
                           code="type"))
    return DEFAULT_SEPARATORS


# --- a file's header --------------------------------------------------------------------------

def header_targets(header: Sequence[str], fields: Mapping[str, Field],
                   columns: ColumnMap | None, line: int = 1
                   ) -> tuple[list[str | None], tuple[Issue, ...]]:
    """The field each column of a header fills (None: ignored), and the header's problems:
    columns that are no field (with the field they might be), a field filled twice, and with a
    map, the map's headings the file does not have."""
    if columns is None:
        targets: list[str | None] = [c if c in fields else None for c in header]
        problems = [Issue(f"$.{c}", f"unknown column {c!r}", allowed=", ".join(fields),
                          suggestion=suggest(c, list(fields)), line=line, code="unknown-field")
                    for c in header if c not in fields]
    else:
        targets, problems = _mapped(header, fields, columns, line)
    named = [t for t in targets if t is not None]
    for field in sorted({t for t in named if named.count(t) > 1}):
        which = [h for h, t in zip(header, targets, strict=True) if t == field]
        what = (f"the column {field!r} appears {len(which)} times in the header"
                if columns is None else
                f"{len(which)} columns ({', '.join(map(repr, which))}) fill the field {field!r}")
        problems.append(Issue(f"$.{field}", what, line=line, code="duplicate-key"))
    return targets, tuple(problems)


def _mapped(header: Sequence[str], fields: Mapping[str, Field], columns: ColumnMap,
            line: int) -> tuple[list[str | None], list[Issue]]:
    targets: list[str | None] = []
    problems: list[Issue] = []
    by_path = {fold(path): path for path in fields}
    for heading in header:
        folded = fold(heading)
        if folded in columns.fields:
            targets.append(columns.fields[folded])
        elif folded in by_path:
            targets.append(by_path[folded])
        elif folded == "":
            targets.append(None)  # a column with no heading: a spreadsheet's empty margin
        else:
            targets.append(None)
            problems.append(Issue(
                f"$[{heading!r}]", f"the heading {heading!r} is neither in the column map "
                f"{columns.source} nor a facts field; map it under 'columns:' (to null to "
                "ignore it)", allowed=", ".join(fields), suggestion=field_for(heading, fields),
                line=line, code="unknown-field"))
    present = {fold(h) for h in header}
    for folded, heading in columns.headings.items():
        if folded not in present:
            field = columns.fields.get(folded)
            problems.append(Issue(
                f"$.{field}" if field else f"$[{heading!r}]",
                f"the heading {heading!r} of the column map {columns.source} (line "
                f"{columns.lines.get(folded)}) is not in the file's header",
                allowed=", ".join(repr(h) for h in header if h.strip()),
                suggestion=suggest(heading, [h for h in header if h.strip()]),
                line=line, code="missing-column"))
    return targets, problems


def field_for(heading: str, fields: Mapping[str, Field]) -> str | None:
    """The field a human heading most likely means ("Prioritisation" ->
    ``engagement.prioritization``), or None."""
    word = re.sub(r"[^0-9a-z]+", "_", heading.casefold()).strip("_")
    if not word:
        return None
    hit = suggest(word, list(fields))
    if hit is not None:
        return hit
    leaves: dict[str, str] = {}
    for path in fields:
        leaves.setdefault(path.rsplit(".", 1)[-1], path)
    leaf = suggest(word, list(leaves))
    return leaves[leaf] if leaf is not None else None

