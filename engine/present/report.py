"""The report a consultant hands over: HTML (self-contained, printable) and Markdown.

`report_context` gathers what a report shows from the diagnosis, its explanation and the pack;
Jinja2 templates (package data, ``engine/templates/``) lay it out; the SVG charts come from
`charts`. User text (organization, notes) is escaped: HTML by the template engine, Markdown by
`markdown_escape`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis.dependencies import Knowledge
from ..analysis.explain import Explanation, ProofNode
from ..inference.diagnosis import Diagnosis
from ..inputs.facts import Facts
from ..packs.model import RulePack
from .charts import Axis, Rung, ladder_svg, radar_svg
from .words import prose_value, status

if TYPE_CHECKING:
    from ..inference.advisor import Advisor

FORMATS = ("html", "markdown")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def report_context(advisor: Advisor, facts: Facts, diagnosis: Diagnosis,
                   explanation: Explanation) -> dict[str, Any]:
    """Everything a report shows, as plain data for the templates."""
    pack = advisor.pack
    d = diagnosis
    names = {level.id: level.name for level in pack.levels}
    ranks = {level.id: level.rank for level in pack.levels}
    criteria_by_level = []
    for level in pack.levels[1:]:
        results = [c for c in d.criteria if c.level == level.id]
        criteria_by_level.append({
            "name": level.name, "rank": level.rank,
            "status": "attained" if level.rank <= d.level.rank else "not attained",
            "criteria": [{"id": c.id, "text": c.text, "met": c.met, "source": c.source,
                          "facts": [(p, prose_value(v)) for p, v in c.facts]} for c in results]})
    roadmap: list[dict[str, Any]] = []
    for rec in d.recommendations:
        if not roadmap or roadmap[-1]["level"] != names[rec.level]:
            roadmap.append({"level": names[rec.level], "recommendations": []})
        roadmap[-1]["recommendations"].append(rec._asdict())
    rungs = [Rung(level.name, level.rank, level.rank <= d.level.rank,
                  level.id == d.level.id, d.target is not None and level.id == d.target.id)
             for level in pack.levels]
    axes, maximum = _competency_axes(pack, advisor.knowledge, facts, d, ranks)
    return {
        "organization": d.organization,
        "business_unit": facts.get("business_unit"),
        "assessed_on": facts.get("assessed_on"),
        "assessor": facts.get("assessor"),
        "notes": facts.get("notes"),
        "pack": d.pack.to_dict(),
        "level": d.level._asdict(),
        "levels_total": len(pack.levels),
        "next_level": d.next_level._asdict() if d.next_level else None,
        "target": d.target._asdict() if d.target else None,
        "top_actions": [r._asdict() for r in d.recommendations[:3]],
        "ladder_svg": ladder_svg(rungs),
        "ladder": [r._asdict() for r in rungs],
        "radar_svg": radar_svg(axes, maximum) if axes else None,
        "radar": [{"name": a.name, "rating": a.rating, "thresholds": list(a.thresholds)}
                  for a in axes],
        "criteria_by_level": criteria_by_level,
        "roadmap": roadmap,
        "findings": [f._asdict() for f in d.findings],
        "why": _lines(explanation.why),
        "why_not_level": explanation.why_not_level.name if explanation.why_not_level else None,
        "why_not": [{"id": u.id, "text": u.text, "lines": _lines(u.proof)[1:],
                     "satisfy": ["; ".join(c.describe() for c in option)
                                 for option in u.satisfy]} for u in explanation.why_not],
        "robustness": [{"path": s.path, "value": prose_value(s.value),
                        "drops": [(prose_value(v), lv.name) for v, lv in s.drops]}
                       for s in explanation.robustness],
        "sources": [s._asdict() for s in pack.sources],
    }


def _lines(node: ProofNode, depth: int = 0) -> list[dict[str, Any]]:
    """A proof tree as indented lines (for text-like layouts)."""
    if node.kind == "facts":
        return [{"depth": depth, "text": f"{p} = {prose_value(v)}", "rule": None, "kind": "facts"}
                for p, v in node.facts]
    shown = status(node.kind, bool(node.value), prose=True)
    lines = [{"depth": depth, "text": f"{node.text} ({shown})", "rule": node.rule,
              "kind": node.kind, "source": node.source}]
    for child in node.children:
        lines += _lines(child, depth + 1)
    return lines


def _competency_axes(pack: RulePack, knowledge: Knowledge, facts: Facts, d: Diagnosis,
                     ranks: Mapping[str, int]) -> tuple[list[Axis], int]:
    """Rated facts (integers on a bounded scale that rules test) and the thresholds the next
    level and the target set for them."""
    rated = [info for info in pack.fact_paths.values() if info.kind == "integer"
             and info.minimum is not None and info.maximum is not None
             and info.maximum - info.minimum <= 10 and info.path in knowledge.tests]
    if not rated:
        return [], 0
    goals = []
    if d.next_level is not None:
        goals.append((f"next level ({d.next_level.name})", d.next_level.rank))
    if d.target is not None and (d.next_level is None or d.target.rank > d.next_level.rank):
        goals.append((f"target ({d.target.name})", d.target.rank))
    thresholds: dict[str, dict[str, int]] = {info.path: {} for info in rated}
    for criterion in pack.criteria:
        for test in knowledge.criterion_tests[criterion.id]:
            if test.path in thresholds and test.op == "at_least" and not test.negated:
                for label, rank in goals:
                    if ranks[criterion.level] <= rank:
                        current = thresholds[test.path].get(label, 0)
                        thresholds[test.path][label] = max(current, int(test.value))
    schema_fields = _descriptions(pack.facts_schema)
    axes = [Axis(schema_fields.get(info.path, info.path), facts.get(info.path),
                 tuple(sorted(thresholds[info.path].items())))
            for info in rated]
    return axes, int(max(info.maximum for info in rated if info.maximum is not None))


def _descriptions(schema: Mapping[str, Any]) -> dict[str, str]:
    from ..packs.model import leaf_fields

    return {path: str(field.get("description", path)).rstrip(".")
            for path, field in leaf_fields(schema).items()}


def markdown_escape(value: Any) -> str:
    """User text made inert in GitHub-flavoured Markdown (and in a table cell)."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;")  # no raw HTML, no entities
    text = re.sub(r"([\\`*\[\]|~])", r"\\\1", text)  # emphasis, code, links, tables
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)  # not inside words
    text = re.sub(r"^([#+\-=>])", r"\\\1", text)  # what starts a heading, list or quote
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # what starts a numbered list


def render_report(context: Mapping[str, Any], report_format: str) -> str:
    """The report as HTML or Markdown."""
    import jinja2

    if report_format not in FORMATS:
        raise ValueError(report_format)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=report_format == "html", undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters["md"] = markdown_escape
    name = "report.html.j2" if report_format == "html" else "report.md.j2"
    return environment.get_template(name).render(**context)
