"""The report a consultant hands over: HTML (self-contained, printable) and Markdown.

`report_context` gathers what a report shows from the diagnosis, its explanation and the pack;
Jinja2 templates (package data, ``engine/present/templates/``) lay it out; the SVG charts come from
`charts`. Every string that comes from the facts or from the pack is escaped: in HTML by the
template engine (and a Content-Security-Policy in the page forbids scripts and every load but
inline styles and images), in Markdown by the `md` filter (`markdown_escape`), ids and fixed
words by `token` and `code`. A report is rendered whole, and checked, before anything is
written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis.dependencies import Dependencies
from ..analysis.explain import Explanation, ProofNode, UnmetCriterion
from ..analysis.search import Sensitivity
from ..analysis.thresholds import thresholds
from ..engagement.evidence import Evidence
from ..errors import BrmError
from ..inference.diagnosis import Diagnosis
from ..inputs.facts import Facts
from ..packs.fields import Field
from ..packs.model import Level, RulePack
from ..team.result import BrmProfile, PlanItem, TeamResult
from .charts import Axis, Rung, ladder_svg, radar_svg
from .evidence import criterion_evidence, facts_evidence, unevidenced_line
from .text import (
    BELOW_NEXT,
    BELOW_TARGET,
    NO_OVERALL,
    NOT_RATED,
    aggregation_words,
    has_overall,
    level_label,
    level_names,
    rollup_words,
    shortfall_mark,
    step_words,
)
from .words import organization_name, prose_value, status

if TYPE_CHECKING:
    from ..inference.advisor import Advisor

FORMATS = ("html", "markdown")
TEMPLATE_NAMES = ("report", "engagement")
TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_RATING_SPAN = 10
"""A fact is drawn on the competency radar when it is an integer on a scale of at most this
many steps that some rule tests."""
ANY_RATING = "any"
"""A heatmap cell of what a level needs, where the level asks nothing of the competency."""
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]*")


class ReportError(BrmError):
    """A report cannot be made from these facts and this pack (no file is written)."""


def report_context(advisor: Advisor, facts: Facts, diagnosis: Diagnosis,
                   explanation: Explanation) -> dict[str, Any]:
    """Everything a report shows, as plain data for the templates."""
    pack = advisor.pack
    return {
        "title": report_title(pack.name),
        **_heading(facts, diagnosis, len(pack.levels)),
        **_ladder(pack, diagnosis),
        **_competencies(pack, advisor.dependencies, facts, diagnosis),
        "criteria_by_level": _criteria_by_level(pack, diagnosis, facts_evidence(facts)),
        "unevidenced": (unevidenced_line(diagnosis, facts_evidence(facts))
                        if facts_evidence(facts) else None),
        "roadmap": _roadmap(pack, diagnosis),
        "findings": [f._asdict() for f in diagnosis.findings],
        **_explanation(explanation),
        "sources": [s._asdict() for s in pack.sources],
        "rollup_words": rollup_words(pack) if pack.dimensions else None,
        "overall": has_overall(pack),
        "no_overall": NO_OVERALL,
        "dimensions": _dimensions(pack, diagnosis, explanation),
        "team": _team(pack, diagnosis) if diagnosis.team is not None else None,
    }


def _dimensions(pack: RulePack, d: Diagnosis, explanation: Explanation
                ) -> list[dict[str, Any]]:
    """Each dimension of a pack that rates several: its level, next level and target, its
    ladder (chart and words), its criteria by level and why it is at its level."""
    explained = {e.id: e for e in explanation.dimensions}
    found = []
    for result in d.dimensions:
        dimension = pack.dimension(result.id)
        target = result.target.id if result.target is not None else None
        rungs = [Rung(level.name, level.rank, level.rank <= result.level.rank,
                      level.id == result.level.id, level.id == target)
                 for level in dimension.levels]
        why = explained.get(result.id)
        found.append({
            "id": result.id, "name": result.name, "level": result.level._asdict(),
            "levels_total": len(dimension.levels),
            "next_level": result.next_level._asdict() if result.next_level else None,
            "target": result.target._asdict() if result.target else None,
            "ladder_svg": ladder_svg(rungs, f"ladder-{result.id}", f"{result.name} ladder"),
            "ladder": [r._asdict() for r in rungs],
            "why": _lines(why.why) if why else [],
            "why_not_level": why.why_not_level.name if why and why.why_not_level else None,
            "why_not": _unmet(why.why_not) if why else [],
            "robustness": _rests_on(why.robustness) if why else [],
        })
    return found


def report_title(pack_name: str) -> str:
    """A report's title, from the framework's name: the name without its notes in parentheses
    and without a last word "model", then "report" ("BRM maturity model (after Vaughan
    Merlyn)": "BRM maturity report"; "ACME BRM framework": "ACME BRM framework report")."""
    name = re.sub(r"\s*\([^()]*\)\s*$", "", " ".join(pack_name.split())) or pack_name.strip()
    name = re.sub(r"(?i)\s+model$", "", name)
    return name if re.search(r"(?i)\breport$", name) else f"{name} report"


def _heading(facts: Facts, d: Diagnosis, levels_total: int) -> dict[str, Any]:
    """Who was assessed, by whom and against what, and the verdict."""
    return {
        "organization": organization_name(d.organization),
        "business_unit": facts.get("business_unit"),
        "assessed_on": facts.get("assessed_on"),
        "assessor": facts.get("assessor"),
        "notes": facts.get("notes"),
        "pack": d.pack.to_dict(),
        "level": d.level._asdict(),
        "levels_total": levels_total,
        "next_level": d.next_level._asdict() if d.next_level else None,
        "target": d.target._asdict() if d.target else None,
        "top_actions": [r._asdict() for r in d.recommendations[:3]],
    }


def _ladder(pack: RulePack, d: Diagnosis) -> dict[str, Any]:
    """The levels as a chart and in words: attained, current, target."""
    target = d.target.id if d.target is not None else None
    rungs = [Rung(level.name, level.rank, level.rank <= d.level.rank, level.id == d.level.id,
                  level.id == target) for level in pack.levels]
    return {"ladder_svg": ladder_svg(rungs), "ladder": [r._asdict() for r in rungs]}


def _criteria_by_level(pack: RulePack, d: Diagnosis, evidence: Sequence[Evidence]
                       ) -> list[dict[str, Any]]:
    """Every level above the floor with its criteria, met or not, and the facts (and the
    evidence, when given) behind each."""
    groups = [_criteria_group(level, d.level.rank, d, "", evidence) for level in pack.levels[1:]]
    for result in d.dimensions:
        groups += [_criteria_group(level, result.level.rank, d, result.name, evidence)
                   for level in pack.dimension(result.id).levels[1:]]
    return groups


def _criteria_group(level: Level, current: int, d: Diagnosis, dimension: str,
                    evidence: Sequence[Evidence]) -> dict[str, Any]:
    """One level with its criteria, met or not (`current`: the rank reached on its ladder;
    `dimension`: the name of the dimension whose ladder it is on, "" for the overall one)."""
    return {"name": level.name, "rank": level.rank,
            "status": status("level", level.rank <= current, prose=True),
            "criteria": [{"id": c.id, "text": c.text, "met": c.met, "source": c.source,
                          "facts": [(p, prose_value(v)) for p, v in c.facts],
                          "evidence": [e.describe() for e in criterion_evidence(c, evidence)]}
                         for c in d.criteria if c.level == level.id],
            "dimension": dimension}


def _roadmap(pack: RulePack, d: Diagnosis) -> list[dict[str, Any]]:
    """The recommendations in order, grouped by the level each one leads toward."""
    roadmap: list[dict[str, Any]] = []
    for rec in d.recommendations:
        name = level_label(pack, rec.level)
        if not roadmap or roadmap[-1]["level"] != name:
            roadmap.append({"level": name, "recommendations": []})
        roadmap[-1]["recommendations"].append(rec._asdict())
    return roadmap


def _explanation(explanation: Explanation) -> dict[str, Any]:
    """Why this level, why not the next (with what would meet each unmet criterion), and the
    facts whose change alone would lower the level."""
    why_not = explanation.why_not_level
    return {
        "why": _lines(explanation.why),
        "why_not_level": why_not.name if why_not is not None else None,
        "why_not": _unmet(explanation.why_not),
        "robustness": _rests_on(explanation.robustness),
    }


def _rests_on(robustness: Iterable[Sensitivity]) -> list[dict[str, Any]]:
    """The facts that, changed alone, lower a level, and to what."""
    return [{"path": s.path, "value": prose_value(s.value),
             "drops": [(prose_value(v), lv.name) for v, lv in s.drops]} for s in robustness]


def _unmet(criteria: Iterable[UnmetCriterion]) -> list[dict[str, Any]]:
    """Unmet criteria with the facts that fail each, what would meet it and, for a roll-up
    criterion, the dimension level it needs."""
    return [{"id": u.id, "text": u.text, "lines": _lines(u.proof)[1:],
             "satisfy": ["; ".join(c.describe() for c in option) for option in u.satisfy],
             "needs": None if u.needs is None else (
                 f"{u.needs.name} at {u.needs.level.name} (level {u.needs.level.rank}); it "
                 f"is at {u.needs.current.name} (level {u.needs.current.rank})")}
            for u in criteria]


def _lines(node: ProofNode, depth: int = 0) -> list[dict[str, Any]]:
    """A proof tree as indented lines (for text-like layouts)."""
    if node.kind == "facts":
        return [{"depth": depth, "text": _fact_text(node, p, v), "rule": None, "kind": "facts"}
                for p, v in node.facts]
    shown = status(node.kind, bool(node.value), prose=True)
    lines = [{"depth": depth, "text": f"{node.text} ({shown})", "rule": node.rule,
              "kind": node.kind, "source": node.source}]
    for child in node.children:
        lines += _lines(child, depth + 1)
    return lines


def _fact_text(node: ProofNode, path: str, value: Any) -> str:
    """An input fact of a proof, and how it was derived when the BRMs' ratings give it."""
    derived = node.derivation(path)
    text = f"{path} = {prose_value(value)}"
    return f"{text}: {derived.text}" if derived is not None else text


def _competencies(pack: RulePack, deps: Dependencies, facts: Facts,
                  d: Diagnosis) -> dict[str, Any]:
    """The radar of rated facts, as a chart (None when the pack rates nothing) and in words."""
    axes, maximum = competency_axes(pack, deps, facts, d)
    return {"radar_svg": radar_svg(axes, maximum) if axes else None,
            "radar": [{"name": a.name, "rating": a.rating, "thresholds": list(a.thresholds)}
                      for a in axes]}


def competency_axes(pack: RulePack, deps: Dependencies, facts: Facts,
                    d: Diagnosis) -> tuple[list[Axis], int]:
    """Rated facts (integers on a bounded scale that rules test), each with the thresholds the
    next level and the target set for it; and the top of the scale."""
    rated = rated_fields(pack, deps)
    if not rated:
        return [], 0
    needed = {label: thresholds(pack, deps, rank) for label, rank in _goals(d)}
    derived = _derived_ratings(pack, d)
    axes = [Axis(_label(field), derived.get(field.path, facts.get(field.path)),
                 tuple(sorted((label, by_path[field.path]) for label, by_path in needed.items()
                              if field.path in by_path)))
            for field in rated]
    return axes, int(max(field.maximum for field in rated if field.maximum is not None))


def _derived_ratings(pack: RulePack, d: Diagnosis) -> dict[str, int]:
    """The practice ratings the BRMs' ratings give (what the criteria tested), by path."""
    if pack.team is None or d.team is None:
        return {}
    return {f"{pack.team.ratings}.{a.competency}": a.value for a in d.team.aggregates}


def rated_fields(pack: RulePack, deps: Dependencies) -> list[Field]:
    """The facts a radar shows: integers on a short bounded scale that some rule tests."""
    return [field for field in pack.fact_paths.values()
            if field.kind == "integer" and field.minimum is not None
            and field.maximum is not None and field.maximum - field.minimum <= MAX_RATING_SPAN
            and field.path in deps.tests]


def _goals(d: Diagnosis) -> list[tuple[str, int]]:
    """The levels a radar draws thresholds for: the next level, and the target above it."""
    goals = []
    if d.next_level is not None:
        goals.append((f"next level ({d.next_level.name})", d.next_level.rank))
    if d.target is not None and (d.next_level is None or d.target.rank > d.next_level.rank):
        goals.append((f"target ({d.target.name})", d.target.rank))
    return goals


def _team(pack: RulePack, d: Diagnosis) -> dict[str, Any]:
    """The BRM team: how the practice ratings were derived, the heatmap (BRM x competency,
    every cell in text, a shortfall marked by a symbol the legend names), the development plan
    per BRM and a radar per BRM against what the next level and the target need."""
    team = d.team
    assert team is not None
    ids = [ident for ident, _ in team.competencies]
    derived = {a.competency: a.value for a in team.aggregates}
    marks = []
    if d.next_level is not None:
        marks.append((BELOW_NEXT, f"below what {d.next_level.name} needs"))
    if d.target is not None and team.needs_target:
        marks.append((BELOW_TARGET, f"below what {d.target.name} needs"))
    marks.append((NOT_RATED, "not rated"))
    needs = [(f"{ref.name} needs", dict(needed)) for ref, needed in
             ((d.next_level, team.needs_next), (d.target, team.needs_target))
             if ref is not None and needed]
    return {
        "aggregation_words": aggregation_words(team),
        "scale": list(team.scale),
        "competencies": [name for _, name in team.competencies],
        "marks": marks,
        "brms": [{"name": p.name, "units": ", ".join(p.units), "role": p.role,
                  "cells": [_heat_cell(p, ident) for ident in ids]}
                 for p in team.profiles],
        "practice": {"label": f"Practice ({team.aggregation})",
                     "cells": [str(derived.get(ident, NOT_RATED)) for ident in ids]},
        "needs": [{"label": label, "cells": [str(needed.get(ident, ANY_RATING)) for ident in ids]}
                  for label, needed in needs],
        "plan": _team_plan(d, pack, team),
        "profiles": _team_profiles(pack, d, team),
    }


def _heat_cell(profile: BrmProfile, competency: str) -> dict[str, str]:
    """One cell of the heatmap: the rating and its mark, in text, and a class for colour."""
    rating = dict(profile.ratings).get(competency)
    if rating is None:
        return {"text": NOT_RATED, "mark": "", "css": "not-rated"}
    mark = shortfall_mark(profile, competency)
    css = {BELOW_NEXT: "below-next", BELOW_TARGET: "below-target"}.get(mark, "")
    return {"text": f"{rating} {mark}".strip(), "mark": mark, "css": css}


def _team_plan(d: Diagnosis, pack: RulePack, team: TeamResult) -> list[dict[str, Any]]:
    """Per BRM, the competencies to raise and the pack's actions for each step."""
    names = level_names(d, pack)
    labels = dict(team.competencies)

    def item(entry: PlanItem) -> dict[str, Any]:
        return {"competency": labels.get(entry.competency, entry.competency),
                "rating": entry.rating, "needed": step_words(team, entry.needed),
                "level": names.get(entry.level, entry.level), "units": list(entry.units),
                "actions": [{"to": step_words(team, step.to), "action": step.action,
                             "source": step.source} for step in entry.actions]}
    return [{"name": p.name, "role": p.role, "units": ", ".join(p.units),
             "raise": [item(entry) for entry in team.plan if entry.brm == p.name]}
            for p in team.profiles]


def _team_profiles(pack: RulePack, d: Diagnosis, team: TeamResult) -> list[dict[str, Any]]:
    """Each BRM's radar (title and description in words) and shortfalls against the next
    level and the target."""
    labels = dict(team.competencies)
    goals = [(f"next level ({d.next_level.name})", dict(team.needs_next))
             if d.next_level is not None else None,
             (f"target ({d.target.name})", dict(team.needs_target))
             if d.target is not None and team.needs_target else None]
    wanted = [goal for goal in goals if goal is not None]
    maximum = _rating_top(pack, team)
    found = []
    for number, profile in enumerate(team.profiles, start=1):
        axes = [Axis(labels[ident], rating,
                     tuple((label, needed[ident]) for label, needed in wanted
                           if ident in needed))
                for ident, rating in profile.ratings]
        found.append({
            "name": profile.name,
            "radar_svg": radar_svg(axes, maximum, f"radar-brm-{number}",
                                   f"{profile.name}: competency radar",
                                   f"{profile.name}'s competency ratings"),
            "below": _shortfalls(d, team, profile)})
    return found


def _shortfalls(d: Diagnosis, team: TeamResult, profile: BrmProfile
                ) -> list[tuple[str, list[str]]]:
    """A BRM's competencies below what the next level needs, and below what the target
    (beyond it) needs, in words."""
    labels = dict(team.competencies)
    bars = []
    if d.next_level is not None:
        bars.append((d.next_level.name, profile.below_next))
    if d.target is not None and team.needs_target:
        bars.append((d.target.name, profile.below_target))
    return [(f"Below what {name} needs", [
        f"{labels.get(s.competency, s.competency)} ({s.rating}, needs {s.needed})"
        for s in shortfalls]) for name, shortfalls in bars]


def _rating_top(pack: RulePack, team: TeamResult) -> int:
    """The top of the competency ratings' scale (the facts schema's maximum)."""
    group = pack.team.ratings if pack.team is not None else "competencies"
    tops = [field.maximum for ident, _ in team.competencies
            for field in [pack.fact_paths.get(f"{group}.{ident}")]
            if field is not None and field.maximum is not None]
    if tops:
        return int(max(tops))
    return len(team.scale) - 1 if team.scale else 4


def _label(field: Field) -> str:
    """A fact as people read it: its description in the facts schema (the one place that says
    how a field is named in a report)."""
    return field.label


def markdown_escape(value: Any) -> str:
    """User text made inert in GitHub-flavoured Markdown (and in a table cell)."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;")  # no raw HTML, no entities
    text = re.sub(r"([\\`*\[\]|~])", r"\\\1", text)  # emphasis, code, links, tables
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)  # not inside words
    text = re.sub(r"^([#+\-=>])", r"\\\1", text)  # what starts a heading, list or quote
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # what starts a numbered list


def markdown_token(value: Any) -> str:
    """An id, a version, a date or a fixed word, as it is when it holds nothing Markdown or
    HTML reads (ids are restricted by the pack schema); otherwise escaped as user text."""
    text = str(value)
    return text if _TOKEN.fullmatch(text) else markdown_escape(text)


def markdown_code(value: Any) -> str:
    """An id in a code span; anything that is not a plain token is escaped text instead (a
    code span cannot escape its own backticks)."""
    text = str(value)
    return f"`{text}`" if _TOKEN.fullmatch(text) else markdown_escape(text)


def render_report(context: Mapping[str, Any], report_format: str,
                  template: str = "report") -> str:
    """The report as HTML or Markdown (`template`: ``report`` for one diagnosis, ``engagement``
    for an organization assessed unit by unit, with `engagement_report_context`)."""
    import jinja2

    if report_format not in FORMATS:
        raise ValueError(report_format)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=report_format == "html", undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters["md"] = markdown_escape
    environment.filters["token"] = markdown_token
    environment.filters["code"] = markdown_code
    environment.globals["status"] = status  # the words for met, attained... (words.py)
    if template not in TEMPLATE_NAMES:
        raise ValueError(template)
    name = f"{template}.html.j2" if report_format == "html" else f"{template}.md.j2"
    return _writable(environment.get_template(name).render(**context))


def _writable(text: str) -> str:
    """The report, once sure it can be written as UTF-8: a character with no UTF-8 form (a
    lone surrogate; the facts reader refuses them, this is the last guard) makes the report
    refused here, before any file is opened, instead of failing half-way through a write."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = ", ".join(f"U+{ord(c):04X}" for c in text[error.start:error.end])
        near = text[max(error.start - 40, 0):error.start]
        raise ReportError(f"the report cannot be written: it would hold a character that has "
                          f"no UTF-8 form ({bad}, after {near!r}); nothing was written") from None
    return text

