"""Engagements: an organization assessed unit by unit, by several respondents, with evidence;
read from a folder or an engagement file, combined, rolled up (issue 10, the library part)."""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from brm_advisor.engine import Advisor, resolve_pack
from brm_advisor.engine.engagement.combine import Respondent, combine
from brm_advisor.engine.engagement.reading import is_engagement, read_engagement
from brm_advisor.engine.engagement.rollup import assess_engagement
from brm_advisor.engine.errors import EngagementError

from conftest import BASE_FACTS, EXAMPLES, ROOT

BANK = EXAMPLES / "first-national-bank"
ENGAGEMENT_SCHEMA = json.loads((ROOT / "schemas" / "engagement.schema.json").read_text())
DIAGNOSIS_SCHEMA = json.loads((ROOT / "schemas" / "diagnosis.schema.json").read_text())


def assessed(advisor: Advisor, path: Path, **kwargs: Any):
    engagement = read_engagement(path, advisor.reader, advisor.pack.fields)
    return assess_engagement(advisor, engagement, **kwargs)


def test_the_shipped_bank_rolls_up_to_its_lowest_unit_with_the_distribution(advisor):
    result = assessed(advisor, BANK)
    levels = {unit.name: unit.diagnosis.level.id for unit in result.units}
    assert levels == {"Retail banking": "order_taker", "Corporate banking": "order_taker",
                      "Wealth management": "strategic_partner", "Operations": "ad_hoc"}
    data = result.to_dict()
    assert data["level"]["id"] == "ad_hoc" and data["rollup_policy"] == "lowest"
    assert data["median"]["id"] == "order_taker"
    assert data["distribution"] == {"ad_hoc": 1, "order_taker": 2, "advisor": 0,
                                    "strategic_partner": 1}
    Draft202012Validator(ENGAGEMENT_SCHEMA).validate(data)
    for unit in data["units"]:
        Draft202012Validator(DIAGNOSIS_SCHEMA).validate(unit["diagnosis"])
    assert [u["business_unit"] for u in data["units"]] == list(levels)


def test_a_unit_far_ahead_and_respondents_who_disagree_are_findings(advisor):
    findings = {f.id: f for f in assessed(advisor, BANK).findings}
    ahead = findings["engagement.unit_ahead"]
    assert ahead.units == ("Wealth management",) and "two or more levels ahead" in ahead.message
    mode = findings["engagement.disagreement.engagement.mode"]
    assert mode.message == (
        "Retail banking: the respondents disagree on engagement.mode: Dana Reyes (business) "
        "said order_taking; Sam Ito (it) said advisory; combined as order_taking (the least "
        "mature answer).")
    assert "engagement.disagreement.organization" not in findings  # not an answer


def test_respondents_are_combined_conservatively_and_each_answer_is_kept(advisor):
    retail = assessed(advisor, BANK).units[0]
    facts = retail.unit.facts
    assert facts.get("engagement.mode") == "order_taking"  # the less mature answer
    assert facts.get("engagement.lifecycle") == ["delivery", "operations"]  # both named them
    assert facts.get("measures") == ["satisfaction", "service_levels"]
    assert facts.get("competencies.relationships") == 3  # lower median of 3 and 4
    combined = {c.path: c for c in retail.unit.combined}
    assert [(a.respondent, a.value) for a in combined["engagement.mode"].answers] == [
        ("Dana Reyes", "order_taking"), ("Sam Ito", "advisory")]
    assert facts.get("business_unit") == "Retail banking"


def test_evidence_is_kept_beside_the_criteria_it_supports(advisor):
    units = {unit.name: unit for unit in assessed(advisor, BANK).units}
    retail = units["Retail banking"]
    supply = retail.evidence_for("order_taker.supply_engagement")
    assert [e.text for e in supply] == [
        "Request log, Q3: 212 of 230 items are service requests"]
    assert supply[0].given_by == "Dana Reyes"
    measures = retail.evidence_for("order_taker.supply_measures")
    assert measures[0].to_dict() == {"path": "measures", "text": "Monthly SLA report to the "
                                     "retail board", "source": "Retail PMO",
                                     "date": "2026-10-31", "given_by": "Dana Reyes"}
    assert "order_taker.formal_role" in retail.unevidenced()
    assert "order_taker.supply_engagement" not in retail.unevidenced()
    corporate = units["Corporate banking"]
    assert "order_taker.formal_role" not in corporate.unevidenced()


def test_recommendations_are_given_once_naming_their_units(advisor):
    result = assessed(advisor, BANK)
    recs = {r.id: r for r in result.recommendations}
    assert recs["rec.advisor.seek_advice"].units == ("Retail banking", "Corporate banking")
    assert recs["rec.order_taker.appoint_brm"].units == ("Operations",)
    orders = [r.order for r in result.recommendations]
    assert orders == list(range(1, len(orders) + 1))
    ranks = [advisor.pack.rank(r.level) for r in result.recommendations]
    assert ranks == sorted(ranks)


def test_the_units_by_criteria_matrix_and_gaps_common_to_most_units(advisor, tmp_path):
    result = assessed(advisor, BANK)
    matrix = dict(result.matrix)
    assert matrix["order_taker.formal_role"] == (True, True, True, False)
    assert "strategic_partner.partnership" in matrix  # Wealth is at the top: every level shown
    folder = tmp_path / "same"
    folder.mkdir()
    for name in ("A", "B", "C"):
        facts = {**BASE_FACTS, "organization": "Same", "business_unit": name}
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(facts))
    same = assessed(advisor, folder)
    assert same.common_gaps and not same.unit_gaps
    assert set(same.common_gaps) == set(same.units[0].diagnosis.gaps)


def test_a_folder_of_unit_files_is_an_engagement(advisor, tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    for name in ("retail-business", "retail-it", "corporate", "operations"):
        shutil.copy(BANK / f"{name}.yaml", folder)
    for name, who, role in (("retail-business", "Dana Reyes", "business"),
                            ("retail-it", "Sam Ito", "it")):
        path = folder / f"{name}.yaml"
        path.write_text(path.read_text() + f"respondent: {{name: {who}, role: {role}}}\n")
    assert is_engagement(folder)
    result = assessed(advisor, folder)
    assert [u.name for u in result.units] == ["Corporate banking", "Operations",
                                              "Retail banking"]
    retail = result.units[2]
    assert [(r.name, r.role) for r in retail.unit.respondents] == [
        ("Dana Reyes", "business"), ("Sam Ito", "it")]
    assert result.rollup.level.id == "ad_hoc"


def write(folder: Path, name: str, data: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def unit_facts(organization: str = "Bank", unit: str | None = None, **extra: Any
               ) -> dict[str, Any]:
    facts = {**BASE_FACTS, "organization": organization, **extra}
    if unit:
        facts["business_unit"] = unit
    return facts


def test_an_ambiguous_engagement_is_refused_with_every_problem_at_once(advisor, tmp_path):
    folder = tmp_path / "e"
    write(folder, "a.yaml", unit_facts("Bank", "A"))
    write(folder, "b.yaml", unit_facts("Other Bank", "B"))
    write(folder, "c.yaml", unit_facts("Bank", "C"))
    write(tmp_path, "outside.yaml", unit_facts("Bank", "D"))
    write(folder, "engagement.yaml", {
        "organization": "Bank",
        "units": [
            {"name": "A", "file": "a.yaml"},
            {"name": "A", "file": "c.yaml"},
            {"name": "B", "file": "b.yaml"},
            {"name": "D", "file": "../outside.yaml"},
            {"name": "E", "respondents": [{"name": "X", "role": "buisness", "file": "a.yaml"}]},
        ]})
    with pytest.raises(EngagementError) as caught:
        read_engagement(folder, advisor.reader, advisor.pack.fields)
    issues = caught.value.issues
    codes = {issue.code for issue in issues}
    assert codes >= {"duplicate-unit", "other-unit", "other-organization", "outside-folder",
                     "enum"}
    assert all(issue.line is not None for issue in issues)
    role = next(i for i in issues if i.code == "enum")
    assert role.suggestion == "business" and role.path == "$.units[4].respondents[0].role"
    assert str(folder / "engagement.yaml") in str(caught.value)


def test_a_folder_of_several_organizations_or_unnamed_respondents_is_refused(advisor, tmp_path):
    folder = tmp_path / "f"
    write(folder, "a.yaml", unit_facts("Bank", "A"))
    write(folder, "a2.yaml", unit_facts("Bank", "A"))
    write(folder, "b.yaml", unit_facts("Other", "B"))
    write(folder, "nounit.yaml", unit_facts("Bank"))
    with pytest.raises(EngagementError) as caught:
        read_engagement(folder, advisor.reader, advisor.pack.fields)
    messages = " | ".join(issue.message for issue in caught.value.issues)
    assert "b.yaml name(s) the organization 'Other', the other files 'Bank'" in messages
    assert "nounit.yaml: names no business_unit" in messages
    assert "unit 'A' has 2 files" in messages


def test_a_broken_unit_is_reported_and_the_others_assessed(advisor, tmp_path):
    folder = tmp_path / "g"
    write(folder, "a.yaml", unit_facts("Bank", "A"))
    bad = unit_facts("Bank", "B")
    bad["engagement"] = {**bad["engagement"], "mode": "advisroy"}
    write(folder, "b.yaml", bad)
    result = assessed(advisor, folder)
    assert [u.name for u in result.units] == ["A"]
    [broken] = result.broken
    assert broken.name == "B"
    [issue] = broken.error.issues
    assert issue.path == "$.engagement.mode" and issue.suggestion == "advisory"
    assert issue.line is not None and "b.yaml" in issue.message
    assert result.to_dict()["broken_units"][0]["business_unit"] == "B"


def test_the_pack_chooses_the_median_unit_instead(tmp_path):
    pack_folder = tmp_path / "pack"
    shutil.copytree(Path(resolve_pack().location), pack_folder)
    text = (pack_folder / "pack.yaml").read_text()
    (pack_folder / "pack.yaml").write_text(text.replace(
        "  attainment: staged\n", "  attainment: staged\n  unit_rollup: median\n", 1))
    with Advisor(resolve_pack(str(pack_folder))) as median:
        result = assessed(median, BANK)
    assert result.policy == "median" and result.rollup.level.id == "order_taker"


RATINGS = st.integers(0, 4)
MODES = ["reactive", "order_taking", "advisory", "partnership"]
STAGES = ["strategy", "planning", "investment", "delivery", "operations", "value_realization"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(MODES), st.lists(st.sampled_from(STAGES), unique=True),
                          RATINGS, st.booleans()), min_size=2, max_size=5))
def test_combining_follows_the_documented_policy(seed_pack, answers):
    respondents = []
    for index, (mode, stages, rating, role) in enumerate(answers):
        facts = unit_facts("Bank", "A")
        facts["engagement"] = {**facts["engagement"], "mode": mode, "lifecycle": stages}
        facts["competencies"] = {"communication": rating}
        facts["brm"] = {"formal_role": role}
        respondents.append(Respondent(f"R{index}", None, "x", facts))
    data, combined = combine(respondents, seed_pack.fields)
    assert data["engagement"]["mode"] == min((a[0] for a in answers), key=MODES.index)
    kept = data["engagement"]["lifecycle"]
    assert kept == [s for s in STAGES if sum(s in a[1] for a in answers) * 2 > len(answers)]
    assert data["competencies"]["communication"] == statistics.median_low(a[2] for a in answers)
    assert data["brm"]["formal_role"] is all(a[3] for a in answers)
    assert {c.path for c in combined} >= {"engagement.mode", "engagement.lifecycle"}
    Draft202012Validator(seed_pack.facts_schema).validate(data)


def test_explain_a_unit_shows_each_respondents_answer_and_how_it_was_combined():
    from conftest import run

    result = run("explain", str(BANK), "--unit", "Retail banking")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "How the respondents' answers were combined (Retail banking)" in text
    assert ("  engagement.mode = order_taking: the least mature answer  (they disagree)\n"
            "      Dana Reyes (business): order_taking\n"
            "      Sam Ito (it): advisory\n") in text
    data = json.loads(run("explain", str(BANK), "--unit", "Retail banking",
                          "--format", "json").output)
    mode = next(c for c in data["combined"] if c["path"] == "engagement.mode")
    assert mode["answers"] == [
        {"respondent": "Dana Reyes", "role": "business", "value": "order_taking"},
        {"respondent": "Sam Ito", "role": "it", "value": "advisory"}]
    assert data["business_unit"] == "Retail banking"


def test_a_units_explanation_carries_its_name_and_combined_answers_in_the_library(advisor):
    """The JSON `brm explain FOLDER --unit NAME --format json` prints is the library's own
    (`Explanation.to_dict(unit, combined)`); without a unit, no such keys."""
    from brm_advisor.engine import explain

    unit = next(u for u in read_engagement(BANK, advisor.reader, advisor.pack.fields).units
                if u.name == "Retail banking")
    explanation = explain(advisor, unit.facts, advisor.assess(unit.facts))
    plain = explanation.to_dict()
    assert "business_unit" not in plain and "combined" not in plain
    data = explanation.to_dict("Retail banking", unit.combined)
    assert list(data)[-2:] == ["business_unit", "combined"]
    assert {k: v for k, v in data.items() if k not in ("business_unit", "combined")} == plain
    assert data["combined"] == [item.to_dict() for item in unit.combined] != []


def test_explain_an_engagement_needs_a_known_unit():
    from conftest import run

    missing = run("explain", str(BANK))
    assert missing.exit_code == 2 and "name one with --unit" in missing.output
    typo = run("explain", str(BANK), "--unit", "Retail bankin")
    assert typo.exit_code == 2 and "did you mean 'Retail banking'?" in typo.output
    single = run("explain", str(EXAMPLES / "acme.yaml"), "--unit", "Retail banking")
    assert single.exit_code == 2 and "--unit names a business unit of an engagement" in (
        single.output)


def test_the_json_names_the_criteria_each_item_of_evidence_supports(advisor):
    data = assessed(advisor, BANK).to_dict()
    retail = data["units"][0]
    mode = next(e for e in retail["evidence"] if e["path"] == "engagement.mode")
    assert "order_taker.supply_engagement" in mode["criteria"]
    unit = next(e for e in retail["evidence"] if e["path"] == "unit")
    assert unit["criteria"] == []
    Draft202012Validator(ENGAGEMENT_SCHEMA).validate(data)
