"""Presenting a diagnosis: text for a terminal (80 columns) and JSON for programs.

Renderers read the result objects; they decide nothing about the diagnosis.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

from .diagnosis import CriterionResult, Diagnosis
from .pack import RulePack

WIDTH = 80


def render_json(diagnosis: Diagnosis) -> str:
    """The diagnosis as JSON (``schemas/diagnosis.schema.json``), byte-stable for one input."""
    return json.dumps(diagnosis.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _value(value: Any) -> str:
    if value is None:
        return "(not given)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]" if value else "[] (none)"
    return str(value)


def _wrap(text: str, indent: int, width: int = WIDTH) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=pad,
                         subsequent_indent=pad) or [pad]


def _criterion_lines(result: CriterionResult) -> list[str]:
    mark = "[x]" if result.met else "[ ]"
    lines = [f"  {mark} {result.id}"]
    lines += _wrap(result.text, 6)
    for path, value in result.facts:
        lines += _wrap(f"{path} = {_value(value)}", 6)
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
