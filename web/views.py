"""What the pages show, as plain data for the templates, from the library's result objects:
a unit's diagnosis beside its form, what an answer would change (the interview's ``??``),
a what-if, the team heatmap, and the portfolio (levels and the units x criteria heatmap)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from brm_advisor.engine import (
    Advisor,
    Diagnosis,
    Draft,
    EditError,
    Engagement,
    Facts,
    InputError,
    Interview,
    IssuesError,
    UnitFacts,
    WhatIf,
    assess_engagement,
    facts_evidence,
    parse_edit,
    value_at,
    what_if,
)

from . import forms


class Assessed(NamedTuple):
    """A unit's facts read and assessed, or why they cannot be yet."""

    facts: Facts | None
    diagnosis: Diagnosis | None
    missing: list[forms.FormField]
    problems: list[str]


def assess(advisor: Advisor, data: Mapping[str, Any], source: str = "<unit>") -> Assessed:
    """The diagnosis of a unit's answers so far; the required answers missing, or the
    validator's problems, when they are not complete facts yet."""
    try:
        facts = advisor.reader.from_data(forms.unit_facts(advisor, data), source)
    except IssuesError as error:
        missing = forms.missing(advisor, data)
        paths = {f"$.{f.path}" for f in missing}
        problems = [i.describe() for i in error.issues if i.path not in paths
                    and not (i.code == "required" and missing)]
        return Assessed(None, None, missing, problems)
    return Assessed(facts, advisor.assess(facts), [], [])


def diagnosis_view(advisor: Advisor, diagnosis: Diagnosis) -> dict[str, Any]:
    """Level, each dimension's, why (criteria met), why not the next level (unmet), gaps,
    recommendations, findings and the team heatmap."""
    pack = advisor.pack
    texts = {c.id: c.text for c in pack.criteria}
    ladders = [("", diagnosis.level, diagnosis.next_level)] + [
        (d.id, d.level, d.next_level) for d in diagnosis.dimensions]
    met, unmet = [], []
    for ladder, level, next_level in ladders:
        for c in diagnosis.criteria:
            where = pack.level(c.level)
            if where.dimension != ladder:
                continue
            if c.met and where.rank <= level.rank:
                met.append({"id": c.id, "level": level_name(advisor, c.level), "text": c.text})
            elif not c.met and next_level is not None and c.level == next_level.id:
                unmet.append({"id": c.id, "level": level_name(advisor, c.level),
                              "text": c.text})
    return {
        "level": diagnosis.level, "levels_total": len(pack.levels),
        "next_level": diagnosis.next_level, "target": diagnosis.target,
        "dimensions": [{"name": d.name, "level": d.level, "next_level": d.next_level,
                        "total": len(pack.dimension(d.id).levels)}
                       for d in diagnosis.dimensions],
        "met": met, "unmet": unmet,
        "gaps": [{"id": g, "text": texts.get(g, g)} for g in diagnosis.gaps],
        "recommendations": [{"action": r.action, "impact": r.impact,
                             "level": level_name(advisor, r.level), "id": r.id}
                            for r in diagnosis.recommendations],
        "findings": [{"severity": f.severity, "message": f.message, "id": f.id}
                     for f in diagnosis.findings],
        "team": team_view(advisor, diagnosis),
    }


def level_name(advisor: Advisor, level_id: str) -> str:
    level = advisor.pack.level(level_id)
    if level.dimension:
        return f"{advisor.pack.dimension(level.dimension).name}: {level.name}"
    return level.name


def team_view(advisor: Advisor, diagnosis: Diagnosis) -> dict[str, Any] | None:
    """The team heatmap (BRM x competency): text in every cell: the rating, ``!`` below what
    the next level needs, ``*`` below what the target needs, ``-`` not rated."""
    team = diagnosis.team
    if team is None or not team.profiles:
        return None
    labels = dict(team.competencies)
    competencies = [name for name, _ in team.profiles[0].ratings]
    rows = []
    for profile in team.profiles:
        below_next = {s.competency: s.needed for s in profile.below_next}
        below_target = {s.competency: s.needed for s in profile.below_target}
        cells = []
        for competency, rating in profile.ratings:
            text = "-" if rating is None else str(rating)
            kind = "unrated" if rating is None else "ok"
            words = "not rated" if rating is None else f"rated {rating}"
            if competency in below_next:
                text, kind = text + " !", "below-next"
                words += f", below the next level's {below_next[competency]}"
            elif competency in below_target:
                text, kind = text + " *", "below-target"
                words += f", below the target's {below_target[competency]}"
            cells.append({"text": text, "kind": kind, "words": words})
        rows.append({"name": profile.name, "role": profile.role,
                     "units": ", ".join(profile.units), "cells": cells})
    return {"competencies": [{"id": c, "label": labels.get(c, c)} for c in competencies],
            "rows": rows}


def why_view(advisor: Advisor, facts: Mapping[str, Any], path: str) -> dict[str, Any] | None:
    """The interview's ``??`` for one question: the rules using the fact and what each
    answer would change, on the answers so far (None: the interview asks no such question)."""
    interview = Interview(advisor, engagement=True, resumed=forms.resumed(facts))
    question = next((q for q in interview.questions if q.path == path), None)
    if question is None:
        return None
    found = interview.why(question)
    texts = {c.id: c.text for c in advisor.pack.criteria}
    return {
        "path": path, "question": question.text,
        "criteria": [{"level": level, "text": text} for _id, level, text in found.criteria],
        "others": list(found.others),
        "effects": [{"value": forms.shown(e.value) or "(no answer)",
                     "label": question.labels.get(str(e.value), ""),
                     "met": [texts.get(c, c) for c in e.met],
                     "unmet": [texts.get(c, c) for c in e.unmet]} for e in found.effects],
        "depends_on": list(found.depends_on),
        "current": forms.shown(value_at(facts, path)),
    }


def edit_paths(advisor: Advisor, facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The paths a what-if may change, each with its words: every field a rule tests, and
    each BRM's ratings (``brms[NAME].COMPETENCY``, as ``brm whatif --set`` takes them)."""
    fields = advisor.pack.fields
    paths = [(p, f"{p}: {f.label}") for p, f in fields.items()
             if f.testable and p not in forms.IDENTITY]
    ratings = [p.split(".", 1)[1] for p in fields if p.startswith("competencies.")]
    for brm in facts.get("brms") or ():
        if isinstance(brm, Mapping) and isinstance(brm.get("name"), str):
            paths += [(f"brms[{brm['name']}].{r}", f"{brm['name']}'s rating: {r}")
                      for r in ratings]
    return paths


def whatif_view(advisor: Advisor, facts: Facts, path: str, value: str
                ) -> tuple[dict[str, Any] | None, str | None]:
    """Before and after one tentative change (nothing saved), or why it cannot be made."""
    try:
        edit = parse_edit(f"{path}={value}", advisor.pack.fields)
        result: WhatIf = what_if(advisor, facts, [edit])
    except (EditError, InputError) as error:
        return None, str(error)
    texts = {c.id: c.text for c in advisor.pack.criteria}
    flipped = [{"text": texts.get(c.id, c.id), "before": c.met, "after": not c.met}
               for c in result.before.criteria
               if c.met != result.after.criterion(c.id).met]
    return {
        "changes": [{"path": c.path, "before": forms.shown(c.before) or "(no answer)",
                     "after": forms.shown(c.after) or "(no answer)"} for c in result.changes],
        "before": result.before.level, "after": result.after.level,
        "dimensions": [{"name": d.name, "before": d.level,
                        "after": result.after.dimension(d.id).level}
                       for d in result.before.dimensions],
        "flipped": flipped,
        "added": [r.action for r in result.after.recommendations
                  if r.id in result.diff.recommendations_added],
        "removed": [r.action for r in result.before.recommendations
                    if r.id in result.diff.recommendations_removed],
    }, None


def organization_rollup(advisor: Advisor, organization: str,
                        units: Iterable[tuple[str, Facts]]) -> dict[str, Any] | None:
    """The units x criteria heatmap of an organization's units assessed with one pack (the
    engagement's roll-up); None without units."""
    built = tuple(UnitFacts(name, facts, (), (), facts_evidence(facts)) for name, facts in units)
    if not built:
        return None
    result = assess_engagement(advisor, Engagement(organization, "<workshop>", built))
    texts = {c.id: c.text for c in advisor.pack.criteria}
    return {
        "organization": organization, "pack": advisor.pack.name,
        "level": result.rollup.level, "policy": result.policy,
        "units": [u.name for u in result.units],
        "levels": [u.diagnosis.level for u in result.units],
        "rows": [{"id": ident, "level": level_name(advisor, _level_of(advisor, ident)),
                  "text": texts.get(ident, ident),
                  "cells": ["met" if m else "not met" for m in met]}
                 for ident, met in result.matrix],
    }


def _level_of(advisor: Advisor, criterion_id: str) -> str:
    return next(c.level for c in advisor.pack.criteria if c.id == criterion_id)


def respondents(drafts: Iterable[Draft]) -> list[str]:
    found = []
    for draft in drafts:
        name = value_at(draft.facts, "respondent.name")
        if isinstance(name, str) and name not in found:
            found.append(name)
    return found
