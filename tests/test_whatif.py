"""What-if: edits are checked against the contract, searches find the fewest changes, and every
answer is re-verified here by running the engine on the changed facts."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brm_advisor.engine import (
    Advisor,
    EditError,
    explain,
    lint_pack,
    load_pack,
    render_explanation,
)
from brm_advisor.engine.analysis.edits import Edit, apply_edits, parse_edit, what_if
from brm_advisor.engine.analysis.search import MAX_CANDIDATES, search

from conftest import ROOT, deadline, run
from test_engine_properties import LEVELS
from test_engine_properties import facts as random_facts

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_file())



def verify(advisor, facts, solution, target_rank):
    edits = [Edit(c.path, "unset" if c.after is None else "set", c.after, "")
             for c in solution.changes]
    after = advisor.assess(advisor.reader.from_data(apply_edits(facts.data, edits)))
    assert after.level.rank >= target_rank
    assert after.level == solution.level
    return after


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
@pytest.mark.parametrize("target", LEVELS)
def test_every_solution_reaches_the_target(advisor, example, target):
    facts = advisor.read(example)
    result = search(advisor, facts, target)
    rank = advisor.level_ref(target).rank
    assert result.reachable and result.solutions
    assert result.evaluated >= 1
    sizes = {len(s.changes) for s in result.solutions}
    assert len(sizes) == 1, "every option has the fewest changes"
    for solution in result.solutions:
        verify(advisor, facts, solution, rank)


def test_the_fewest_changes_really_are_the_fewest(advisor):
    facts = advisor.read(ROOT / "examples" / "acme.yaml")
    result = search(advisor, facts, "advisor")
    assert len(result.solutions[0].changes) == 3
    schema = advisor.pack.fact_paths
    domains = {"brm.formal_role": [True, False],
               "engagement.mode": list(schema["engagement.mode"].choices),
               "engagement.prioritization": list(schema["engagement.prioritization"].choices),
               "measures": [list(c) for n in range(7) for c in itertools.combinations(
                   schema["measures"].choices, n)]}
    for pair in itertools.combinations(domains, 2):  # no two fields can do it
        for values in itertools.product(*(domains[f] for f in pair)):
            edits = [Edit(f, "set", v, "") for f, v in zip(pair, values, strict=True)]
            after = advisor.assess(advisor.reader.from_data(apply_edits(facts.data, edits)))
            assert after.level.rank < 3


def test_changes_name_the_recommendations_they_carry_out(advisor):
    facts = advisor.read(ROOT / "examples" / "acme.yaml")
    solution = search(advisor, facts, "advisor").solutions[0]
    recs = dict(solution.recommendations)
    assert recs["engagement.mode"] == ("rec.advisor.seek_advice",)
    assert recs["measures"] == ("rec.advisor.value_measures",)


def test_already_there(advisor):
    facts = advisor.read(ROOT / "examples" / "umbrella-partner.yaml")
    result = search(advisor, facts, "advisor")
    assert result.solutions[0].changes == ()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_facts(), st.sampled_from(LEVELS))
def test_search_on_any_facts(advisor, data, target):
    facts = advisor.reader.from_data(data)
    result = search(advisor, facts, target)
    rank = advisor.level_ref(target).rank
    assert result.reachable
    for solution in result.solutions:
        verify(advisor, facts, solution, rank)


def test_an_unreachable_target_says_why(tmp_path, base_facts):
    text = (ROOT / "tests" / "test_pack_loading.py").read_text()
    minimal = text.split('MINIMAL = """\\\n')[1].split('"""')[0]
    impossible = minimal.replace(
        "when: {derived: has_role}",
        "when: {all: [{derived: has_role}, {fact: brm.formal_role, equals: false}]}")
    (tmp_path / "pack.yaml").write_text(impossible)
    with Advisor(load_pack(tmp_path)) as advisor:
        result = search(advisor, advisor.reader.from_data(base_facts), "high")
        assert not result.reachable and not result.solutions
        assert "high.role" in result.reason and "brm.formal_role" in result.reason


# --- edits ------------------------------------------------------------------------------------

def test_parse_and_apply_edits(advisor, base_facts):
    schema = advisor.pack.fields
    edits = [parse_edit("engagement.mode=advisory", schema),
             parse_edit("measures+=business_value", schema),
             parse_edit("measures-=satisfaction", schema),
             parse_edit("brm.formal_role=false", schema),
             parse_edit("competencies.communication=3", schema),
             parse_edit("competencies.communication=null", schema)]
    assert [e.op for e in edits] == ["set", "add", "remove", "set", "set", "unset"]
    before = repr(base_facts)
    result = apply_edits(base_facts, edits)
    assert repr(base_facts) == before, "the input is never modified"
    assert result["engagement"]["mode"] == "advisory"
    assert result["measures"] == ["service_levels", "business_value"]
    assert result["brm"]["formal_role"] is False
    assert "communication" not in result["competencies"]


@pytest.mark.parametrize(("text", "words"), [
    ("engagment.mode=advisory", "did you mean 'engagement.mode'?"),
    ("engagement.mode+=advisory", "is not a list"),
    ("nonsense", "an edit is PATH=VALUE"),
])
def test_bad_edits_name_the_path_and_what_is_allowed(advisor, text, words):
    with pytest.raises(EditError) as caught:
        parse_edit(text, advisor.pack.fields)
    assert words in str(caught.value)


@pytest.mark.parametrize(("text", "words"), [
    ("engagement.mode=advsory", "allowed: reactive, order_taking, advisory, partnership"),
    ("measures+=value", "allowed: satisfaction, service_levels"),
    ("competencies.communication=9", "whole numbers from 0 to 4"),
])
def test_values_outside_the_schema_are_refused(advisor, base_facts, text, words):
    facts = advisor.reader.from_data(base_facts)
    with pytest.raises(EditError) as caught:
        what_if(advisor, facts, [parse_edit(text, advisor.pack.fields)])
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{text}:")  # the CLI adds "--set"


def test_compare_before_and_after(advisor):
    facts = advisor.read(ROOT / "examples" / "acme.yaml")
    fields = advisor.pack.fields
    comparison = what_if(advisor, facts, [parse_edit("measures+=business_value", fields),
                                          parse_edit("engagement.mode=advisory", fields)])
    assert comparison.before.level.id == comparison.after.level.id == "order_taker"
    assert comparison.diff.flipped == (("advisor.sought_out", False, True),
                                  ("advisor.value_measures", False, True))
    assert comparison.diff.recommendations_removed == ("rec.advisor.seek_advice",
                                                  "rec.advisor.value_measures")
    assert comparison.diff.recommendations_added == ()


# --- hostile edits and runaway searches -------------------------------------------------------

@pytest.mark.parametrize("value", [
    "!!int x", "!!float abc", "!!bool maybe", "!!map [1]", "!!timestamp nope", "!!binary ~~~",
    "!!set {a}", "!!omap [a]", "!!python/object:os.system x", "9" * 5000, "[1, 2", "&a [*a]",
    "[" * 500, "{a: {b: {c: 1}}}", "2026-01-01",
])
def test_hostile_edit_values_are_text_that_the_schema_then_refuses(advisor, base_facts, value):
    facts = advisor.reader.from_data(base_facts)
    edit = parse_edit(f"competencies.communication={value}", advisor.pack.fields)
    with pytest.raises(EditError) as caught:
        what_if(advisor, facts, [edit])
    assert "allowed: whole numbers from 0 to 4" in str(caught.value)
    assert len(str(caught.value)) < 400  # a 5,000-digit edit is not echoed in full


WIDE = 18


def wide_pack(tmp_path):
    """The scaffolded pack, with one criterion resting on 18 facts through a derived fact:
    the smallest change that meets it changes all 18, among 2**18 candidates."""
    folder = tmp_path / "wide"
    assert run("packs", "new", str(folder)).exit_code == 0
    checks = {f"c{i}": {"type": "boolean"} for i in range(WIDE)}
    (folder / "checks.json").write_text(json.dumps(
        {"properties": {"checks": {"type": "object", "properties": checks,
                                   "additionalProperties": False}}}))
    text = (folder / "pack.yaml").read_text()
    text = text.replace("  facts_schema: builtin:facts-v1",
                        "  facts_schema: builtin:facts-v1\n  facts_extensions: checks.json")
    groups = "".join(
        f"  - id: checks_{g}\n    text: Checks {g}.\n    source: own\n    when: {{all: ["
        + ", ".join(f"{{fact: checks.c{i}, equals: true}}" for i in range(g, WIDE, 3)) + "]}\n"
        for g in range(3))
    text = text.replace("derived:\n", "derived:\n" + groups)
    text = text.replace("when: {fact: measures, includes: business_value}",
                        "when: {all: [{derived: checks_0}, {derived: checks_1}, "
                        "{derived: checks_2}]}")
    (folder / "pack.yaml").write_text(text)
    return load_pack(folder)


def test_a_search_over_many_facts_is_cut_and_says_so(tmp_path, base_facts):
    with Advisor(wide_pack(tmp_path)) as wide:
        facts = wide.reader.from_data(base_facts)
        with deadline(60):  # the uncut search assesses 2**18 fact sets: minutes
            explanation = explain(wide, facts, wide.assess(facts), level="valued")
            result = search(wide, facts, "valued")
    assert explanation.cut and explanation.evaluated <= MAX_CANDIDATES + 1
    assert explanation.to_dict()["search_cut"] is True
    assert "The search was cut there" in render_explanation(explanation, wide.pack)
    assert result.cut and not result.reachable
    assert "cut after" in (result.reason or "")


def test_lint_says_a_cut_check_is_unchecked_not_unreachable(tmp_path):
    folder = wide_pack(tmp_path).location
    with deadline(120):
        report = lint_pack(folder)
    assert not [p for p in report.errors if p.issue.code == "unreachable-level"]
    assert "unchecked-reachability" in [p.issue.code for p in report.warnings]
