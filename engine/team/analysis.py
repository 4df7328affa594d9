"""What the BRMs look like against the bar: each BRM's profile, the team's findings, and a
development plan.

The bar is read from the criteria, not written twice: what the next level (and the target)
needs of each competency is the least rating the criteria of that level and below ask for
(`analysis.thresholds`). A BRM's shortfalls are the competencies rated below it. The plan puts
first, for each BRM, the competencies that block the next level for the most business units
(units where no BRM serving them holds the competency at the bar), with the pack's development
actions for each step up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..inference.diagnosis import FindingResult, LevelRef
from ..packs.model import TeamPolicy
from .result import Aggregate, BrmProfile, PlanItem, Shortfall, TeamResult
from .roster import Brm

DEFAULT_SOURCE = "brm-advisor"
"""The source of team findings for a pack without a `team:` section (the product's defaults)."""


class Bar(NamedTuple):
    """What the next level and the target need of each competency (rating by competency)."""

    next_level: LevelRef | None
    target: LevelRef | None
    needs_next: Mapping[str, int]
    needs_target: Mapping[str, int]
    current: Mapping[str, int]  # what the level attained needs (the bar at the top)


def analyse(brms: Sequence[Brm], policy: TeamPolicy, found: Sequence[Aggregate],
            bar: Bar, unit: str | None = None) -> tuple[TeamResult, tuple[FindingResult, ...]]:
    """The team's result and its findings; for one business unit's facts (`unit`), the units
    below the bar are looked at in that unit only (its BRMs may serve others)."""
    names = [name for name, _ in policy.competencies]
    profiles = tuple(
        BrmProfile(brm.name, brm.role, brm.units,
                   tuple((name, brm.rating(name)) for name in names),
                   _below(brm, bar.needs_next), _below(brm, bar.needs_target))
        for brm in brms)
    target_id = bar.target.id if bar.target else ""
    beyond = bar.target is not None and (bar.next_level is None
                                         or bar.target.rank > bar.next_level.rank)
    result = TeamResult(
        policy.aggregation, policy.holds, policy.competencies, policy.scale, tuple(found),
        profiles, tuple(bar.needs_next.items()),
        tuple(bar.needs_target.items()) if beyond else (),
        _plan(brms, policy, bar, target_id if beyond else ""))
    return result, team_findings(brms, policy, found, bar, unit)


def _below(brm: Brm, needs: Mapping[str, int]) -> tuple[Shortfall, ...]:
    return tuple(Shortfall(name, rating, needed) for name, needed in needs.items()
                 for rating in [brm.rating(name)] if rating is not None and rating < needed)


def _plan(brms: Sequence[Brm], policy: TeamPolicy, bar: Bar, target: str) -> tuple[PlanItem, ...]:
    """Per BRM (in the facts' order), the competencies to raise: first those blocking the next
    level for the most units, then the rest the next level needs, then what the target needs."""
    plan: list[PlanItem] = []
    next_id = bar.next_level.id if bar.next_level else ""
    for brm in brms:
        items = []
        for name, _ in policy.competencies:
            rating = brm.rating(name)
            if rating is None:
                continue
            needed, level = bar.needs_next.get(name), next_id
            if needed is None or rating >= needed:
                needed, level = bar.needs_target.get(name) if target else None, target
            if needed is None or rating >= needed:
                continue
            blocked = (_unserved(brm.units, name, needed, brms) if level == next_id else ())
            items.append(PlanItem(brm.name, name, rating, needed, level, blocked,
                                  policy.actions(name, rating, needed)))
        order = {name: index for index, (name, _) in enumerate(policy.competencies)}
        items.sort(key=lambda item: (item.level != next_id, -len(item.units),
                                     item.needed - item.rating, order[item.competency]))
        plan.extend(items)
    return tuple(plan)


def _unserved(units: Sequence[str], competency: str, needed: int,
              brms: Sequence[Brm]) -> tuple[str, ...]:
    """Of `units`, those no BRM serving them holds `competency` at `needed` in."""
    return tuple(unit for unit in units
                 if not any(unit in other.units and (other.rating(competency) or 0) >= needed
                            for other in brms))


def team_findings(brms: Sequence[Brm], policy: TeamPolicy, found: Sequence[Aggregate],
                  bar: Bar, unit: str | None = None) -> tuple[FindingResult, ...]:
    """The team's findings, most telling first: a competency no one holds, a single point of
    failure, a unit whose BRMs are all below the bar, a BRM spread over too many units, and
    practice ratings that disagree with the BRMs' own."""
    source = policy.source or DEFAULT_SOURCE
    findings: list[FindingResult] = []
    for item in found:
        label = policy.label(item.competency)
        holders = [(name, rating) for name, rating in item.ratings if rating >= policy.holds]
        facts = tuple((f"brms[{name}].{policy.ratings}.{item.competency}", rating)
                      for name, rating in item.ratings)
        if not holders:
            findings.append(FindingResult(
                f"team.no_holder.{item.competency}", "warning",
                f"No BRM is rated {policy.step_name(policy.holds)} or above in “{label}” "
                f"({_listing(item.ratings)}).", source, facts))
        elif len(holders) == 1 and item.competency in bar.needs_next and len(item.ratings) > 1:
            findings.append(FindingResult(
                f"team.single_point_of_failure.{item.competency}", "warning",
                f"Only {holders[0][0]} is rated {policy.step_name(policy.holds)} or above in "
                f"“{label}”, which {_name(bar.next_level)} needs: a single point of failure.",
                source, facts))
    findings.extend(_units_below(brms, policy, bar, source, unit))
    if policy.span is not None:
        findings.extend(FindingResult(
            f"team.span.{brm.position + 1}", "info",
            f"{brm.name} serves {len(brm.units)} business units, more than the "
            f"{policy.span} one BRM serves well.", source,
            ((f"brms[{brm.name}].units", list(brm.units)),))
            for brm in brms if len(brm.units) > policy.span)
    disagreeing = [item for item in found if item.disagrees]
    if disagreeing:
        findings.append(FindingResult(
            "team.ratings_disagree", "warning",
            "The practice ratings given differ from the BRMs' own: " + "; ".join(
                f"“{policy.label(item.competency)}” {item.given} given, {item.value} "
                f"from the BRMs ({item.describe(policy)})" for item in disagreeing)
            + ". The BRMs' ratings are used.", source,
            tuple((f"{policy.ratings}.{item.competency}", item.given) for item in disagreeing)))
    return tuple(findings)


def _units_below(brms: Sequence[Brm], policy: TeamPolicy, bar: Bar, source: str,
                 only: str | None) -> list[FindingResult]:
    needs = bar.needs_next if bar.next_level is not None else bar.current
    level = bar.next_level.name if bar.next_level else "the level attained"
    units = sorted({unit for brm in brms for unit in brm.units if only in (None, unit)})
    findings = []
    for unit in units:
        serving = [brm for brm in brms if unit in brm.units]
        short = [name for name, needed in needs.items()
                 if any(brm.rating(name) is not None for brm in serving)
                 and all((brm.rating(name) or 0) < needed for brm in serving)]
        if short:
            findings.append(FindingResult(
                f"team.unit_below_bar.{_slug(unit)}", "warning",
                f"Every BRM serving {unit} is rated below what {level} needs in "
                + ", ".join(f"“{policy.label(name)}” ({needs[name]})" for name in short)
                + ".", source,
                tuple((f"brms[{brm.name}].{policy.ratings}.{name}", brm.rating(name))
                      for brm in serving for name in short)))
    return findings


def _listing(ratings: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {rating}" for name, rating in ratings)


def _name(level: LevelRef | None) -> str:
    return level.name if level else "the level attained"


def _slug(text: str) -> str:
    slug = "".join(c if c.isascii() and c.isalnum() else "_" for c in text.lower()).strip("_")
    return slug or "unit"
