"""The practice's competency ratings derived from the BRMs' own, by the pack's aggregation.

For each competency some BRM is rated on, the practice's rating is the median of their ratings
(the lower of the two middle ones for an even count: the conservative reading, as respondents'
ratings are combined), or the lowest or the highest, as the pack's `team:` section declares. The
criteria then test the derived rating exactly as they test one typed in for the practice. Each
derivation is a conclusion of its own in the diagnosis's trace (kind ``aggregation``: the ratings
it rests on, by BRM), so `brm explain` shows where a practice rating came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..inference.diagnosis import Matched, TraceStep
from ..packs.model import TeamPolicy
from .result import Aggregate
from .roster import Brm


def aggregate(values: Sequence[int], method: str) -> int:
    """One rating from several: ``median`` (the lower middle one), ``lowest`` or ``highest``."""
    ordered = sorted(values)
    if method == "lowest":
        return ordered[0]
    if method == "highest":
        return ordered[-1]
    return ordered[(len(ordered) - 1) // 2]


def aggregates(brms: Sequence[Brm], policy: TeamPolicy,
               practice: Mapping[str, Any]) -> tuple[Aggregate, ...]:
    """The derived rating of each competency at least one BRM is rated on, in the schema's
    order; `practice` is the facts' own ratings group (for disagreements)."""
    found = []
    for competency, _ in policy.competencies:
        ratings = tuple((brm.name, value) for brm in brms
                        for value in [brm.rating(competency)] if value is not None)
        if ratings:
            given = practice.get(competency)
            found.append(Aggregate(competency, aggregate([r for _, r in ratings],
                                                         policy.aggregation),
                                   policy.aggregation, ratings,
                                   given if isinstance(given, int) else None))
    return tuple(found)


def derived_facts(data: Mapping[str, Any], policy: TeamPolicy,
                  found: Sequence[Aggregate]) -> dict[str, Any]:
    """The facts the rules see: `data` with the practice ratings the BRMs' ratings derive (a
    shallow copy; the ratings group is a new mapping)."""
    group = dict(data.get(policy.ratings) or {})
    group.update((item.competency, item.value) for item in found)
    return {**data, policy.ratings: group}


def aggregation_steps(policy: TeamPolicy, found: Sequence[Aggregate]) -> tuple[TraceStep, ...]:
    """The trace's first steps: each practice rating derived from the BRMs' (the engine's own
    steps follow, renumbered after these)."""
    return tuple(
        TraceStep(step, f"team:{item.method}/{item.competency}", "", "aggregation",
                  f"{policy.ratings}.{item.competency}", True,
                  (Matched("facts", values=tuple(
                      (f"brms[{name}].{policy.ratings}.{item.competency}", rating)
                      for name, rating in item.ratings)),))
        for step, item in enumerate(found, start=1))
