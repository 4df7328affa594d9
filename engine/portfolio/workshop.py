"""The workshop's store: units of organizations being answered (by `brm serve`), in the
history database beside the saved assessments.

A unit being answered is a draft: the answers given so far (facts, maybe incomplete), under an
organization and a business unit, for one pack, with a version that every saved answer raises.
An answer is saved with the version the client last saw and the value it saw at that path
(`base`): when someone else changed the unit meanwhile, the answer is still saved if that path
was left as the client saw it; if the path itself was changed meanwhile, nothing is overwritten
and a `ConflictError` carries both values (two browsers never silently overwrite each other).
Every save is one transaction (SQLite in WAL mode): an answer acknowledged is on disk, and a
process killed mid-save leaves the previous state.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ..errors import ConflictError, HistoryError, NotFoundError
from ..inputs.paths import container_at, value_at
from .history import History

MAX_NAME = 200
"""Characters of an organization's or a unit's name."""


class Draft(NamedTuple):
    """A unit being answered."""

    id: int
    organization: str
    business_unit: str
    pack_id: str
    facts: Mapping[str, Any]  # the answers so far, with organization and business_unit
    version: int
    updated_at: str

    def facts_for(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The answers as facts of a pack whose facts have `fields`: the unit's name (which the
        workshop keeps with every unit) left out when they have no such field."""
        return {key: value for key, value in self.facts.items()
                if key != "business_unit" or key in fields}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "organization": self.organization,
                "business_unit": self.business_unit, "pack": self.pack_id,
                "facts": self.facts, "version": self.version, "updated_at": self.updated_at}


_COLUMNS = "id, organization, business_unit, pack_id, facts, version, updated_at"


class Workshop:
    """The drafts of one history database (opened by the caller, who closes it)."""

    def __init__(self, history: History) -> None:
        self.history = history

    def drafts(self, organization: str | None = None) -> list[Draft]:
        """The units being answered (of one organization), by organization and unit."""
        query = f"SELECT {_COLUMNS} FROM workshop_units"
        args: tuple[Any, ...] = ()
        if organization is not None:
            query += " WHERE organization = ?"
            args = (organization,)
        rows = self._read(query + " ORDER BY organization, business_unit", args)
        return [_draft(row) for row in rows]

    def draft(self, draft_id: int) -> Draft:
        rows = self._read(f"SELECT {_COLUMNS} FROM workshop_units WHERE id = ?", (draft_id,))
        if not rows:
            raise NotFoundError("unit", f"#{draft_id}")
        return _draft(rows[0])

    def organizations(self) -> list[str]:
        """Every organization with a unit being answered or an assessment saved."""
        rows = self._read("SELECT organization FROM workshop_units UNION "
                          "SELECT organization FROM assessments ORDER BY 1", ())
        return [row[0] for row in rows]

    def create(self, organization: str, business_unit: str, pack_id: str,
               facts: Mapping[str, Any] | None = None) -> Draft:
        """A new unit to answer; a `ConflictError` when the organization has that unit."""
        organization, business_unit = _name(organization), _name(business_unit)
        data = dict(facts or {})
        data.update(organization=organization, business_unit=business_unit)
        now = _now()
        try:
            with self.history._transaction() as db:
                cursor = db.execute(
                    "INSERT INTO workshop_units (organization, business_unit, pack_id, facts, "
                    "version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                    (organization, business_unit, pack_id, _json(data), now, now))
        except sqlite3.IntegrityError:
            existing = self._find(organization, business_unit)
            raise ConflictError("business_unit", business_unit, business_unit,
                                existing.version if existing else 0) from None
        except sqlite3.Error as error:
            raise HistoryError(f"{self.history.path}: the unit could not be saved: {error}"
                               ) from None
        return self.draft(int(cursor.lastrowid or 0))

    def answer(self, draft_id: int, path: str, value: Any, version: int, base: Any) -> Draft:
        """Save one answer (`value` None: the answer removed). `version` and `base` are what
        the client saw: the unit's version and the value at `path`. A conflict (the path
        changed meanwhile) raises `ConflictError` and saves nothing."""
        if path in ("organization", "business_unit"):
            raise ConflictError(path, value, None, version)  # the draft's identity stays
        try:
            with self.history._transaction() as db:
                row = db.execute(f"SELECT {_COLUMNS} FROM workshop_units WHERE id = ?",
                                 (draft_id,)).fetchone()
                if row is None:
                    raise NotFoundError("unit", f"#{draft_id}")
                current = _draft(row)
                theirs = value_at(current.facts, path)
                if current.version != version and theirs != base:
                    raise ConflictError(path, value, theirs, current.version)
                facts = with_answer(current.facts, path, value)
                db.execute("UPDATE workshop_units SET facts = ?, version = version + 1, "
                           "updated_at = ? WHERE id = ?", (_json(facts), _now(), draft_id))
        except sqlite3.Error as error:
            raise HistoryError(f"{self.history.path}: the answer could not be saved: {error}"
                               ) from None
        return self.draft(draft_id)

    def _find(self, organization: str, business_unit: str) -> Draft | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM workshop_units WHERE organization = ? AND "
                          "business_unit = ?", (organization, business_unit))
        return _draft(rows[0]) if rows else None

    def _read(self, query: str, args: tuple[Any, ...]) -> list[Any]:
        with self.history._reading():
            return self.history._db.execute(query, args).fetchall()


def with_answer(facts: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `facts` with the answer at a dotted path (None: removed, with the groups it
    leaves empty)."""
    result = copy.deepcopy(dict(facts))
    parent, key = container_at(result, path)
    if value is None:
        parent.pop(key, None)
        parts = path.split(".")
        for depth in range(len(parts) - 1, 0, -1):  # empty groups go too
            group = value_at(result, parts[:depth])
            if group == {}:
                holder = value_at(result, parts[:depth - 1]) if depth > 1 else result
                holder.pop(parts[depth - 1], None)
    else:
        parent[key] = value
    return result


def _draft(row: Any) -> Draft:
    return Draft(int(row[0]), row[1], row[2], row[3], json.loads(row[4]), int(row[5]), row[6])


def _name(text: str) -> str:
    name = " ".join(str(text).split())
    if not name or len(name) > MAX_NAME:
        raise HistoryError(f"a name is 1 to {MAX_NAME} characters: {text[:40]!r}")
    return name


def _json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
