"""Comparing two assessments: facts that changed, criteria that flipped, the level before and
after (and each dimension's, for a pack that rates several: which moved); and when the rule
pack changed in between, what changed because of the rules (the old facts re-run on the new
pack) apart from what changed because of the facts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from ..analysis.diff import diff
from ..inference.diagnosis import Diagnosis
from ..inputs.paths import value_at

if TYPE_CHECKING:
    from ..inference.advisor import Advisor
    from ..inputs.facts import Facts
    from .history import DatedRollup, Saved, Timeline


class Snapshot(NamedTuple):
    label: str  # "#12" for a saved assessment, the file name for a facts file
    facts: Mapping[str, Any]
    result: Mapping[str, Any]  # the diagnosis as JSON (level, criteria, recommendations...)
    pack_id: str
    pack_version: str
    pack_hash: str


def moved(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """How a level (id, rank, name) moved: "up", "down", "same" ("moved" for another level of
    the same rank); "new" or "gone" when there is none on one side."""
    if before is None or after is None:
        return "new" if before is None else "gone"
    rank_b, rank_a = before["rank"], after["rank"]
    if rank_a == rank_b:
        return "same" if before["id"] == after["id"] else "moved"
    return "up" if rank_a > rank_b else "down"


class DimensionChange(NamedTuple):
    """One dimension's level before and after (None on a side that does not rate it)."""

    id: str
    name: str
    before: Mapping[str, Any] | None  # the level: id, rank, name
    after: Mapping[str, Any] | None

    @property
    def moved(self) -> str:
        """"up", "down", "same"; "new" or "gone" when only one side rates the dimension."""
        return moved(self.before, self.after)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name,
                "before": dict(self.before) if self.before is not None else None,
                "after": dict(self.after) if self.after is not None else None,
                "moved": self.moved}


class Delta(NamedTuple):
    level_before: Mapping[str, Any]
    level_after: Mapping[str, Any]
    flipped: tuple[tuple[str, bool | None, bool | None], ...]  # (criterion, before, after)
    recommendations_removed: tuple[str, ...]
    recommendations_added: tuple[str, ...]
    dimensions: tuple[DimensionChange, ...] = ()  # each dimension's, when either side rates any

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``dimensions`` only when a side rates dimensions."""
        return {"level_before": dict(self.level_before), "level_after": dict(self.level_after),
                **({"dimensions": [d.to_dict() for d in self.dimensions]}
                   if self.dimensions else {}),
                "criteria_flipped": [{"id": i, "before": b, "after": a}
                                     for i, b, a in self.flipped],
                "recommendations_removed": list(self.recommendations_removed),
                "recommendations_added": list(self.recommendations_added)}

    @property
    def moved(self) -> tuple[DimensionChange, ...]:
        """The dimensions whose level changed."""
        return tuple(d for d in self.dimensions if d.moved != "same")


class ComparisonReport(NamedTuple):
    a: Snapshot
    b: Snapshot
    facts_changed: tuple[tuple[str, Any, Any], ...]
    overall: Delta
    because_of_rules: Delta | None  # None when both used the same pack content
    because_of_facts: Delta | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": {"label": self.a.label, "pack": _pack(self.a)},
            "b": {"label": self.b.label, "pack": _pack(self.b)},
            "facts_changed": [{"path": p, "a": x, "b": y} for p, x, y in self.facts_changed],
            "overall": self.overall.to_dict(),
            "pack_changed": self.because_of_rules is not None,
            "because_of_rules": self.because_of_rules.to_dict()
            if self.because_of_rules else None,
            "because_of_facts": self.because_of_facts.to_dict()
            if self.because_of_facts else None,
        }


def snapshot_of_facts(advisor: Advisor, facts: Facts, label: str) -> Snapshot:
    """A snapshot of facts assessed now, with the advisor's pack."""
    diagnosis = advisor.assess(facts)
    return Snapshot(label, facts.data, diagnosis.to_dict(), diagnosis.pack.id,
                    diagnosis.pack.version, diagnosis.pack.content_hash)


def snapshot_of_saved(saved: Saved) -> Snapshot:
    """A snapshot of a saved assessment, as it was saved (labelled ``#ID``)."""
    return Snapshot(f"#{saved.id}", saved.facts, saved.result, saved.pack_id,
                    saved.pack_version, saved.pack_hash)


def saved_number(reference: str) -> int | None:
    """The id a reference to a saved assessment names (``#12`` or ``12``), else None."""
    number = reference.lstrip("#")
    return int(number) if number.isdigit() and number.isascii() else None


def load_snapshot(advisor: Advisor, reference: str, db: str | Path | None = None,
                  stdin: IO[bytes] | None = None) -> Snapshot | None:
    """The snapshot a reference names: a facts file (or '-': `stdin`), assessed now, or a
    saved assessment (``#ID``) of the history at `db`. None when it names neither."""
    if reference == "-":
        if stdin is None:
            raise ValueError("no standard input to read")
        return snapshot_of_facts(advisor, advisor.read(stdin, name="<stdin>"), reference)
    if Path(reference).is_file():
        return snapshot_of_facts(advisor, advisor.read(reference), reference)
    number = saved_number(reference)
    if number is None:
        return None
    from .history import History

    with History(db) as store:
        return snapshot_of_saved(store.get(number))


def _pack(s: Snapshot) -> dict[str, str]:
    return {"id": s.pack_id, "version": s.pack_version, "sha256": s.pack_hash}


def delta(before: Mapping[str, Any], after: Mapping[str, Any]) -> Delta:
    """`after` against `before` (two diagnoses as JSON, saved ones without a trace): the one
    diff of two diagnoses (`analysis.diff`), with each dimension's level on both sides."""
    change = diff(_read_back(before), _read_back(after))
    return Delta(before["level"], after["level"], change.flipped,
                 change.recommendations_removed, change.recommendations_added,
                 dimension_changes(before, after))


def _read_back(result: Mapping[str, Any]) -> Diagnosis:
    """The diagnosis a result's JSON holds. The diff reads only its criteria and
    recommendations, so a result cut down to those and its level (as tests hand) is read
    with a blank organization and pack."""
    return Diagnosis.from_dict({"organization": "", "pack": {"id": "", "version": ""},
                                **result})


def dimension_changes(before: Mapping[str, Any], after: Mapping[str, Any]
                      ) -> tuple[DimensionChange, ...]:
    """Each dimension either result rates (``dimensions`` of the diagnosis's JSON), in the
    order of `before`'s then `after`'s: its level on both sides."""
    sides = [{d["id"]: d for d in result.get("dimensions") or ()} for result in (before, after)]
    ids = list(dict.fromkeys([*sides[0], *sides[1]]))
    changes = []
    for ident in ids:
        first, second = sides[0].get(ident), sides[1].get(ident)
        name = str((first or second or {}).get("name", ident))
        changes.append(DimensionChange(ident, name, (first or {}).get("level"),
                                       (second or {}).get("level")))
    return tuple(changes)


def compare(advisor: Advisor, a: Snapshot, b: Snapshot) -> ComparisonReport:
    """Compare `a` (earlier) with `b` (later), re-running `a`'s facts on the current pack when
    the two were assessed with different pack contents."""
    fields = advisor.pack.fields
    changed = tuple((path, value_at(a.facts, path), value_at(b.facts, path)) for path in fields
                    if value_at(a.facts, path) != value_at(b.facts, path))
    overall = delta(a.result, b.result)
    if a.pack_hash == b.pack_hash:
        return ComparisonReport(a, b, changed, overall, None, None)
    rerun = advisor.assess(advisor.reader.from_data(dict(a.facts), a.label)).to_dict()
    return ComparisonReport(a, b, changed, overall, delta(a.result, rerun), delta(rerun, b.result))


class UnitChange(NamedTuple):
    """One business unit's level at the previous assessment date and at the latest (None on a
    date it was not assessed)."""

    unit: str
    before: Mapping[str, Any] | None  # the level: id, rank, name
    after: Mapping[str, Any] | None

    @property
    def moved(self) -> str:
        """"up", "down", "same"; "new" or "gone" when assessed on one of the dates only."""
        return moved(self.before, self.after)

    def to_dict(self) -> dict[str, Any]:
        return {"business_unit": self.unit, "before": self.before, "after": self.after,
                "moved": self.moved}


class EngagementComparison(NamedTuple):
    """An organization's latest engagement against its previous one, unit by unit, and the
    organization's rolled-up level on each date."""

    organization: str
    before_date: str
    after_date: str
    before: Mapping[str, Any]  # the organization's level on the previous date
    after: Mapping[str, Any]
    units: tuple[UnitChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"organization": self.organization,
                "before": {"assessed_on": self.before_date, "level": self.before},
                "after": {"assessed_on": self.after_date, "level": self.after},
                "units": [unit.to_dict() for unit in self.units]}


def compare_engagements(timeline: Timeline) -> EngagementComparison | None:
    """The latest two assessment dates of an organization assessed unit by unit (a
    `history.Timeline`), unit by unit; None when it has fewer than two dates."""
    if len(timeline.dated) < 2:
        return None
    previous, latest = timeline.dated[-2], timeline.dated[-1]
    levels: dict[str, dict[str, Mapping[str, Any]]] = {previous.date: {}, latest.date: {}}
    for item in timeline.assessments:  # in date order: the latest of a day wins
        if item.date in levels and item.business_unit is not None:
            levels[item.date][item.business_unit] = item.result["level"]
    names = list(dict.fromkeys([*levels[previous.date], *levels[latest.date]]))
    return EngagementComparison(
        timeline.organization, previous.date, latest.date, _level(previous), _level(latest),
        tuple(UnitChange(name, levels[previous.date].get(name), levels[latest.date].get(name))
              for name in names))


def _level(point: DatedRollup) -> dict[str, Any]:
    return {"id": point.level_id, "rank": point.level_rank, "name": point.level_name}
