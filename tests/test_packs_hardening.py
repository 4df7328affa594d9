"""Hostile and broken packs: refused at load time with a clear message, quickly, reading
nothing outside the pack, and never a traceback (issue 15)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brm_advisor.engine import Advisor, FactsValidationError, PackError, load_pack
from brm_advisor.engine.packs import loader
from brm_advisor.engine.packs.cases import load_cases, run_case
from brm_advisor.engine.packs.discovery import declared_id
from brm_advisor.engine.packs.lint import lint_pack

from conftest import ROOT, run

PACK = """\
pack:
  id: tiny
  name: Tiny
  version: 0.1.0
  description: A two-level pack on a facts schema of its own.
  facts_schema: facts.json
  sources: [{id: s, title: Source}]
levels:
  - {id: low, name: Low, summary: Start, source: s}
  - {id: high, name: High, summary: End, source: s}
criteria:
  - id: high.role
    level: high
    text: Role.
    source: s
    when: {fact: role, equals: true}
recommendations:
  - id: rec.role
    level: high
    addresses: [high.role]
    action: Appoint one.
    source: s
"""
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["organization", "role"],
    "properties": {
        "organization": {"type": "string", "minLength": 1, "maxLength": 200},
        "role": {"type": "boolean"},
    },
}
CASES = """\
cases:
  - name: no role
    facts: {organization: A, role: false}
    expect: {level: low, unmet: [high.role]}
  - name: role
    facts: {organization: B, role: true}
    expect: {level: high, met: [high.role]}
"""
FACTS = {"organization": "Acme", "role": True}


def make_pack(folder: Path, schema: Any = None, pack: str = PACK, cases: str = CASES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(pack)
    (folder / "facts.json").write_text(json.dumps(SCHEMA if schema is None else schema,
                                                  indent=2))
    (folder / "tests").mkdir(exist_ok=True)
    (folder / "tests" / "cases.yaml").write_text(cases)
    return folder


def with_property(name: str, definition: Any, **extra: Any) -> dict[str, Any]:
    schema = json.loads(json.dumps(SCHEMA))
    schema["properties"][name] = definition
    schema.update(extra)
    return schema


def refused(folder: Path) -> list:
    with pytest.raises(PackError) as caught:
        load_pack(folder)
    return list(caught.value.issues)


class Hung(Exception):
    """Raised by `hang_guard`; not an OSError, which a reader would turn into an error of its
    own."""


@contextlib.contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Fail, instead of hanging, when the body runs far longer than it should (a bound, not a
    measure). The alarm repeats every second once due, in case a handler swallowed it."""
    def expire(signum: int, frame: Any) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def memory_peak() -> Iterator[list[float]]:
    """The peak of memory allocated by Python in the body, in MB (in the list yielded)."""
    tracemalloc.start()
    found: list[float] = []
    try:
        yield found
    finally:
        found.append(tracemalloc.get_traced_memory()[1] / 1024 / 1024)
        tracemalloc.stop()




def test_the_pack_used_here_loads_and_runs(tmp_path):
    folder = make_pack(tmp_path / "p")
    with Advisor(load_pack(folder)) as advisor:
        assert advisor.assess(advisor.reader.from_data(FACTS)).level.id == "high"
    assert not lint_pack(folder).errors


# --- 15.1: references in the facts schema resolve only inside it -----------------------------

def test_a_reference_to_a_file_is_refused_and_the_file_never_shown(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"const": "SECRET-42"}))
    folder = make_pack(tmp_path / "p", with_property("organization",
                                                     {"$ref": secret.as_uri()}))
    issues = refused(folder)
    assert [issue.code for issue in issues] == ["schema-ref"]
    issue = issues[0]
    assert issue.path == "$.pack.facts_schema" and issue.line == 6
    assert issue.message.startswith("facts.json:10: $.properties.organization['$ref']: ")
    assert "points outside this schema" in issue.message
    assert issue.allowed == "a reference inside the same schema, such as #/$defs/name"
    assert "SECRET-42" not in PackError("x", tuple(issues)).describe()


def test_an_address_is_never_fetched_and_lint_says_why(tmp_path, monkeypatch):
    import urllib.request

    fetched: list[Any] = []

    def no_network(*args: Any, **kwargs: Any) -> Any:
        fetched.append(args)
        raise OSError("the tests never touch the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    folder = make_pack(tmp_path / "p", with_property(
        "organization", {"$ref": "http://127.0.0.1:9/organization.json"}))
    report = lint_pack(folder)
    assert [p.issue.code for p in report.errors] == ["schema-ref"]
    assert "http://127.0.0.1:9/organization.json" in report.errors[0].issue.message
    assert fetched == []


@pytest.mark.parametrize("target", ["file:///dev/zero", "fifo"])
def test_a_device_or_a_named_pipe_is_never_opened(tmp_path, target):
    if target == "fifo":
        os.mkfifo(tmp_path / "pipe.json")
        target = (tmp_path / "pipe.json").as_uri()
    folder = make_pack(tmp_path / "p", with_property("organization", {"$ref": target}))
    with hang_guard(10):
        issues = refused(folder)
    assert [issue.code for issue in issues] == ["schema-ref"]


@pytest.mark.parametrize(("definition", "words"), [
    ({"$id": "http://127.0.0.1:9/", "$ref": "#/x"}, "$id is allowed only at the top"),
    ({"$ref": "other.json"}, "points outside this schema"),
    ({"$ref": "#name"}, "names an anchor"),
    ({"$anchor": "name", "type": "string"}, "$anchor is not allowed"),
    ({"$dynamicRef": "#meta"}, "$dynamicRef is not allowed"),
    ({"$ref": "#/$defs/nothing"}, "points to nothing in this schema"),
    ({"$ref": "#/required"}, "not a schema"),
])
def test_references_that_could_leave_the_schema_or_lead_nowhere(tmp_path, definition, words):
    folder = make_pack(tmp_path / "p", with_property("organization", definition))
    issues = refused(folder)
    assert any(words in issue.message and issue.code == "schema-ref" for issue in issues), issues


@pytest.mark.parametrize(("schema", "where"), [
    (with_property("organization", {"$ref": "#/properties/organization"}),
     "$.properties.organization['$ref']"),
    ({**SCHEMA, "$ref": "#"}, "$['$ref']"),
    (with_property("organization", {"allOf": [{"$ref": "#/$defs/a"}]},
                   **{"$defs": {"a": {"not": {"$ref": "#/$defs/a"}}}}),
     "$['$defs'].a.not['$ref']"),
])
def test_a_reference_cycle_that_reads_nothing_is_refused(tmp_path, schema, where):
    issues = refused(make_pack(tmp_path / "p", schema))
    assert [issue.code for issue in issues] == ["schema-cycle"]
    assert f": {where}: " in issues[0].message


def test_a_recursive_schema_that_reads_deeper_is_fine(tmp_path):
    tree = {"type": "object", "properties": {"child": {"$ref": "#/$defs/tree"}}}
    schema = with_property("tree", {"$ref": "#/$defs/tree"}, **{"$defs": {"tree": tree}})
    with Advisor(load_pack(make_pack(tmp_path / "p", schema))) as advisor:
        advisor.reader.from_data({**FACTS, "tree": {"child": {"child": {}}}})
        with pytest.raises(FactsValidationError):
            advisor.reader.from_data({**FACTS, "tree": {"child": 5}})


def test_local_references_work(tmp_path):
    schema = with_property("organization", {"$ref": "#/$defs/name"},
                           **{"$id": "urn:test:facts", "$defs": {"name": {
                               "type": "string", "minLength": 1, "maxLength": 20}}})
    with Advisor(load_pack(make_pack(tmp_path / "p", schema))) as advisor:
        assert advisor.assess(advisor.reader.from_data(FACTS)).level.id == "high"
        with pytest.raises(FactsValidationError) as caught:
            advisor.reader.from_data({**FACTS, "organization": "x" * 21})
        assert caught.value.issues[0].path == "$.organization"


def test_an_extension_may_not_reach_outside_either(tmp_path):
    folder = make_pack(tmp_path / "p")
    text = PACK.replace("  facts_schema: facts.json\n",
                        "  facts_schema: facts.json\n  facts_extensions: more.json\n")
    (folder / "pack.yaml").write_text(text)
    (folder / "more.json").write_text(json.dumps({"properties": {
        "sourcing": {"$ref": "https://127.0.0.1:9/s.json"}}}))
    issues = refused(folder)
    assert [(i.path, i.code) for i in issues] == [("$.pack.facts_extensions", "schema-ref")]
    assert issues[0].message.startswith("more.json:1: $.properties.sourcing['$ref']: ")


# --- 15.2: the facts schema against the meta-schema, and its regular expressions -------------

def test_every_problem_of_a_facts_schema_at_once_with_its_place(tmp_path):
    schema = with_property("organization", {"type": "string", "minLength": "3",
                                            "pattern": "([a-z"})
    schema["required"] = "organization"
    issues = refused(make_pack(tmp_path / "p", schema))
    found = {issue.message.split(": ", 2)[1]: issue for issue in issues}
    assert set(found) == {"$.required", "$.properties.organization.minLength",
                          "$.properties.organization.pattern"}
    assert found["$.required"].code == "schema"
    assert "'organization' is not of type 'array'" in found["$.required"].message
    assert "is not of type 'integer'" in found["$.properties.organization.minLength"].message
    pattern = found["$.properties.organization.pattern"]
    assert pattern.code == "schema-pattern" and "not a valid regular expression" in \
        pattern.message
    assert all(issue.message.startswith("facts.json:") for issue in issues)


@pytest.mark.parametrize(("extension", "where"), [
    ({"properties": 5}, "$.properties"),
    ({"properties": {"sourcing": {"type": "string"}}, "required": "sourcing"}, "$.required"),
])
def test_an_extension_of_the_wrong_shape_is_refused_with_its_place(tmp_path, extension, where):
    folder = make_pack(tmp_path / "p")
    (folder / "pack.yaml").write_text(PACK.replace(
        "  facts_schema: facts.json\n", "  facts_schema: facts.json\n  facts_extensions: x.json\n"))
    (folder / "x.json").write_text(json.dumps(extension))
    issues = refused(folder)
    assert [(i.path, i.code) for i in issues] == [("$.pack.facts_extensions", "schema")]
    assert issues[0].message.startswith(f"x.json:1: {where}: ")


def test_an_empty_enum_is_refused_rather_than_crashing_later(tmp_path):
    issues = refused(make_pack(tmp_path / "p", with_property("organization", {"enum": []})))
    assert [issue.code for issue in issues] == ["schema"]
    assert "$.properties.organization.enum: an empty enum allows no value" in issues[0].message


@pytest.mark.parametrize("pattern", [
    "^(a+)+$", "(a*)*", "(a|aa)+", "^(\\w+\\s?)*$", "^([a-z]+,)*$", "(a?){25}", "((ab)*c)+",
    "(x+x+)+y",
])
def test_patterns_that_backtrack_catastrophically_are_refused(tmp_path, pattern):
    issues = refused(make_pack(tmp_path / "p", with_property(
        "organization", {"type": "string", "pattern": pattern})))
    assert [issue.code for issue in issues] == ["schema-pattern"]
    assert "exponential time" in issues[0].message
    assert "possessive" in (issues[0].allowed or "")


def test_pattern_property_names_are_checked_too(tmp_path):
    schema = with_property("labels", {"type": "object",
                                      "patternProperties": {"^(a+)+$": {"type": "string"}}})
    issues = refused(make_pack(tmp_path / "p", schema))
    assert [issue.code for issue in issues] == ["schema-pattern"]
    assert "$.properties.labels.patternProperties['^(a+)+$']" in issues[0].message


@pytest.mark.parametrize("pattern", [
    "\\S", "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", "^[a-z][a-z0-9_]*$",
    "^(?:[0-9]{3}-)+[0-9]{4}$", "^[a-z]+(?:\\.[a-z]++)*$", "^(?>a+)+$", "^(a|b)+$",
    "^(?:ab)?c+$",
])
def test_ordinary_patterns_are_accepted(pattern):
    assert loader.regex_problem(pattern) is None


def test_the_shipped_facts_schemas_pass_every_check():
    for path in [ROOT / "schemas" / "facts.schema.json",
                 ROOT / "rules" / "brmi_relationship" / "facts.schema.json"]:
        schema = json.loads(path.read_text())
        assert loader.facts_schema_problems(schema, schema) == []
        assert loader.chain_problems(schema) == []
        assert loader._plainly_valid(schema)  # no jsonschema import to load a shipped pack


_VALUES = st.one_of(
    st.integers(-2, 3), st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(), st.none(), st.sampled_from(["string", "integer", "x", "a#b", "a#", "#", ""]),
    st.lists(st.sampled_from(["string", "null", "name", "name", 3]), max_size=3),
)
_KEYWORDS = st.sampled_from([
    "type", "enum", "const", "default", "examples", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "minProperties",
    "maxProperties", "required", "uniqueItems", "pattern", "format", "title", "description",
    "$comment", "$schema", "$ref", "$id", "properties", "patternProperties", "$defs",
    "additionalProperties", "items", "propertyNames", "not", "allOf", "anyOf", "oneOf",
    "deprecated", "prefixItems"])
_SCHEMAS = st.recursive(
    st.dictionaries(_KEYWORDS, _VALUES, max_size=3),
    lambda inner: st.one_of(
        st.dictionaries(_KEYWORDS, st.one_of(_VALUES, inner, st.lists(inner, max_size=2),
                                             st.dictionaries(st.text(max_size=2), inner,
                                                             max_size=2)), max_size=4),
        st.booleans()),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_SCHEMAS)
def test_the_quick_meta_schema_check_never_accepts_what_jsonschema_rejects(schema):
    from jsonschema import Draft202012Validator

    if loader._plainly_valid(schema):
        assert Draft202012Validator(Draft202012Validator.META_SCHEMA).is_valid(schema)


# --- 15.3: every file read lies inside the pack folder -----------------------------------------

def test_a_pack_yaml_linked_from_outside_is_refused(tmp_path):
    elsewhere = make_pack(tmp_path / "elsewhere")
    folder = make_pack(tmp_path / "p")
    (folder / "pack.yaml").unlink()
    (folder / "pack.yaml").symlink_to(elsewhere / "pack.yaml")
    issues = refused(folder)
    assert [(issue.code, issue.path) for issue in issues] == [("outside-pack", "$")]
    assert "pack.yaml leads outside the pack folder" in issues[0].message
    assert [p.issue.code for p in lint_pack(folder).errors] == ["outside-pack"]
    assert declared_id(folder / "pack.yaml") is None


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pack_yaml_that_is_a_pipe_or_a_device_is_never_opened(tmp_path, kind):
    folder = make_pack(tmp_path / "p")
    (folder / "pack.yaml").unlink()
    if kind == "fifo":
        os.mkfifo(folder / "pack.yaml")
    else:
        (folder / "pack.yaml").symlink_to("/dev/zero")
    with hang_guard(10):
        issues = refused(folder)
        assert declared_id(folder / "pack.yaml") is None
        result = run("packs", "lint", str(folder))
    assert issues[0].code in ("unreadable", "outside-pack")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)


def test_a_facts_schema_linked_from_outside_is_refused(tmp_path):
    (tmp_path / "outside.json").write_text(json.dumps(SCHEMA))
    folder = make_pack(tmp_path / "p")
    (folder / "facts.json").unlink()
    (folder / "facts.json").symlink_to(tmp_path / "outside.json")
    assert [issue.code for issue in refused(folder)] == ["outside-pack"]


def test_a_tests_folder_linked_from_outside_is_refused(tmp_path):
    elsewhere = make_pack(tmp_path / "elsewhere")
    folder = make_pack(tmp_path / "p")
    (folder / "tests" / "cases.yaml").unlink()
    (folder / "tests").rmdir()
    (folder / "tests").symlink_to(elsewhere / "tests")
    with pytest.raises(PackError) as caught:
        load_cases(folder / "tests")
    assert [issue.code for issue in caught.value.issues] == ["outside-pack"]
    assert "the tests folder leads outside the pack folder" in caught.value.issues[0].message
    assert "outside-pack" in [p.issue.code for p in lint_pack(folder).errors]
    result = run("packs", "test", str(folder))
    assert result.exit_code == 1 and "outside the pack folder" in result.output


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_case_file_linked_from_outside_or_a_pipe_is_refused(tmp_path, kind):
    elsewhere = make_pack(tmp_path / "elsewhere")
    folder = make_pack(tmp_path / "p")
    if kind == "link":
        (folder / "tests" / "more.yaml").symlink_to(elsewhere / "tests" / "cases.yaml")
    else:
        os.mkfifo(folder / "tests" / "more.yaml")
    with hang_guard(10):
        with pytest.raises(PackError) as caught:
            load_cases(folder / "tests")
        assert caught.value.source.endswith("more.yaml")
        assert caught.value.issues[0].code in ("outside-pack", "unreadable")
        assert lint_pack(folder).errors


# --- 15.12: limits checked before anything is expanded -----------------------------------------

def condition_pack(when: str) -> str:
    return PACK.replace("    when: {fact: role, equals: true}", f"    when: {when}")


def nested_condition(depth: int) -> str:
    condition = "{fact: role, equals: true}"
    for level in range(depth):
        word = "any" if level % 2 else "all"
        condition = f"{{{word}: [{condition}, {{fact: organization, equals: x{level}}}]}}"
    return condition


def test_a_counting_condition_with_millions_of_combinations_is_refused_quickly(tmp_path):
    items = ", ".join("{fact: role, equals: true}" if i % 2 else
                      f"{{fact: organization, equals: o{i}}}" for i in range(24))
    folder = make_pack(tmp_path / "p", pack=condition_pack(f"{{at_least: 12, of: [{items}]}}"))
    with hang_guard(10), memory_peak() as peak:
        issues = refused(folder)
    assert peak[0] < 50, f"{peak[0]:.0f} MB allocated to refuse a condition"
    with hang_guard(10):
        assert lint_pack(folder).errors
    assert [(i.code, i.path, i.line) for i in issues] == [
        ("too-complex", "$.criteria[0].when", 16)]
    assert "compiles to 2704156 alternatives, more than the 128 allowed" in issues[0].message


def test_counting_conditions_inside_each_other_are_refused_by_their_size(tmp_path):
    inner = "{at_least: 3, of: [" + ", ".join(
        f"{{fact: organization, equals: o{i}}}" for i in range(6)) + "]}"
    middle = "{at_least: 3, of: [" + ", ".join([inner] * 6) + "]}"
    outer = "{at_least: 3, of: [" + ", ".join([middle] * 6) + "]}"
    with hang_guard(10):
        issues = refused(make_pack(tmp_path / "p", pack=condition_pack(outer)))
    assert {issue.code for issue in issues} == {"too-complex"}
    assert any("tests and connectives, more than the 2000 allowed" in issue.message
               for issue in issues)


@pytest.mark.parametrize("depth", [22, 28])
def test_deeply_nested_conditions_are_refused_quickly(tmp_path, depth):
    folder = make_pack(tmp_path / "p", pack=condition_pack(nested_condition(depth)))
    with hang_guard(10), memory_peak() as peak, pytest.raises(PackError) as caught:
        Advisor(load_pack(folder))
    assert peak[0] < 50, f"{peak[0]:.0f} MB allocated to refuse a condition"
    with hang_guard(10):
        assert lint_pack(folder).errors
    assert caught.value.issues[0].path == "criterion:high.role"
    assert "nests and/any more than 13 deep" in caught.value.issues[0].message


def test_deeply_nested_references_compile_quickly_or_are_refused(tmp_path):
    text = PACK.replace("criteria:\n", "derived:\n  - {id: d, text: D, source: s, "
                        "when: {fact: role, equals: true}}\ncriteria:\n")
    condition = "{derived: d}"
    for level in range(28):
        word = "any" if level % 2 else "all"
        condition = (f"{{{word}: [{condition}, {{fact: organization, equals: x{level}}}, "
                     "{derived: d, is: false}]}")
    folder = make_pack(tmp_path / "p", pack=text.replace(
        "    when: {fact: role, equals: true}\nrecommendations", f"    when: {condition}\n"
        "recommendations"))
    with hang_guard(10):
        try:
            Advisor(load_pack(folder)).close()
        except PackError as error:
            assert {issue.code for issue in error.issues} == {"too-complex"}


# --- 15.16: hostile case files -------------------------------------------------------------

CASE = "  - name: c\n    facts: {organization: A, role: false}\n    expect: {level: low}\n"


@pytest.mark.parametrize(("case", "path", "words"), [
    (CASE.replace("{level: low}", "5"), "$.cases[0].expect", "expected a mapping"),
    (CASE.replace("{level: low}", "[level]"), "$.cases[0].expect", "expected a mapping"),
    (CASE.replace("{level: low}", "{level: low, met: 5}"), "$.cases[0].expect.met",
     "expected a list"),
    (CASE.replace("{level: low}", "{level: 5}"), "$.cases[0].expect.level",
     "expected a string"),
    (CASE + "    target: [x]\n", "$.cases[0].target", "expected a string or null"),
    (CASE.replace("{organization: A, role: false}", "[1]"), "$.cases[0].facts",
     "expected a mapping"),
    (CASE + "    expct: {level: low}\n", "$.cases[0].expct", "unknown field 'expct'"),
    (CASE.replace("name: c", "name: {a: 1}"), "$.cases[0].name", "expected a string"),
    (CASE.replace("{level: low}", "{level: low, gaps: [[x]]}"),
     "$.cases[0].expect.gaps[0]", "expected a string"),
], ids=["expect-5", "expect-list", "met-5", "level-5", "target-list", "facts-list",
        "unknown-key", "name-mapping", "gap-list"])
def test_a_hostile_case_is_reported_with_its_place_never_a_traceback(tmp_path, case, path,
                                                                      words):
    folder = make_pack(tmp_path / "p", cases="cases:\n" + case)
    with pytest.raises(PackError) as caught:
        load_cases(folder / "tests")
    found = {issue.path: issue for issue in caught.value.issues}
    assert path in found and words in found[path].message, caught.value.issues
    assert found[path].line is not None
    for command in ("test", "lint"):
        result = run("packs", command, str(folder))
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert path in result.output


@pytest.mark.parametrize(("text", "path"), [
    ("cases: {}\n", "$.cases"),
    ("case: []\n", "$.case"),
    ("- 1\n", "$"),
    ("cases: [5]\n", "$.cases[0]"),
], ids=["cases-mapping", "no-cases", "a-list", "case-5"])
def test_a_case_file_of_the_wrong_shape(tmp_path, text, path):
    folder = make_pack(tmp_path / "p", cases=text)
    with pytest.raises(PackError) as caught:
        load_cases(folder / "tests")
    assert path in [issue.path for issue in caught.value.issues]
    result = run("packs", "test", str(folder))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)


def test_every_problem_of_a_case_file_at_once(tmp_path):
    text = ("cases:\n" + CASE.replace("{level: low}", "5")
            + CASE.replace("name: c", "nam: c") + CASE + "    target: [x]\n")
    with pytest.raises(PackError) as caught:
        load_cases(make_pack(tmp_path / "p", cases=text) / "tests")
    paths = [issue.path for issue in caught.value.issues]
    assert {"$.cases[0].expect", "$.cases[1].nam", "$.cases[1].name",
            "$.cases[2].target"} <= set(paths)
    assert all(issue.line for issue in caught.value.issues)


def test_an_unknown_target_is_a_failed_case_not_a_crash(tmp_path):
    folder = make_pack(tmp_path / "p", cases="cases:\n" + CASE + "    target: nosuch\n")
    (case,) = load_cases(folder / "tests")
    with Advisor(load_pack(folder)) as advisor:
        result = run_case(advisor, case)
    assert result.failures and result.failures[0].startswith("target: unknown level 'nosuch'")
    outcome = run("packs", "test", str(folder))
    assert outcome.exit_code == 1 and "FAIL" in outcome.output


def test_a_pack_whose_network_the_engine_cannot_hold_is_refused_not_run(tmp_path):
    schema = with_property("role", {"type": "boolean"}, **{"properties": {
        **SCHEMA["properties"],
        **{f"f{k}": {"type": "integer", "minimum": 0, "maximum": 9} for k in range(100)}}})
    derived = "".join(f"  - {{id: d{i}, text: D, source: s, when: {{fact: f{i % 100}, "
                      f"equals: {i // 100}}}}}\n" for i in range(200))
    folder = make_pack(tmp_path / "p", schema, pack=PACK.replace(
        "criteria:\n", "derived:\n" + derived + "criteria:\n"))
    with hang_guard(10), pytest.raises(PackError) as caught:
        Advisor(load_pack(folder))  # the engine would hang, or crash the process
    messages = [issue.message for issue in caught.value.issues]
    assert any(m.startswith("402 different tests follow one same test") for m in messages)


def test_a_level_needing_more_criteria_than_the_engine_joins_is_refused(tmp_path):
    criteria = "".join(f"  - {{id: high.c{i}, level: high, text: C, source: s, "
                       "when: {fact: role, equals: true}}\n" for i in range(17))
    folder = make_pack(tmp_path / "p", pack=PACK.replace("criteria:\n", "criteria:\n" + criteria))
    with pytest.raises(PackError) as caught:
        Advisor(load_pack(folder))
    assert [(i.path, i.code) for i in caught.value.issues] == [("level:high", "too-complex")]
    assert "joins 18 facts" in caught.value.issues[0].message


@pytest.mark.parametrize(("pattern", "answer"), [
    ("^a*a*a*a*a*a*b$", "a" * 300),  # repeats side by side: polynomial for Python's re
    ("^.*.*.*.*=.*$", "x" * 1000),
    ("^(a|aa)*c$", "a" * 60 + "b"),  # backtracking that even the timed matcher meets
])
def test_patterns_whose_repeats_backtrack_side_by_side_give_an_answer_in_time(
        tmp_path, pattern, answer):
    """A pack's facts schema may hold patterns the loader cannot prove fast (repeats side by
    side); each answer is then matched with a time limit and, past it, refused as not checked
    (with `re`, the first took 26 s on 100 characters and over a minute on 300)."""
    from brm_advisor.engine import Advisor
    from brm_advisor.engine.inputs.schema_check import MATCH_SECONDS, pattern_matches

    schema = with_property("organization", {"type": "string", "pattern": pattern})
    folder = make_pack(tmp_path / "p", schema)
    try:
        pack = load_pack(folder)
    except PackError:  # refused outright (nested repeats): as safe
        return
    with hang_guard(10), Advisor(pack) as advisor:
        facts = {"organization": answer}
        assert advisor.reader.validator.is_valid(facts) is False
        (issue,) = [i for i in advisor.reader.validator.issues(facts)
                    if i.path == "$.organization"]
    found = pattern_matches(pattern, answer)
    if found is None:
        assert f"could not be checked against its form in {MATCH_SECONDS} s" in issue.message


def test_a_shipped_schema_s_patterns_need_no_timed_matcher():
    """The facts contract's and the pack schema's patterns are matched by `re` (importing the
    timed matcher costs start-up time)."""
    import subprocess
    import sys

    code = ("import sys\nfrom brm_advisor.engine import Advisor, resolve_pack\n"
            "a = Advisor(resolve_pack())\na.assess(a.read('examples/acme.yaml'))\n"
            "print('regex' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=120)
    assert done.stdout.strip() == "False"
