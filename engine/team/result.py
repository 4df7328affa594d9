"""The team part of a diagnosis, kept apart from how it is found and how it is shown: the
practice ratings derived from the BRMs', each BRM's profile against the bar, and the development
plan. `TeamResult.to_dict()` gives its JSON form (``team`` in ``schemas/diagnosis.schema.json``)
and `TeamResult.from_dict()` reads it back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..packs.model import DevelopmentStep, TeamPolicy


class Aggregate(NamedTuple):
    """A practice rating derived from the BRMs' ratings of one competency."""

    competency: str
    value: int
    method: str  # the policy's aggregation
    ratings: tuple[tuple[str, int], ...]  # (BRM name, rating), as listed
    given: int | None  # the practice rating the facts gave too, if any

    @property
    def disagrees(self) -> bool:
        return self.given is not None and self.given != self.value

    def describe(self, policy: TeamPolicy) -> str:
        """ "the median of the BRMs' ratings: Dana 4, Lee 2" """
        ratings = ", ".join(f"{name} {rating}" for name, rating in self.ratings)
        return f"the {self.method} of the BRMs' ratings: {ratings}"


class Shortfall(NamedTuple):
    """A competency a BRM is rated below what a level needs."""

    competency: str
    rating: int
    needed: int

    def to_dict(self) -> dict[str, Any]:
        return {"competency": self.competency, "rating": self.rating, "needed": self.needed}


class BrmProfile(NamedTuple):
    """One BRM's ratings and shortfalls against the next level and the target."""

    name: str
    role: str | None
    units: tuple[str, ...]
    ratings: tuple[tuple[str, int | None], ...]  # every competency (None: not rated)
    below_next: tuple[Shortfall, ...]
    below_target: tuple[Shortfall, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "units": list(self.units),
                "ratings": dict(self.ratings),
                "below": {"next_level": [s.to_dict() for s in self.below_next],
                          "target": [s.to_dict() for s in self.below_target]}}


class PlanItem(NamedTuple):
    """One competency a BRM should raise, why, and how."""

    brm: str
    competency: str
    rating: int
    needed: int
    level: str  # the level that needs it (the next level, or the target beyond it)
    units: tuple[str, ...]  # the units it blocks the next level for (no one serving them has it)
    actions: tuple[DevelopmentStep, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"brm": self.brm, "competency": self.competency, "rating": self.rating,
                "needed": self.needed, "level": self.level, "units": list(self.units),
                "actions": [{"to": a.to, "action": a.action, "source": a.source}
                            for a in self.actions]}


class TeamResult(NamedTuple):
    """The team part of a diagnosis (present when the facts list BRMs)."""

    aggregation: str
    holds: int
    competencies: tuple[tuple[str, str], ...]  # (id, name)
    scale: tuple[str, ...]
    aggregates: tuple[Aggregate, ...]
    profiles: tuple[BrmProfile, ...]
    needs_next: tuple[tuple[str, int], ...]  # competency -> rating the next level needs
    needs_target: tuple[tuple[str, int], ...]
    plan: tuple[PlanItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "aggregation": self.aggregation, "holds": self.holds,
            "competencies": [{"id": ident, "name": name} for ident, name in self.competencies],
            "scale": list(self.scale),
            "ratings": [{"competency": a.competency, "value": a.value,
                         "ratings": dict(a.ratings), "given": a.given}
                        for a in self.aggregates],
            "brms": [p.to_dict() for p in self.profiles],
            "needs": {"next_level": dict(self.needs_next), "target": dict(self.needs_target)},
            "plan": [item.to_dict() for item in self.plan],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TeamResult:
        """A team result read back from its JSON (a saved or printed diagnosis)."""
        def shortfalls(items: Sequence[Mapping[str, Any]]) -> tuple[Shortfall, ...]:
            return tuple(Shortfall(s["competency"], int(s["rating"]), int(s["needed"]))
                         for s in items)
        return cls(
            str(data["aggregation"]), int(data["holds"]),
            tuple((c["id"], c["name"]) for c in data["competencies"]),
            tuple(data.get("scale", ())),
            tuple(Aggregate(a["competency"], int(a["value"]), str(data["aggregation"]),
                            tuple(a["ratings"].items()), a.get("given"))
                  for a in data["ratings"]),
            tuple(BrmProfile(b["name"], b.get("role"), tuple(b.get("units", ())),
                             tuple(b["ratings"].items()),
                             shortfalls(b["below"]["next_level"]),
                             shortfalls(b["below"]["target"]))
                  for b in data["brms"]),
            tuple(data["needs"]["next_level"].items()), tuple(data["needs"]["target"].items()),
            tuple(PlanItem(p["brm"], p["competency"], int(p["rating"]), int(p["needed"]),
                           p["level"], tuple(p["units"]),
                           tuple(DevelopmentStep(p["competency"], int(a["to"]), a["action"],
                                                 a["source"]) for a in p["actions"]))
                  for p in data["plan"]))
