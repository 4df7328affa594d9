"""Batches: many organizations assessed, written in input order, and saved.

Records come from `inputs.records`. They are assessed one by one, or by worker processes that
each compile the pack once; outcomes come out in input order whatever the number of workers, so
the output is byte-identical. An invalid record never stops a batch: it is reported with its
place and the same issue text as `brm validate`, and counted. A worker that dies (killed, out of
memory) stops the batch with an `EngineError` instead of leaving it waiting forever.

`BatchOutput` takes the outcomes: it writes each one (to a file written whole through a
temporary file, or to a stream), keeps the summary, and saves the valid assessments in the
history in transactions of `BatchOutput.CHUNK`. When a batch is stopped (Ctrl-C, a dead
worker), what was written is kept and saved, so the output and the history agree; when the
output itself fails, a file it was to replace is left as it was.
"""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
import signal
import tempfile
from collections import Counter, deque
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from ..errors import EngineError, HistoryError, InputError, Issue
from ..files import atomic_output
from ..inputs.records import FACT_SUFFIXES, Record
from ..packs.model import RulePack

if TYPE_CHECKING:
    from ..inference.advisor import Advisor
    from ..inference.diagnosis import Diagnosis
    from .history import History


class Outcome(NamedTuple):
    """One record's result, ready to write: the output line and what the summary needs."""

    source: str
    line: str  # one JSON object (no newline)
    level: str | None  # None: invalid
    gaps: tuple[str, ...]
    error: str | None
    facts: Mapping[str, Any] | None = None  # kept to save in the history
    result: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None  # what `line` holds, typed (a CSV row is made of it)
    records: int = 1  # input records it stands for (a CSV file refused by its header: all)
    quiet: bool = False  # its problem was told in full for an earlier record of the same file
    dimensions: tuple[tuple[str, str], ...] = ()  # (dimension, its level) of a dimensioned pack


# --- assessing --------------------------------------------------------------------------------

def result_line(source: str, diagnosis: Diagnosis,
                facts: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a batch writes for one organization (compact: no trace). The facts' business
    unit, date and respondent (name and role) follow the organization when they give them. A
    pack that rates several dimensions adds each one's level, next level and target
    (``dimensions``, as in the diagnosis's JSON); a one-ladder pack's line has no such key."""
    return {
        "source": source,
        "organization": diagnosis.organization,
        **identity(facts or {}),
        "level": diagnosis.level.to_dict(),
        "next_level": diagnosis.next_level.to_dict() if diagnosis.next_level else None,
        "target": diagnosis.target.to_dict() if diagnosis.target else None,
        **({"dimensions": [d.to_dict() for d in diagnosis.dimensions]}
           if diagnosis.dimensions else {}),
        "criteria": {c.id: c.met for c in diagnosis.criteria},
        "gaps": list(diagnosis.gaps),
        "recommendations": [r.id for r in diagnosis.recommendations],
        "findings": [f.id for f in diagnosis.findings],
        "pack": {"id": diagnosis.pack.id, "version": diagnosis.pack.version},
    }


IDENTITY_KEYS = ("business_unit", "assessed_on")


def identity(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Who and what was assessed beside the organization: ``business_unit``, ``assessed_on``
    and ``respondent`` ({name, role}), each only when the facts give it (a record that gives
    none of them has the line it always had)."""
    respondent = facts.get("respondent")
    who = {key: str(respondent[key]) for key in ("name", "role")
           if respondent.get(key) is not None} if isinstance(respondent, Mapping) else {}
    out: dict[str, Any] = {key: str(facts[key]) for key in IDENTITY_KEYS
                           if facts.get(key) is not None}
    if who:
        out["respondent"] = who
    return out


def _json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class RecordAssessor:
    """Turns records into outcomes with one advisor (one compiled pack)."""

    def __init__(self, advisor: Advisor, keep: bool = False) -> None:
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
            return _invalid(record, issues)
        diagnosis = self.advisor.assess(facts)
        data = result_line(record.source, diagnosis, facts.data)
        saved: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None] = (None, None)
        if self.keep:  # as the history keeps it: never a BRM's own profile, from a batch
            from .history import saved_result

            kept, kept_diagnosis = self.advisor.for_history(facts, diagnosis)
            saved = (kept.data, saved_result(kept_diagnosis))
        return Outcome(record.source, _json(data), diagnosis.level.id, tuple(diagnosis.gaps),
                       None, *saved, data,
                       dimensions=tuple((d.id, d.level.id) for d in diagnosis.dimensions))


def _invalid(record: Record, issues: tuple[Issue, ...]) -> Outcome:
    text = "\n".join(issue.describe(record.source) for issue in issues)
    line = _json({"source": record.source, "error": [issue.to_dict() for issue in issues]})
    return Outcome(record.source, line, None, (), text, records=record.records,
                   quiet=record.quiet)


# Each worker process compiles the pack once and keeps it here: process-local by design (the
# parent never sets it), which is how a process pool carries per-worker state.
_WORKER: RecordAssessor | None = None


def _start_worker(pack_location: str, keep: bool) -> None:
    from ..inference.advisor import Advisor
    from ..packs.loader import load_pack

    global _WORKER
    # Ctrl-C at a terminal reaches every process of the group: the parent decides what to do
    # (stop after the records assessed), so a worker finishes its chunk instead of dying.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = RecordAssessor(Advisor(load_pack(pack_location)), keep)


def _work(records: list[Record]) -> list[Outcome]:
    assert _WORKER is not None
    return [_WORKER(record) for record in records]


CHUNK = 64
"""Records sent to a worker at a time."""

AHEAD = 4
"""Chunks queued per worker: reading never runs further ahead of assessing (flat memory)."""

LOST_WORKER = ("a worker process ended unexpectedly (killed, or out of memory?); the batch was "
               "stopped")


def assess_all(pack: RulePack, records: Iterable[Record], workers: int = 1,
               advisor: Advisor | None = None, keep: bool = False
               ) -> Generator[Outcome, None, None]:
    """Outcomes in input order; `workers` > 1 uses that many processes (a dead one raises
    `EngineError`). With `keep`, each outcome also carries the facts and the full result (to
    save them). Close the iterator to stop early: the workers are shut down."""
    if workers > 1:
        yield from _in_workers(pack, records, workers, keep)
        return
    from ..inference.advisor import Advisor

    own = advisor or Advisor(pack)
    assess = RecordAssessor(own, keep)
    try:
        for record in records:
            yield assess(record)
    finally:
        if advisor is None:
            own.close()


def _in_workers(pack: RulePack, records: Iterable[Record], workers: int,
                keep: bool) -> Generator[Outcome, None, None]:
    context = multiprocessing.get_context("spawn" if _unsafe_to_fork() else "fork")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(pack.location, keep))
    queued: deque[Future[list[Outcome]]] = deque()
    try:
        for chunk in _chunks(records, CHUNK):
            queued.append(pool.submit(_work, chunk))
            if len(queued) >= workers * AHEAD:
                yield from queued.popleft().result()
        while queued:
            yield from queued.popleft().result()
    except BrokenProcessPool:
        raise EngineError(LOST_WORKER) from None
    except GeneratorExit:  # closed: stopped after the records assessed, the workers finish
        raise
    except BaseException:
        _end_workers(pool)  # stopped at once (a second Ctrl-C): nothing more is wanted
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now. Shutting a pool down waits for them; interrupted in that
    wait, it left them waiting for work that never came, and the interpreter waiting for them
    at exit, forever."""
    for process in list((pool._processes or {}).values()):
        with contextlib.suppress(OSError):
            process.terminate()


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _unsafe_to_fork() -> bool:
    import threading

    return threading.active_count() > 1


# --- writing ----------------------------------------------------------------------------------

CSV_COLUMNS = ("source", "organization", "level", "level_rank", "next_level", "target", "gaps",
               "recommendations", "findings", "error")
"""A one-ladder pack's CSV columns; a dimensioned pack's add one per dimension (`csv_columns`)."""

LEVEL_COLUMNS = 4
"""The columns up to the overall level's rank: a dimension's level comes after them."""


IDENTITY_COLUMNS = ("business_unit", "assessed_on", "respondent", "respondent_role")
"""Columns after ``organization`` when some record of the batch gives them (`identity`)."""


def csv_columns(dimensions: Iterable[str] = (), identity: Sequence[str] = ()) -> tuple[str, ...]:
    """The CSV header: `CSV_COLUMNS`, with the `identity` columns (of `IDENTITY_COLUMNS`)
    after ``organization``, and ``level_<dimension>`` after the overall level and its rank for
    each dimension of a pack that rates several."""
    extra = tuple(f"level_{dimension}" for dimension in dimensions)
    return (CSV_COLUMNS[:2] + tuple(identity) + CSV_COLUMNS[2:LEVEL_COLUMNS] + extra
            + CSV_COLUMNS[LEVEL_COLUMNS:])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these is a formula to a spreadsheet (OWASP: CSV injection)."""


def csv_cell(text: str) -> str:
    """A text cell a spreadsheet will not run: a leading formula character is quoted ('). A
    line break inside is written as \\n, which the CSV writer quotes (a bare \\r it would not,
    and the row would come apart)."""
    formula = text.startswith(FORMULA_STARTS)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + text if formula else text


def csv_row(outcome: Outcome, dimensions: Sequence[str] = (),
            identity: Sequence[str] = ()) -> list[str]:
    """One outcome as a row under `csv_columns(dimensions, identity)`: a dimension's cell
    holds its level's id (empty for an invalid record, or a dimension the result does not
    rate); an identity cell what the facts give (empty when they do not)."""
    data = outcome.data
    if data is None:
        cells = [outcome.source, "", *("" for _ in identity), "", "",
                 *("" for _ in dimensions), "", "", "", "", "",
                 (outcome.error or "").replace("\n", " | ")]
        return [csv_cell(cell) for cell in cells]
    rank = str(data["level"]["rank"])  # a number, not text: nothing to neutralise
    levels = {d["id"]: d["level"]["id"] for d in data.get("dimensions", ())}
    who = _identity_cells(data)
    text = [outcome.source, data["organization"], *(who[column] for column in identity),
            data["level"]["id"], rank,
            *(levels.get(dimension, "") for dimension in dimensions),
            (data["next_level"] or {}).get("id", ""), (data["target"] or {}).get("id", ""),
            ";".join(data["gaps"]), ";".join(data["recommendations"]),
            ";".join(data["findings"]), ""]
    rank_at = 3 + len(identity)
    return [cell if index == rank_at else csv_cell(cell) for index, cell in enumerate(text)]


def _identity_cells(data: Mapping[str, Any]) -> dict[str, str]:
    respondent = data.get("respondent") or {}
    return {"business_unit": data.get("business_unit", ""),
            "assessed_on": data.get("assessed_on", ""),
            "respondent": respondent.get("name", ""),
            "respondent_role": respondent.get("role", "")}


def batch_id(inputs: Iterable[str]) -> str:
    """What the history records as the batch a saved assessment came from."""
    return " ".join(inputs)


def overwritten_input(output: Path, inputs: Iterable[str]) -> str | None:
    """The input that writing `output` would overwrite (the same file, or a facts file inside
    an input folder), None when there is none."""
    if not output.exists():
        return None
    for name in inputs:
        if name == "-":
            continue
        path = Path(name)
        with contextlib.suppress(OSError):
            if path.is_dir():
                if output.suffix.lower() in FACT_SUFFIXES and \
                        output.resolve().is_relative_to(path.resolve()):
                    return name
            elif os.path.samefile(path, output):
                return name
    return None


class Summary:
    """Counts as outcomes stream by: levels (overall, and each dimension's), the most common
    gaps, the invalid records (their number, and the messages of the first `KEEP` only:
    memory stays flat)."""

    KEEP = 100

    def __init__(self) -> None:
        self.levels: Counter[str] = Counter()
        self.dimension_levels: Counter[tuple[str, str]] = Counter()  # (dimension, level)
        self.gaps: Counter[str] = Counter()
        self.total = 0
        self.invalid = 0
        self.messages: list[str] = []

    def add(self, outcome: Outcome) -> None:
        self.total += outcome.records
        if outcome.level is None:
            self.invalid += outcome.records
            if len(self.messages) < self.KEEP:
                self.messages.append(outcome.error or outcome.source)
        else:
            self.levels[outcome.level] += 1
            self.dimension_levels.update(outcome.dimensions)
            self.gaps.update(outcome.gaps)

    @property
    def valid(self) -> int:
        return self.total - self.invalid

    def to_dict(self, pack: RulePack) -> dict[str, Any]:
        """The counts; ``dimensions`` (organizations at each level of each dimension) only for
        a pack that rates several."""
        data: dict[str, Any] = {
            "records": self.total, "valid": self.valid, "invalid": self.invalid,
            "levels": {level.id: self.levels.get(level.id, 0) for level in pack.levels}}
        if pack.dimensions:
            data["dimensions"] = {
                d.id: {level.id: self.dimension_levels.get((d.id, level.id), 0)
                       for level in d.levels} for d in pack.dimensions}
        data["most_common_gaps"] = self.gaps.most_common(5)
        return data

    def named_levels(self, pack: RulePack) -> list[tuple[str, int]]:
        """(level name, organizations at it) for every level of the pack, in order."""
        return [(level.name, self.levels.get(level.id, 0)) for level in pack.levels]

    def named_dimension_levels(self, pack: RulePack
                               ) -> list[tuple[str, list[tuple[str, int]]]]:
        """(dimension name, [(level name, organizations at it)...]) for every dimension of
        the pack and each of its levels, in order (none for a one-ladder pack)."""
        return [(d.name, [(level.name, self.dimension_levels.get((d.id, level.id), 0))
                          for level in d.levels]) for d in pack.dimensions]


STOPS = (KeyboardInterrupt, EngineError)
"""What stops a batch without spoiling what was written: it is kept and saved."""


class BatchOutput:
    """Where a batch's outcomes go. A context manager:

        with BatchOutput(Path("out.csv"), history, batch_id(inputs)) as out:
            for outcome in assess_all(pack, records, keep=True):
                out.write(outcome)

    `destination` is a path (a `.csv` one gets CSV; the file is replaced only when the block
    ends, through a temporary file; its rows are spooled to another temporary file first, so
    that the header has the `IDENTITY_COLUMNS` that some record gave, and only those) or a
    text stream (JSONL, written as it goes). Valid
    assessments are saved in `history` in transactions of `CHUNK`, each after its rows were
    written. At the end, and when the block is left by one of `STOPS`, the rows not saved yet
    are saved and the file is kept: the output and the history hold the same records. Any other
    exception (the output or the history failed) leaves a replaced file as it was and saves
    nothing more."""

    CHUNK = 500

    def __init__(self, destination: Path | IO[str], history: History | None = None,
                 batch: str = "", dimensions: Sequence[str] = ()) -> None:
        self.path = destination if isinstance(destination, Path) else None
        self.dimensions = tuple(dimensions)  # the pack's dimension ids: a CSV column each
        self._target = destination
        self.history = history
        self.batch = batch
        self.summary = Summary()
        self.written = 0  # records written (invalid ones included)
        self.saved = 0  # assessments saved in the history
        self._pending: list[tuple[Mapping[str, Any], Mapping[str, Any], str]] = []
        self._files = contextlib.ExitStack()
        self._stream: IO[str] | None = None
        self._csv: Any = None
        self._spool: IO[str] | None = None
        self._seen: set[str] = set()  # identity columns some record gave

    @property
    def destination(self) -> str:
        """The output, for messages: its path, or "standard output"."""
        return str(self.path) if self.path is not None else "standard output"

    def __enter__(self) -> BatchOutput:
        if self.history is not None and self.history.read_only:  # say so before assessing
            raise HistoryError(f"{self.history.path} is read-only: the assessments cannot be "
                               "saved in it")
        if self.path is None:
            assert not isinstance(self._target, Path)
            self._stream = self._target
            return self
        with self._naming_the_output():
            opened: contextlib.AbstractContextManager[IO[str]]
            if self.path.exists() and not self.path.is_file():  # a device, a FIFO: not replaced
                opened = self.path.open("w", encoding="utf-8", newline="")
            else:
                opened = atomic_output(self.path, newline="")
            self._stream = self._files.enter_context(opened)
            if self.path.suffix.lower() == ".csv":
                self._spool = self._files.enter_context(tempfile.TemporaryFile(
                    "w+", encoding="utf-8", newline=""))
                self._csv = csv.writer(self._spool, lineterminator="\n")
        return self

    def write(self, outcome: Outcome) -> None:
        """Write one outcome; save the pending assessments once there are `CHUNK` of them."""
        assert self._stream is not None, "use BatchOutput in a with statement"
        with self._naming_the_output():
            if self._csv is not None:
                row = csv_row(outcome, self.dimensions, IDENTITY_COLUMNS)
                self._seen.update(c for c, cell in zip(IDENTITY_COLUMNS, row[2:], strict=False)
                                  if cell)
                self._csv.writerow(row)
            else:
                self._stream.write(outcome.line + "\n")
        self.written += outcome.records
        self.summary.add(outcome)
        if self.history is not None and outcome.facts is not None and outcome.result is not None:
            self._pending.append((outcome.facts, outcome.result, outcome.source))
            if len(self._pending) >= self.CHUNK:
                self._save()

    def _save(self) -> None:
        if self.history is not None and self._pending:
            self.saved += len(self.history.save_many(self._pending, batch=self.batch))
            self._pending = []

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is not None and not issubclass(kind, STOPS):
            # the temporary file goes; closing a file that failed may fail again, and the first
            # error is the one that tells what happened
            with contextlib.suppress(OSError):
                self._files.__exit__(kind, error, traceback)
            return
        try:
            self._save()
            with self._naming_the_output():
                self._write_csv()
        except BaseException as failure:
            self._files.__exit__(type(failure), failure, failure.__traceback__)
            raise
        with self._naming_the_output():
            self._files.close()  # the file replaces the old one

    def _write_csv(self) -> None:
        """The CSV file: its header, then the spooled rows without the identity columns no
        record gave (a batch without units or respondents has the same columns as ever)."""
        if self._spool is None or self._stream is None:
            return
        kept = tuple(c for c in IDENTITY_COLUMNS if c in self._seen)
        full = csv_columns(self.dimensions, IDENTITY_COLUMNS)
        keep = [i for i, column in enumerate(full)
                if column not in IDENTITY_COLUMNS or column in kept]
        writer = csv.writer(self._stream, lineterminator="\n")
        writer.writerow(csv_columns(self.dimensions, kept))
        self._spool.seek(0)
        for row in csv.reader(self._spool):
            writer.writerow([row[i] for i in keep])
        self._spool = None

    @contextlib.contextmanager
    def _naming_the_output(self) -> Iterator[None]:
        """An output error names the output (a write error alone does not say which file)."""
        try:
            yield
        except OSError as error:
            if error.filename is None and self.path is not None:
                error.filename = str(self.path)
            raise
