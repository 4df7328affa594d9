"""Presenting a diagnosis: text for a terminal (80 columns) and JSON for programs.

Renderers read the result objects; they decide nothing about the diagnosis.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

from ..inference.diagnosis import CriterionResult, Diagnosis
from ..packs.model import RulePack
from .words import show_value, status

WIDTH = 80


def render_json(diagnosis: Diagnosis, explanation: Any = None) -> str:
    """The diagnosis as JSON (``schemas/diagnosis.schema.json``), byte-stable for one input;
    with an explanation under ``explanation``."""
    data = diagnosis.to_dict()
    if explanation is not None:
        data["explanation"] = explanation.to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _wrap(text: str, indent: int, width: int = WIDTH, hang: int = 0) -> list[str]:
    """`text` wrapped to `width`, indented; continuation lines `hang` further in."""
    pad = " " * indent
    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=pad,
                         subsequent_indent=pad + " " * hang) or [pad]


def _criterion_lines(result: CriterionResult) -> list[str]:
    mark = "[x]" if result.met else "[ ]"
    lines = [f"  {mark} {result.id}"]
    lines += _wrap(result.text, 6)
    for path, value in result.facts:
        lines += _wrap(f"{path} = {show_value(value)}", 6)
    return lines


def render_text(diagnosis: Diagnosis, pack: RulePack) -> str:
    """The diagnosis for a person at a terminal."""
    d = diagnosis
    out: list[str] = []
    top = len(pack.levels)
    out += _wrap(f"{d.organization}: {d.level.name} (level {d.level.rank} of {top})", 0)
    out += _wrap(f"Pack {d.pack.id} {d.pack.version}: {d.pack.name}", 0)
    summary = [f"Next level: {d.next_level.name if d.next_level else 'none (top level)'}"]
    summary.append(f"Target: {d.target.name if d.target else 'none given'}")
    out.append("   ".join(summary))

    out.append("")
    attained = [c for c in d.criteria if pack.level(c.level).rank <= d.level.rank]
    if attained:
        out.append(f"Why {d.level.name}: every criterion up to this level is met")
        for result in attained:
            out += _criterion_lines(result)
    else:
        out.append(f"Why {d.level.name}")
        above = f"; {d.next_level.name} is not attained (see below)" if d.next_level else ""
        out += _wrap(f"{d.level.name} is the floor of the model, where every organization "
                     f"starts{above}.", 2)

    if d.next_level is not None:
        next_criteria = [c for c in d.criteria if c.level == d.next_level.id]
        unmet = [c for c in next_criteria if not c.met]
        out.append("")
        out.append(f"Why not {d.next_level.name}: {len(unmet)} of {len(next_criteria)} "
                   "criteria unmet")
        for result in unmet + [c for c in next_criteria if c.met]:
            out += _criterion_lines(result)
        beyond = [c for c in d.criteria if c.id in d.gaps and c.level != d.next_level.id]
        if beyond and d.target is not None:
            out.append("")
            out.append(f"Further gaps up to the target, {d.target.name}")
            for result in beyond:
                out += _criterion_lines(result)

    out.append("")
    if d.recommendations:
        out.append("Recommendations (in order)")
        for rec in d.recommendations:
            level_name = pack.level(rec.level).name
            out += _wrap(f"{rec.order}. [{level_name}, {rec.impact} impact] {rec.id}", 2)
            out += _wrap(rec.action, 5)
            out += _wrap(f"Closes: {', '.join(rec.criteria)}", 5)
    elif d.next_level is None:
        out.append("Recommendations: none; the top level is attained.")
    else:
        out.append("Recommendations: none fired.")

    if d.findings:
        out.append("")
        out.append("Findings")
        for finding in d.findings:
            out += _wrap(f"{finding.severity.upper()} {finding.id}", 2)
            out += _wrap(finding.message, 5)
    out.append("")
    out += _wrap(f"{len(d.trace)} rules fired; `--format json` shows the trace.", 0)
    return "\n".join(line.rstrip() for line in out) + "\n"


def render_levels(pack: RulePack) -> str:
    """The pack's levels and their criteria, for ``brm levels``."""
    out = _wrap(f"{pack.name} ({pack.id} {pack.version})", 0)
    out += _wrap(f"Levels are {pack.attainment}: a level is attained when every criterion of "
                 "it and of every level below it is met.", 0)
    for level in pack.levels:
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
    return "\n".join(out) + "\n"


def levels_dict(pack: RulePack) -> dict[str, Any]:
    """The pack's levels and criteria as JSON-ready data."""
    return {
        "pack": {"id": pack.id, "version": pack.version, "name": pack.name},
        "attainment": pack.attainment,
        "levels": [
            {"id": level.id, "rank": level.rank, "name": level.name, "summary": level.summary,
             "measures_of_success": level.measures_of_success, "source": level.source,
             "criteria": [{"id": c.id, "text": c.text, "source": c.source, "quote": c.quote}
                          for c in pack.criteria_of(level.id)]}
            for level in pack.levels
        ],
    }


def render_issues(source: str, issues: Iterable[Any]) -> str:
    """Problems in one file, one per line, as the CLI prints them."""
    return "\n".join(issue.describe(source) for issue in issues)


# --- explanations and what-if ------------------------------------------------------------------

def _proof_lines(node: Any, depth: int) -> list[str]:
    pad = 2 + 2 * depth
    if node.kind == "facts":
        lines: list[str] = []
        for path, value in node.facts:
            lines += _wrap(f"{path} = {show_value(value)}", pad)
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


def _change_text(changes: Iterable[Any]) -> str:
    return "; ".join(change.describe() for change in changes)


def render_explanation(explanation: Any, pack: RulePack) -> str:
    """Why the level, why not the next (or the asked) level, and what the level rests on."""
    e = explanation
    d = e.diagnosis
    out = _wrap(f"{d.organization}: {d.level.name} (level {d.level.rank} of "
                f"{len(pack.levels)}); pack {d.pack.id} {d.pack.version}", 0)
    out += ["", f"Why {d.level.name}"]
    out += _proof_lines(e.why, 0)
    out.append("")
    if e.why_not_level is None:
        out.append("Why not higher: this is the top level of the model.")
    else:
        count = len(e.why_not)
        out.append(f"Why not {e.why_not_level.name}: {count} unmet "
                   f"criteri{'on' if count == 1 else 'a'}")
        for unmet in e.why_not:
            out += _proof_lines(unmet.proof, 0)
            if unmet.satisfy:
                first, *others = unmet.satisfy
                out += _wrap(f"would be met by: {_change_text(first)}", 6, hang=4)
                for option in others:
                    out += _wrap(f"or by: {_change_text(option)}", 6, hang=4)
            else:
                out += _wrap("no change of its own facts alone would meet it", 6)
    if e.findings:
        out += ["", "Findings"]
        for finding in e.findings:
            out += _wrap(f"{finding.severity.upper()} {finding.id}", 2)
            out += _wrap(finding.message, 5)
    out.append("")
    if e.robustness:
        out.append(f"What {d.level.name} rests on: facts that, changed alone, lower the level")
        for item in e.robustness:
            drops = "; ".join(f"{show_value(value)} gives {level.name}"
                              for value, level in item.drops)
            out += _wrap(f"{item.path} = {show_value(item.value)}: {drops}", 2, hang=4)
    else:
        out.append(f"What {d.level.name} rests on: no single fact, changed alone, lowers it.")
    out.append("")
    out += _wrap(f"{e.evaluated} changed fact sets were assessed by the engine to find what "
                 "would satisfy each criterion and what the level rests on.", 0)
    return "\n".join(line.rstrip() for line in out) + "\n"


def render_search(result: Any, organization: str) -> str:
    """The fewest fact changes that reach a target level."""
    r = result
    out = _wrap(f"What would take {organization} from {r.current.name} to {r.target.name}", 0)
    out.append("")
    if not r.reachable:
        out += _wrap(f"No change within the facts contract reaches {r.target.name}: "
                     f"{r.reason}.", 0)
    elif r.current.rank >= r.target.rank:
        out += _wrap(f"Already at {r.current.name}, which is at or above {r.target.name}: "
                     "nothing to change.", 0)
    else:
        fields = len(r.solutions[0].changes)
        ways = len(r.solutions)
        out += _wrap(f"Fewest changes: {fields} field{'s' * (fields != 1)}, "
                     f"{ways} way{'s' * (ways != 1)}, each confirmed by re-running the engine.",
                     0)
        for number, solution in enumerate(r.solutions, start=1):
            out += ["", f"Option {number}: reaches {solution.level.name}"]
            recs = dict(solution.recommendations)
            for change in solution.changes:
                out += _wrap(change.describe(), 2, hang=4)
                if recs.get(change.path):
                    out += _wrap(f"as in {', '.join(recs[change.path])}", 6)
    out.append("")
    out += _wrap(f"{r.evaluated} candidate fact sets were assessed by the engine.", 0)
    return "\n".join(line.rstrip() for line in out) + "\n"


def render_comparison(comparison: Any) -> str:
    """The diagnosis before and after edits, side by side."""
    c = comparison
    out = _wrap(f"What if: {', '.join(edit.text for edit in c.edits)}", 0)
    out.append("")
    out.append(f"  {'':34}{'before':<22}after")
    out.append(f"  {'level':34}{c.before.level.name:<22}{c.after.level.name}")
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
        out.append(f"  {ident:<44}{status('criterion', before):<10}-> "
                   f"{status('criterion', after)}")
    if not c.diff.flipped:
        out.append("  none")
    for title, items in (("Recommendations that disappeared", c.diff.recommendations_removed),
                         ("Recommendations that appeared", c.diff.recommendations_added)):
        out += ["", title]
        out += [f"  {item}" for item in items] or ["  none"]
    return "\n".join(line.rstrip() for line in out) + "\n"
