"""Explanations come from what the engine fired, agree with the diagnosis on every knowledge-base
case, and what they claim (changes that satisfy, facts the level rests on) the engine confirms."""

from __future__ import annotations

from pathlib import Path

import pytest

from brm_advisor.engine import resolve_pack
from brm_advisor.engine.analysis.edits import Edit, apply_edits
from brm_advisor.engine.analysis.explain import explain
from brm_advisor.engine.packs.cases import load_cases

from conftest import ROOT

PACK = resolve_pack()
CASES = load_cases(Path(PACK.location) / "tests")


def changed(advisor, facts, changes):
    edits = [Edit(c.path, "unset" if c.after is None else "set", c.after, "") for c in changes]
    return advisor.reader.from_data(apply_edits(facts.data, edits))


@pytest.mark.parametrize("case", CASES, ids=[case.case_id for case in CASES])
def test_explanation_agrees_with_the_diagnosis(advisor, case):
    facts = advisor.reader.from_data(case.facts)
    diagnosis = advisor.assess(facts, target=case.target)
    explanation = explain(advisor, facts, diagnosis)
    traced = {step.rule for step in diagnosis.trace}
    met = {c.id: c.met for c in diagnosis.criteria}
    # every conclusion in the proofs is a step the engine fired, with the same value
    nodes = explanation.why.walk() + [n for u in explanation.why_not for n in u.proof.walk()]
    for node in nodes:
        if node.kind != "facts":
            assert node.rule in traced
        if node.kind == "criterion":
            assert met[node.id] == node.value
    # why: the level's proof holds every criterion up to the level, all met
    ranks = {level.id: level.rank for level in PACK.levels}
    proved = {n.id for n in explanation.why.walk() if n.kind == "criterion"}
    assert proved == {c.id for c in PACK.criteria if ranks[c.level] <= diagnosis.level.rank}
    # why not: exactly the unmet criteria of the next level
    if diagnosis.next_level is None:
        assert explanation.why_not_level is None and not explanation.why_not
    else:
        expected = [c.id for c in diagnosis.criteria
                    if c.level == diagnosis.next_level.id and not c.met]
        assert [u.id for u in explanation.why_not] == expected
        assert all(not u.proof.value for u in explanation.why_not)
        for criterion in case.expect.get("unmet", []):
            if criterion in {c.id for c in PACK.criteria_of(diagnosis.next_level.id)}:
                assert criterion in expected


WHY_NOT = {
    "ad_hoc": ("examples/globex-ad-hoc.yaml",
               ["order_taker.formal_role", "order_taker.supply_engagement",
                "order_taker.orderly_prioritization", "order_taker.supply_measures"]),
    "order_taker": ("examples/acme.yaml",
                    ["advisor.sought_out", "advisor.business_priorities",
                     "advisor.value_measures"]),
    "advisor": ("examples/initech-advisor.json",
                ["strategic_partner.partnership", "strategic_partner.joint_prioritization",
                 "strategic_partner.full_lifecycle", "strategic_partner.partnership_measures",
                 "strategic_partner.competencies"]),
    "strategic_partner": ("examples/umbrella-partner.yaml", []),
}


@pytest.mark.parametrize("level", list(WHY_NOT))
def test_why_not_names_exactly_the_unmet_criteria_at_every_level(advisor, level):
    path, unmet = WHY_NOT[level]
    facts = advisor.read(ROOT / path)
    diagnosis = advisor.assess(facts)
    assert diagnosis.level.id == level
    assert [u.id for u in explain(advisor, facts, diagnosis).why_not] == unmet


def test_why_not_a_level_further_up_includes_the_levels_between(advisor):
    facts = advisor.read(ROOT / "examples/acme.yaml")
    explanation = explain(advisor, facts, advisor.assess(facts), level="strategic_partner")
    assert explanation.why_not_level.id == "strategic_partner"
    levels = {u.level for u in explanation.why_not}
    assert levels == {"advisor", "strategic_partner"}


@pytest.mark.parametrize("path", sorted(WHY_NOT[level][0] for level in WHY_NOT))
def test_what_would_satisfy_and_what_the_level_rests_on_are_confirmed(advisor, path):
    facts = advisor.read(ROOT / path)
    diagnosis = advisor.assess(facts)
    explanation = explain(advisor, facts, diagnosis)
    for unmet in explanation.why_not:
        assert unmet.satisfy, f"no way found to meet {unmet.id}"
        for option in unmet.satisfy:
            after = advisor.assess(changed(advisor, facts, option))
            assert after.criterion(unmet.id).met
    for item in explanation.robustness:
        for value, level in item.drops:
            edit = Edit(item.path, "unset" if value is None else "set", value, "")
            after = advisor.assess(advisor.reader.from_data(apply_edits(facts.data, [edit])))
            assert after.level == level and level.rank < diagnosis.level.rank
    assert explanation.evaluated > 0


def test_the_floor_rests_on_nothing(advisor):
    facts = advisor.read(ROOT / "examples/globex-ad-hoc.yaml")
    explanation = explain(advisor, facts, advisor.assess(facts))
    assert explanation.robustness == ()
    assert explanation.why.kind == "level" and explanation.why.id == "ad_hoc"
