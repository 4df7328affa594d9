"""Packs with several dimensions: each dimension's ladder, the roll-up to the overall level,
conditions on a dimension's level and between two dimensions, targets per dimension, and the
errors a pack author gets for a wrong one."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from brm_advisor.engine import Advisor, PackError, UnknownLevelError, load_pack

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["organization", "a", "b"],
    "properties": {
        "organization": {"type": "string"},
        "a": {"description": "How far A has come.", "type": "integer", "minimum": 0,
              "maximum": 5},
        "b": {"description": "How far B has come.", "type": "integer", "minimum": 0,
              "maximum": 4},
        "target_level": {"enum": ["o1", "o2", "o3"]},
    },
}
A_LEVELS = ["a1", "a2", "a3", "a4"]
B_LEVELS = ["b1", "b2", "b3"]
ROLLUP = {"o2": {"a": "a2", "b": "b2"}, "o3": {"a": "a4", "b": "b3"}}

# every dimension test, with its plain reading on the two ranks
TESTS: dict[str, tuple[str, Any]] = {}
for op, reading in (("at_least", lambda r, k: r >= k), ("at_most", lambda r, k: r <= k),
                    ("above", lambda r, k: r > k), ("below", lambda r, k: r < k),
                    ("equals", lambda r, k: r == k)):
    for rank, level in enumerate(A_LEVELS, start=1):
        TESTS[f"{op}_{level}"] = (f"{{dimension: a, {op}: {level}}}",
                                  lambda ra, rb, op=reading, k=rank: op(ra, k))
for by in (1, 2, 3):
    TESTS[f"a_ahead_{by}"] = (f"{{dimension: a, ahead_of: b, by: {by}}}",
                              lambda ra, rb, by=by: ra - rb >= by)
    TESTS[f"b_ahead_{by}"] = (f"{{dimension: b, ahead_of: a, by: {by}}}",
                              lambda ra, rb, by=by: rb - ra >= by)
    TESTS[f"apart_{by}"] = (f"{{dimension: a, apart_from: b, by: {by}}}",
                            lambda ra, rb, by=by: abs(ra - rb) >= by)
TESTS["ahead_default"] = ("{dimension: b, ahead_of: a}", lambda ra, rb: rb > ra)


def ladder(prefix: str, ids: list[str], fact: str) -> str:
    levels = "\n".join(f"      - {{id: {i}, name: {i.upper()}, summary: s, source: own}}"
                       for i in ids)
    return f"""  - id: {prefix}
    name: Dimension {prefix.upper()}
    summary: s
    source: own
    levels:
{levels}"""


def criteria() -> str:
    lines = []
    for fact, ids in (("a", A_LEVELS), ("b", B_LEVELS)):
        for rank, level in enumerate(ids[1:], start=2):
            lines.append(f"  - {{id: {level}.c, level: {level}, text: t, source: own, "
                         f"when: {{fact: {fact}, at_least: {rank}}}}}")
    return "\n".join(lines)


def pack_text(rollup: str | None = None, extra: str = "") -> str:
    table = "\n".join(f"      - {{level: {level}, requires: {{a: {needs['a']}, b: {needs['b']}}}}}"
                      for level, needs in ROLLUP.items())
    findings = "\n".join(f"  - {{id: f.{name}, severity: info, message: m, source: own, "
                         f"when: {test}}}" for name, (test, _) in TESTS.items())
    recs = "\n".join(f"  - {{id: rec.{level}, level: {level}, addresses: [{level}.c], "
                     f"action: do, source: own}}" for level in A_LEVELS[1:] + B_LEVELS[1:])
    return f"""pack:
  id: two-sides
  name: Two sides
  version: 0.1.0
  description: d
  facts_schema: facts.json
  sources: [{{id: own, title: Own}}]
levels:
  - {{id: o1, name: O1, summary: s, source: own}}
  - {{id: o2, name: O2, summary: s, source: own}}
  - {{id: o3, name: O3, summary: s, source: own}}
dimensions:
{ladder("a", A_LEVELS, "a")}
{ladder("b", B_LEVELS, "b")}
rollup:
{rollup or "  table:" + chr(10) + table}
criteria:
{criteria()}
recommendations:
{recs}
findings:
{findings}
{extra}"""


def make(folder: Path, text: str, schema: dict[str, Any] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(text)
    (folder / "facts.json").write_text(json.dumps(schema or SCHEMA))
    return folder


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    with Advisor(load_pack(make(tmp_path_factory.mktemp("two"), pack_text()))) as made:
        yield made


def assess(advisor: Advisor, a: int, b: int, **kwargs: Any):
    return advisor.assess(advisor.reader.from_data({"organization": "X", "a": a, "b": b}),
                          **kwargs)


def test_each_dimension_climbs_its_own_ladder_and_the_table_rolls_them_up(advisor):
    for a, b in itertools.product(range(6), range(5)):
        diagnosis = assess(advisor, a, b)
        rank_a, rank_b = max(1, min(a, 4)), max(1, min(b, 3))
        assert diagnosis.dimension("a").level.id == A_LEVELS[rank_a - 1]
        assert diagnosis.dimension("b").level.id == B_LEVELS[rank_b - 1]
        overall = "o3" if rank_a >= 4 and rank_b >= 3 else (
            "o2" if rank_a >= 2 and rank_b >= 2 else "o1")
        assert diagnosis.level.id == overall, (a, b)
        assert diagnosis.to_dict()["dimensions"][0]["level"]["id"] == A_LEVELS[rank_a - 1]


def test_dimension_conditions_hold_as_their_plain_reading(advisor):
    for a, b in itertools.product(range(6), range(5)):
        rank_a, rank_b = max(1, min(a, 4)), max(1, min(b, 3))
        fired = {f.id for f in assess(advisor, a, b).findings}
        expected = {f"f.{name}" for name, (_, reading) in TESTS.items()
                    if reading(rank_a, rank_b)}
        assert fired == expected, (a, b, fired ^ expected)


def test_why_not_the_next_overall_level_names_the_dimension_holding_it_back(advisor):
    diagnosis = assess(advisor, 5, 1)  # A at its top, B at its floor
    assert diagnosis.level.id == "o1"
    unmet = [c for c in diagnosis.criteria if not c.met and c.level == "o2"]
    assert [(c.id, c.text) for c in unmet] == [
        ("rollup.o2.b", "Dimension B is at least B2.")]
    assert "rollup.o2.b" in diagnosis.gaps and "b2.c" in diagnosis.gaps


def test_recommendations_serve_each_dimensions_next_level_and_its_target(advisor):
    diagnosis = assess(advisor, 2, 1)
    assert [r.id for r in diagnosis.recommendations] == ["rec.b2", "rec.a3"]
    # the overall target o3 needs a4 and b3: every level up to them is in scope
    aimed = assess(advisor, 2, 1, target="o3")
    assert [r.id for r in aimed.recommendations] == ["rec.b2", "rec.a3", "rec.b3", "rec.a4"]
    assert aimed.dimension("a").target.id == "a4" and aimed.dimension("b").target.id == "b3"
    # a target for one dimension alone
    one = assess(advisor, 2, 1, targets={"a": "a4"})
    assert [r.id for r in one.recommendations] == ["rec.b2", "rec.a3", "rec.a4"]
    assert one.dimension("b").target is None


def test_a_target_for_a_dimension_the_pack_lacks_is_refused_with_the_known_ones(advisor):
    with pytest.raises(UnknownLevelError) as caught:
        assess(advisor, 1, 1, targets={"c": "a2"})
    assert "unknown dimension 'c'" in str(caught.value) and "a, b" in str(caught.value)
    with pytest.raises(UnknownLevelError) as caught:
        assess(advisor, 1, 1, targets={"a": "b2"})
    assert "unknown level of the dimension a 'b2'" in str(caught.value)


def test_the_lowest_rollup_needs_ladders_as_long_as_the_overall_one(tmp_path):
    with pytest.raises(PackError) as caught:
        load_pack(make(tmp_path / "p", pack_text(rollup="  lowest")))
    issues = [(i.path, i.code) for i in caught.value.issues]
    assert ("$.dimensions[0].levels", "rollup") in issues  # A has 4 levels, overall 3


def test_a_wrong_dimension_anywhere_is_reported_at_once_with_line_and_suggestion(tmp_path):
    text = pack_text().replace("requires: {a: a2, b: b2}", "requires: {a: a2, bb: b2}")
    text = text.replace("{dimension: a, ahead_of: b, by: 1}", "{dimension: aa, ahead_of: b}")
    text = text.replace("{dimension: a, at_least: a3}", "{dimension: a, at_least: b3}")
    text = text.replace("  - {id: o3, name: O3, summary: s, source: own}\n", "  - {id: o3, "
                        "name: O3, summary: s, source: own}\n  - {id: o4, name: O4, summary: s, "
                        "source: own}\n")
    with pytest.raises(PackError) as caught:
        load_pack(make(tmp_path / "p", text))
    found = {(i.path, i.code): i for i in caught.value.issues}
    bad_row = found[("$.rollup.table[0].requires.bb", "unknown-reference")]
    assert bad_row.suggestion == "b" and bad_row.line is not None
    bad_dimension = next(i for (path, _), i in found.items() if path.endswith("dimension"))
    assert "unknown dimension 'aa'" in bad_dimension.message and bad_dimension.suggestion == "a"
    assert any("'b3' is not a level of this dimension" in i.message for i in found.values())
    assert any("no row for o4" in i.message for i in found.values())


def test_a_rollup_without_dimensions_and_a_dimension_without_levels_are_refused(tmp_path):
    plain = pack_text().split("dimensions:")[0] + "rollup: lowest\ncriteria: []\n" \
        "recommendations: []\n"
    with pytest.raises(PackError) as caught:
        load_pack(make(tmp_path / "p", plain))
    assert any("the pack declares none" in i.message for i in caught.value.issues)
    empty = pack_text().replace(ladder("b", B_LEVELS, "b"), "  - {id: b, name: B, summary: s, "
                                "source: own, levels: []}")
    with pytest.raises(PackError) as caught:
        load_pack(make(tmp_path / "q", empty))
    assert any(i.path == "$.dimensions[1].levels" for i in caught.value.issues)


def test_a_pack_without_dimensions_reads_as_it_always_has(seed_pack, advisor):
    assert seed_pack.dimensions == () and seed_pack.rollup == ""
    assert not any(c.rollup for c in seed_pack.criteria)


def without_overall(text: str) -> str:
    """The pack with no overall ladder and ``rollup: none``."""
    head, rest = text.split("levels:\n", 1)
    rest = rest.split("dimensions:\n", 1)[1]
    body, tail = rest.split("rollup:\n", 1)
    tail = tail.split("criteria:\n", 1)[1]
    return f"{head}dimensions:\n{body}rollup: none\ncriteria:\n{tail}"


def test_rollup_none_reports_each_dimension_and_no_overall_level(tmp_path):
    with Advisor(load_pack(make(tmp_path / "p", without_overall(pack_text())))) as alone:
        assert alone.pack.rollup == "none" and len(alone.pack.levels) == 1
        for a, b in ((0, 0), (3, 2), (5, 4)):
            diagnosis = assess(alone, a, b)
            assert diagnosis.level.id == "no_overall_level" and diagnosis.next_level is None
            assert diagnosis.level.name == "No overall level"
            assert diagnosis.dimension("a").level.rank == max(1, min(a, 4))
            assert diagnosis.dimension("b").level.rank == max(1, min(b, 3))
        # recommendations still follow each dimension's next level
        assert [r.id for r in assess(alone, 2, 1).recommendations] == ["rec.b2", "rec.a3"]


def test_rollup_none_with_an_overall_ladder_and_a_pack_without_levels_are_refused(tmp_path):
    text = pack_text()
    head, rest = text.split("rollup:\n", 1)
    both = head + "rollup: none\ncriteria:\n" + rest.split("criteria:\n", 1)[1]
    with pytest.raises(PackError) as caught:
        load_pack(make(tmp_path / "p", both))
    assert [(i.path, i.code) for i in caught.value.issues] == [("$.levels", "rollup")]
    missing = without_overall(text).replace("rollup: none\n", "")
    with pytest.raises(PackError) as caught:
        load_pack(make(tmp_path / "q", missing))
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("$", "missing required field 'levels'")]


def test_the_two_view_pack_rewritten_with_dimensions_decides_as_before(tmp_path):
    """brmi-relationship 2.0 rates each side's view as a dimension (roll-up: lowest); 1.0 had
    one ladder of "both sides" criteria. Same levels, recommendations and findings (2.0 adds
    one: the views two levels apart), on every organization tried."""
    import random

    from brm_advisor.engine import resolve_pack

    from conftest import ROOT

    old = Advisor(load_pack(ROOT / "tests" / "data" / "brmi_relationship_v1"))
    new = Advisor(resolve_pack("brmi-relationship"))
    answers = {"engagement": ["ad_hoc_requests", "orders", "services", "advice", "strategy"],
               "conversations": ["incidents", "requests", "service_reviews",
                                 "business_outcomes", "strategy"],
               "trust": ["low", "moderate", "high"],
               "planning": ["none", "project_by_project", "annual", "continuous"]}
    rng = random.Random(11)
    with old, new:
        for _ in range(400):
            facts = {"organization": "X",
                     **{side: {key: rng.choice(values) for key, values in answers.items()}
                        for side in ("business_view", "provider_view")}}
            target = rng.choice([None, "order_taker", "trusted_advisor", "strategic_partner"])
            before = old.assess(old.reader.from_data(facts), target=target)
            after = new.assess(new.reader.from_data(facts), target=target)
            assert after.level == before.level
            assert [r.id for r in after.recommendations] == [
                r.id for r in before.recommendations]
            assert [f.id for f in after.findings if f.id != "finding.views_apart"] == [
                f.id for f in before.findings]
            business = after.dimension("business").level.rank
            provider = after.dimension("provider").level.rank
            assert after.level.rank == min(business, provider)
            assert ("finding.views_apart" in {f.id for f in after.findings}) is (
                abs(business - provider) >= 2)
