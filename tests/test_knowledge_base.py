"""The seed pack's own cases (rules/merlyn_brm/tests/*.yaml), each run as a pytest case."""

from __future__ import annotations

from pathlib import Path

import pytest

from brm_advisor.engine import PackError, resolve_pack
from brm_advisor.engine.pack_tests import load_cases, run_case

from reference import diagnose

PACK = resolve_pack()
CASES = load_cases(Path(PACK.location) / "tests")


def test_the_pack_ships_cases_for_every_level_and_every_criterion_both_ways():
    levels = {case.expect["level"] for case in CASES}
    assert levels == {level.id for level in PACK.levels}
    met = {c for case in CASES for c in case.expect.get("met", [])}
    unmet = {c for case in CASES for c in case.expect.get("unmet", [])}
    every = {c.id for c in PACK.criteria}
    assert every <= met, f"criteria never expected met: {every - met}"
    assert every <= unmet, f"criteria never expected unmet: {every - unmet}"


@pytest.mark.parametrize("case", CASES, ids=[case.case_id for case in CASES])
def test_case(advisor, case):
    result = run_case(advisor, case)
    assert result.passed, "\n".join(result.failures)


@pytest.mark.parametrize("case", CASES, ids=[case.case_id for case in CASES])
def test_case_agrees_with_a_plain_reading_of_the_rules(advisor, case):
    facts = advisor.reader.from_data(case.facts)
    diagnosis = advisor.assess(facts, target=case.target)
    expected = diagnose(PACK, case.facts, case.target)
    assert diagnosis.level.id == expected["level"]
    assert {c.id: c.met for c in diagnosis.criteria} == expected["criteria"]
    assert [r.id for r in diagnosis.recommendations] == expected["recommendations"]
    assert [f.id for f in diagnosis.findings] == expected["findings"]


def test_a_wrong_expectation_fails_with_a_diff(advisor):
    case = next(c for c in CASES if c.name.startswith("ad hoc - no role"))
    wrong = type(case)(case.file, case.number, case.name, case.facts, case.target,
                       {**case.expect, "level": "advisor",
                        "recommendations": ["rec.order_taker.appoint_brm"]})
    result = run_case(advisor, wrong)
    assert not result.passed
    assert any(f.startswith("level: expected advisor, got ad_hoc") for f in result.failures)
    assert any("unexpected" in f and "rec.order_taker.demand_management" in f
               for f in result.failures)


def test_a_malformed_case_file_is_a_pack_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("cases:\n  - name: x\n    facts: {}\n")
    with pytest.raises(PackError) as caught:
        load_cases(tmp_path)
    assert caught.value.issues[0].path == "$.cases[0]"


def test_every_recommendation_rests_on_a_criterion_and_every_criterion_has_one():
    addressed = {c for rec in PACK.recommendations for c in rec.addresses}
    assert addressed == {c.id for c in PACK.criteria}


def test_every_item_names_a_declared_source():
    sources = {s.id for s in PACK.sources}
    items = [*PACK.levels, *PACK.derived, *PACK.criteria, *PACK.recommendations,
             *PACK.findings]
    assert all(item.source in sources for item in items)
