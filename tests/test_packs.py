"""Custom frameworks: packs written, checked, tested and shared without touching Python."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from brm_advisor.engine import Advisor, RunawayError, available_packs, load_pack, resolve_pack
from brm_advisor.engine.packs.lint import lint_pack

from conftest import ROOT, deadline, run

BRMI = ROOT / "rules" / "brmi_relationship"


# --- scaffold, list, show ---------------------------------------------------------------------

def test_a_new_pack_passes_its_own_lint_and_tests(tmp_path):
    folder = tmp_path / "acme-framework"
    result = run("packs", "new", str(folder))
    assert result.exit_code == 0, result.output
    assert (folder / "pack.yaml").is_file() and (folder / "tests" / "basic.yaml").is_file()
    lint = run("packs", "lint", str(folder), "--strict")
    assert lint.exit_code == 0, lint.output
    assert "0 errors, 0 warnings" in lint.output
    tested = run("packs", "test", str(folder))
    assert tested.exit_code == 0 and "3 passed, 0 failed" in tested.output
    assert load_pack(folder).id == "acme-framework"


def test_new_never_overwrites_without_force(tmp_path):
    folder = tmp_path / "mine"
    assert run("packs", "new", str(folder)).exit_code == 0
    (folder / "pack.yaml").write_text("# my own work\n")
    refused = run("packs", "new", str(folder))
    assert refused.exit_code == 2 and "use --force" in refused.output
    assert (folder / "pack.yaml").read_text() == "# my own work\n"
    assert run("packs", "new", str(folder), "--force").exit_code == 0
    assert "pack:" in (folder / "pack.yaml").read_text()


def test_list_and_show():
    listed = json.loads(run("packs", "list", "--format", "json").output)
    ids = {row["id"]: row for row in listed}
    assert {"merlyn-brm", "brmi-relationship"} <= set(ids)
    assert ids["brmi-relationship"]["origin"] == "shipped" and ids["brmi-relationship"]["valid"]
    shown = json.loads(run("packs", "show", "brmi-relationship", "--format", "json").output)
    assert [level["id"] for level in shown["levels"]] == [
        "ad_hoc", "order_taker", "service_provider", "trusted_advisor", "strategic_partner"]
    tested = {f["path"] for f in shown["facts"] if f["tested_by_rules"]}
    assert "business_view.trust" in tested and "provider_view.planning" in tested
    text = run("packs", "show", "merlyn-brm").output
    assert "Facts its rules test" in text and "engagement.mode (string, required)" in text


def test_the_shipped_packs_lint_clean_and_pass_their_tests():
    for pack_id in ("merlyn-brm", "brmi-relationship"):
        assert run("packs", "lint", pack_id, "--strict").exit_code == 0
        result = run("packs", "test", pack_id)
        assert result.exit_code == 0 and " 0 failed" in result.output


# --- a second framework with no Python change -------------------------------------------------

def test_the_two_view_framework_runs_from_a_copied_folder(tmp_path):
    folder = tmp_path / "their-framework"
    shutil.copytree(BRMI, folder)
    result = run("assess", "--pack", str(folder), str(folder / "example.yaml"), "--format",
                 "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["level"] == {"id": "order_taker", "rank": 2, "name": "Order Taker"}
    assert {f["id"] for f in data["findings"]} >= {"finding.provider_sees_more.engagement"}
    assert run("packs", "test", str(folder)).exit_code == 0
    assert run("whatif", "--pack", str(folder), str(folder / "example.yaml"), "--target",
               "trusted_advisor").exit_code == 0


def test_facts_are_checked_against_the_packs_own_schema(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization: X\nbusiness_view: {engagement: orders}\n")
    result = run("assess", "--pack", "brmi-relationship", str(bad))
    assert result.exit_code == 1
    assert "$.business_view.trust: missing required field 'trust'" in result.output
    assert "$.provider_view: missing required field 'provider_view'" in result.output


# --- lint -------------------------------------------------------------------------------------

def scaffolded(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    assert run("packs", "new", str(folder)).exit_code == 0
    return folder


def edit(folder: Path, old: str, new: str) -> None:
    text = (folder / "pack.yaml").read_text()
    assert old in text, old
    (folder / "pack.yaml").write_text(text.replace(old, new))


def test_lint_reports_every_problem_at_once_with_lines(tmp_path):
    folder = scaffolded(tmp_path)
    edit(folder, "when: {derived: measures_value}", "when: {derived: measures_valu}")
    edit(folder, "addresses: [organized.role]", "addresses: [organized.rol]")
    edit(folder, "  - id: rec.valued.value", "  - id: valued.advice")
    report = lint_pack(folder)
    messages = [p.describe(report.source) for p in report.errors]
    assert any("unknown derived 'measures_valu'" in m and "did you mean 'measures_value'?" in m
               for m in messages)
    assert any("unknown criterion 'organized.rol'" in m for m in messages)
    assert any("is used twice" in m for m in messages)
    assert all(p.issue.line for p in report.errors)
    result = run("packs", "lint", str(folder))
    assert result.exit_code == 1 and "3 errors" in result.output


def test_lint_smells_and_unreachable_levels(tmp_path):
    folder = scaffolded(tmp_path)
    text = (folder / "pack.yaml").read_text()
    text = text.replace(
        "    when: {fact: engagement.mode, in: [advisory, partnership]}",
        "    when: {all: [{fact: engagement.mode, equals: advisory},"
        " {fact: engagement.mode, equals: reactive}]}")
    text = text.replace("derived:\n", "derived:\n  - id: never_used\n    text: Unused.\n"
                        "    source: own\n    when: {fact: measures, empty: true}\n", 1)
    text = text.replace("  - id: rec.valued.value\n    level: valued",
                        "  - id: rec.valued.value\n    level: starting")
    (folder / "pack.yaml").write_text(text)
    report = lint_pack(folder)
    codes = {(p.severity, p.issue.code, p.subject) for p in report.problems}
    assert ("error", "unreachable-level", "valued") in codes
    assert ("warning", "unused-derived", "never_used") in codes
    assert ("warning", "never-fires", "rec.valued.value") in codes
    assert ("warning", "never-fires", "valued.advice") in codes


def test_lint_notices_missing_tests(tmp_path):
    folder = scaffolded(tmp_path)
    shutil.rmtree(folder / "tests")
    report = lint_pack(folder)
    assert [p.issue.code for p in report.warnings] == ["no-tests"]
    assert run("packs", "lint", str(folder), "--strict").exit_code == 1


def test_pack_tests_report_failures_with_a_diff(tmp_path):
    folder = scaffolded(tmp_path)
    cases = (folder / "tests" / "basic.yaml").read_text()
    (folder / "tests" / "basic.yaml").write_text(cases.replace("level: valued",
                                                              "level: organized"))
    result = run("packs", "test", str(folder))
    assert result.exit_code == 1
    assert "FAIL  basic[2] valued" in result.output
    assert "level: expected organized, got valued" in result.output
    assert "2 passed, 1 failed" in result.output


# --- hostile packs ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("pack: !!python/object/apply:os.system ['touch /tmp/brm-pwned-pack']\n", "yaml-tag"),
    ("a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
        f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)), "too-large"),
])
def test_hostile_yaml_is_refused_by_lint(tmp_path, text, code):
    (tmp_path / "pack.yaml").write_text(text)
    with deadline(30):
        report = lint_pack(tmp_path)
    assert [p.issue.code for p in report.errors] == [code]
    assert not Path("/tmp/brm-pwned-pack").exists()


def test_a_path_escaping_the_pack_and_a_cycle(tmp_path):
    folder = scaffolded(tmp_path)
    edit(folder, "facts_schema: builtin:facts-v1", "facts_schema: ../../etc/passwd")
    codes = [p.issue.code for p in lint_pack(folder).errors]
    assert "outside-pack" in codes
    folder2 = scaffolded(tmp_path / "two")
    edit(folder2, "    when: {fact: measures, includes: business_value}",
         "    when: {criterion: valued.value}")
    assert "cycle" in [p.issue.code for p in lint_pack(folder2).errors]


def test_thousands_of_rules_are_refused_without_compiling_them(tmp_path):
    folder = scaffolded(tmp_path)
    many = "".join(f"  - id: valued.c{i}\n    level: valued\n    text: c\n    source: own\n"
                   f"    when: {{fact: engagement.mode, equals: advisory}}\n" for i in range(3000))
    edit(folder, "criteria:\n", "criteria:\n" + many)
    with deadline(30):
        report = lint_pack(folder)
    assert any(p.issue.code == "too-large" for p in report.errors)
    assert run("assess", "--pack", str(folder), str(ROOT / "examples" / "acme.yaml")
               ).exit_code == 1


# --- runaway protection -----------------------------------------------------------------------

def test_a_runaway_assessment_is_stopped_and_the_process_stays_healthy(base_facts):
    pack = resolve_pack()
    with Advisor(pack, max_firings=5) as tight:
        with pytest.raises(RunawayError) as caught:
            tight.assess(tight.reader.from_data(base_facts))
        assert caught.value.rules and "fired more than 5 rules" in str(caught.value)
        with pytest.raises(RunawayError):  # and again: no session was left behind
            tight.assess(tight.reader.from_data(base_facts))
    with Advisor(pack) as normal:
        assert normal.assess(normal.reader.from_data(base_facts)).level.id == "order_taker"


# --- distribution through an entry point ------------------------------------------------------

def test_an_installed_distribution_provides_a_pack(tmp_path, monkeypatch, base_facts):
    site = tmp_path / "site"
    package = site / "acme_brm_pack"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    assert run("packs", "new", str(package), "--id", "acme-method").exit_code == 0
    dist = site / "acme_brm_pack-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-brm-pack\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[brm_advisor.packs]\nacme = acme_brm_pack\n")
    monkeypatch.syspath_prepend(str(site))
    refs = {ref.id: ref for ref in available_packs()}
    assert refs["acme-method"].origin == "installed"
    assert refs["acme-method"].distribution == "acme-brm-pack"
    assert "acme_brm_pack" not in sys.modules
    listed = json.loads(run("packs", "list", "--format", "json").output)
    assert any(row["id"] == "acme-method" and row["origin"] == "installed" for row in listed)
    facts = Path(tmp_path / "f.json")
    facts.write_text(json.dumps(base_facts))
    result = run("assess", "--pack", "acme-method", str(facts))
    assert result.exit_code == 0 and "Organized" in result.output


def test_a_pack_extends_the_shipped_facts_contract(tmp_path, base_facts):
    folder = scaffolded(tmp_path)
    (folder / "extensions.json").write_text(json.dumps({"properties": {
        "sourcing": {"description": "Who runs IT.", "enum": ["insourced", "outsourced"]}}}))
    edit(folder, "  facts_schema: builtin:facts-v1",
         "  facts_schema: builtin:facts-v1\n  facts_extensions: extensions.json")
    edit(folder, "    when: {fact: brm.formal_role, equals: true}",
         "    when: {all: [{fact: brm.formal_role, equals: true},"
         " {fact: sourcing, equals: insourced}]}")
    with Advisor(load_pack(folder)) as advisor:
        assert advisor.assess(advisor.reader.from_data(base_facts)).level.id == "starting"
        base_facts["sourcing"] = "insourced"
        assert advisor.assess(advisor.reader.from_data(base_facts)).level.id == "organized"
    (folder / "extensions.json").write_text(json.dumps({"properties": {"measures": {}}}))
    codes = [p.issue.code for p in lint_pack(folder).errors]
    assert codes[0] == "schema" and "unknown-reference" in codes  # sourcing is unknown now


def test_list_includes_folders_given_with_pack(tmp_path):
    folder = scaffolded(tmp_path)
    rows = json.loads(run("packs", "list", "--pack", str(folder), "--format", "json").output)
    assert rows[-1]["id"] == "p" and rows[-1]["origin"] == "path"


def test_a_pack_with_hundreds_of_problems_lists_the_first_hundred_and_a_count(tmp_path):
    folder = scaffolded(tmp_path)
    many = "".join(f"  - id: valued.c{i}\n    level: valued\n    text: c\n    source: own{i}\n"
                   f"    when: {{fact: engagement.moode, equals: advisory}}\n" for i in range(300))
    edit(folder, "criteria:\n", "criteria:\n" + many)
    with deadline(60):
        result = run("assess", "--pack", str(folder), str(ROOT / "examples" / "acme.yaml"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "(600 problems)" in lines[0] and len(lines) == 102  # 100 listed, then a count
    assert lines[-1].endswith("... and 500 more problems")


def test_lint_names_the_case_file_a_problem_is_in(tmp_path):
    folder = scaffolded(tmp_path)
    bad = folder / "tests" / "bad.yaml"
    bad.write_text("cases:\n  - name: x\n    facts: {organization: A}\n    expect: 5\n")
    report = lint_pack(folder)
    [problem] = report.errors
    assert problem.describe(report.source).startswith(f"{bad}:4: error: $.cases[0].expect:")
