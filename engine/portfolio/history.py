"""History: saved assessments in SQLite, listed per organization, with the trend over time.

Each saved assessment keeps its facts, its result, the pack's id, version and content hash, and
the time. The database carries a schema version and migrates forward; every write is one
transaction; WAL mode and a busy timeout let two processes save at once without losing either,
and a crash leaves every committed record intact.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import HistoryError

SCHEMA_VERSION = 2
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
}


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

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "organization": self.organization, "saved_at": self.saved_at,
                "source": self.source, "pack": {"id": self.pack_id, "version": self.pack_version},
                "level": self.result["level"]}


def default_path() -> Path:
    """The history file in the user's data directory (XDG_DATA_HOME, else ~/.local/share)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "brm-advisor" / "history.sqlite"


class History:
    """One history database, opened and migrated on creation."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 30000")
            # Switching to WAL answers "locked" at once, without waiting, while another process
            # opens the same new file: retry it for as long as the busy timeout would wait.
            _while_locked(lambda: self._db.execute("PRAGMA journal_mode = WAL"))
            self._db.execute("PRAGMA synchronous = NORMAL")
            _while_locked(self._migrate)
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{self.path}: cannot be used as a history database: {error}"
                               ) from None

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
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            if version > SCHEMA_VERSION:
                raise HistoryError(f"{self.path} was written by a newer brm-advisor (schema "
                                   f"{version}; this one knows {SCHEMA_VERSION})")
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
            if row is None:
                db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            else:
                db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    def save(self, facts: Mapping[str, Any], diagnosis: Any, source: str,
             batch: str | None = None) -> int:
        """Save one assessment (a `Diagnosis`); returns its id."""
        return self.save_many([(facts, saved_result(diagnosis), source)], batch)[0]

    def save_many(self, items: Iterable[tuple[Mapping[str, Any], Mapping[str, Any], str]],
                  batch: str | None = None) -> list[int]:
        """Save (facts, result, source) items in one transaction: all or none. `result` is
        `saved_result(diagnosis)`."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        ids = []
        with self._transaction() as db:
            for facts, result, source in items:
                pack, level = result["pack"], result["level"]
                cursor = db.execute(
                    "INSERT INTO assessments (organization, saved_at, source, pack_id, "
                    "pack_version, pack_hash, level_id, level_rank, facts, result, batch) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (result["organization"], now, source, pack["id"], pack["version"],
                     pack["sha256"], level["id"], level["rank"],
                     json.dumps(facts, ensure_ascii=False, sort_keys=True),
                     json.dumps(result, ensure_ascii=False), batch))
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def assessments(self, organization: str | None = None) -> list[Saved]:
        query = "SELECT * FROM assessments"
        args: tuple[Any, ...] = ()
        if organization is not None:
            query += " WHERE organization = ?"
            args = (organization,)
        rows = self._db.execute(query + " ORDER BY saved_at, id", args).fetchall()
        return [_saved(row) for row in rows]

    def get(self, assessment_id: int) -> Saved:
        row = self._db.execute("SELECT * FROM assessments WHERE id = ?",
                               (assessment_id,)).fetchone()
        if row is None:
            raise HistoryError(f"no saved assessment #{assessment_id} in {self.path}")
        return _saved(row)

    def organizations(self) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT organization FROM assessments ORDER BY organization")]

    def check(self) -> str:
        """SQLite's own integrity check ("ok" when the file is sound)."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


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


def _saved(row: tuple[Any, ...]) -> Saved:
    return Saved(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                 json.loads(row[9]), json.loads(row[10]))


def saved_result(diagnosis: Any) -> dict[str, Any]:
    """What is saved of a diagnosis: all of it but the trace (assessing the saved facts again
    rebuilds that)."""
    data: dict[str, Any] = diagnosis.to_dict()
    data.pop("trace", None)
    return data


def trend(saved: list[Saved]) -> str:
    """"up", "down", "steady" or "single" over a list of one organization's assessments."""
    if len(saved) < 2:
        return "single"
    first, last = saved[0].level_rank, saved[-1].level_rank
    return "up" if last > first else "down" if last < first else "steady"
