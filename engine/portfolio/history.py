"""History: saved assessments in SQLite, listed per organization, with the trend over time.

Each saved assessment keeps its facts, its result, the pack's id, version and content hash, and
the time. The database carries a schema version and migrates forward (migrations only add); every
write is one transaction; WAL mode and a busy timeout let two processes save at once without
losing either, and a crash leaves every committed record intact.

A pack that rates several dimensions saves each dimension's level in the result (as the
diagnosis's JSON holds it, since schema version 2 of the diagnosis): `Saved.dimensions` reads
them back, and a timeline has a trend per dimension; a one-ladder pack's assessments, and those
saved before, have none. (The table layout is the same: nothing to migrate.)

Assessments are keyed by organization and business unit and dated by the facts' `assessed_on`
(the time they were saved is kept apart): an organization assessed unit by unit has a timeline
per unit, each with its own trend, and an organization level per assessment date rolled up from
the units assessed that day (the lowest; schema 3 adds the columns, filled in from the saved
facts when an older database is migrated). Four units assessed on one day are one point of the
organization's timeline, not a series.

A database that cannot be written (a read-only file or folder) is opened read-only: it can be
listed and shown when its schema is current, and saving in it is a clear `HistoryError`. So is
every failure of SQLite (a full disk, a locked or damaged file) and a saved row whose facts or
result are not the JSON they should be.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import HistoryError
from ..present.words import did_you_mean, plural, suggest

if TYPE_CHECKING:
    from ..inference.diagnosis import Diagnosis

SCHEMA_VERSION = 4
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("""CREATE TABLE assessments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            organization TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            source TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            pack_version TEXT NOT NULL,
            pack_hash TEXT NOT NULL,
            level_id TEXT NOT NULL,
            level_rank INTEGER NOT NULL,
            facts TEXT NOT NULL,
            result TEXT NOT NULL)""",
        "CREATE INDEX assessments_org ON assessments (organization, saved_at)"),
    2: ("ALTER TABLE assessments ADD COLUMN batch TEXT",),
    3: ("ALTER TABLE assessments ADD COLUMN business_unit TEXT",
        "ALTER TABLE assessments ADD COLUMN assessed_on TEXT",
        # the saved facts say both, for assessments saved before the columns existed
        """UPDATE assessments SET
             business_unit = CASE json_type(facts, '$.business_unit') WHEN 'text'
                             THEN json_extract(facts, '$.business_unit') END,
             assessed_on = CASE json_type(facts, '$.assessed_on') WHEN 'text'
                           THEN json_extract(facts, '$.assessed_on') END
           WHERE json_valid(facts)""",
        "CREATE INDEX assessments_unit ON assessments (organization, business_unit, "
        "assessed_on)"),
    # the workshop's units being answered (brm serve): answers so far, versioned
    4: ("""CREATE TABLE workshop_units (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            organization TEXT NOT NULL,
            business_unit TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            facts TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (organization, business_unit))""",),
}


class SavedDimension(NamedTuple):
    """One dimension's level in a saved assessment."""

    id: str
    name: str
    level_id: str
    level_rank: int
    level_name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name,
                "level": {"id": self.level_id, "rank": self.level_rank,
                          "name": self.level_name}}


class Saved(NamedTuple):
    id: int
    organization: str
    saved_at: str
    source: str
    pack_id: str
    pack_version: str
    pack_hash: str
    level_id: str
    level_rank: int
    facts: Mapping[str, Any]
    result: Mapping[str, Any]
    dimensions: tuple[SavedDimension, ...] = ()  # a dimensioned pack's: each one's level
    business_unit: str | None = None
    assessed_on: str | None = None  # as the facts say; None when they do not

    @property
    def date(self) -> str:
        """When it was assessed: the facts' `assessed_on`, else the day it was saved."""
        return self.assessed_on or self.saved_at[:10]

    def summary(self) -> dict[str, Any]:
        """As listed; ``business_unit`` and ``assessed_on`` when the facts give them,
        ``dimensions`` (each one's level) only for a dimensioned pack's."""
        data = {"id": self.id, "organization": self.organization, "saved_at": self.saved_at,
                "source": self.source, "pack": {"id": self.pack_id, "version": self.pack_version},
                "level": self.result["level"]}
        if self.business_unit is not None:
            data["business_unit"] = self.business_unit
        if self.assessed_on is not None:
            data["assessed_on"] = self.assessed_on
        if self.dimensions:
            data["dimensions"] = [d.to_dict() for d in self.dimensions]
        return data

    def dimension(self, dimension_id: str) -> SavedDimension | None:
        """This assessment's level on a dimension; None when it rates no such dimension."""
        return next((d for d in self.dimensions if d.id == dimension_id), None)


def default_path() -> Path:
    """The history file in the user's data directory (XDG_DATA_HOME, else ~/.local/share)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "brm-advisor" / "history.sqlite"


class History:
    """One history database, opened and migrated on creation.

    `read_only`: None (the default) opens read-only when the file exists but cannot be written
    (it, or its folder, is read-only); True always; False never."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.read_only = _cannot_write(self.path) if read_only is None else read_only
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open_read_only() if self.read_only else self._open()
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{self.path}: cannot be used as a history database: {error}"
                               ) from None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db = db
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            # Switching to WAL answers "locked" at once, without waiting, while another process
            # opens the same new file: retry it for as long as the busy timeout would wait.
            _while_locked(lambda: db.execute("PRAGMA journal_mode = WAL"))
            db.execute("PRAGMA synchronous = NORMAL")
            _while_locked(self._migrate)
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self) -> sqlite3.Connection:
        """Read-only, without migrating: a schema older than this brm-advisor's cannot be read
        (it would need migrating), and says so."""
        uri = self.path.resolve().as_uri() + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        try:
            try:
                version = _version(db)
            except sqlite3.OperationalError as error:
                if "no such table" in str(error):
                    raise HistoryError(f"{self.path} is not a brm-advisor history, and it cannot "
                                       "be written (it is read-only)") from None
                if "unable to open" not in str(error):
                    raise
                # a WAL database in a folder no one may write (SQLite cannot make its shared
                # memory file beside it): no one can change it either, so read it as immutable
                db.close()
                db = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
                version = _version(db)
            self._check_version(version)
            if version < SCHEMA_VERSION:
                raise HistoryError(
                    f"{self.path} was written by an older brm-advisor (schema {version}) and must "
                    f"be upgraded to schema {SCHEMA_VERSION} before it is read, but it is "
                    "read-only: make it (and its folder) writable, or use a writable copy")
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path} was written by a newer brm-advisor (schema "
                               f"{version}; this one knows {SCHEMA_VERSION})")

    def _migrate(self) -> None:
        """Bring the schema up to this brm-advisor's, in one transaction; a current database
        is only read (opening it to list writes nothing)."""
        try:
            if _version(self._db) == SCHEMA_VERSION:
                return
        except sqlite3.OperationalError as error:
            if "no such table" not in str(error):
                raise
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            self._check_version(version)
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
            if row is None:
                db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif version != SCHEMA_VERSION:
                db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def save(self, facts: Mapping[str, Any], diagnosis: Diagnosis, source: str,
             batch: str | None = None) -> int:
        """Save one assessment (a `Diagnosis`); returns its id."""
        return self.save_many([(facts, saved_result(diagnosis), source)], batch)[0]

    def save_many(self, items: Iterable[tuple[Mapping[str, Any], Mapping[str, Any], str]],
                  batch: str | None = None) -> list[int]:
        """Save (facts, result, source) items in one transaction: all or none. `result` is
        `saved_result(diagnosis)`. A failure (a full disk, a read-only file) is a
        `HistoryError`, and none of the items is saved."""
        rows = list(items)
        if self.read_only:
            raise HistoryError(f"{self.path} is read-only: {plural(len(rows), 'assessment')} "
                               "could not be saved in it")
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        ids = []
        try:
            with self._transaction() as db:
                for facts, result, source in rows:
                    pack, level = result["pack"], result["level"]
                    cursor = db.execute(
                        "INSERT INTO assessments (organization, saved_at, source, pack_id, "
                        "pack_version, pack_hash, level_id, level_rank, facts, result, batch, "
                        "business_unit, assessed_on) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (result["organization"], now, source, pack["id"], pack["version"],
                         pack["sha256"], level["id"], level["rank"],
                         json.dumps(facts, ensure_ascii=False, sort_keys=True),
                         json.dumps(result, ensure_ascii=False), batch,
                         _text(facts.get("business_unit")), _text(facts.get("assessed_on"))))
                    ids.append(int(cursor.lastrowid or 0))
        except sqlite3.Error as error:
            raise HistoryError(f"{self.path}: {plural(len(rows), 'assessment')} could not be "
                               f"saved (none of them was): {error}") from None
        return ids

    def assessments(self, organization: str | None = None) -> list[Saved]:
        """Saved assessments (of one organization), in the order they were assessed: by
        `assessed_on` (else the day saved), then as saved."""
        query = f"SELECT {_COLUMNS} FROM assessments"
        args: tuple[Any, ...] = ()
        if organization is not None:
            query += " WHERE organization = ?"
            args = (organization,)
        with self._reading():
            rows = self._db.execute(query + " ORDER BY coalesce(assessed_on, substr(saved_at, "
                                    "1, 10)), saved_at, id", args).fetchall()
        return [_saved(row, self.path) for row in rows]

    def get(self, assessment_id: int) -> Saved:
        with self._reading():
            row = self._db.execute(f"SELECT {_COLUMNS} FROM assessments WHERE id = ?",
                                   (assessment_id,)).fetchone()
        if row is None:
            raise HistoryError(f"no saved assessment #{assessment_id} in {self.path}")
        return _saved(row, self.path)

    def organizations(self) -> list[str]:
        with self._reading():
            return [r[0] for r in self._db.execute(
                "SELECT DISTINCT organization FROM assessments ORDER BY organization")]

    def timeline(self, organization: str) -> Timeline:
        """An organization's saved assessments with their trend; a `HistoryError` (with a
        "did you mean") when it has none."""
        saved = self.assessments(organization)
        if not saved:
            raise HistoryError(f"no saved assessment of {organization!r}"
                               + did_you_mean(suggest(organization, self.organizations())))
        units = unit_timelines(saved)
        dated = dated_rollups(saved) if units else ()
        overall = _trend([point.level_rank for point in dated]) if units else trend(saved)
        return Timeline(organization, overall, tuple(saved), dimension_trends(saved), units,
                        dated)

    def check(self) -> str:
        """SQLite's own integrity check ("ok" when the file is sound)."""
        with self._reading():
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{self.path}: cannot be read: {error}") from None


class DimensionTrend(NamedTuple):
    """Where an organization's level on one dimension went, over the assessments rating it."""

    id: str
    name: str
    trend: str  # see `trend`
    assessments: int  # how many of the timeline's assessments rate this dimension

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "trend": self.trend,
                "assessments": self.assessments}


class UnitTimeline(NamedTuple):
    """One business unit's assessments over time (by date) and where its level went."""

    name: str
    trend: str  # see `trend`
    assessments: tuple[Saved, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"business_unit": self.name, "trend": self.trend,
                "levels": [{"assessed_on": item.date, "id": item.id,
                            "level": item.result["level"]} for item in self.assessments]}


class DatedRollup(NamedTuple):
    """The organization on one assessment date: the lowest level of the units assessed that
    day (each unit's latest assessment of the day)."""

    date: str
    level_id: str
    level_rank: int
    level_name: str
    units: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"assessed_on": self.date, "level": {"id": self.level_id,
                                                    "rank": self.level_rank,
                                                    "name": self.level_name},
                "units": list(self.units)}


class Timeline(NamedTuple):
    """One organization's saved assessments, oldest first, and where its level went (and,
    when they rate dimensions, where each dimension's level went). For an organization assessed
    unit by unit: each unit's own timeline, and the organization rolled up per date, whose
    trend is the organization's."""

    organization: str
    trend: str  # see `trend`
    assessments: tuple[Saved, ...]
    dimensions: tuple[DimensionTrend, ...] = ()
    units: tuple[UnitTimeline, ...] = ()
    dated: tuple[DatedRollup, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"organization": self.organization, "trend": self.trend}
        if self.dimensions:
            data["dimensions"] = [d.to_dict() for d in self.dimensions]
        if self.units:
            data["units"] = [unit.to_dict() for unit in self.units]
            data["by_date"] = [point.to_dict() for point in self.dated]
        data["assessments"] = listing(self.assessments)
        return data


def listing(saved: Iterable[Saved]) -> list[dict[str, Any]]:
    """Saved assessments as `brm history list --format json` gives them."""
    return [item.summary() for item in saved]


def _version(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _cannot_write(path: Path) -> bool:
    """The file exists, and it or its folder cannot be written (SQLite writes beside it)."""
    return path.exists() and not (os.access(path, os.W_OK)
                                  and os.access(path.parent, os.W_OK))


def _while_locked(step: Callable[[], Any], seconds: float = 30.0) -> Any:
    """Run `step`, again after a short pause while SQLite says the database is locked."""
    deadline = time.monotonic() + seconds
    pause = 0.01
    while True:
        try:
            return step()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


_COLUMNS = ("id, organization, saved_at, source, pack_id, pack_version, pack_hash, level_id, "
            "level_rank, facts, result, business_unit, assessed_on")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _saved(row: tuple[Any, ...], path: Path) -> Saved:
    """A row as a `Saved`; a `HistoryError` naming the row when its JSON is damaged."""
    facts, result = (_json_column(row, index, name, path)
                     for index, name in ((9, "facts"), (10, "result")))
    level = result.get("level")
    if not isinstance(level, Mapping) or not isinstance(level.get("name"), str):
        raise HistoryError(f"{path}: saved assessment #{row[0]} is damaged: its result has no "
                           "level with a name")
    return Saved(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                 facts, result, _dimensions(result, row[0], path), row[11], row[12])


def _dimensions(result: Mapping[str, Any], ident: int, path: Path
                ) -> tuple[SavedDimension, ...]:
    """Each dimension's level a saved result holds (none before dimensions, or for a
    one-ladder pack); a `HistoryError` naming the row when they are not what was saved."""
    try:
        return tuple(SavedDimension(str(d["id"]), str(d.get("name", d["id"])),
                                    str(d["level"]["id"]), int(d["level"]["rank"]),
                                    str(d["level"]["name"]))
                     for d in result.get("dimensions") or ())
    except (KeyError, TypeError, ValueError, AttributeError):
        raise HistoryError(f"{path}: saved assessment #{ident} is damaged: its result's "
                           "dimensions are not each an id with a level") from None


def _json_column(row: tuple[Any, ...], index: int, name: str, path: Path) -> dict[str, Any]:
    try:
        value = json.loads(row[index])
    except (ValueError, TypeError, RecursionError) as error:
        raise HistoryError(f"{path}: saved assessment #{row[0]} is damaged: its {name} is not "
                           f"valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise HistoryError(f"{path}: saved assessment #{row[0]} is damaged: its {name} is not a "
                           "JSON object")
    return value


def saved_result(diagnosis: Diagnosis) -> dict[str, Any]:
    """What is saved of a diagnosis: all of it but the trace (assessing the saved facts again
    rebuilds that)."""
    data: dict[str, Any] = diagnosis.to_dict()
    data.pop("trace", None)
    return data


def trend(saved: list[Saved]) -> str:
    """"up", "down", "steady" or "single" over a list of one organization's assessments."""
    return _trend([item.level_rank for item in saved])


def _trend(ranks: list[int]) -> str:
    if len(ranks) < 2:
        return "single"
    first, last = ranks[0], ranks[-1]
    return "up" if last > first else "down" if last < first else "steady"


def dimension_trends(saved: list[Saved]) -> tuple[DimensionTrend, ...]:
    """The trend of each dimension rated by any of the assessments (in the order they first
    rate them), over the assessments that rate it."""
    names: dict[str, str] = {}
    ranks: dict[str, list[int]] = {}
    for item in saved:
        for dimension in item.dimensions:
            names.setdefault(dimension.id, dimension.name)
            ranks.setdefault(dimension.id, []).append(dimension.level_rank)
    return tuple(DimensionTrend(ident, names[ident], _trend(ranks[ident]), len(ranks[ident]))
                 for ident in names)


def unit_timelines(saved: list[Saved]) -> tuple[UnitTimeline, ...]:
    """Each business unit's assessments (those that name one), in the order first assessed;
    none when no assessment names a unit."""
    units: dict[str, list[Saved]] = {}
    for item in saved:
        if item.business_unit is not None:
            units.setdefault(item.business_unit, []).append(item)
    return tuple(UnitTimeline(name, _trend([i.level_rank for i in items]), tuple(items))
                 for name, items in units.items())


def dated_rollups(saved: list[Saved]) -> tuple[DatedRollup, ...]:
    """The organization per assessment date: the lowest level of the units assessed that day
    (a unit assessed twice that day counts with its latest)."""
    days: dict[str, dict[str, Saved]] = {}
    for item in saved:  # in date order, then as saved: the latest of a day wins
        days.setdefault(item.date, {})[item.business_unit or ""] = item
    found = []
    for date, units in days.items():
        lowest = min(units.values(), key=lambda item: item.level_rank)
        found.append(DatedRollup(date, lowest.level_id, lowest.level_rank,
                                 str(lowest.result["level"]["name"]),
                                 tuple(name for name in units if name)))
    return tuple(found)
