"""The report of an engagement: one report for the organization, assessed unit by unit.

`engagement_report_context` gathers, as plain data for the ``engagement`` templates: the
organization's roll-up (its level under the pack's policy, the median, the distribution, each
dimension's), a units heatmap (units x criteria, met or not, with the words in every cell, not
colour alone), the common and unit-specific gaps, the recommendations once each with their units,
the findings across units, and a section per unit (its level, why, gaps, recommendations,
evidence), then the units that could not be assessed with their problems. The templates escape
everything that comes from the facts or the pack, as the single report's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engagement.evidence import Evidence
from ..engagement.rollup import EngagementResult, UnitResult
from ..inference.diagnosis import CriterionResult, Diagnosis
from ..packs.model import RulePack
from .engagement import problem_text, respondents_text, rollup_words, unit_standing
from .evidence import about_unit, criterion_evidence, unevidenced
from .report import report_title
from .text import NO_OVERALL, dimension_standing, has_overall, level_label
from .words import organization_name, prose_value


def engagement_report_context(result: EngagementResult, pack: RulePack) -> dict[str, Any]:
    """Everything an engagement's report shows, as plain data for the templates."""
    r = result
    given = any(unit.unit.evidence for unit in r.units)
    return {
        "title": report_title(pack.name),
        "organization": organization_name(r.organization),
        "assessed_on": r.assessed_on,
        "assessor": r.assessor,
        "pack": r.pack.to_dict(),
        "overall": has_overall(pack),
        "no_overall": NO_OVERALL,
        "unit_count": len(r.units),
        "rollup": rollup_words(r, r.rollup, pack) if r.units else None,
        "policy": r.policy,
        "policy_sentence": (
            f"Each ladder's level here is the {r.policy} of the business units' levels on it "
            "(the pack's roll-up policy)." if r.dimensions else
            f"The organization's level is the {r.policy} of its business units' levels (the "
            "pack's roll-up policy)."),
        "dimensions": [{"name": pack.dimension(d.dimension).name,
                        "rollup": rollup_words(r, d, pack)} for d in r.dimensions]
        if r.units else [],
        "units_overview": [_overview(unit, pack) for unit in r.units],
        "heatmap": _heatmap(r, pack),
        "common_gaps": [_gap(r, ident, ()) for ident in r.common_gaps],
        "unit_gaps": [_gap(r, ident, units) for ident, units in r.unit_gaps],
        "recommendations": [{**rec.to_dict(), "level": level_label(pack, rec.level)}
                            for rec in r.recommendations],
        "findings": [f.to_dict() for f in r.findings],
        "units": [_unit(unit, pack, given) for unit in r.units],
        "broken": [{"name": b.name, "problems": [problem_text(i) for i in b.error.issues]}
                   for b in r.broken],
        "sources": [s._asdict() for s in pack.sources],
    }


def _overview(unit: UnitResult, pack: RulePack) -> dict[str, Any]:
    return {"name": unit.name, "standing": unit_standing(unit.diagnosis, pack),
            "respondents": respondents_text(unit.unit.respondents)}


def _heatmap(r: EngagementResult, pack: RulePack) -> dict[str, Any]:
    """The units x criteria matrix, rows grouped by level, a column per unit."""
    groups: list[dict[str, Any]] = []
    for ident, met in r.matrix:
        criterion = r.units[0].diagnosis.criterion(ident)
        label = level_label(pack, criterion.level)
        if not groups or groups[-1]["level"] != label:
            groups.append({"level": label, "rows": []})
        groups[-1]["rows"].append({"id": ident, "text": criterion.text, "met": list(met)})
    return {"units": [unit.name for unit in r.units], "groups": groups}


def _gap(r: EngagementResult, ident: str, units: Sequence[str]) -> dict[str, Any]:
    text = r.units[0].diagnosis.criterion(ident).text if r.units else ident
    return {"id": ident, "text": text, "units": list(units)}


def _criterion(c: CriterionResult, evidence: Sequence[Evidence]) -> dict[str, Any]:
    return {"id": c.id, "text": c.text, "met": c.met, "source": c.source,
            "facts": [(path, prose_value(value)) for path, value in c.facts],
            "evidence": [item.describe() for item in criterion_evidence(c, evidence)]}


def _ladder_rank(d: Diagnosis, pack: RulePack, level_id: str) -> int:
    """The rank the diagnosis reached on the ladder of `level_id`."""
    return d.level_on(pack.level(level_id).dimension).rank


def _unit(unit: UnitResult, pack: RulePack, given: bool) -> dict[str, Any]:
    """One unit's section: its level, why (the criteria attained), its gaps, recommendations,
    findings and evidence."""
    d = unit.diagnosis
    evidence = unit.unit.evidence
    return {
        "name": unit.name,
        "why_title": (f"Why {d.level.name}" if has_overall(pack) else
                      "Why each dimension's level"),
        "respondents": respondents_text(unit.unit.respondents),
        "combined": len(unit.unit.respondents) > 1,
        "level": d.level._asdict(),
        "levels_total": len(pack.levels),
        "next_level": d.next_level._asdict() if d.next_level else None,
        "target": d.target._asdict() if d.target else None,
        "dimensions": [dimension_standing(result, pack) for result in d.dimensions],
        "why": [_criterion(c, evidence) for c in d.criteria
                if c.met and pack.rank(c.level) <= _ladder_rank(d, pack, c.level)],
        "gaps": [_criterion(d.criterion(ident), evidence) for ident in d.gaps],
        "recommendations": [{**rec._asdict(), "level": level_label(pack, rec.level)}
                            for rec in d.recommendations],
        "findings": [f._asdict() for f in d.findings],
        "unit_evidence": [item.describe() for item in about_unit(evidence)],
        "evidence": [{"path": item.path, "text": item.describe()} for item in evidence
                     if item.path != "unit"],
        "unevidenced": list(unevidenced(d, evidence)) if given else None,
    }
