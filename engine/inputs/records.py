"""Batch records: one organization per facts file of a folder, per JSONL line, per CSV row, or per
line of standard input, read lazily.

Reading is bounded and never stops at a bad record: a line is read in chunks of at most
`MAX_LINE_BYTES` (a longer one is skipped, not kept in memory), bytes that are not UTF-8 are
reported with their line rather than replaced, a JSONL line is read by `documents.load_json` as
strictly as a facts document (no duplicate keys, no NaN or Infinity, no number of more digits
than Python converts, no lone UTF-16 surrogate, no nesting deeper than a document's), and every
such problem becomes an invalid `Record` naming its place, so the records after it are read.

A CSV file or an XLSX sheet (`sheets`: read streaming, its typed cells as CSV text) is a
table: its header is checked once: a column that names no field, or a field filled twice, makes
the whole file one invalid record that counts all its rows (one message, not one a row). With a
column map (`columns`, `brm batch --columns`), headings are the export's own and cells may be
translated. A row with more cells than the header has columns is invalid; the first such row of
a file says so in full, later ones are counted without repeating it.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

from ..errors import DocumentError, InputError, Issue
from ..packs.fields import Field
from ..present.words import plural
from ..team.roster import TEAM_LIST, table_fields
from .columns import ColumnMap, header_targets
from .documents import MAX_DOCUMENT_BYTES, Document, load_json, read_document
from .paths import container_at
from .sheets import SHEET_SUFFIXES, sheet_rows

FACT_SUFFIXES = (".yaml", ".yml", ".json")
"""The files of a folder that are read as facts documents."""

MAX_LINE_BYTES = MAX_DOCUMENT_BYTES
"""A JSONL or CSV line longer than this is an invalid record (a facts record is a few KiB)."""

NONE_WORDS = ("", "none")
"""What a CSV list cell says for an empty list."""

_SKIP_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"


class Record(NamedTuple):
    """One organization's input: where it came from, and its data or why it could not be read."""

    source: str  # "file", "file:line" or "file:row"
    data: Any
    issues: tuple[Issue, ...] = ()
    document: Document | None = None  # a file read whole: its text gives lines to errors
    records: int = 1  # how many input records it stands for (a CSV file refused by its header)
    quiet: bool = False  # its problem was told in full for an earlier record of the same file


# --- what the inputs are ----------------------------------------------------------------------

def input_problems(inputs: Iterable[str]) -> tuple[str, ...]:
    """What is wrong with the inputs as given, before anything is read: missing paths, and
    FIFOs, devices or sockets (reading one could block forever). Empty when all is well."""
    problems = []
    for name in inputs:
        if name == "-":
            continue
        try:
            mode = os.stat(name).st_mode
        except FileNotFoundError:
            problems.append(f"{name!r} does not exist")
            continue
        except OSError as error:
            problems.append(f"{name!r} cannot be read: {error.strerror or error}")
            continue
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            problems.append(f"{name!r} is not a regular file or a folder (a FIFO, a device or a "
                            "socket is not read); give '-' to read standard input")
    return tuple(problems)


def count_records(inputs: Iterable[str]) -> int | None:
    """How many records the inputs hold (for a progress bar); None when one is standard input.
    Lines are counted in chunks, so a huge line costs no memory."""
    total = 0
    for name in inputs:
        if name == "-":
            return None
        path = Path(name)
        if path.is_dir():
            total += sum(1 for _ in _folder_files(path))
        elif path.suffix.lower() in SHEET_SUFFIXES:
            return None  # counting a sheet's rows would read it twice
        elif path.suffix.lower() in (".jsonl", ".csv"):
            lines = _count_lines(path)
            total += max(0, lines - 1) if path.suffix.lower() == ".csv" else lines
        else:
            total += 1
    return total


ENGAGEMENT_FILE = "engagement.yaml"
"""An engagement's own file lists its units; it is not a facts record (engine/engagement)."""

MAP_FILES = ("map.yaml", "map.yml", "map.json")
"""A column map (`columns`) is not a facts record either: ``map.yaml``, or ``NAME.map.yaml``."""


def is_record_file(path: Path) -> bool:
    """Whether a folder's file is read as a facts record: a YAML or JSON file that is neither
    an engagement file nor a column map."""
    name = path.name.lower()
    return path.suffix.lower() in FACT_SUFFIXES and name != ENGAGEMENT_FILE and \
        not any(name == m or name.endswith("." + m) for m in MAP_FILES)


def _folder_files(folder: Path) -> list[Path]:
    """The facts files in a folder and its subfolders, sorted: every YAML or JSON file but an
    engagement file or a column map (a unit's files are records like any other). A name of
    one that is not a regular file (a FIFO, a broken link) is listed too: reading it is then
    an invalid record that says why, not a file silently left out."""
    return sorted(p for p in folder.rglob("*") if is_record_file(p) and not p.is_dir())


def _count_lines(path: Path) -> int:
    """Lines that hold more than white space."""
    count, content = 0, False
    with path.open("rb") as handle:
        while chunk := handle.read(MAX_LINE_BYTES):
            *ended, rest = chunk.split(b"\n")
            for line in ended:
                count += content or bool(line.strip())
                content = False
            content = content or bool(rest.strip())
    return count + content


# --- reading ----------------------------------------------------------------------------------

def read_records(inputs: Iterable[str], fields: Mapping[str, Field],
                 stdin: IO[bytes] | None = None, columns: ColumnMap | None = None,
                 sheet: str | None = None) -> Iterator[Record]:
    """Every record of every input, in order: folders (sorted), .jsonl, .csv, .xlsx (`sheet`,
    or the first one), or '-' (JSONL on `stdin`). `fields` is the pack's field table (a
    table's columns are its dotted paths, or headings that `columns` maps to them)."""
    for name in inputs:
        if name == "-":
            if stdin is None:
                raise ValueError("no standard input to read")
            yield from _jsonl(stdin, "<stdin>")
            continue
        path = Path(name)
        if path.is_dir():
            for file in _folder_files(path):
                yield _document(file)
        elif path.exists() and not path.is_file():  # opening a FIFO could wait forever
            yield _invalid(name, "is not a regular file (a FIFO, a device or a socket is not "
                                 "read)", "not-a-file", allowed="a file, a folder, or '-'")
        elif path.suffix.lower() in SHEET_SUFFIXES:
            yield from _table(sheet_rows(path, sheet), str(path), fields, columns, pad=True)
        elif path.suffix.lower() in (".jsonl", ".csv"):
            yield from _lines_file(path, fields, columns)
        else:
            yield _document(path)


def table_errors(inputs: Iterable[str], fields: Mapping[str, Field], columns: ColumnMap | None,
                 sheet: str | None = None) -> tuple[InputError, ...]:
    """The header problems of every CSV file and XLSX sheet among `inputs` (one `InputError`
    a file), read before any record is: with a column map, a batch checks them all first so
    that a map that does not fit is told whole and nothing is written."""
    errors = []
    for name in inputs:
        path = Path(name)
        suffix = path.suffix.lower()
        if name == "-" or not path.is_file() or suffix not in (".csv", *SHEET_SUFFIXES):
            continue
        if suffix == ".csv":
            with path.open("rb") as handle:
                problems = _header_check(_csv_rows(handle), fields, columns)
        else:
            with contextlib.closing(sheet_rows(path, sheet)) as rows:  # the workbook closed
                problems = _header_check(rows, fields, columns)
        if problems:
            errors.append(InputError(str(path), problems))
    return tuple(errors)


def _header_check(rows: Iterator[tuple[int, list[str] | Issue]], fields: Mapping[str, Field],
                  columns: ColumnMap | None) -> tuple[Issue, ...]:
    first = next(rows, None)
    if first is None:
        return ()
    line, header = first
    if isinstance(header, Issue):
        return (header._replace(line=header.line or line),)
    return header_targets(header, table_fields(fields), columns, line)[1]


def _lines_file(path: Path, fields: Mapping[str, Field],
                columns: ColumnMap | None = None) -> Iterator[Record]:
    try:
        handle = path.open("rb")
    except OSError as error:
        yield _invalid(str(path), f"cannot be read: {error.strerror or error}", "unreadable")
        return
    with handle:
        if path.suffix.lower() == ".csv":
            yield from _table(_csv_rows(handle), str(path), fields, columns)
        else:
            yield from _jsonl(handle, str(path))


def _invalid(source: str, message: str, code: str, path: str = "$", *,
             allowed: str | None = None) -> Record:
    return Record(source, None, (Issue(path, message, allowed=allowed, code=code),))


def _document(path: Path) -> Record:
    try:
        document = read_document(path)
    except DocumentError as error:
        return Record(str(path), None, error.issues)
    return Record(str(path), document.data, (), document)


def _lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str | Issue]]:
    """(line number, text) for every line, the text decoded as UTF-8 (a BOM at the start is
    dropped); an `Issue` instead of the text for a line too long or not UTF-8. A line is never
    held in memory beyond `limit` bytes."""
    number = 0
    while raw := stream.readline(limit + 1):
        number += 1
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := stream.readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield number, Issue("$", f"is a line longer than {limit} bytes; a facts record is a "
                                     "few kilobytes", code="too-large")
            continue
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield number, Issue("$", f"is not valid UTF-8 text (byte {error.start + 1} of the "
                                     "line)", allowed="UTF-8 text", code="binary")


# --- JSONL ------------------------------------------------------------------------------------

def _jsonl(stream: IO[bytes], source: str) -> Iterator[Record]:
    for number, line in _lines(stream):
        where = f"{source}:{number}"
        if isinstance(line, Issue):
            yield Record(where, None, (line,))
        elif line.strip():
            yield _json_record(where, line)


def _json_record(where: str, text: str) -> Record:
    """One JSONL line, read as strictly as a facts document (`documents.load_json`)."""
    try:
        return Record(where, load_json(text, where))
    except DocumentError as error:  # the line is the record's own: no line within it
        return Record(where, None, tuple(issue._replace(line=None) for issue in error.issues))


# --- CSV --------------------------------------------------------------------------------------

class _Unreadable(Exception):
    """A line the CSV reader was to get could not be read (too long, not UTF-8)."""

    def __init__(self, issue: Issue) -> None:
        self.issue = issue


class _TextLines:
    """The lines the CSV reader reads; an unreadable one raises `_Unreadable` and the next call
    goes on with the line after it (the csv module starts a new row after an error)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines = _lines(stream)

    def __iter__(self) -> _TextLines:
        return self

    def __next__(self) -> str:
        _number, line = next(self._lines)
        if isinstance(line, Issue):
            raise _Unreadable(line)
        return line


def _next_row(reader: Any) -> list[str] | Issue | None:
    """The next row's cells, an `Issue` when it cannot be read, None at the end."""
    try:
        return next(reader)  # type: ignore[no-any-return]
    except StopIteration:
        return None
    except _Unreadable as error:
        return error.issue
    except csv.Error as error:
        if "field limit" in str(error):
            return Issue("$", f"has a cell longer than {csv.field_size_limit()} characters",
                         code="too-large", allowed="cells of a sensible size")
        return Issue("$", f"is not valid CSV: {error}", code="syntax")


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str] | Issue]]:
    """(row number, cells) of a CSV stream; empty rows are skipped and not numbered."""
    reader = csv.reader(_TextLines(stream))
    number = 0
    while (row := _next_row(reader)) is not None:
        if row == []:
            continue
        number += 1
        yield number, row


# --- tables (CSV files, XLSX sheets) ----------------------------------------------------------

Rows = Iterator[tuple[int, "list[str] | Issue"]]


def _table(rows: Rows, source: str, fields: Mapping[str, Field],
           columns: ColumnMap | None, pad: bool = False) -> Iterator[Record]:
    """A table's records. With `pad` (a sheet, whose rows end at their last value), a row
    shorter than the header has empty cells for the rest (an empty list cell: an empty list);
    a CSV row stays as short as it was written."""
    first = next(rows, None)
    if first is None:
        return
    line, header = first
    if isinstance(header, Issue):
        refused = _refused(source, (header._replace(line=header.line or line),), rows)
        # a file that is no table at all (an unreadable workbook): its problem alone
        yield refused if refused.records else Record(source, None, (header,))
        return
    fields = table_fields(fields)
    targets, problems = header_targets(header, fields, columns, line)
    if problems:
        yield _refused(source, problems, rows)
    else:
        if pad:
            rows = ((n, r if isinstance(r, Issue) else r + [""] * (len(targets) - len(r)))
                    for n, r in rows)
        records = _rows(rows, targets, fields, columns, source)
        yield from (_team_rows(records) if TEAM_LIST in fields else records)


def _refused(source: str, problems: tuple[Issue, ...], rows: Rows) -> Record:
    """The whole file as one invalid record: its header is wrong, so none of its rows can be
    read; they are counted, and the problem is told once."""
    count = sum(1 for _ in rows)
    told = Issue("$", f"none of its {plural(count, 'row')} was assessed because of its header",
                 code="header")
    return Record(source, None, (*problems, told), records=count)


def _rows(rows: Rows, targets: list[str | None], fields: Mapping[str, Field],
          columns: ColumnMap | None, source: str) -> Iterator[Record]:
    first_extra: int | None = None
    for number, row in rows:
        where = f"{source}:{number}"
        if isinstance(row, Issue):
            yield Record(where, None, (row._replace(line=None),))
        elif any(cell.strip() for cell in row[len(targets):]):
            yield _extra_cells(where, row, len(targets), first_extra)
            first_extra = first_extra or number
        else:
            yield Record(where, _row_data(targets, row, fields, columns))


def _team_rows(records: Iterator[Record]) -> Iterator[Record]:
    """A table's rows with one row per BRM: consecutive rows naming a BRM for the same
    organization (and business unit; a row may leave them empty to mean the one above) are
    one record, its `brms` the rows' BRMs in order. A row that gives another value for a
    field of the organization than the rows above makes the organization's record invalid,
    saying which row and field."""
    group: _Group | None = None
    for record in records:
        data = record.data
        brm = _brm_of(data)
        if brm is not None and group is not None and _continues(group.data, data):
            group.add(record, brm)
            continue
        if group is not None:
            yield group.record()
            group = None
        if brm is not None:
            group = _Group(record, brm)
        else:
            yield record
    if group is not None:
        yield group.record()


class _Group:
    """One organization's rows, a BRM each, while they are read."""

    def __init__(self, record: Record, brm: dict[str, Any]) -> None:
        self.first = record
        self.data: dict[str, Any] = {**record.data, TEAM_LIST: [brm]}
        self.last = ""
        self.issues: list[Issue] = []

    def add(self, record: Record, brm: dict[str, Any]) -> None:
        mine = dict(_leaves(self.data))
        for path, value in _leaves(record.data):
            if value != [] and path in mine and mine[path] != value:
                self.issues.append(Issue(
                    f"$.{path}", f"row {record.source.rsplit(':', 1)[-1]} gives {value!r} "
                    f"where the rows above give {mine[path]!r}", code="conflict",
                    allowed="the same value, or an empty cell, in every row of one "
                    "organization's BRMs"))
        self.data[TEAM_LIST].append(brm)
        self.last = record.source.rsplit(":", 1)[-1]

    def record(self) -> Record:
        source = f"{self.first.source}-{self.last}" if self.last else self.first.source
        if self.issues:
            return Record(source, None, tuple(self.issues))
        return self.first._replace(source=source, data=self.data)


def _brm_of(data: Any) -> dict[str, Any] | None:
    """The BRM a row gives (its ``brms.*`` cells), taken out of the row's data; None when the
    row gives none (empty cells only)."""
    if not isinstance(data, dict):
        return None
    brm = data.pop(TEAM_LIST, None)
    if not isinstance(brm, dict) or all(value in ([], {}, None) for value in brm.values()):
        return None
    return brm


def _continues(first: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether a BRM's row belongs to the organization (and unit) of the rows above."""
    return all(data.get(key) in (None, first.get(key))
               for key in ("organization", "business_unit"))


def _leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{prefix}{key}.")
        elif key != TEAM_LIST or prefix:
            yield f"{prefix}{key}", value


def _extra_cells(where: str, row: list[str], columns: int, first: int | None) -> Record:
    if first is not None:
        return Record(where, None, (Issue("$", f"has more cells than the header's {columns} "
                                               f"columns, like row {first}",
                                          code="extra-cells"),), quiet=True)
    extra = ", ".join(repr(cell) for cell in row[columns:][:3])
    more = ", ..." if len(row) - columns > 3 else ""
    return Record(where, None, (Issue(
        "$", f"has {len(row)} cells but the header names {columns} columns: the cells beyond "
             f"them ({extra}{more}) belong to no field (a comma in a value needs the value in "
             "double quotes); later rows of this file with the same problem are counted "
             "without repeating this", code="extra-cells"),))


def _row_data(targets: list[str | None], row: list[str], fields: Mapping[str, Field],
              columns: ColumnMap | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column, text in zip(targets, row, strict=False):
        if column is None:
            continue
        field = fields[column]
        value = text.strip()
        if field.kind == "list":
            cell: Any = [] if value.lower() in NONE_WORDS else _list_cell(value, column, columns)
        elif value == "":
            continue
        elif columns is not None and (meant := columns.translate(column, value)) != value:
            cell = meant if not isinstance(meant, str) else _cell(meant, field.kind)
        else:
            cell = _cell(value, field.kind)
        parent, key = container_at(data, column)
        parent[key] = cell
    return data


def _list_cell(text: str, column: str = "", columns: ColumnMap | None = None) -> list[Any]:
    if columns is None:
        return [item.strip() for item in text.split(";") if item.strip()]
    return [columns.translate(column, item) for item in columns.split(text)]


def _cell(text: str, kind: str) -> Any:
    """A CSV cell as the type its field has: booleans and numbers; anything else, and any text
    that is not one (``nan``, ``inf``...), stays text for the validator to name."""
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
    elif kind == "integer":
        try:
            return int(text)
        except ValueError:
            pass
    elif kind == "number":
        try:
            value = float(text)
        except ValueError:
            return text
        return value if math.isfinite(value) else text
    return text
