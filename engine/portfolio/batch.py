"""Batches: many organizations from a folder, a JSONL file, a CSV file or standard input.

Records are read lazily, assessed one by one (or by worker processes that each compile the pack
once), and their results come out in input order whatever the number of workers, so the output
is byte-identical. An invalid record never stops a batch: it is reported with its place and the
same issue text as `brm validate`, and counted.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

from ..errors import DocumentError, InputError, Issue
from ..inputs.documents import Document, read_document
from ..inputs.paths import container_at
from ..packs.model import RulePack, leaf_fields
from ..present.words import suggest

FACT_SUFFIXES = (".yaml", ".yml", ".json")


class Record(NamedTuple):
    """One organization's input: where it came from, and its data or why it could not be read."""

    source: str  # "file", "file:line" or "file:row"
    data: Any
    issues: tuple[Issue, ...] = ()
    document: Document | None = None  # a file read whole: its text gives lines to errors


class Outcome(NamedTuple):
    """One record's result, ready to write: the output line and what the summary needs."""

    source: str
    line: str  # one JSON object (no newline)
    level: str | None  # None: invalid
    gaps: tuple[str, ...]
    error: str | None
    facts: Mapping[str, Any] | None = None  # kept to save in the history
    result: Mapping[str, Any] | None = None


# --- reading ----------------------------------------------------------------------------------

def read_records(inputs: Iterable[str], schema: Mapping[str, Any],
                 stdin: IO[bytes] | None = None) -> Iterator[Record]:
    """Every record of every input, in order: folders (sorted), .jsonl, .csv, or '-'."""
    for name in inputs:
        if name == "-":
            if stdin is None:
                raise ValueError("no standard input to read")
            yield from _jsonl(io.TextIOWrapper(stdin, encoding="utf-8", errors="replace"),
                              "<stdin>")
            continue
        path = Path(name)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.suffix.lower() in FACT_SUFFIXES
                               and p.is_file()):
                yield _document(file)
        elif path.suffix.lower() == ".jsonl":
            with path.open(encoding="utf-8", errors="replace") as handle:
                yield from _jsonl(handle, str(path))
        elif path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8", errors="replace", newline="") as handle:
                yield from _csv(handle, str(path), schema)
        else:
            yield _document(path)


def count_records(inputs: Iterable[str]) -> int | None:
    """How many records the inputs hold (for a progress bar); None when one is standard input."""
    total = 0
    for name in inputs:
        if name == "-":
            return None
        path = Path(name)
        if path.is_dir():
            total += sum(1 for p in path.rglob("*") if p.suffix.lower() in FACT_SUFFIXES
                         and p.is_file())
        elif path.suffix.lower() in (".jsonl", ".csv"):
            with path.open("rb") as handle:
                lines = sum(1 for line in handle if line.strip())
            total += max(0, lines - 1) if path.suffix.lower() == ".csv" else lines
        else:
            total += 1
    return total


def _document(path: Path) -> Record:
    try:
        document = read_document(path)
        return Record(str(path), document.data, (), document)
    except DocumentError as error:
        return Record(str(path), None, error.issues)


def _jsonl(lines: Iterable[str], source: str) -> Iterator[Record]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            yield Record(where, json.loads(line))
        except json.JSONDecodeError as error:
            yield Record(where, None, (Issue("$", f"is not valid JSON: {error.msg} (column "
                                             f"{error.colno})", code="syntax"),))


def _csv(handle: IO[str], source: str, schema: Mapping[str, Any]) -> Iterator[Record]:
    fields = leaf_fields(schema)
    reader = csv.DictReader(handle)
    unknown = [c for c in reader.fieldnames or [] if c not in fields]
    for number, row in enumerate(reader, start=2):  # row 1 is the header
        where = f"{source}:{number}"
        if unknown:
            yield Record(where, None, tuple(
                Issue(f"$.{c}", f"unknown column {c!r}", allowed=", ".join(fields),
                      suggestion=suggest(c, list(fields)), code="unknown-field")
                for c in unknown))
            continue
        data: dict[str, Any] = {}
        for column, text in row.items():
            if column is None or text is None or text.strip() == "":
                continue
            parent, key = container_at(data, column)
            parent[key] = _cell(text.strip(), fields[column])
        yield Record(where, data)


def _cell(text: str, schema: Mapping[str, Any]) -> Any:
    """A CSV cell as the type its field has: lists split on ';', booleans, numbers."""
    kind = schema.get("type")
    if kind == "array":
        return [item.strip() for item in text.split(";") if item.strip()]
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
        return text  # the validator says what is allowed
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return text
    return text


# --- assessing --------------------------------------------------------------------------------

def result_line(source: str, diagnosis: Any) -> dict[str, Any]:
    """What a batch writes for one organization (compact: no trace)."""
    return {
        "source": source,
        "organization": diagnosis.organization,
        "level": diagnosis.level.to_dict(),
        "next_level": diagnosis.next_level.to_dict() if diagnosis.next_level else None,
        "target": diagnosis.target.to_dict() if diagnosis.target else None,
        "criteria": {c.id: c.met for c in diagnosis.criteria},
        "gaps": list(diagnosis.gaps),
        "recommendations": [r.id for r in diagnosis.recommendations],
        "findings": [f.id for f in diagnosis.findings],
        "pack": {"id": diagnosis.pack.id, "version": diagnosis.pack.version},
    }


class Assessor:
    """Turns records into outcomes with one advisor (one compiled pack)."""

    def __init__(self, advisor: Any, keep: bool = False) -> None:
        self.advisor = advisor
        self.keep = keep  # also return the facts and the full result, to save them

    def __call__(self, record: Record) -> Outcome:
        issues = record.issues
        if not issues:
            try:
                facts = (self.advisor.reader.check(record.document) if record.document
                         else self.advisor.reader.from_data(record.data, record.source,
                                                            owned=True))
            except InputError as error:
                issues = error.issues
        if issues:
            text = "\n".join(issue.describe(record.source) for issue in issues)
            line = json.dumps({"source": record.source,
                               "error": [issue.to_dict() for issue in issues]},
                              ensure_ascii=False, separators=(",", ":"))
            return Outcome(record.source, line, None, (), text)
        diagnosis = self.advisor.assess(facts)
        line = json.dumps(result_line(record.source, diagnosis), ensure_ascii=False,
                          separators=(",", ":"))
        if self.keep:
            from .history import saved_result

            return Outcome(record.source, line, diagnosis.level.id, tuple(diagnosis.gaps), None,
                           facts.data, saved_result(diagnosis))
        return Outcome(record.source, line, diagnosis.level.id, tuple(diagnosis.gaps), None)


# Each worker process compiles the pack once and keeps it here: process-local by design (the
# parent never sets it), which is how a multiprocessing pool carries per-worker state.
_WORKER: Assessor | None = None


def _start_worker(pack_location: str, keep: bool) -> None:
    from ..inference.advisor import Advisor
    from ..packs.model import load_pack

    global _WORKER
    _WORKER = Assessor(Advisor(load_pack(pack_location)), keep)


def _work(record: Record) -> Outcome:
    assert _WORKER is not None
    return _WORKER(record)


def assess_all(pack: RulePack, records: Iterable[Record], workers: int = 1,
               advisor: Any = None, keep: bool = False) -> Iterator[Outcome]:
    """Outcomes in input order; `workers` > 1 uses that many processes. With `keep`, each
    outcome also carries the facts and the full result (to save them)."""
    if workers <= 1:
        from ..inference.advisor import Advisor

        own = advisor or Advisor(pack)
        assess = Assessor(own, keep)
        try:
            for record in records:
                yield assess(record)
        finally:
            if advisor is None:
                own.close()
        return
    context = multiprocessing.get_context("spawn" if _unsafe_to_fork() else "fork")
    with context.Pool(workers, initializer=_start_worker,
                      initargs=(pack.location, keep)) as pool:
        # windows of records, so that reading never runs far ahead of assessing (flat memory)
        for window in _windows(records, WINDOW):
            yield from pool.imap(_work, window, chunksize=64)


WINDOW = 4096


def _windows(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    window: list[Record] = []
    for record in records:
        window.append(record)
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


def _unsafe_to_fork() -> bool:
    import threading

    return threading.active_count() > 1


# --- writing and the summary ------------------------------------------------------------------

CSV_COLUMNS = ("source", "organization", "level", "level_rank", "next_level", "target", "gaps",
               "recommendations", "findings", "error")


def csv_row(outcome: Outcome) -> list[str]:
    data = json.loads(outcome.line)
    if "error" in data:
        return [outcome.source, "", "", "", "", "", "", "", "",
                (outcome.error or "").replace("\n", " | ")]
    return [outcome.source, data["organization"], data["level"]["id"],
            str(data["level"]["rank"]), (data["next_level"] or {}).get("id", ""),
            (data["target"] or {}).get("id", ""), ";".join(data["gaps"]),
            ";".join(data["recommendations"]), ";".join(data["findings"]), ""]


class Summary:
    """Counts as outcomes stream by: levels, the most common gaps, the invalid records."""

    def __init__(self) -> None:
        self.levels: Counter[str] = Counter()
        self.gaps: Counter[str] = Counter()
        self.invalid: list[str] = []
        self.total = 0

    def add(self, outcome: Outcome) -> None:
        self.total += 1
        if outcome.level is None:
            self.invalid.append(outcome.error or outcome.source)
        else:
            self.levels[outcome.level] += 1
            self.gaps.update(outcome.gaps)

    def to_dict(self, pack: RulePack) -> dict[str, Any]:
        return {"records": self.total, "valid": self.total - len(self.invalid),
                "invalid": len(self.invalid),
                "levels": {level.id: self.levels.get(level.id, 0) for level in pack.levels},
                "most_common_gaps": self.gaps.most_common(5)}
