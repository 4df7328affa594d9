"""Assessing an engagement: each unit's diagnosis, and the organization rolled up from them.

Merlyn advises assessing business units apart rather than as an enterprise average. The
organization's level follows the pack's unit roll-up policy (`UNIT_ROLLUPS`; default
``lowest``, as ITIL's "lowest of its components"), with the distribution of the units' levels and
their median beside it. For a pack with dimensions, each dimension is rolled up the same way.

Beside the level: a units x criteria matrix (met or not, per unit) for the criteria of the levels
in scope; the gaps common to most units (organization-wide programs) apart from those of a few;
the recommendations de-duplicated across units, each naming the units it applies to, in the same
order rules as a unit's; findings across units (one unit two levels ahead of, or behind, all the
others; a pack finding that holds in several units), and each unit's disagreements between its
respondents. Every conclusion here is arithmetic over the units' diagnoses, which the engine made.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..analysis.dependencies import tested_paths
from ..inference.diagnosis import Diagnosis, LevelRef, PackInfo
from ..packs.model import IMPACT_ORDER, SEVERITY_ORDER, RulePack
from ..portfolio.history import saved_result
from ..present.words import quoted_answer
from .combine import Combined
from .evidence import Evidence, supporting
from .reading import BrokenUnit, Engagement, UnitFacts

if TYPE_CHECKING:
    from ..inference.advisor import Advisor

UNIT_ROLLUPS = ("lowest", "median")
"""How an organization's level follows from its units': the lowest unit's (default), or the
median unit's (the lower of the two middle ones)."""


class UnitResult(NamedTuple):
    unit: UnitFacts
    diagnosis: Diagnosis

    @property
    def name(self) -> str:
        return self.unit.name

    def evidence_for(self, criterion_id: str) -> tuple[Evidence, ...]:
        """The evidence supporting the facts a criterion was decided on."""
        paths = [path for path, _ in self.diagnosis.criterion(criterion_id).facts]
        return supporting(self.unit.evidence, paths)

    def supported_by(self, evidence: Evidence) -> list[str]:
        """The criteria whose facts an item of evidence supports (none for the unit's own)."""
        return [c.id for c in self.diagnosis.criteria
                if any(path == evidence.path for path, _ in c.facts)]

    def unevidenced(self) -> tuple[str, ...]:
        """Met criteria resting on at least one fact that no evidence supports."""
        backed = {item.path for item in self.unit.evidence}
        return tuple(c.id for c in self.diagnosis.criteria
                     if c.met and any(path not in backed for path, _ in c.facts))


class CrossFinding(NamedTuple):
    """A finding about the units together, or a disagreement between a unit's respondents."""

    id: str
    severity: str
    message: str
    units: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "message": self.message,
                "units": list(self.units)}


class SharedRecommendation(NamedTuple):
    order: int
    id: str
    level: str
    action: str
    impact: str
    source: str
    units: tuple[str, ...]
    criteria: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"order": self.order, "id": self.id, "level": self.level, "action": self.action,
                "impact": self.impact, "source": self.source, "units": list(self.units),
                "criteria": list(self.criteria)}


class Rollup(NamedTuple):
    """One ladder rolled up over the units: the level, how many units at each, the median."""

    dimension: str  # "" for the overall ladder
    level: LevelRef
    median: LevelRef
    distribution: tuple[tuple[str, int], ...]  # level id -> units at it, floor first

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level.to_dict(), "median": self.median.to_dict(),
                "distribution": dict(self.distribution)}


class EngagementResult(NamedTuple):
    organization: str
    policy: str
    rollup: Rollup
    dimensions: tuple[Rollup, ...]
    units: tuple[UnitResult, ...]
    broken: tuple[BrokenUnit, ...]
    matrix: tuple[tuple[str, tuple[bool, ...]], ...]  # criterion -> met per unit, units' order
    common_gaps: tuple[str, ...]  # unmet in most units
    unit_gaps: tuple[tuple[str, tuple[str, ...]], ...]  # criterion -> the few units lacking it
    recommendations: tuple[SharedRecommendation, ...]
    findings: tuple[CrossFinding, ...]
    pack: PackInfo
    assessed_on: str | None = None
    assessor: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as ``schemas/engagement.schema.json`` describes it."""
        names = [unit.name for unit in self.units]
        return {
            "organization": self.organization,
            "assessed_on": self.assessed_on,
            "assessor": self.assessor,
            "rollup_policy": self.policy,
            "level": self.rollup.level.to_dict(),
            "median": self.rollup.median.to_dict(),
            "distribution": dict(self.rollup.distribution),
            **({"dimensions": [{"id": r.dimension, **r.to_dict()} for r in self.dimensions]}
               if self.dimensions else {}),
            "units": [_unit_dict(unit) for unit in self.units],
            "broken_units": [{"business_unit": b.name, "problems": [
                i.to_dict() for i in b.error.issues]} for b in self.broken],
            "matrix": {"units": names, "criteria": [
                {"id": ident, "met": list(met)} for ident, met in self.matrix]},
            "common_gaps": list(self.common_gaps),
            "unit_gaps": [{"id": ident, "units": list(units)} for ident, units in self.unit_gaps],
            "recommendations": [r.to_dict() for r in self.recommendations],
            "findings": [f.to_dict() for f in self.findings],
            "pack": self.pack.to_dict(),
        }

    def history_items(self, advisor: Advisor, keep_profiles: bool = False,
                      target: str | None = None, targets: Mapping[str, str] | None = None
                      ) -> list[tuple[Mapping[str, Any], dict[str, Any], str]]:
        """Each assessed unit as the history saves it (`History.save_many`): its combined
        facts, its diagnosis as saved, its source; without the BRMs' own profiles unless
        `keep_profiles` (`Advisor.for_history`)."""
        items: list[tuple[Mapping[str, Any], dict[str, Any], str]] = []
        for unit in self.units:
            kept, diagnosis = advisor.for_history(unit.unit.facts, unit.diagnosis,
                                                  keep_profiles, target, targets)
            items.append((kept.data, saved_result(diagnosis), kept.source))
        return items


def _unit_dict(result: UnitResult) -> dict[str, Any]:
    unit = result.unit
    return {
        "business_unit": unit.name,
        "respondents": [{"name": r.name, "role": r.role, "source": r.source}
                        for r in unit.respondents],
        "combined": [c.to_dict() for c in unit.combined],
        "evidence": [{**e.to_dict(), "criteria": result.supported_by(e)}
                     for e in unit.evidence],
        "unevidenced": list(result.unevidenced()),
        "diagnosis": result.diagnosis.to_dict(),
    }


def assess_engagement(advisor: Advisor, engagement: Engagement, target: str | None = None,
                      targets: Mapping[str, str] | None = None) -> EngagementResult:
    """Each unit assessed by the engine (toward `target`, else the engagement's), then the
    organization rolled up."""
    aim = target or engagement.target_level
    results = [UnitResult(unit, advisor.assess(unit.facts, target=aim, targets=targets))
               for unit in engagement.units]
    return roll_up(advisor.pack, engagement, results, advisor.pack_info)


def roll_up(pack: RulePack, engagement: Engagement, results: Sequence[UnitResult],
            pack_info: PackInfo) -> EngagementResult:
    """The organization's result from its units' diagnoses (in the engagement's order)."""
    policy = pack.unit_rollup
    diagnoses = [result.diagnosis for result in results]
    overall = _ladder_rollup(pack, "", [d.level for d in diagnoses], policy)
    dimensions = tuple(
        _ladder_rollup(pack, dimension.id, [d.dimension(dimension.id).level for d in diagnoses],
                       policy) for dimension in pack.dimensions) if diagnoses else ()
    matrix = _matrix(pack, diagnoses)
    common, few = _gaps(diagnoses, [r.name for r in results])
    return EngagementResult(
        engagement.organization, policy, overall, dimensions, tuple(results),
        engagement.broken, matrix, common, few, _recommendations(pack, results),
        _findings(pack, results), pack_info, engagement.assessed_on, engagement.assessor)


def _ladder_rollup(pack: RulePack, dimension: str, levels: Sequence[LevelRef],
                   policy: str) -> Rollup:
    ladder = pack.levels if not dimension else pack.dimension(dimension).levels
    refs = LevelRef.by_id(ladder)
    if not levels:
        floor = refs[ladder[0].id]
        return Rollup(dimension, floor, floor, tuple((level.id, 0) for level in ladder))
    ranks = sorted(level.rank for level in levels)
    median = refs[ladder[statistics.median_low(ranks) - 1].id]
    level = median if policy == "median" else refs[ladder[ranks[0] - 1].id]
    counts = {level.id: 0 for level in ladder}
    for found in levels:
        counts[found.id] += 1
    return Rollup(dimension, level, median, tuple(counts.items()))


def _matrix(pack: RulePack, diagnoses: Sequence[Diagnosis]
            ) -> tuple[tuple[str, tuple[bool, ...]], ...]:
    """Met or not per unit, for the criteria of every level up to the highest level any unit
    has attained or in view (its next level, its target), on each ladder."""
    if not diagnoses:
        return ()
    reach: dict[str, int] = {}
    for diagnosis in diagnoses:
        for level, next_level, target in [
                (diagnosis.level, diagnosis.next_level, diagnosis.target)] + [
                (d.level, d.next_level, d.target) for d in diagnosis.dimensions]:
            for ref in (level, next_level, target):
                if ref is not None:
                    ladder = pack.level(ref.id).dimension
                    reach[ladder] = max(reach.get(ladder, 0), ref.rank)
    rows = []
    for criterion in pack.criteria:
        ladder = pack.level(criterion.level).dimension
        if pack.rank(criterion.level) <= reach.get(ladder, 0):
            rows.append((criterion.id, tuple(d.criterion(criterion.id).met for d in diagnoses)))
    return tuple(rows)


def _gaps(diagnoses: Sequence[Diagnosis], names: Sequence[str]
          ) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """The gaps most units share (more than half of them), and the others with their units."""
    order: dict[str, list[str]] = {}
    for name, diagnosis in zip(names, diagnoses, strict=True):
        for gap in diagnosis.gaps:
            order.setdefault(gap, []).append(name)
    common = tuple(gap for gap, units in order.items() if len(units) * 2 > len(names))
    few = tuple((gap, tuple(units)) for gap, units in order.items() if gap not in common)
    return common, few


def _recommendations(pack: RulePack, results: Sequence[UnitResult]
                     ) -> tuple[SharedRecommendation, ...]:
    """Each recommendation once, naming the units it applies to and the criteria it closes in
    any of them; lower levels first, then by impact, then as the pack lists them."""
    applies: dict[str, list[str]] = {}
    closes: dict[str, list[str]] = {}
    for result in results:
        for rec in result.diagnosis.recommendations:
            applies.setdefault(rec.id, []).append(result.name)
            closes.setdefault(rec.id, []).extend(c for c in rec.criteria
                                                 if c not in closes.get(rec.id, []))
    position = {rec.id: index for index, rec in enumerate(pack.recommendations)}
    chosen = sorted((rec for rec in pack.recommendations if rec.id in applies), key=lambda rec: (
        pack.rank(rec.level), -IMPACT_ORDER[rec.impact], position[rec.id]))
    return tuple(SharedRecommendation(order, rec.id, rec.level, rec.action, rec.impact,
                                      rec.source, tuple(applies[rec.id]), tuple(closes[rec.id]))
                 for order, rec in enumerate(chosen, start=1))


def _findings(pack: RulePack, results: Sequence[UnitResult]) -> tuple[CrossFinding, ...]:
    found = _outliers(results)
    held: dict[str, list[str]] = {}
    for result in results:
        for held_finding in result.diagnosis.findings:
            held.setdefault(held_finding.id, []).append(result.name)
    for finding in pack.findings:
        if finding.id in held:
            found.append(CrossFinding(finding.id, finding.severity, finding.message,
                                      tuple(held[finding.id])))
    tested = tested_paths(pack)
    for result in results:
        found += [_disagreement(result.name, item) for item in result.unit.combined
                  if item.disagreement and item.path in tested]
    return tuple(sorted(found, key=lambda f: -SEVERITY_ORDER[f.severity]))


def _outliers(results: Sequence[UnitResult]) -> list[CrossFinding]:
    """A unit two or more levels above (or below) every other unit."""
    found: list[CrossFinding] = []
    if len(results) < 2:
        return found
    for result in results:
        rank = result.diagnosis.level.rank
        others = [other.diagnosis.level.rank for other in results if other is not result]
        if rank - max(others) >= 2:
            found.append(CrossFinding(
                "engagement.unit_ahead", "warning",
                f"{result.name} is at {result.diagnosis.level.name}, two or more levels ahead "
                "of every other unit: what works there is worth spreading, and the "
                "organization's level follows the others.", (result.name,)))
        elif min(others) - rank >= 2:
            found.append(CrossFinding(
                "engagement.unit_behind", "warning",
                f"{result.name} is at {result.diagnosis.level.name}, two or more levels "
                "behind every other unit: it holds the organization's level down.",
                (result.name,)))
    return found


def _disagreement(unit: str, item: Combined) -> CrossFinding:
    said = "; ".join(f"{a.respondent}{f' ({a.role})' if a.role else ''} said "
                     f"{quoted_answer(a.value)}" for a in item.answers)
    return CrossFinding(
        f"engagement.disagreement.{item.path}", "warning",
        f"{unit}: the respondents disagree on {item.path}: {said}; combined as "
        f"{quoted_answer(item.value)} ({item.rule}).", (unit,))
