"""Facts validation: every problem at once, with its path, what is allowed and a suggestion;
and the fast checker never accepts what jsonschema rejects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from brm_advisor.engine import FactsValidationError
from brm_advisor.engine.inputs.schema_check import SchemaValidator
from brm_advisor.engine.packs.resources import schema
from brm_advisor.engine.present.words import suggest

FACTS_SCHEMA = schema("facts")


def issues_of(advisor, data: Any) -> dict[str, Any]:
    with pytest.raises(FactsValidationError) as caught:
        advisor.reader.from_data(data, "x.yaml")
    return {issue.path: issue for issue in caught.value.issues}


def test_the_facts_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(FACTS_SCHEMA)
    Draft202012Validator.check_schema(schema("diagnosis"))
    Draft202012Validator.check_schema(schema("rulepack"))


def test_the_contract_names_are_there():
    props = FACTS_SCHEMA["properties"]
    assert set(FACTS_SCHEMA["required"]) == {"organization", "brm", "engagement", "measures"}
    assert props["engagement"]["properties"]["mode"]["enum"] == [
        "reactive", "order_taking", "advisory", "partnership"]
    assert props["engagement"]["properties"]["prioritization"]["enum"] == [
        "loudest_voice", "first_come", "business_priorities", "joint"]
    assert props["engagement"]["properties"]["lifecycle"]["items"]["enum"] == [
        "strategy", "planning", "investment", "delivery", "operations", "value_realization"]
    assert props["measures"]["items"]["enum"] == [
        "satisfaction", "service_levels", "business_value", "agility", "innovation",
        "collaboration"]
    assert set(props["competencies"]["properties"]) == {
        "value_realization", "business_environment", "business_alignment", "relationships",
        "organizational_change", "projects_and_programs", "communication", "financial_savvy"}
    assert props["target_level"]["enum"] == ["ad_hoc", "order_taker", "advisor",
                                             "strategic_partner"]


def test_every_error_at_once_with_path_allowed_and_suggestion(advisor, base_facts):
    data = base_facts
    data["brm"]["formal_role"] = "yes please"
    data["engagement"]["mode"] = "advsory"
    data["engagement"]["lifecycle"] = ["planning", "planning", "strat"]
    data["competencies"] = {"communication": 7, "comms": 2}
    data["enagement"] = {}
    del data["measures"]
    found = issues_of(advisor, data)
    assert set(found) == {
        "$.brm.formal_role", "$.engagement.mode", "$.engagement.lifecycle",
        "$.engagement.lifecycle[2]", "$.competencies.communication", "$.competencies.comms",
        "$.enagement", "$.measures"}
    mode = found["$.engagement.mode"]
    assert mode.code == "enum" and mode.suggestion == "advisory"
    assert mode.allowed == "reactive, order_taking, advisory, partnership"
    assert found["$.engagement.lifecycle[2]"].suggestion == "strategy"
    assert found["$.engagement.lifecycle"].code == "duplicate-item"
    assert found["$.competencies.communication"].allowed == "whole numbers from 0 to 4"
    assert found["$.competencies.comms"].suggestion == "communication"
    assert found["$.enagement"].suggestion == "engagement"
    assert found["$.measures"].code == "required"
    assert "satisfaction" in found["$.measures"].allowed
    assert found["$.brm.formal_role"].allowed == "true or false"


@pytest.mark.parametrize(("change", "path", "code"), [
    (lambda d: d.update(organization=""), "$.organization", "length"),
    (lambda d: d.update(organization="   "), "$.organization", "pattern"),
    (lambda d: d.update(organization=42), "$.organization", "type"),
    (lambda d: d["brm"].pop("formal_role"), "$.brm.formal_role", "required"),
    (lambda d: d["engagement"].update(prioritization="loudest"), "$.engagement.prioritization",
     "enum"),
    (lambda d: d.update(measures=["satisfaction", "satisfaction"]), "$.measures",
     "duplicate-item"),
    (lambda d: d.update(target_level="partner"), "$.target_level", "enum"),
    (lambda d: d.update(competencies={"relationships": 2.5}), "$.competencies.relationships",
     "type"),
    (lambda d: d.update(competencies={"relationships": True}), "$.competencies.relationships",
     "type"),
    (lambda d: d.update(assessed_on="29/11/2026"), "$.assessed_on", "pattern"),
    (lambda d: d.update(evidence={"engagement.mod": "x"}), "$.evidence['engagement.mod']",
     "unknown-field"),
    (lambda d: d.update(facts_version=2), "$.facts_version", "const"),
])
def test_single_problems(advisor, base_facts, change, path, code):
    change(base_facts)
    found = issues_of(advisor, base_facts)
    assert path in found, found
    assert found[path].code == code


def test_optional_fields_are_accepted(advisor, base_facts):
    base_facts.update(assessed_on="2026-11-29", assessor="A. B.", notes="n",
                      business_unit="Claims", facts_version=1,
                      evidence={"engagement.mode": "interviews"},
                      competencies={"communication": 3})
    base_facts["brm"]["head_count"] = 3
    assert advisor.reader.from_data(base_facts).organization == "Acme Corp"


def test_not_a_mapping(advisor):
    for data in (["a"], "text", None, 3):
        found = issues_of(advisor, data)
        assert found["$"].code == "type"


def test_lines_are_reported_for_files(advisor, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("organization: X\nbrm:\n  formal_role: true\nengagement:\n"
                    "  mode: advsory\n  prioritization: joint\n  lifecycle: []\n"
                    "measures: []\nextra: 1\n")
    with pytest.raises(FactsValidationError) as caught:
        advisor.read(path)
    lines = {issue.path: issue.line for issue in caught.value.issues}
    assert lines == {"$.engagement.mode": 5, "$.extra": 9}
    text = caught.value.describe()
    assert f"{path}:5: $.engagement.mode: 'advsory' is not allowed" in text
    assert "(did you mean 'advisory'?)" in text


def test_suggestions():
    assert suggest("advsory", ["advisory", "reactive"]) == "advisory"
    assert suggest("Advisory", ["advisory"]) == "advisory"
    assert suggest("zzz", ["advisory"]) is None
    assert suggest(3, ["advisory"]) is None


# --- the fast checker against jsonschema ------------------------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 8),
                         st.floats(allow_nan=False, allow_infinity=False, width=16),
                         st.sampled_from(["", " ", "x", "advisory", "joint", "strategy",
                                          "satisfaction", "2026-11-29", "partnership"]))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(
                                   ["mode", "formal_role", "lifecycle", "communication", "x"]),
                                   children, max_size=3)),
    max_leaves=8)

PATHS = [("organization",), ("brm",), ("brm", "formal_role"), ("brm", "head_count"),
         ("engagement",), ("engagement", "mode"), ("engagement", "prioritization"),
         ("engagement", "lifecycle"), ("measures",), ("competencies",),
         ("competencies", "communication"), ("target_level",), ("evidence",), ("extra",),
         ("assessed_on",), ("facts_version",)]

VALID = {
    "organization": "Acme", "brm": {"formal_role": True},
    "engagement": {"mode": "advisory", "prioritization": "joint",
                   "lifecycle": ["planning", "strategy"]},
    "measures": ["satisfaction", "business_value"],
    "competencies": {"communication": 3, "financial_savvy": 1},
    "target_level": "advisor",
}


@st.composite
def mutated(draw: Any) -> Any:
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(PATHS))
        target = data
        for part in path[:-1]:
            if not isinstance(target, dict):
                break
            target = target.setdefault(part, {})
        if not isinstance(target, dict):
            continue
        if draw(st.booleans()) and path[-1] in target:
            del target[path[-1]]
        else:
            target[path[-1]] = draw(JSON_VALUES)
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fast_checker_never_accepts_what_jsonschema_rejects(data):
    validator = SchemaValidator(FACTS_SCHEMA)
    reference = Draft202012Validator(FACTS_SCHEMA)
    assert validator._fast is not None
    fast = validator._fast(data)
    truth = reference.is_valid(data)
    if fast:
        assert truth
    assert validator.is_valid(data) == truth
    assert (validator.issues(data) == ()) == truth


ORGANIZATION = FACTS_SCHEMA["properties"]["organization"]


@settings(max_examples=200, deadline=None)
@given(st.builds(dict, organization=st.text(min_size=ORGANIZATION["minLength"],
                                            max_size=ORGANIZATION["maxLength"]).filter(str.strip)))
def test_fast_checker_accepts_ordinary_valid_documents(extra):
    # the names generated are valid by the schema's own limits (not over 200 characters)
    data = {**copy.deepcopy(VALID), **extra}
    validator = SchemaValidator(FACTS_SCHEMA)
    assert Draft202012Validator(FACTS_SCHEMA).is_valid(data)
    assert validator._fast(data) is True


@pytest.mark.parametrize("length", [ORGANIZATION["maxLength"], ORGANIZATION["maxLength"] + 1])
def test_fast_checker_and_jsonschema_agree_on_the_longest_name(length):
    data = {**copy.deepcopy(VALID), "organization": "0" * length}
    valid = length <= ORGANIZATION["maxLength"]
    assert Draft202012Validator(FACTS_SCHEMA).is_valid(data) is valid
    assert SchemaValidator(FACTS_SCHEMA)._fast(data) is valid
    assert SchemaValidator(FACTS_SCHEMA).is_valid(data) is valid


def test_unsupported_keywords_fall_back_to_jsonschema():
    validator = SchemaValidator({"oneOf": [{"type": "string"}, {"type": "integer"}]})
    assert validator._fast is None
    assert validator.is_valid("x") and validator.is_valid(3) and not validator.is_valid(1.5)


def test_any_of_is_checked_on_the_fast_path_as_jsonschema_checks_it():
    schema = {"anyOf": [{"type": "string", "minLength": 2}, {"type": "integer"},
                        {"type": "array", "items": {"anyOf": [{"type": "string"}]}}]}
    validator = SchemaValidator(schema)
    assert validator._fast is not None
    for value in ("x", "xy", 3, 1.5, [], ["a"], [1], None):
        assert validator._fast(value) is Draft202012Validator(schema).is_valid(value), value
