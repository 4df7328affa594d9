"""``{at_least: k, of: [...]}`` in the engine: every count of up to eight conditions compiles
within the engine's limits and decides as a plain reading of the condition does, met or unmet
(it used to run away when unmet: every way the negation held was one more activation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brm_advisor.engine import Advisor, load_pack

STAGES = ["strategy", "planning", "investment", "delivery", "operations", "value_realization"]
MEASURES = ["satisfaction", "service_levels", "business_value", "agility", "innovation",
            "collaboration"]

# The items counted, of every kind (fact tests, references to derived facts, not, any), each
# with its plain reading.
ITEMS: list[tuple[str, Any]] = [
    ("{fact: engagement.lifecycle, includes: strategy}",
     lambda f: "strategy" in f["engagement"]["lifecycle"]),
    ("{derived: plans}", lambda f: "planning" in f["engagement"]["lifecycle"]),
    ("{not: {fact: engagement.lifecycle, includes: investment}}",
     lambda f: "investment" not in f["engagement"]["lifecycle"]),
    ("{any: [{fact: engagement.lifecycle, includes: delivery}, "
     "{fact: measures, includes: agility}]}",
     lambda f: "delivery" in f["engagement"]["lifecycle"] or "agility" in f["measures"]),
    ("{fact: engagement.lifecycle, includes: operations}",
     lambda f: "operations" in f["engagement"]["lifecycle"]),
    ("{derived: values}", lambda f: "business_value" in f["measures"]),
    ("{fact: measures, count_at_least: 2}", lambda f: len(f["measures"]) >= 2),
    ("{fact: engagement.mode, in: [advisory, partnership]}",
     lambda f: f["engagement"]["mode"] in ("advisory", "partnership")),
]

PACK = """
pack:
  id: counting
  name: Counting
  version: 0.1.0
  description: One criterion counting conditions.
  facts_schema: builtin:facts-v1
  attainment: staged
  sources: [{{id: own, title: Own}}]
levels:
  - {{id: base, name: Base, summary: b, source: own}}
  - {{id: top, name: Top, summary: t, source: own}}
derived:
  - id: plans
    text: plans
    source: own
    when: {{fact: engagement.lifecycle, includes: planning}}
  - {{id: values, text: values, source: own, when: {{fact: measures, includes: business_value}}}}
criteria:
  - id: top.counted
    level: top
    text: counted
    source: own
    when: {{at_least: {count}, of: [{items}]}}
recommendations:
  - {{id: rec.top, level: top, addresses: [top.counted], action: do, source: own}}
"""

PAIRS = [(total, count) for total in range(1, 9) for count in range(1, total + 1)]


@pytest.fixture(scope="module")
def advisors(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, int], Advisor]:
    made = {}
    for total, count in PAIRS:
        folder: Path = tmp_path_factory.mktemp(f"count_{count}_of_{total}")
        items = ", ".join(text for text, _ in ITEMS[:total])
        (folder / "pack.yaml").write_text(PACK.format(count=count, items=items))
        made[(total, count)] = Advisor(load_pack(folder))  # within the engine's limits
    yield made
    for advisor in made.values():
        advisor.close()


facts_strategy = st.fixed_dictionaries({
    "organization": st.just("Counted"),
    "brm": st.just({"formal_role": True}),
    "engagement": st.fixed_dictionaries({
        "mode": st.sampled_from(["reactive", "order_taking", "advisory", "partnership"]),
        "prioritization": st.just("first_come"),
        "lifecycle": st.lists(st.sampled_from(STAGES), unique=True)}),
    "measures": st.lists(st.sampled_from(MEASURES), unique=True),
})


@settings(max_examples=250, deadline=None)
@given(pair=st.sampled_from(PAIRS), facts=facts_strategy)
def test_every_count_up_to_eight_decides_as_its_plain_reading(advisors, pair, facts):
    total, count = pair
    advisor = advisors[pair]
    expected = sum(bool(reading(facts)) for _, reading in ITEMS[:total]) >= count
    diagnosis = advisor.assess(advisor.reader.from_data(facts))
    assert diagnosis.criterion("top.counted").met is expected
    assert diagnosis.level.id == ("top" if expected else "base")
    # decided once, one way: one step of the trace concludes about the criterion
    steps = [step for step in diagnosis.trace if step.concludes == "top.counted"]
    assert [step.value for step in steps] == [expected]


def test_three_of_five_unmet_no_longer_runs_away(advisors):
    advisor = advisors[(5, 3)]
    facts = {"organization": "X", "brm": {"formal_role": True},
             "engagement": {"mode": "reactive", "prioritization": "first_come",
                            "lifecycle": ["strategy", "investment"]},
             "measures": []}
    diagnosis = advisor.assess(advisor.reader.from_data(facts))
    assert not diagnosis.criterion("top.counted").met
    assert len(diagnosis.trace) < 20


def test_a_counted_list_is_shown_with_its_items(tmp_path):
    """The evidence of ``count_at_least`` (and ``empty``) lists the items found, in the facts
    schema's order, in the result and its JSON (it used to read ``[] (none)``)."""
    (tmp_path / "pack.yaml").write_text(PACK.format(
        count=1, items="{fact: measures, count_at_least: 3}"))
    with Advisor(load_pack(tmp_path)) as advisor:
        facts = {"organization": "X", "brm": {"formal_role": True},
                 "engagement": {"mode": "reactive", "prioritization": "first_come",
                                "lifecycle": []},
                 "measures": ["innovation", "satisfaction", "agility"]}
        diagnosis = advisor.assess(advisor.reader.from_data(facts))
    criterion = diagnosis.criterion("top.counted")
    assert criterion.met
    assert dict(criterion.facts)["measures"] == ["satisfaction", "agility", "innovation"]
    assert diagnosis.to_dict()["criteria"][0]["facts"]["measures"] == [
        "satisfaction", "agility", "innovation"]


def test_counts_of_repeated_parts_drop_the_ways_that_contradict_themselves(tmp_path):
    """A count written out part by part takes some parts both ways ("a, then not a"): with a
    part repeated, such ways can never hold. They are dropped, so two counts over one list
    compile to a few rules, and the engine no longer overflows its stack of pending tests
    (error 303) when the list holds the repeated item."""
    from brm_advisor.engine.inference.compiler import compile_pack

    schema = {"type": "object", "additionalProperties": False, "required": ["organization"],
              "properties": {"organization": {"type": "string"},
                             "f0": {"type": "array", "uniqueItems": True,
                                    "items": {"enum": ["v0_0", "v0_1"]}}}}
    (tmp_path / "facts.json").write_text(__import__("json").dumps(schema))
    counts = """
      all:
        - {fact: f0, includes_any: [v0_0]}
        - {at_least: 3, of: [{fact: f0, includes_any: [v0_0, v0_1]}, {fact: f0, includes: v0_0},
                             {fact: f0, includes: v0_0}, {fact: f0, includes: v0_0},
                             {fact: f0, includes: v0_1}]}
        - {at_least: 3, of: [{fact: f0, includes: v0_0}, {fact: f0, includes: v0_0},
                             {fact: f0, includes: v0_1}, {fact: f0, includes_any: [v0_0]}, true,
                             {fact: f0, includes: v0_0}]}"""
    (tmp_path / "pack.yaml").write_text(f"""pack:
  id: counts
  name: Counts
  version: 0.1.0
  description: d
  facts_schema: facts.json
  sources: [{{id: own, title: Own}}]
levels:
  - {{id: l0, name: L0, summary: s, source: own}}
  - {{id: l1, name: L1, summary: s, source: own}}
criteria:
  - id: l1.c
    level: l1
    text: t
    source: own
    when:{counts}
recommendations:
  - {{id: rec.l1, level: l1, addresses: [l1.c], action: a, source: own}}
""")
    pack = load_pack(tmp_path)
    assert len(compile_pack(pack).rules) < 20  # 136 when contradictory ways were kept
    with Advisor(pack) as advisor:
        for items, met in (([], False), (["v0_1"], False), (["v0_0"], True),
                           (["v0_0", "v0_1"], True)):
            facts = advisor.reader.from_data({"organization": "X", "f0": items})
            assert advisor.assess(facts).criterion("l1.c").met is met, items
