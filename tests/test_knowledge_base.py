"""The shipped packs' own cases (rules/*/tests/*.yaml), each run as a pytest case and checked
against a plain reading of the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from brm_advisor.engine import Advisor, PackError, resolve_pack, shipped_packs
from brm_advisor.engine.packs.cases import load_cases, run_case

from reference import diagnose

PACK = resolve_pack()
CASES = load_cases(Path(PACK.location) / "tests")
OTHER_PACKS = [resolve_pack(ref.location) for ref in shipped_packs() if ref.id != PACK.id]
OTHER_CASES = [(pack, case) for pack in OTHER_PACKS
               for case in load_cases(Path(pack.location) / "tests")]


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
    issue = caught.value.issues[0]
    assert (issue.path, issue.message, issue.line) == (
        "$.cases[0].expect", "missing required field 'expect'", 2)


def test_every_recommendation_rests_on_a_criterion_and_every_criterion_has_one():
    addressed = {c for rec in PACK.recommendations for c in rec.addresses}
    assert addressed == {c.id for c in PACK.criteria}


def test_every_item_names_a_declared_source():
    sources = {s.id for s in PACK.sources}
    items = [*PACK.levels, *PACK.derived, *PACK.criteria, *PACK.recommendations,
             *PACK.findings]
    assert all(item.source in sources for item in items)


@pytest.fixture(scope="module")
def other_advisors():
    advisors = {pack.id: Advisor(pack) for pack in OTHER_PACKS}
    yield advisors
    for advisor in advisors.values():
        advisor.close()


@pytest.mark.parametrize(("pack", "case"), OTHER_CASES,
                         ids=[f"{pack.id}:{case.case_id}" for pack, case in OTHER_CASES])
def test_other_shipped_packs_cases_and_the_plain_reading(other_advisors, pack, case):
    advisor = other_advisors[pack.id]
    result = run_case(advisor, case)
    assert result.passed, "\n".join(result.failures)
    diagnosis = advisor.assess(advisor.reader.from_data(case.facts), target=case.target,
                               targets=case.targets)
    expected = diagnose(pack, case.facts, case.target, case.targets)
    assert diagnosis.level.id == expected["level"]
    assert {d.id: d.level.id for d in diagnosis.dimensions} == expected["dimensions"]
    assert {c.id: c.met for c in diagnosis.criteria} == expected["criteria"]
    assert [r.id for r in diagnosis.recommendations] == expected["recommendations"]
    assert [f.id for f in diagnosis.findings] == expected["findings"]


def test_every_shipped_pack_covers_each_level_and_criterion_both_ways(other_advisors):
    """Each pack's cases expect every level of every ladder, and between them decide every
    criterion both ways (as the diagnoses show: the cases pass, so they are what is expected)."""
    for pack in OTHER_PACKS:
        cases = [case for p, case in OTHER_CASES if p.id == pack.id]
        assert {case.expect["level"] for case in cases} == {level.id for level in pack.levels}
        reached = {level for case in cases for level in case.expect.get("dimensions", {}).values()}
        assert reached == {level.id for d in pack.dimensions for level in d.levels}
        advisor = other_advisors[pack.id]
        decided = {(c.id, c.met) for case in cases for c in advisor.assess(
            advisor.reader.from_data(case.facts), target=case.target,
            targets=case.targets).criteria}
        every = {c.id for c in pack.criteria}
        met = {ident for ident, value in decided if value}
        unmet = {ident for ident, value in decided if not value}
        assert every <= met and every <= unmet, (every - met, every - unmet)
