"""Property-based tests of the engine: its conclusions agree with a plain reading of the rules
on any valid facts, are deterministic, and keep their invariants."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brm_advisor.engine import resolve_pack
from brm_advisor.engine.present.text import render_json

from reference import diagnose

PACK = resolve_pack()
SCHEMA = PACK.facts_schema["properties"]
MODES = SCHEMA["engagement"]["properties"]["mode"]["enum"]
PRIORITIES = SCHEMA["engagement"]["properties"]["prioritization"]["enum"]
STAGES = SCHEMA["engagement"]["properties"]["lifecycle"]["items"]["enum"]
MEASURES = SCHEMA["measures"]["items"]["enum"]
COMPETENCIES = list(SCHEMA["competencies"]["properties"])
LEVELS = [level.id for level in PACK.levels]


def subsets(items: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(items), unique=True, max_size=len(items))


@st.composite
def facts(draw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization": draw(st.text(min_size=1, max_size=20).filter(str.strip)),
        "brm": {"formal_role": draw(st.booleans())},
        "engagement": {"mode": draw(st.sampled_from(MODES)),
                       "prioritization": draw(st.sampled_from(PRIORITIES)),
                       "lifecycle": draw(subsets(STAGES))},
        "measures": draw(subsets(MEASURES)),
    }
    ratings = draw(st.dictionaries(st.sampled_from(COMPETENCIES), st.integers(0, 4)))
    if ratings or draw(st.booleans()):
        data["competencies"] = ratings
    if draw(st.booleans()):
        data["target_level"] = draw(st.sampled_from(LEVELS))
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts(), st.one_of(st.none(), st.sampled_from(LEVELS)))
def test_engine_agrees_with_a_plain_reading_of_the_rules(advisor, data, target):
    diagnosis = advisor.assess(advisor.reader.from_data(data), target=target)
    expected = diagnose(PACK, data, target)
    assert diagnosis.level.id == expected["level"]
    assert {c.id: c.met for c in diagnosis.criteria} == expected["criteria"]
    assert dict(diagnosis.derived) == expected["derived"]
    assert [r.id for r in diagnosis.recommendations] == expected["recommendations"]
    assert [f.id for f in diagnosis.findings] == expected["findings"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts())
def test_invariants_of_every_diagnosis(advisor, data):
    d = advisor.assess(advisor.reader.from_data(data))
    ranks = {level.id: level.rank for level in PACK.levels}
    # staged: every criterion up to the level is met, and the next level has an unmet one
    assert all(c.met for c in d.criteria if ranks[c.level] <= d.level.rank)
    if d.next_level is not None:
        assert any(not c.met for c in d.criteria if c.level == d.next_level.id)
        assert d.next_level.rank == d.level.rank + 1
    # recommendations: ordered by level, each closes an unmet criterion, numbered from 1
    assert [r.order for r in d.recommendations] == list(range(1, len(d.recommendations) + 1))
    rec_ranks = [ranks[r.level] for r in d.recommendations]
    assert rec_ranks == sorted(rec_ranks)
    unmet = {c.id for c in d.criteria if not c.met}
    assert all(set(r.criteria) <= unmet and r.criteria for r in d.recommendations)
    # every gap (unmet criterion of the next level, or up to the target) has an action
    gaps = set(d.gaps)
    covered = {c for r in d.recommendations for c in r.criteria}
    assert gaps <= covered
    # the trace: numbered, each conclusion once
    assert [t.step for t in d.trace] == list(range(1, len(d.trace) + 1))
    concluded = [(t.kind, t.concludes) for t in d.trace]
    assert len(concluded) == len(set(concluded))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts())
def test_same_input_same_bytes(advisor, data):
    first = render_json(advisor.assess(advisor.reader.from_data(data)))
    second = render_json(advisor.assess(advisor.reader.from_data(json.loads(json.dumps(data)))))
    assert first == second


def test_the_input_is_never_modified(advisor, base_facts):
    before = json.dumps(base_facts, sort_keys=True)
    advisor.assess(advisor.reader.from_data(base_facts))
    assert json.dumps(base_facts, sort_keys=True) == before
