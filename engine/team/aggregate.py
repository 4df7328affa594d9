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
from .roster import Brm, roster


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


def brm_changes(data: Mapping[str, Any], policy: TeamPolicy,
                changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` of the facts (dotted path -> value) as they can take effect on facts listing
    BRMs: a change of a practice rating the BRMs' ratings derive is written as the fewest
    changes of BRMs' ratings that derive that value (``brms[Lee].competencies.communication``:
    the BRMs nearest the value first); every other change is kept as it is."""
    brms = roster(data, policy) if data.get("brms") else ()
    if not brms:
        return dict(changes)
    prefix = f"{policy.ratings}."
    found: dict[str, Any] = {}
    for path, value in changes.items():
        competency = path[len(prefix):] if path.startswith(prefix) else ""
        rated = [(brm, r) for brm in brms for r in [brm.rating(competency)] if r is not None]
        if not rated or not isinstance(value, int) or isinstance(value, bool):
            found[path] = value
            continue
        for brm, rating in _moved(rated, value, policy.aggregation):
            found[brm.path(competency, policy.ratings)] = rating
    return found


def _moved(rated: Sequence[tuple[Brm, int]], value: int, method: str
           ) -> list[tuple[Brm, int]]:
    """The BRMs whose rating moves to `value` so that the aggregate is `value`."""
    current = aggregate([r for _, r in rated], method)
    if current == value:
        return []
    up = value > current
    # the BRMs on the wrong side of the value, nearest first
    wrong = sorted((item for item in rated if (item[1] < value if up else item[1] > value)),
                   key=lambda item: abs(item[1] - value))
    needed = _how_many(len(rated), len(rated) - len(wrong), up, method)
    return [(brm, value) for brm, _ in wrong[:needed]]


def _how_many(count: int, right: int, up: bool, method: str) -> int:
    """How many BRMs must move, of `count` rated with `right` already on the value's side."""
    if method == "lowest":
        return count - right if up else 1
    if method == "highest":
        return 1 if up else count - right
    middle = (count - 1) // 2  # the lower median's place, from 0
    needed = count - middle if up else middle + 1
    return max(0, needed - right)


def seen_facts(data: Mapping[str, Any], policy: TeamPolicy | None) -> Mapping[str, Any]:
    """The facts as the rules see them: with the practice ratings derived from the BRMs' when
    the facts list BRMs (else `data` itself)."""
    if policy is None or not data.get("brms"):
        return data
    return derived_facts(data, policy, aggregates(roster(data, policy), policy,
                                                  data.get(policy.ratings) or {}))
