"""What differs between two diagnoses: the level, the criteria that flipped, the
recommendations that went and came. One comparison, used by what-if (before and after edits)
and by `brm compare` (two assessments, possibly of two pack versions)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..inference.diagnosis import Diagnosis, LevelRef


class DiagnosisDiff(NamedTuple):
    before: Diagnosis
    after: Diagnosis
    flipped: tuple[tuple[str, bool | None, bool | None], ...]
    """(criterion, before, after): None where a criterion exists on one side only."""
    recommendations_removed: tuple[str, ...]
    recommendations_added: tuple[str, ...]

    @property
    def level_before(self) -> LevelRef:
        return self.before.level

    @property
    def level_after(self) -> LevelRef:
        return self.after.level

    def flipped_dicts(self) -> list[dict[str, Any]]:
        return [{"id": i, "before": b, "after": a} for i, b, a in self.flipped]

    def to_dict(self) -> dict[str, Any]:
        return {"level_before": self.level_before.to_dict(),
                "level_after": self.level_after.to_dict(),
                "criteria_flipped": self.flipped_dicts(),
                "recommendations_removed": list(self.recommendations_removed),
                "recommendations_added": list(self.recommendations_added)}


def diff(before: Diagnosis, after: Diagnosis) -> DiagnosisDiff:
    """`after` against `before`; criteria in the order `before` lists them, then new ones."""
    met_before = {c.id: c.met for c in before.criteria}
    met_after = {c.id: c.met for c in after.criteria}
    ids = list(met_before) + [c for c in met_after if c not in met_before]
    flipped = tuple((i, met_before.get(i), met_after.get(i)) for i in ids
                    if met_before.get(i) != met_after.get(i))
    recs_before = [r.id for r in before.recommendations]
    recs_after = [r.id for r in after.recommendations]
    return DiagnosisDiff(before, after, flipped,
                         tuple(r for r in recs_before if r not in recs_after),
                         tuple(r for r in recs_after if r not in recs_before))
