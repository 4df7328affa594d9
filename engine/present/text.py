"""Presenting a diagnosis: text for a terminal (80 columns) and JSON for programs.

Renderers read the result objects; they decide nothing about the diagnosis.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence

from ..analysis.edits import Change, WhatIf
from ..analysis.explain import DimensionExplanation, Explanation, ProofNode, UnmetCriterion
from ..analysis.search import Goal, SearchResult, Sensitivity
from ..engagement.evidence import Evidence
from ..inference.diagnosis import CriterionResult, Diagnosis, DimensionResult, FindingResult
from ..packs.model import Level, RulePack
from ..team.result import BrmProfile, PlanItem, TeamResult
from .evidence import criterion_evidence, evidence_dict, unevidenced_line
from .words import met_word, organization_name, show_value, status

WIDTH = 80


def render_json(diagnosis: Diagnosis, explanation: Explanation | None = None,
                evidence: Sequence[Evidence] = ()) -> str:
    """The diagnosis as JSON (``schemas/diagnosis.schema.json``), byte-stable for one input;
    with an explanation under ``explanation``; with the evidence the facts give (only when they
    give some) under ``evidence`` (each item with the criteria it supports) and ``unevidenced``
    (the met criteria resting on facts with none)."""
    data = {**diagnosis.to_dict(), **evidence_dict(diagnosis, evidence)}
    if explanation is not None:
        data["explanation"] = explanation.to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _wrap(text: str, indent: int, width: int = WIDTH, hang: int = 0) -> list[str]:
    """`text` wrapped to `width`, indented; continuation lines `hang` further in."""
    pad = " " * indent
    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=pad,
                         subsequent_indent=pad + " " * hang) or [pad]


def _criterion_lines(result: CriterionResult, evidence: Sequence[Evidence] = ()) -> list[str]:
    mark = "[x]" if result.met else "[ ]"
    lines = [f"  {mark} {result.id}"]
    lines += _wrap(result.text, 6)
    for path, value in result.facts:
        lines += _wrap(f"{path} = {show_value(value)}", 6)
    for item in criterion_evidence(result, evidence):
        lines += _wrap(f"evidence for {item.path}: {item.describe()}", 6, hang=4)
    return lines


def render_text(diagnosis: Diagnosis, pack: RulePack, evidence: Sequence[Evidence] = (),
                trace_hint: str = "") -> str:
    """The diagnosis for a person at a terminal (for a pack with dimensions: each dimension's
    level, and the gaps of each ladder under its name). With the `evidence` the facts give:
    each item beside the criteria it supports, and the met criteria resting on facts with
    none. The last line counts the rules fired; `trace_hint`, when given, follows it: where
    the caller (the CLI, a web page) shows the trace."""
    d = diagnosis
    ev = tuple(evidence)
    out: list[str] = []
    if not has_overall(pack):
        out += _wrap(f"{organization_name(d.organization)}: {NO_OVERALL}", 0)
        out += _wrap(f"Pack {d.pack.id} {d.pack.version}: {d.pack.name}", 0)
        out += _dimension_summary(d, pack)
    else:
        out += _wrap(f"{organization_name(d.organization)}: {d.level.name} "
                     f"(level {d.level.rank} of {len(pack.levels)})", 0)
        out += _wrap(f"Pack {d.pack.id} {d.pack.version}: {d.pack.name}", 0)
        out.append(f"Next level: {d.next_level.name if d.next_level else 'none (top level)'}"
                   f"   Target: {d.target.name if d.target else 'none given'}")
        out += _dimension_summary(d, pack)
        out += ["", *_why_lines(d, pack, ev), *_why_not_lines(d, pack, ev)]
    for dimension in d.dimensions:
        out += ["", *_dimension_lines(d, pack, dimension, ev)]
    out += ["", *_recommendation_lines(d, pack)]
    if d.findings:
        out += ["", "Findings", *_finding_lines(d.findings)]
    if d.team is not None:
        out += ["", *team_lines(d, pack, d.team)]
    out.append("")
    if ev:
        out += [*_wrap(unevidenced_line(d, ev), 0, hang=2), ""]
    fired = f"{len(d.trace)} rules fired"
    out += _wrap(f"{fired}; {trace_hint}" if trace_hint else f"{fired}.", 0)
    return "\n".join(line.rstrip() for line in out) + "\n"


NO_OVERALL = "no overall level; each dimension is rated on its own ladder"
"""What a result of a pack with dimensions and ``rollup: none`` says instead of a level."""


def has_overall(pack: RulePack) -> bool:
    """Whether the pack gives an overall level (every pack but one with ``rollup: none``)."""
    return pack.rollup != "none"


def rollup_words(pack: RulePack) -> str:
    """How a pack computes its overall level from its dimensions' levels, in words."""
    if pack.rollup == "lowest":
        return "the lowest of the dimensions' levels"
    if pack.rollup == "table":
        return "the dimensions' levels, by the pack's roll-up table"
    return "nothing: the pack gives no overall level"


def dimension_standing(result: DimensionResult, pack: RulePack) -> str:
    """``Business demand: Reactive (1 of 3), next Managed, target Managed``."""
    total = len(pack.dimension(result.id).levels)
    text = f"{result.name}: {result.level.name} ({result.level.rank} of {total}), "
    text += f"next {result.next_level.name}" if result.next_level else "top level"
    return text + (f", target {result.target.name}" if result.target else ", no target")


def _dimension_summary(d: Diagnosis, pack: RulePack) -> list[str]:
    if not d.dimensions:
        return []
    out = (_wrap(f"The overall level is computed from {rollup_words(pack)}:", 0)
           if has_overall(pack) else ["Each dimension's level:"])
    for result in d.dimensions:
        out += _wrap(dimension_standing(result, pack), 2, hang=4)
    return out


def _on_ladder(pack: RulePack, results: Iterable[CriterionResult], dimension: str = ""
               ) -> list[CriterionResult]:
    """The criteria of one ladder ("": the overall one)."""
    return [c for c in results if pack.level(c.level).dimension == dimension]


def _why_lines(d: Diagnosis, pack: RulePack, ev: Sequence[Evidence]) -> list[str]:
    attained = [c for c in _on_ladder(pack, d.criteria) if pack.rank(c.level) <= d.level.rank]
    if attained:
        out = [f"Why {d.level.name}: every criterion up to this level is met"]
        for result in attained:
            out += _criterion_lines(result, ev)
        return out
    above = f"; {d.next_level.name} is not attained (see below)" if d.next_level else ""
    return [f"Why {d.level.name}", *_wrap(f"{d.level.name} is the floor of the model, where "
                                          f"every organization starts{above}.", 2)]


def _why_not_lines(d: Diagnosis, pack: RulePack, ev: Sequence[Evidence]) -> list[str]:
    if d.next_level is None:
        return []
    next_criteria = [c for c in d.criteria if c.level == d.next_level.id]
    unmet = [c for c in next_criteria if not c.met]
    kind = "roll-up criteria" if d.dimensions else "criteria"
    out = ["", f"Why not {d.next_level.name}: {len(unmet)} of {len(next_criteria)} "
               f"{kind} unmet"]
    for result in unmet + [c for c in next_criteria if c.met]:
        out += _criterion_lines(result, ev)
    beyond = [c for c in _on_ladder(pack, d.criteria)
              if c.id in d.gaps and c.level != d.next_level.id]
    if beyond and d.target is not None:
        out += ["", f"Further gaps up to the target, {d.target.name}"]
        for result in beyond:
            out += _criterion_lines(result, ev)
    return out


def _dimension_lines(d: Diagnosis, pack: RulePack, result: DimensionResult,
                     ev: Sequence[Evidence]) -> list[str]:
    """One dimension: why its level, why not its next one, and its further gaps up to its
    target, under its name."""
    name, level = result.name, result.level
    total = len(pack.dimension(result.id).levels)
    mine = _on_ladder(pack, d.criteria, result.id)
    out = _wrap(f"{name}: {level.name} (level {level.rank} of {total})", 0)
    attained = [c for c in mine if pack.rank(c.level) <= level.rank]
    if attained:
        out.append(f"Why {name} is {level.name}: every criterion up to this level is met")
        for criterion in attained:
            out += _criterion_lines(criterion, ev)
    else:
        out.append(f"Why {name} is {level.name}")
        out += _wrap(f"{level.name} is the floor of the dimension, where every organization "
                     "starts.", 2)
    if result.next_level is None:
        return out
    following = [c for c in mine if c.level == result.next_level.id]
    unmet = [c for c in following if not c.met]
    out += _wrap(f"Why {name} is not {result.next_level.name}: {len(unmet)} of "
                 f"{len(following)} criteria unmet", 0)
    for criterion in unmet + [c for c in following if c.met]:
        out += _criterion_lines(criterion, ev)
    beyond = [c for c in mine if c.id in d.gaps and c.level != result.next_level.id]
    if beyond and result.target is not None:
        out += _wrap(f"Further gaps of {name} up to its target, {result.target.name}", 0)
        for criterion in beyond:
            out += _criterion_lines(criterion, ev)
    return out


def level_label(pack: RulePack, level_id: str) -> str:
    """A level as a person tells it from the others: ``Managed`` on the overall ladder,
    ``Business demand: Managed`` on a dimension's."""
    level = pack.level(level_id)
    if not level.dimension:
        return level.name
    return f"{pack.dimension(level.dimension).name}: {level.name}"


def _recommendation_lines(d: Diagnosis, pack: RulePack) -> list[str]:
    if not d.recommendations:
        return ["Recommendations: none; the top level is attained." if d.next_level is None
                else "Recommendations: none fired."]
    out = ["Recommendations (in order)"]
    for rec in d.recommendations:
        out += _wrap(f"{rec.order}. [{level_label(pack, rec.level)}, {rec.impact} impact] "
                     f"{rec.id}", 2)
        out += _wrap(rec.action, 5)
        out += _wrap(f"Closes: {', '.join(rec.criteria)}", 5)
    return out


def _finding_lines(findings: Iterable[FindingResult]) -> list[str]:
    out: list[str] = []
    for finding in findings:
        out += _wrap(f"{finding.severity.upper()} {finding.id}", 2)
        out += _wrap(finding.message, 5)
    return out


# --- the BRM team --------------------------------------------------------------------------------

BELOW_NEXT = "!"
"""The heatmap's mark of a rating below what the next level needs."""
BELOW_TARGET = "*"
"""The heatmap's mark of a rating the next level accepts but the target (beyond it) does not."""
NOT_RATED = "-"
"""The heatmap's cell of a competency a BRM is not rated on."""


def aggregation_words(team: TeamResult) -> str:
    """How the practice ratings follow from the BRMs': "the median of the 4 BRMs' ratings of
    each competency (for an even count, the lower of the two middle ones)"."""
    count = len(team.profiles)
    whose = "the one BRM's" if count == 1 else f"the {count} BRMs'"
    text = f"the {team.aggregation} of {whose} ratings of each competency"
    if team.aggregation == "median":
        text += " (for an even count, the lower of the two middle ones)"
    return text


def shortfall_mark(profile: BrmProfile, competency: str) -> str:
    """A heatmap cell's mark: `BELOW_NEXT`, `BELOW_TARGET` or "" (read from the profile's
    shortfalls, never worked out again)."""
    if any(s.competency == competency for s in profile.below_next):
        return BELOW_NEXT
    if any(s.competency == competency for s in profile.below_target):
        return BELOW_TARGET
    return ""


def step_words(team: TeamResult, rating: int) -> str:
    """A rating with its step's name, when the pack names the steps: "3 (application)"."""
    if 0 <= rating < len(team.scale):
        return f"{rating} ({team.scale[rating]})"
    return str(rating)


def level_names(d: Diagnosis, pack: RulePack) -> dict[str, str]:
    """The names of the levels a team is measured against, by id."""
    names = {level.id: level.name for level in pack.levels}
    for ref in (d.next_level, d.target):
        if ref is not None:
            names[ref.id] = ref.name
    return names


def team_lines(d: Diagnosis, pack: RulePack, team: TeamResult) -> list[str]:
    """The BRM team: how the practice ratings were derived, the heatmap (BRM x competency)
    and the development plan per BRM."""
    out = ["BRM team"]
    out += _wrap(f"Practice ratings: {aggregation_words(team)}.", 2, hang=2)
    out += ["", *_heatmap_lines(d, team), "", *_plan_lines(d, pack, team)]
    return out


def _needs_rows(d: Diagnosis, team: TeamResult) -> list[tuple[str, dict[str, int]]]:
    rows = []
    if d.next_level is not None and team.needs_next:
        rows.append((f"{d.next_level.name} needs", dict(team.needs_next)))
    if d.target is not None and team.needs_target:
        rows.append((f"{d.target.name} needs", dict(team.needs_target)))
    return rows


def _heatmap_lines(d: Diagnosis, team: TeamResult) -> list[str]:
    """The BRMs' ratings, one row each and a column per competency (numbered, with a legend),
    then the practice's ratings and what the next level and the target need."""
    ids = [ident for ident, _ in team.competencies]
    derived = {a.competency: a.value for a in team.aggregates}
    practice = f"Practice ({team.aggregation})"
    needs = _needs_rows(d, team)
    labels = [p.name for p in team.profiles] + [practice] + [label for label, _ in needs]
    per_chunk = max(1, (WIDTH - 2 - 15) // 4)
    out = _heatmap_legend(d, team)
    for start in range(0, len(ids), per_chunk):
        chunk = list(enumerate(ids))[start:start + per_chunk]
        width = min(max(len(label) for label in labels), WIDTH - 3 - 4 * len(chunk))
        out.append("  " + " " * width + "".join(f"{n + 1:>3} " for n, _ in chunk))
        for profile in team.profiles:
            ratings = dict(profile.ratings)
            out.append("  " + _cut(profile.name, width) + "".join(
                f"{NOT_RATED:>3} " if ratings.get(c) is None
                else f"{ratings[c]:>3}{shortfall_mark(profile, c) or ' '}" for _, c in chunk))
        out.append("  " + _cut(practice, width) + "".join(
            f"{derived.get(c, NOT_RATED):>3} " for _, c in chunk))
        for label, needed in needs:
            out.append("  " + _cut(label, width) + "".join(
                f"{needed[c]:>3} " if c in needed else "    " for _, c in chunk))
        out.append("")
    return out + [f"  {n:>2} {label}" for n, (_, label) in enumerate(team.competencies, 1)]


def _heatmap_legend(d: Diagnosis, team: TeamResult) -> list[str]:
    top = len(team.scale) - 1
    out = (_wrap(f"Ratings 0-{top}: {', '.join(team.scale)}.", 2, hang=2) if team.scale
           else [])
    marks = []
    if d.next_level is not None:
        marks.append(f"{BELOW_NEXT} below what {d.next_level.name} needs")
    if d.target is not None and team.needs_target:
        marks.append(f"{BELOW_TARGET} below what {d.target.name} needs")
    marks.append(f"{NOT_RATED} not rated")
    return out + _wrap(f"{', '.join(marks)}.", 2, hang=2) + [""]


def _cut(text: str, width: int) -> str:
    """`text` in a column of `width` (and a space), shortened with an ellipsis if need be."""
    text = " ".join(text.split())
    if len(text) > width:
        text = text[:width - 1] + "\u2026"
    return f"{text:<{width}} "


def _plan_lines(d: Diagnosis, pack: RulePack, team: TeamResult) -> list[str]:
    """Per BRM, the competencies to raise (those blocking the next level for the most units
    first), each with the pack's actions per step."""
    names = level_names(d, pack)
    goals = " or ".join(ref.name for ref in (d.next_level, d.target) if ref is not None)
    out = _wrap("Development plan: per BRM, the competencies to raise, those that block the "
                "next level for the most business units first", 0, hang=2)
    for profile in team.profiles:
        items = [item for item in team.plan if item.brm == profile.name]
        who = "; ".join(part for part in (profile.role, "serves " + ", ".join(profile.units)
                                          if profile.units else None) if part)
        heading = f"{profile.name} ({who})" if who else profile.name
        if not items:
            out += _wrap(f"{heading}: no competency below what {goals or 'the level'} needs",
                         2, hang=4)
            continue
        out += _wrap(heading, 2, hang=4)
        for number, item in enumerate(items, start=1):
            out += _plan_item_lines(number, item, team, names)
    return out


def _plan_item_lines(number: int, item: PlanItem, team: TeamResult,
                     names: dict[str, str]) -> list[str]:
    label = dict(team.competencies).get(item.competency, item.competency)
    level = names.get(item.level, item.level)
    text = f"{number}. {label}: {item.rating} -> {step_words(team, item.needed)} for {level}"
    if item.units:
        text += f"; blocks {level} for {', '.join(item.units)}"
    out = _wrap(text, 4, hang=3)
    for step in item.actions:
        out += _wrap(f"to {step_words(team, step.to)}: {step.action} [{step.source}]", 7,
                     hang=2)
    return out


def render_levels(pack: RulePack) -> str:
    """The pack's levels and their criteria, for ``brm levels``."""
    out = _wrap(f"{pack.name} ({pack.id} {pack.version})", 0)
    out += _wrap(f"Levels are {pack.attainment}: a level is attained when every criterion of "
                 "it and of every level below it is met.", 0)
    if pack.dimensions and has_overall(pack):
        out += _wrap(f"The overall level is computed from {rollup_words(pack)}.", 0)
    elif pack.dimensions:
        out += _wrap(f"The pack gives {NO_OVERALL}.", 0)
    if has_overall(pack):
        out += _ladder_lines(pack, pack.levels)
    for dimension in pack.dimensions:
        out += ["", *_wrap(f"{dimension.name} ({dimension.id}): {dimension.summary}", 0)]
        out += _ladder_lines(pack, dimension.levels)
    return "\n".join(out) + "\n"


def _ladder_lines(pack: RulePack, levels: Iterable[Level]) -> list[str]:
    out: list[str] = []
    for level in levels:
        out.append("")
        out.append(f"{level.rank}. {level.name} ({level.id})")
        out += _wrap(level.summary, 3)
        if level.measures_of_success:
            out += _wrap(f"Measures of success: {level.measures_of_success}", 3)
        criteria = pack.criteria_of(level.id)
        if not criteria and level.rank == 1:
            out += _wrap("The floor: every organization attains it.", 3)
        for criterion in criteria:
            out += _wrap(f"- {criterion.id}: {criterion.text} [{criterion.source}]", 3)
    return out


# --- explanations and what-if ------------------------------------------------------------------

def _proof_lines(node: ProofNode, depth: int) -> list[str]:
    pad = 2 + 2 * depth
    if node.kind == "facts":
        lines: list[str] = []
        for path, value in node.facts:
            derived = node.derivation(path)
            lines += (_wrap(f"{path} = {show_value(value)}: {derived.text}", pad, hang=4)
                      if derived else _wrap(f"{path} = {show_value(value)}", pad))
        return lines
    mark = f"[{status(node.kind, bool(node.value))}] "
    label = f"{node.id}: {node.text}" if node.kind == "criterion" else node.text
    lines = textwrap.wrap(" ".join(label.split()), width=WIDTH,
                          initial_indent=" " * pad + mark,
                          subsequent_indent=" " * (pad + len(mark)))
    lines += _wrap(f"rule {node.rule}, source: {node.source}", pad + len(mark))
    for child in node.children:
        lines += _proof_lines(child, depth + 1)
    return lines


def _change_text(changes: Iterable[Change]) -> str:
    return "; ".join(change.describe() for change in changes)


def render_explanation(explanation: Explanation, pack: RulePack) -> str:
    """Why the level, why not the next (or the asked) level, and what the level rests on."""
    e = explanation
    d = e.diagnosis
    overall = has_overall(pack)
    standing = (f"{d.level.name} (level {d.level.rank} of {len(pack.levels)})" if overall
                else NO_OVERALL)
    out = _wrap(f"{organization_name(d.organization)}: {standing}; "
                f"pack {d.pack.id} {d.pack.version}", 0)
    out += _dimension_summary(d, pack)
    if overall:
        out += ["", f"Why {d.level.name}", *_proof_lines(e.why, 0), "",
                *_why_not_explained(e)]
    for dimension in e.dimensions:
        out += ["", *_dimension_explained(dimension)]
    if e.findings:
        out += ["", "Findings", *_finding_lines(e.findings)]
    out += ["", *(_robustness_lines(e) if overall else []), ""]
    out += _wrap(f"{e.evaluated} changed fact sets were assessed by the engine to find what "
                 "would satisfy each criterion and what the level rests on.", 0)
    if e.cut:
        out += _wrap("The search was cut there, so the changes and facts above may be "
                     "incomplete.", 0)
    return "\n".join(line.rstrip() for line in out) + "\n"


def _why_not_explained(e: Explanation) -> list[str]:
    if e.why_not_level is None:
        return ["Why not higher: this is the top level of the model."]
    count = len(e.why_not)
    out = [f"Why not {e.why_not_level.name}: {count} unmet criteri{'on' if count == 1 else 'a'}"]
    return out + _unmet_explained(e.why_not)


def _dimension_explained(e: DimensionExplanation) -> list[str]:
    """Why a dimension is at its level (the criteria that decided it) and why not higher."""
    out = [f"Why {e.name} is {e.level.name}", *_proof_lines(e.why, 0)]
    if e.why_not_level is None:
        out += _wrap(f"Why not higher: {e.level.name} is the top level of {e.name}.", 0)
    else:
        count = len(e.why_not)
        out += _wrap(f"Why {e.name} is not {e.why_not_level.name}: {count} unmet "
                     f"criteri{'on' if count == 1 else 'a'}", 0)
        out += _unmet_explained(e.why_not)
    return out + _rests_on_lines(f"{e.name} at {e.level.name}", e.robustness)


def _unmet_explained(criteria: Iterable[UnmetCriterion]) -> list[str]:
    out: list[str] = []
    for unmet in criteria:
        out += _proof_lines(unmet.proof, 0)
        if unmet.needs is not None:
            need = unmet.needs
            out += _wrap(f"needs {need.name} at {need.level.name} (level {need.level.rank}); "
                         f"it is at {need.current.name} (level {need.current.rank})", 6,
                         hang=4)
        if not unmet.satisfy:
            out += _wrap("no change of its own facts alone would meet it", 6)
            continue
        first, *others = unmet.satisfy
        out += _wrap(f"would be met by: {_change_text(first)}", 6, hang=4)
        for option in others:
            out += _wrap(f"or by: {_change_text(option)}", 6, hang=4)
    return out


def _robustness_lines(e: Explanation) -> list[str]:
    return _rests_on_lines(e.diagnosis.level.name, e.robustness)


def _rests_on_lines(name: str, robustness: Iterable[Sensitivity]) -> list[str]:
    """What a level rests on: the facts that, changed alone, lower it."""
    robustness = tuple(robustness)
    if not robustness:
        return _wrap(f"What {name} rests on: no single fact, changed alone, lowers it.", 0)
    out = _wrap(f"What {name} rests on: facts that, changed alone, lower the level", 0)
    for item in robustness:
        drops = "; ".join(f"{show_value(value)} gives {level.name}" for value, level in item.drops)
        out += _wrap(f"{item.path} = {show_value(item.value)}: {drops}", 2, hang=4)
    return out


def render_search(result: SearchResult) -> str:
    """The fewest fact changes that reach a target level (or, for a pack with dimensions,
    every level asked for: the overall one and each dimension's)."""
    r = result
    if r.goals:
        return _render_goals_search(r)
    out = _wrap(f"What would take {organization_name(r.organization)} from {r.current.name} "
                f"to {r.target.name}", 0)
    out.append("")
    if not r.reachable:
        out += _wrap(f"No change within the facts contract reaches {r.target.name}: "
                     f"{r.reason}.", 0)
    elif r.current.rank >= r.target.rank:
        out += _wrap(f"Already at {r.current.name}, which is at or above {r.target.name}: "
                     "nothing to change.", 0)
    else:
        out += _solution_lines(r)
    return _with_search_tail(out, r)


def _with_search_tail(out: list[str], r: SearchResult) -> str:
    """A search's lines, then how many fact sets it assessed and whether it was cut."""
    out.append("")
    out += _wrap(f"{r.evaluated} candidate fact sets were assessed by the engine.", 0)
    if r.cut and r.reachable:
        out += _wrap("The search was cut there: smaller ways may exist.", 0)
    return "\n".join(line.rstrip() for line in out) + "\n"


def _goal_name(goal: Goal) -> str:
    """A ladder as a person names it: ``overall`` or the dimension's name."""
    return goal.name or "overall"


def _render_goals_search(r: SearchResult) -> str:
    """A search toward a level on several ladders: where each stands and where it is to go,
    then the ways that reach them all."""
    out = _wrap(f"What would take {organization_name(r.organization)} to every level asked "
                "for", 0)
    for goal in r.goals:
        mark = "already there" if goal.reached else "to reach"
        out += _wrap(f"{_goal_name(goal)}: {goal.current.name} (level {goal.current.rank}) "
                     f"-> {goal.target.name} (level {goal.target.rank}), {mark}", 2, hang=4)
    out.append("")
    wanted = ", ".join(f"{_goal_name(g)} {g.target.name}" for g in r.goals)
    if not r.reachable:
        out += _wrap(f"No change within the facts contract reaches {wanted}: {r.reason}.", 0)
    elif all(goal.reached for goal in r.goals):
        out += _wrap(f"Already at or above {wanted}: nothing to change.", 0)
    else:
        out += _solution_lines(r)
    return _with_search_tail(out, r)


def _solution_lines(r: SearchResult) -> list[str]:
    """The ways a search found, fewest changes first, each with the levels it reaches."""
    fields = len(r.solutions[0].changes)
    ways = len(r.solutions)
    out = _wrap(f"Fewest changes: {fields} field{'s' * (fields != 1)}, "
                f"{ways} way{'s' * (ways != 1)}, each confirmed by re-running the engine.", 0)
    names = {goal.dimension: goal.name for goal in r.goals if goal.dimension}
    for number, solution in enumerate(r.solutions, start=1):
        if r.goals:
            reached = f"overall {solution.level.name}" + "".join(
                f", {names[ident]} {level.name}" for ident, level in solution.dimensions
                if ident in names)
            out += ["", *_wrap(f"Option {number}: reaches {reached}", 0, hang=4)]
        else:
            out += ["", f"Option {number}: reaches {solution.level.name}"]
        recs = dict(solution.recommendations)
        for change in solution.changes:
            out += _wrap(change.describe(), 2, hang=4)
            if recs.get(change.path):
                out += _wrap(f"as in {', '.join(recs[change.path])}", 6)
    return out


def render_comparison(comparison: WhatIf) -> str:
    """The diagnosis before and after edits, side by side."""
    c = comparison
    out = _wrap(f"What if: {', '.join(edit.text for edit in c.edits)}", 0)
    out.append("")
    out.append(f"  {'':34}{'before':<22}after")
    out.append(f"  {'level':34}{c.before.level.name:<22}{c.after.level.name}")
    for was, now in zip(c.before.dimensions, c.after.dimensions, strict=False):
        out.append(f"  {was.name + ' level':34}{was.level.name:<22}{now.level.name}")
    out.append(f"  {'unmet criteria in scope':34}{len(c.before.gaps):<22}{len(c.after.gaps)}")
    out.append(f"  {'recommendations':34}{len(c.before.recommendations):<22}"
               f"{len(c.after.recommendations)}")
    out += ["", "Facts changed"]
    for change in c.changes:
        out += _wrap(change.describe(), 2, hang=4)
    if not c.changes:
        out.append("  none (the edits leave the facts as they were)")
    out += ["", "Criteria that flipped"]
    for ident, before, after in c.diff.flipped:
        out.append(f"  {ident:<44}{met_word(before):<10}-> {met_word(after)}")
    if not c.diff.flipped:
        out.append("  none")
    for title, items in (("Recommendations that disappeared", c.diff.recommendations_removed),
                         ("Recommendations that appeared", c.diff.recommendations_added)):
        out += ["", title]
        out += [f"  {item}" for item in items] or ["  none"]
    return "\n".join(line.rstrip() for line in out) + "\n"
