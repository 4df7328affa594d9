"""Presenting an engagement at a terminal: the organization rolled up from its business units,
then each unit's own diagnosis under its name.

Order, from the organization down: the roll-up (the level under the pack's unit roll-up policy,
with the median and the distribution), the units, the findings across units (a unit ahead or
behind, respondents who disagree, naming who said what), the gaps common to most units apart
from those of a few, the recommendations once each with their units, a units x criteria matrix,
each unit's diagnosis (the single-diagnosis renderer, with its evidence), and the units that
could not be assessed with every problem. Renderers read the result; they decide nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..engagement.combine import Combined, Respondent
from ..engagement.evidence import Evidence
from ..engagement.reading import BrokenUnit
from ..engagement.rollup import EngagementResult, Rollup, UnitResult
from ..errors import Issue
from ..inference.diagnosis import Diagnosis
from ..packs.model import RulePack
from .evidence import about_unit, unevidenced_line
from .text import NO_OVERALL, _wrap, has_overall, level_label, render_text
from .words import organization_name, plural, show_value

RULE = "=" * 80


def rollup_words(result: EngagementResult, rollup: Rollup, pack: RulePack) -> str:
    """``Ad hoc (lowest of 4 business units; median Order Taker; Ad hoc 1, Order Taker 2,
    Strategic Partner 1)``: a ladder's roll-up in words."""
    count = len(result.units)
    how = f"{result.policy} of {plural(count, 'business unit')}"
    if result.policy != "median":
        how += f"; median {rollup.median.name}"
    spread = ", ".join(f"{pack.level(ident).name} {number}"
                       for ident, number in rollup.distribution if number)
    return f"{rollup.level.name} ({how}{'; ' + spread if spread else ''})"


def respondents_text(respondents: Sequence[Respondent]) -> str:
    """``Dana Reyes (business, retail-business.yaml), Sam Ito (it, retail-it.yaml)``; a
    respondent no file names, by its file alone."""
    return ", ".join(r.source if r.role is None and re.fullmatch(r"respondent \d+", r.name)
                     else f"{r.name} ({', '.join(part for part in (r.role, r.source) if part)})"
                     for r in respondents)


def problem_text(issue: Issue, folder: str | None = None) -> str:
    """A unit's problem as ``file:line: $.path: message``: the reader puts the file (a name
    in the engagement's folder) first in the message; `folder`, when given, is joined to it
    (and names the problems that belong to no one file)."""
    file, sep, rest = issue.message.partition(": ")
    if not sep or not file or " " in file:
        file, rest = "", issue.message
    if folder is not None:
        file = str(Path(folder) / file) if file else folder
    return issue._replace(message=rest).describe(file or None)


def unit_standing(diagnosis: Diagnosis, pack: RulePack) -> str:
    """A unit's level in a few words: ``2. Order Taker``, or each dimension's level for a
    pack that gives no overall one."""
    if has_overall(pack):
        return f"{diagnosis.level.rank}. {diagnosis.level.name}"
    return "; ".join(f"{d.name}: {d.level.name}" for d in diagnosis.dimensions)


def render_engagement_text(result: EngagementResult, pack: RulePack, trace_hint: str = ""
                           ) -> str:
    """The organization's roll-up, the comparison across units, then each unit's diagnosis
    (`trace_hint` as `render_text` takes it, after each unit's count of rules fired)."""
    r = result
    out = _headline(r, pack)
    out += ["", "Business units", *_unit_lines(r, pack)]
    if r.findings:
        out += ["", "Findings across units"]
        for finding in r.findings:
            out += _wrap(f"{finding.severity.upper()} {finding.id}", 2)
            out += _wrap(finding.message, 5)
            if not finding.id.startswith("engagement."):
                out += _wrap(f"In: {', '.join(finding.units)}", 5)
    out += ["", *_gap_lines(r)]
    out += ["", *_recommendation_lines(r, pack)]
    if r.matrix:
        out += ["", *_matrix_lines(r, pack)]
    given = any(unit.unit.evidence for unit in r.units)
    for unit in r.units:
        out += ["", RULE, *_unit_section(unit, pack, given, trace_hint)]
    if r.broken:
        out += ["", RULE, *_broken_lines(r.broken)]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _headline(r: EngagementResult, pack: RulePack) -> list[str]:
    name = organization_name(r.organization)
    if not r.units:
        out = _wrap(f"{name}: no business unit could be assessed", 0)
    elif has_overall(pack):
        out = _wrap(f"{name}: {rollup_words(r, r.rollup, pack)}", 0, hang=2)
    else:
        out = _wrap(f"{name}: {NO_OVERALL}", 0, hang=2)
    if r.units:
        for rollup in r.dimensions:
            dimension = pack.dimension(rollup.dimension).name
            out += _wrap(f"{dimension}: {rollup_words(r, rollup, pack)}", 2, hang=4)
    out += _wrap(f"Pack {r.pack.id} {r.pack.version}: {r.pack.name}", 0)
    when = [f"assessed on {r.assessed_on}" if r.assessed_on else "",
            f"by {r.assessor}" if r.assessor else ""]
    if any(when):
        said = " ".join(part for part in when if part)
        out += _wrap(said[:1].upper() + said[1:], 0)
    return out


def _unit_lines(r: EngagementResult, pack: RulePack) -> list[str]:
    out: list[str] = []
    for unit in r.units:
        level = unit.diagnosis.level
        who = unit.unit.respondents
        by = (f"; {len(who)} respondents: {respondents_text(who)}" if len(who) > 1
              else f"; from {who[0].source}" if who else "")
        standing = (f"{level.name} (level {level.rank})" if has_overall(pack)
                    else unit_standing(unit.diagnosis, pack))
        out += _wrap(f"{unit.name}: {standing}{by}", 2, hang=4)
    for broken in r.broken:
        out += _wrap(f"{broken.name}: not assessed (see the end)", 2, hang=4)
    return out


def _criterion_text(r: EngagementResult, ident: str) -> str:
    return r.units[0].diagnosis.criterion(ident).text if r.units else ident


def _gap_lines(r: EngagementResult) -> list[str]:
    out = ["Common gaps (unmet in most units: organization-wide programs)"]
    for ident in r.common_gaps:
        out += _wrap(f"- {ident}: {_criterion_text(r, ident)}", 2, hang=2)
    if not r.common_gaps:
        out.append("  none")
    out.append("Unit-specific gaps")
    for ident, units in r.unit_gaps:
        out += _wrap(f"- {ident} ({', '.join(units)}): {_criterion_text(r, ident)}", 2,
                     hang=2)
    if not r.unit_gaps:
        out.append("  none")
    return out


def _recommendation_lines(r: EngagementResult, pack: RulePack) -> list[str]:
    if not r.recommendations:
        return ["Recommendations: none in any unit."]
    out = ["Recommendations (in order, each once, with the units it applies to)"]
    for rec in r.recommendations:
        out += _wrap(f"{rec.order}. [{level_label(pack, rec.level)}, {rec.impact} impact] "
                     f"{rec.id}", 2)
        out += _wrap(rec.action, 5)
        out += _wrap(f"Units: {', '.join(rec.units)}", 5, hang=2)
        out += _wrap(f"Closes: {', '.join(rec.criteria)}", 5, hang=2)
    return out


def _matrix_lines(r: EngagementResult, pack: RulePack) -> list[str]:
    """Rows of criteria under their level, a column per unit (numbered, named in the legend),
    ``x`` met and ``.`` unmet."""
    width = max(len(ident) for ident, _ in r.matrix) + 4
    step = max(len(str(len(r.units))) + 1, 3)
    out = _wrap("Units x criteria (x met, . unmet), for the levels in scope", 0)
    out += _wrap("Columns: " + ", ".join(f"{number} {unit.name}" for number, unit in
                                         enumerate(r.units, start=1)), 2, hang=2)
    out.append(" " * width + "".join(f"{number:>{step}}"
                                     for number in range(1, len(r.units) + 1)))
    level = None
    for ident, met in r.matrix:
        here = r.units[0].diagnosis.criterion(ident).level
        if here != level:
            level = here
            out.append(f"  {level_label(pack, here)}")
        out.append(f"    {ident:<{width - 4}}" + "".join(
            f"{'x' if value else '.':>{step}}" for value in met))
    return out


def _unit_section(unit: UnitResult, pack: RulePack, given: bool, trace_hint: str
                  ) -> list[str]:
    """One unit under its name: who answered, evidence about it, its diagnosis."""
    out = _wrap(f"Business unit: {unit.name}", 0)
    who = unit.unit.respondents
    if len(who) > 1:
        out += _wrap(f"Respondents: {respondents_text(who)}. The diagnosis rests on their "
                     "combined answers (see the findings for where they disagree).", 0,
                     hang=2)
    elif who:
        out += _wrap(f"Answers from {respondents_text(who)}", 0, hang=2)
    for item in about_unit(unit.unit.evidence):
        out += _wrap(f"Evidence about the unit: {item.describe()}", 0, hang=2)
    evidence: tuple[Evidence, ...] = unit.unit.evidence
    if given and not evidence:
        out += _wrap("No evidence given for this unit's answers.", 0)
        out += _wrap(unevidenced_line(unit.diagnosis, ()), 0, hang=2)
    text = render_text(unit.diagnosis, pack, evidence if evidence else (), trace_hint)
    out += ["", *text.rstrip("\n").split("\n")]
    return out


def _broken_lines(broken: Sequence[BrokenUnit]) -> list[str]:
    out = ["Business units not assessed (their facts cannot be used)"]
    for unit in broken:
        error = unit.error
        out += _wrap(f"{unit.name}: {plural(error.total, 'problem')}", 2)
        for issue in error.issues:
            out += _wrap(problem_text(issue), 4, hang=4)
    return out


def render_combined(unit: str, combined: Sequence[Combined]) -> str:
    """How a unit's respondents' answers were combined, field by field: each respondent's
    answer, the rule, the answer kept (`brm explain FOLDER --unit NAME`)."""
    if not combined:
        return ""
    out = f"\nHow the respondents' answers were combined ({unit})\n"
    for item in combined:
        mark = "  (they disagree)" if item.disagreement else ""
        out += f"  {item.path} = {show_value(item.value)}: {item.rule}{mark}\n"
        for answer in item.answers:
            who = f"{answer.respondent} ({answer.role})" if answer.role else answer.respondent
            out += f"      {who}: {show_value(answer.value)}\n"
    return out
