"""Loading rule packs: the schema pass, then meaning; every problem at once, with lines;
hostile packs refused without running anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brm_advisor.engine import Advisor, PackError, load_pack, shipped_packs
from brm_advisor.engine.inference.compiler import compile_pack
from brm_advisor.engine.inputs.schema_check import SchemaValidator

from conftest import ROOT

SEED = ROOT / "rules" / "merlyn_brm" / "pack.yaml"
MINIMAL = """\
pack:
  id: tiny
  name: Tiny
  version: 0.1.0
  description: A two-level pack.
  sources: [{id: s, title: Source}]
levels:
  - {id: low, name: Low, summary: Start, source: s}
  - {id: high, name: High, summary: End, source: s}
derived:
  - id: has_role
    text: A role exists.
    source: s
    when: {fact: brm.formal_role, equals: true}
criteria:
  - id: high.role
    level: high
    text: Role.
    source: s
    when: {derived: has_role}
recommendations:
  - id: rec.role
    level: high
    addresses: [high.role]
    action: Appoint one.
    source: s
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pack.yaml").write_text(text)
    return tmp_path


def problems(tmp_path: Path, text: str) -> list:
    with pytest.raises(PackError) as caught:
        load_pack(write(tmp_path, text))
    return list(caught.value.issues)


def test_the_shipped_pack_loads_and_compiles():
    assert "merlyn-brm" in [ref.id for ref in shipped_packs()]
    pack = load_pack(SEED.parent)
    assert (pack.id, pack.version) == ("merlyn-brm", "1.0.0")
    assert [level.id for level in pack.levels] == ["ad_hoc", "order_taker", "advisor",
                                                   "strategic_partner"]
    assert len(pack.criteria) == 13 and len(pack.content_hash) == 64
    assert compile_pack(pack).rules


def test_a_minimal_pack_runs(tmp_path, base_facts):
    with Advisor(load_pack(write(tmp_path, MINIMAL))) as advisor:
        diagnosis = advisor.assess(advisor.reader.from_data(base_facts))
        assert diagnosis.level.id == "high"
        base_facts["brm"]["formal_role"] = False
        diagnosis = advisor.assess(advisor.reader.from_data(base_facts))
        assert diagnosis.level.id == "low"
        assert [r.id for r in diagnosis.recommendations] == ["rec.role"]


def test_schema_errors_with_lines_and_suggestions(tmp_path):
    text = MINIMAL.replace("    action: Appoint one.", "    acton: Appoint one.")
    found = {issue.path: issue for issue in problems(tmp_path, text)}
    assert found["$.recommendations[0].acton"].suggestion == "action"
    assert found["$.recommendations[0].acton"].line == 25
    assert "$.recommendations[0].action" in found


def test_unknown_references_name_what_exists(tmp_path):
    text = (MINIMAL.replace("when: {derived: has_role}", "when: {derived: has_rol}")
            .replace("addresses: [high.role]", "addresses: [high.rol]")
            .replace("level: high\n    addresses", "level: hihg\n    addresses")
            .replace("fact: brm.formal_role", "fact: brm.formal_rol")
            .replace("source: s\n    when: {derived", "source: t\n    when: {derived"))
    found = {issue.message: issue for issue in problems(tmp_path, text)}
    assert found["unknown derived 'has_rol'"].suggestion == "has_role"
    assert found["unknown criterion 'high.rol'"].suggestion == "high.role"
    assert found["unknown level 'hihg'"].suggestion == "high"
    assert found["unknown fact 'brm.formal_rol'"].suggestion == "brm.formal_role"
    assert "unknown source 't'" in found
    assert all(issue.line for issue in found.values())


def test_duplicate_ids(tmp_path):
    text = MINIMAL.replace("  - id: rec.role", "  - id: high.role")
    assert any(i.code == "duplicate-id" for i in problems(tmp_path, text))


@pytest.mark.parametrize(("when", "words"), [
    ("{fact: brm.formal_role, equal: true}", "unknown field 'equal'"),
    ("{fact: brm.formal_role, at_least: 3}", "compares numbers"),
    ("{fact: measures, equals: x}", "tests a single value"),
    ("{fact: engagement.mode, equals: advsory}", "not a value engagement.mode can take"),
    ("{fact: brm.formal_role}", "exactly one test"),
    ("{all: []}", "must not be empty"),
    ("{at_least: 3, of: [{derived: has_role}]}", "not a usable count"),
])
def test_condition_errors(tmp_path, when, words):
    text = MINIMAL.replace("when: {derived: has_role}", f"when: {when}")
    messages = [issue.message for issue in problems(tmp_path, text)]
    assert any(words in message for message in messages), messages


def test_cycles_are_refused(tmp_path):
    text = MINIMAL.replace(
        "    when: {fact: brm.formal_role, equals: true}",
        "    when: {criterion: high.role}")
    issues = problems(tmp_path, text)
    assert any(i.code == "cycle" and "derived has_role" in i.message for i in issues)


def test_a_facts_schema_outside_the_pack_folder_is_refused(tmp_path):
    (tmp_path / "outside.json").write_text("{}")
    pack_dir = tmp_path / "pack"
    pack_dir.mkdir()
    text = MINIMAL.replace("  sources:", "  facts_schema: ../outside.json\n  sources:")
    issues = problems(pack_dir, text)
    assert any(i.code == "outside-pack" for i in issues)


@pytest.mark.parametrize("text", [
    "pack: !!python/object/apply:os.system ['true']\n",
    "a: &a [*a]\n",
])
def test_hostile_yaml_in_a_pack(tmp_path, text):
    issues = problems(tmp_path, text)
    assert issues[0].code in ("yaml-tag", "recursive-alias", "too-large")


def test_a_pack_with_thousands_of_rules_is_refused_quickly(tmp_path):
    import time

    many = "".join(
        f"  - id: high.c{i}\n    level: high\n    text: c\n    source: s\n"
        f"    when: {{fact: engagement.mode, equals: advisory}}\n" for i in range(3000))
    text = MINIMAL.replace("criteria:\n", "criteria:\n" + many)
    started = time.perf_counter()
    issues = problems(tmp_path, text)
    assert time.perf_counter() - started < 5
    assert any(i.code == "too-large" for i in issues)


def test_a_condition_too_complex_for_the_engine_is_refused(tmp_path):
    alternatives = ", ".join(f"{{fact: engagement.mode, equals: {m}}}"
                             for m in ["reactive", "order_taking", "advisory", "partnership"])
    nested = "{any: [" + ", ".join(
        f"{{all: [{{fact: brm.formal_role, equals: true}}, {{any: [{alternatives}]}}]}}"
        for _ in range(1)) + "]}"
    deep = "{at_least: 6, of: [" + ", ".join(
        f"{{fact: engagement.lifecycle, includes: {s}}}" for s in
        ["strategy", "planning", "investment", "delivery", "operations",
         "value_realization"]) + "]}"
    text = MINIMAL.replace("when: {derived: has_role}", f"when: {{all: [{nested}, {deep}]}}")
    pack = load_pack(write(tmp_path, text))
    with Advisor(pack) as advisor:  # compiles within the engine's limits, or says why not
        assert advisor.compiled.rules


def test_fields_defined_by_local_references_or_const_are_facts_rules_can_test(tmp_path):
    """A facts schema may define a field through ``$ref: "#/$defs/..."`` (or as a ``const``):
    rules test it like any field, and the field's own schema checks one answer alone."""
    schema = {"type": "object", "additionalProperties": False,
              "required": ["organization", "tier", "kind"],
              "$defs": {"tier": {"enum": ["bronze", "gold"], "description": "Tier."},
                        "kinds": {"enum": ["internal", "external"]}},
              "properties": {"organization": {"type": "string", "minLength": 1},
                             "tier": {"$ref": "#/$defs/tier"},
                             "kind": {"type": "array", "items": {"$ref": "#/$defs/kinds"}},
                             "version": {"const": "v1"}}}
    (tmp_path / "facts.json").write_text(json.dumps(schema))
    (tmp_path / "pack.yaml").write_text("""\
pack:
  id: refs
  name: Refs
  version: 0.1.0
  description: Fields through references.
  facts_schema: facts.json
  sources: [{id: own, title: Ours}]
levels:
  - {id: starting, name: Starting, summary: Start., source: own}
  - {id: organized, name: Organized, summary: Gold., source: own}
  - {id: valued, name: Valued, summary: External., source: own}
criteria:
  - {id: organized.gold, level: organized, text: Gold., source: own,
     when: {fact: tier, equals: gold}}
  - {id: valued.external, level: valued, text: External., source: own,
     when: {all: [{fact: kind, includes: external}, {fact: version, equals: v1}]}}
recommendations:
  - {id: rec.gold, level: organized, addresses: [organized.gold], action: Go gold., source: own}
""")
    pack = load_pack(tmp_path)
    assert pack.fact_paths["tier"].choices == ("bronze", "gold")
    assert pack.fact_paths["kind"].choices == ("internal", "external")
    assert pack.fact_paths["version"].choices == ("v1",)
    with Advisor(pack) as advisor:
        facts = advisor.reader.from_data({"organization": "A", "tier": "gold",
                                          "kind": ["external"], "version": "v1"})
        assert advisor.assess(facts).level.id == "valued"
    assert SchemaValidator(pack.fields["kind"].schema).issues(["nope"])[0].code == "enum"
