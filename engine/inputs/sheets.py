"""XLSX sheets read as directly as CSV files: rows of cell texts, streamed.

openpyxl reads the workbook in read-only mode (rows are parsed as they are asked for, so memory
stays flat however long the sheet is). Cells typed by the spreadsheet become the text a CSV
export would hold: whole numbers without a decimal point, booleans as true/false, dates (and
date-times) as YYYY-MM-DD. A file that is not a workbook (a renamed text, a broken archive, an
archive that would unpack to more than `MAX_UNPACKED_BYTES` or at a ratio beyond
`MAX_RATIO`) is an `Issue`, never a traceback.
"""

from __future__ import annotations

import datetime
import math
import warnings
import zipfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from ..errors import Issue
from ..present.words import plain, suggest

SHEET_SUFFIXES = (".xlsx",)

MAX_UNPACKED_BYTES = 2 * 1024 ** 3
"""A workbook whose parts unpack to more than this is refused (a zip bomb, not a survey)."""

MAX_RATIO = 1000
"""A part compressed more than this many times (and over a MiB unpacked) is refused."""

_SMALL = 1024 ** 2

Row = tuple[int, "list[str] | Issue"]


def sheet_rows(path: Path, sheet: str | None = None) -> Generator[Row, None, None]:
    """(row number in the sheet, cell texts) for every row that holds a value, of the named
    sheet or the first one; a single `Issue` (row 1) when the workbook cannot be read, or as
    the last row when it breaks part way."""
    problem = _archive_problem(path)
    if problem is not None:
        yield 1, problem
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = _open(path)
    except Exception as error:  # openpyxl's failures are of many kinds: any one is this file's
        yield 1, _unreadable(f"is not a readable .xlsx workbook ({_reason(error)})")
        return
    try:
        chosen = _sheet(book, sheet)
        if isinstance(chosen, Issue):
            yield 1, chosen
            return
        yield from _rows(chosen)
    finally:
        book.close()


def _open(path: Path) -> Any:
    import openpyxl  # type: ignore[import-untyped]

    return openpyxl.load_workbook(path, read_only=True, data_only=True)


def _rows(worksheet: Any) -> Iterator[Row]:
    number = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the size a sheet declares may be wrong (some tools write "A1"): read every cell
            worksheet.reset_dimensions()
            for values in worksheet.iter_rows(values_only=True):
                number += 1
                cells = [cell_text(value) for value in values]
                while cells and cells[-1] == "":
                    cells.pop()
                if cells:
                    yield number, cells
    except Exception as error:  # a broken sheet part: said once, after the rows read
        yield number + 1, _unreadable(f"stops being a readable sheet at row {number + 1} "
                                      f"({_reason(error)})")


def _sheet(book: Any, name: str | None) -> Any:
    sheets = list(book.worksheets)
    if name is None:
        if not sheets:
            return _unreadable("has no worksheet")
        return sheets[0]
    names = [s.title for s in sheets]
    if name in names:
        return sheets[names.index(name)]
    return Issue("$", f"has no sheet named {name!r}", allowed=", ".join(map(repr, names)),
                 suggestion=suggest(name, names), line=1, code="unknown-sheet")


def cell_text(value: Any) -> str:
    """A typed cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return plain(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _archive_problem(path: Path) -> Issue | None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        return _unreadable("is not an .xlsx workbook (not a zip archive): save the sheet as "
                           ".xlsx, or export it as CSV")
    except OSError as error:
        return _unreadable(f"cannot be read: {error.strerror or error}")
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        return _unreadable(f"would unpack to {total} bytes, more than the {MAX_UNPACKED_BYTES} "
                           "a workbook may", code="too-large")
    for member in members:
        ratio = member.file_size // max(1, member.compress_size)
        if member.file_size > _SMALL and ratio > MAX_RATIO:
            return _unreadable(f"holds {member.filename!r}, compressed {ratio} times: refused "
                               "as a zip bomb", code="too-large")
    return None


def _unreadable(message: str, code: str = "unreadable") -> Issue:
    return Issue("$", message, allowed="an .xlsx workbook", line=None, code=code)


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
