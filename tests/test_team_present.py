"""How the BRM team is shown (issue 18): the heatmap in text, Markdown and HTML marks exactly the
shortfalls the team result holds; a hostile BRM name is inert in every format; the report with a
team is strict HTML5 with a radar per BRM; explain says where a practice rating came from; and
facts without BRMs show no team at all."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import html5lib
import pytest
import yaml

from brm_advisor.engine import Diagnosis
from brm_advisor.engine.analysis.explain import explain
from brm_advisor.engine.present.report import render_report, report_context
from brm_advisor.engine.present.text import (
    BELOW_NEXT,
    BELOW_TARGET,
    NOT_RATED,
    aggregation_words,
    render_explanation,
    render_text,
)
from brm_advisor.engine.team.result import TeamResult

from conftest import BASE_FACTS, EXAMPLES

NORTHWIND = EXAMPLES / "northwind-team.yaml"
HOSTILE = "<script>alert(1)</script> | *bold* _x_ [a](javascript:x)"
HTML_NS = "{http://www.w3.org/1999/xhtml}"


def northwind_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(NORTHWIND.read_text(encoding="utf-8"))
    return data


def assess(advisor, data: dict[str, Any]):
    facts = advisor.reader.from_data(data)
    return facts, advisor.assess(facts)


def team_of(diagnosis: Diagnosis) -> TeamResult:
    assert diagnosis.team is not None
    return diagnosis.team


def expected_marks(team: TeamResult) -> dict[str, list[str]]:
    """Each BRM's cell marks, from the team result's shortfalls (not from the ratings)."""
    marks = {}
    for profile in team.profiles:
        below_next = {s.competency for s in profile.below_next}
        below_target = {s.competency for s in profile.below_target}
        row = []
        for competency, rating in profile.ratings:
            if rating is None:
                row.append(NOT_RATED)
            elif competency in below_next:
                row.append(f"{rating}{BELOW_NEXT}")
            elif competency in below_target:
                row.append(f"{rating}{BELOW_TARGET}")
            else:
                row.append(str(rating))
        marks[profile.name] = row
    return marks


@pytest.fixture(scope="module")
def varied(advisor):
    """Northwind with a fifth BRM not rated on two competencies (gaps shown as not rated)."""
    data = northwind_data()
    data["brms"].append({"name": "Kim Novak", "units": ["Retail"],
                         "competencies": {"communication": 3, "business_alignment": 1,
                                          "relationships": 4, "value_realization": 2,
                                          "business_environment": 3, "financial_savvy": 0}})
    return assess(advisor, data)


def test_the_text_heatmap_marks_exactly_the_shortfalls(advisor, seed_pack, varied):
    facts, diagnosis = varied
    team = team_of(diagnosis)
    text = render_text(diagnosis, seed_pack)
    block = text[text.index("\nBRM team\n"):text.index("\nDevelopment plan")]
    rows = {}
    for line in block.splitlines():
        for profile in team.profiles:
            if line.startswith(f"  {profile.name} "):
                rows[profile.name] = line[2 + len(profile.name):].split()
    assert rows == expected_marks(team)
    assert {cell for row in rows.values() for cell in row if cell.endswith(BELOW_NEXT)}
    assert NOT_RATED in rows["Kim Novak"]
    # the practice row holds the derived ratings, the legend names the marks in words
    practice = next(line for line in block.splitlines() if line.startswith("  Practice ("))
    assert practice.split()[2:] == [str(a.value) for a in team.aggregates]
    assert f"{BELOW_NEXT} below what Advisor needs" in block
    assert f"{BELOW_TARGET} below what Strategic Partner needs" in block
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_report_heatmap_marks_exactly_the_shortfalls(advisor, varied):
    facts, diagnosis = varied
    team = team_of(diagnosis)
    context = report_context(advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    cells = {row["name"]: [cell["text"].replace(" ", "") for cell in row["cells"]]
             for row in context["team"]["brms"]}
    assert cells == expected_marks(team)
    html = render_report(context, "html")
    document = html5lib.parse(html)
    table = next(t for t in document.iter(f"{HTML_NS}table")
                 if "heatmap" in (t.get("class") or ""))
    shown = {}
    for row in table.iter(f"{HTML_NS}tr"):
        head = row.find(f"{HTML_NS}th")
        data = ["".join(td.itertext()).replace(" ", "") for td in row.findall(f"{HTML_NS}td")]
        if head is not None and data:
            shown["".join(head.itertext())] = data
            assert all(data), "every cell holds text"
    assert {name: shown[name] for name in cells} == cells
    markdown = render_report(context, "markdown")
    for profile in team.profiles:
        line = next(line for line in markdown.splitlines()
                    if line.startswith(f"| {profile.name} |"))
        marks = [cell.strip().replace("\\", "").replace(" ", "")
                 for cell in line.strip("|").split("|")[1:]]
        assert marks == cells[profile.name]


def test_a_hostile_brm_name_is_inert_in_every_format(advisor, seed_pack):
    data = northwind_data()
    data["brms"][1]["name"] = HOSTILE
    data["brms"][1]["role"] = "<img src=x onerror=alert(2)>"
    facts, diagnosis = assess(advisor, data)
    context = report_context(advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    html = render_report(context, "html")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | *bold*" in html
    parser = html5lib.HTMLParser(strict=True)
    document = parser.parse(html)
    assert not parser.errors
    tags = {element.tag.split("}")[-1] for element in document.iter()}
    assert not tags & {"script", "img", "a"}
    # the BRM's radar is titled with the name, as text
    titles = ["".join(t.itertext()) for t in document.iter("{http://www.w3.org/2000/svg}title")]
    assert f"{HOSTILE}: competency radar" in titles
    markdown = render_report(context, "markdown")
    assert "<script" not in markdown and "<img" not in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| &lt;script"))
    assert "\\|" in row and "\\*bold\\*" in row
    header = next(line for line in markdown.splitlines() if line.startswith("| BRM |"))
    unescaped = re.compile(r"(?<!\\)\|")
    assert len(unescaped.findall(row)) == len(unescaped.findall(header))
    assert f"**{HOSTILE}**" not in markdown
    text = render_text(diagnosis, seed_pack)
    assert "Development plan" in text


def test_the_report_with_a_team_is_strict_html5_with_a_radar_per_brm(advisor):
    facts, diagnosis = assess(advisor, northwind_data())
    team = team_of(diagnosis)
    context = report_context(advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    html = render_report(context, "html")
    parser = html5lib.HTMLParser(strict=True)
    document = parser.parse(html)
    assert not parser.errors
    ids = {element.get("id") for element in document.iter() if element.get("id")}
    assert {"team", "team-profiles", "team-plan-h"} <= ids
    for number, profile in enumerate(team.profiles, start=1):
        svg = ET.fromstring(context["team"]["profiles"][number - 1]["radar_svg"])
        namespace = "{http://www.w3.org/2000/svg}"
        assert svg.find(f"{namespace}title").text == f"{profile.name}: competency radar"
        desc = svg.find(f"{namespace}desc").text
        assert desc.startswith(f"{profile.name}'s competency ratings from 0 to 4")
        assert f"radar-brm-{number}-title" in svg.get("aria-labelledby")
    # the plan in the roadmap: every item, with the pack's actions
    for item in team.plan:
        for step in item.actions:
            assert step.action.replace("'", "&#39;") in html
    # the practice radar shows the derived ratings, not "not rated"
    assert [axis["rating"] for axis in context["radar"]] == [a.value for a in team.aggregates]


def test_explain_says_where_a_practice_rating_came_from(advisor, seed_pack):
    facts, diagnosis = assess(advisor, northwind_data())
    team = team_of(diagnosis)
    explanation = explain(advisor, facts, diagnosis)
    communication = next(a for a in team.aggregates if a.competency == "communication")
    words = communication.describe(seed_pack.team)
    assert words == ("the median of the BRMs' ratings: Dana Whitfield 4, Lee Okafor 2, "
                     "Sam Patel 2, Rui Costa 3")
    text = " ".join(render_explanation(explanation, seed_pack).split())
    assert f"competencies.communication = {communication.value}: {words}" in text
    data = json.loads(json.dumps(explanation.to_dict()))
    nodes = [node for unmet in data["why_not"]["unmet"] for node in _walk(unmet["proof"])
             if node["kind"] == "aggregation"]
    derived = next(node for node in nodes if node["id"] == "competencies.communication")
    assert derived["text"] == words and derived["rule"] == "team:median/communication"
    rests_on = derived["children"][0]["facts"]
    assert [(f["path"], f["value"]) for f in rests_on] == [
        (f"brms[{name}].competencies.communication", rating)
        for name, rating in communication.ratings]


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node["children"]:
        found += _walk(child)
    return found


def test_facts_without_brms_show_no_team(advisor, seed_pack):
    data = copy.deepcopy(BASE_FACTS)
    data["competencies"] = {"communication": 2}
    facts, diagnosis = assess(advisor, data)
    assert diagnosis.team is None
    assert "BRM team" not in render_text(diagnosis, seed_pack)
    explanation = explain(advisor, facts, diagnosis)
    assert not [n for n in explanation.why.walk() if n.kind == "aggregation"]
    context = report_context(advisor, facts, diagnosis, explanation)
    assert context["team"] is None
    for fmt in ("html", "markdown"):
        assert "BRM team" not in render_report(context, fmt)


@pytest.mark.parametrize("method, words", [
    ("median", "the median of the 4 BRMs' ratings of each competency (for an even count, "
               "the lower of the two middle ones)"),
    ("lowest", "the lowest of the 4 BRMs' ratings of each competency"),
    ("highest", "the highest of the 4 BRMs' ratings of each competency")])
def test_the_aggregation_in_words(advisor, method, words):
    team = team_of(assess(advisor, northwind_data())[1])
    assert aggregation_words(team._replace(aggregation=method)) == words
    one = team._replace(aggregation=method, profiles=team.profiles[:1])
    assert "the one BRM's ratings" in aggregation_words(one)
