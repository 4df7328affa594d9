"""brm assess and brm report on an engagement (issue 10 points 1-3, the command-line part): the
organization rolled up from its business units, each unit's diagnosis under its name, the
units not assessed with their problems, and evidence beside the criteria it supports (for a
single facts file too)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from brm_advisor.cli.common import TRACE_HINT
from brm_advisor.engine import Advisor, facts_evidence, render_json, resolve_pack

from conftest import EXAMPLES, ROOT, run
from installed import BRM

BANK = EXAMPLES / "first-national-bank"
ENGAGEMENT_SCHEMA = json.loads((ROOT / "schemas" / "engagement.schema.json").read_text())
DIAGNOSIS_SCHEMA = json.loads((ROOT / "schemas" / "diagnosis.schema.json").read_text())
HEADLINE = ("First National Bank: Ad hoc (lowest of 4 business units; median Order Taker; Ad "
            "hoc 1, Order Taker 2, Strategic Partner 1)")


def _joined(text: str) -> str:
    """The text with its wrapped lines joined (words apart by one space)."""
    return " ".join(text.split())


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A copy of the shipped bank to break."""
    copy = tmp_path / "bank"
    shutil.copytree(BANK, copy)
    return copy


def test_assess_a_folder_prints_the_roll_up_first_then_each_unit_under_its_name():
    result = run("assess", str(BANK))
    assert result.exit_code == 0, result.output
    out = result.output
    assert _joined(out).startswith(HEADLINE)
    assert "Assessed on 2026-11-20 by A. Consultant" in out
    flat = _joined(out)
    assert ("Retail banking: Order Taker (level 2); 2 respondents: Dana Reyes (business, "
            "retail-business.yaml), Sam Ito (it, retail-it.yaml)") in flat
    # findings across units: the unit ahead, and who said what
    assert "WARNING engagement.unit_ahead Wealth management is at Strategic Partner" in flat
    assert ("Dana Reyes (business) said order_taking; Sam Ito (it) said advisory; combined "
            "as order_taking (the least mature answer)") in flat
    # gaps apart by how many units lack them, recommendations once with their units
    assert "Common gaps (unmet in most units: organization-wide programs) none" in flat
    assert "- order_taker.formal_role (Operations): A formal, named BRM role exists." in flat
    assert flat.count("rec.advisor.seek_advice") == 3  # the shared list, Retail, Corporate
    assert "Units: Retail banking, Corporate banking Closes: advisor.sought_out" in flat
    # the matrix: x met, . unmet, a column per unit in the engagement's order
    assert "Columns: 1 Retail banking, 2 Corporate banking, 3 Wealth management, 4 " \
           "Operations" in flat
    row = next(line for line in out.splitlines() if "order_taker.formal_role  " in line)
    assert row.split()[1:] == ["x", "x", "x", "."]
    # each unit's diagnosis under its name, in order
    headings = [line for line in out.splitlines() if line.startswith("Business unit: ")]
    assert headings == ["Business unit: Retail banking", "Business unit: Corporate banking",
                        "Business unit: Wealth management", "Business unit: Operations"]
    retail = out.split("Business unit: Retail banking")[1].split("Business unit: ")[0]
    assert "First National Bank: Order Taker (level 2 of 4)" in retail
    assert "The diagnosis rests on their combined answers" in _joined(retail)
    assert "Evidence about the unit: Interviews held on 2026-11-18" in _joined(retail)
    assert ("evidence for measures: Monthly SLA report to the retail board [Retail PMO, "
            "2026-10-31] (from Dana Reyes)") in _joined(retail)
    assert ("Met without evidence: order_taker.formal_role, "
            "order_taker.orderly_prioritization") in _joined(retail)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_the_engagement_file_reads_as_its_folder():
    assert run("assess", str(BANK / "engagement.yaml")).output == run("assess", str(BANK)).output


def test_assess_json_is_the_engagement_result_valid_against_its_schema():
    result = run("assess", str(BANK), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    Draft202012Validator(ENGAGEMENT_SCHEMA).validate(data)
    assert data["organization"] == "First National Bank" and data["level"]["id"] == "ad_hoc"
    assert [unit["business_unit"] for unit in data["units"]] == [
        "Retail banking", "Corporate banking", "Wealth management", "Operations"]
    assert data["broken_units"] == []


def test_a_broken_unit_is_reported_with_its_problems_and_the_others_still_printed(bank):
    operations = bank / "operations.yaml"
    operations.write_text(operations.read_text().replace("mode: reactive", "mode: reactiv"))
    result = run("assess", str(bank))
    assert result.exit_code == 1  # as a facts file that is not valid
    assert "Business unit: Wealth management" in result.stdout  # the others, all of them
    assert "Operations: not assessed (see the end)" in result.stdout
    problem = (f"{operations}:5: $.engagement.mode: 'reactiv' is not allowed; allowed: "
               "reactive, order_taking, advisory, partnership (did you mean 'reactive'?)")
    assert "".join(problem.split()) in "".join(result.stdout.split())  # wrapped at 80
    assert f"Operations: {problem}" in result.stderr
    assert "Traceback" not in result.output
    as_json = run("assess", str(bank), "--format", "json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    Draft202012Validator(ENGAGEMENT_SCHEMA).validate(data)
    [broken] = data["broken_units"]
    assert broken["business_unit"] == "Operations"
    assert broken["problems"][0]["line"] == 5
    assert broken["problems"][0]["path"] == "$.engagement.mode"


def test_an_ambiguous_engagement_is_an_input_error_naming_every_problem(bank):
    (bank / "engagement.yaml").unlink()
    wealth = bank / "wealth.yaml"
    wealth.write_text(wealth.read_text().replace("First National Bank", "Other Bank"))
    (bank / "stray.yaml").write_text("organization: First National Bank\n")
    result = run("assess", str(bank))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {bank} is not a valid engagement (3 problems):"
    # the two retail files name their respondents only in the engagement file just removed
    assert any("unit 'Retail banking' has 2 files, and retail-business.yaml, retail-it.yaml"
               in line for line in lines)
    assert any(line.startswith(f"  {bank / 'stray.yaml'}:1: $.business_unit: names no "
                               "business_unit") for line in lines)
    assert any("$.organization: wealth.yaml name(s) the organization 'Other Bank'" in line
               for line in lines)
    assert "Traceback" not in result.output


def test_an_ambiguous_engagement_file_names_its_lines(bank):
    (bank / "engagement.yaml").write_text(
        "organization: First National Bank\nunits:\n  - {name: Corporate banking, file: "
        "corporate.yaml}\n  - {name: Corporate banking, file: wealth.yaml}\n"
        "  - {name: Ops, file: ../outside.yaml}\n")
    result = run("report", str(bank), "-o", str(bank / "out.html"))
    assert result.exit_code == 1
    assert not (bank / "out.html").exists()  # nothing written
    err = result.stderr
    engagement = bank / "engagement.yaml"
    assert f"{engagement}:4: $.units[1].name: two units are named 'Corporate banking'" in err
    assert f"{engagement}:5: $.units[2].respondents[0].file: '../outside.yaml' leads " \
           "outside the engagement's folder" in err
    assert "wealth.yaml answers for the unit 'Wealth management'" in err


def test_target_passes_through_to_every_unit():
    data = json.loads(run("assess", str(BANK), "--format", "json", "--target",
                          "strategic_partner").output)
    assert {unit["diagnosis"]["target"]["id"] for unit in data["units"]} == {
        "strategic_partner"}
    bad = run("assess", str(BANK), "--target", "nowhere")
    assert bad.exit_code == 2


def _dimensioned(tmp_path: Path) -> Path:
    folder = tmp_path / "northwind"
    folder.mkdir()
    example = yaml.safe_load((ROOT / "rules" / "demand_supply" / "example.yaml").read_text())
    for unit, planning in (("Stores", "project_by_project"), ("Online", "annual")):
        data = {**example, "business_unit": unit,
                "demand": {**example["demand"], "planning": planning}}
        (folder / f"{unit.lower()}.yaml").write_text(yaml.safe_dump(data))
    return folder


def test_a_dimensioned_pack_rolls_each_dimension_up_and_takes_dimension_targets(tmp_path):
    folder = _dimensioned(tmp_path)
    result = run("assess", "--pack", "demand-supply", str(folder), "--target",
                 "demand=strategic")
    assert result.exit_code == 0, result.output
    flat = _joined(result.output)
    assert "Business demand: Reactive (lowest of 2 business units; median Reactive;" in flat
    assert "IT supply: Strategic (lowest of 2 business units" in flat
    data = json.loads(run("assess", "--pack", "demand-supply", str(folder), "--format",
                          "json", "--target", "demand=strategic").output)
    Draft202012Validator(ENGAGEMENT_SCHEMA).validate(data)
    for unit in data["units"]:
        [demand] = [d for d in unit["diagnosis"]["dimensions"] if d["id"] == "demand"]
        assert demand["target"]["name"] == "Strategic"


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_report_on_an_engagement_is_one_report_for_the_organization(tmp_path, suffix):
    out = tmp_path / f"bank{suffix}"
    result = run("report", str(BANK), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text == run("assess", str(BANK), "--format",
                       "html" if suffix == ".html" else "markdown").output
    for unit in ("Retail banking", "Corporate banking", "Wealth management", "Operations"):
        assert f"Business unit: {unit}" in text
    assert "Units heatmap" in text and "✗ not met" in text and "✓ met" in text
    assert "Ad hoc (lowest of 4 business units; median Order Taker" in text
    assert "Units: Retail banking, Corporate banking" in text
    assert "Evidence: Job description of the corporate BRM, 2025" in text


def test_the_heatmap_says_met_or_not_in_words_in_every_cell():
    html = run("assess", str(BANK), "--format", "html").output
    heatmap = html.split('<table class="heatmap">')[1].split("</table>")[0]
    cells = heatmap.split('<td class="cell ')[1:]
    assert len(cells) == 13 * 4  # criteria in scope x units
    for cell in cells:
        kind, _, rest = cell.partition('">')
        word = rest.split("</td>")[0]
        assert (kind, word) in (("met", "✓ met"), ("unmet", "✗ not met"))


def test_unit_names_from_the_facts_are_escaped_in_reports(bank):
    (bank / "engagement.yaml").unlink()
    (bank / "retail-it.yaml").unlink()
    retail = bank / "retail-business.yaml"
    retail.write_text(retail.read_text().replace(
        "business_unit: Retail banking", "business_unit: \"<script>x</script> *R&D* | [a](b)\""))
    html = run("assess", str(bank), "--format", "html").output
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    markdown = run("assess", str(bank), "--format", "markdown").output
    assert "\\*R&amp;D\\* \\| \\[a\\](b)" in markdown and "<script>" not in markdown


def test_a_broken_unit_still_gets_its_report_written_and_exit_1(bank, tmp_path):
    operations = bank / "operations.yaml"
    operations.write_text(operations.read_text().replace("mode: reactive", "mode: reactiv"))
    out = tmp_path / "bank.md"
    result = run("report", str(bank), "-o", str(out))
    assert result.exit_code == 1
    text = out.read_text()
    assert "## Business units not assessed" in text and "'reactiv' is not allowed" in text
    assert "## Business unit: Wealth management" in text


def test_explain_takes_one_facts_file():
    result = run("assess", str(BANK), "--explain")
    assert result.exit_code == 2
    assert "--explain takes one facts file, not an engagement" in result.output


def test_single_file_commands_are_unchanged_on_a_file_and_refuse_a_folder():
    globex = EXAMPLES / "globex-ad-hoc.yaml"
    assert run("assess", str(globex)).output == (
        ROOT / "tests" / "golden" / "globex-ad-hoc.txt").read_text()
    result = run("validate", str(BANK))
    assert result.exit_code == 2  # not an engagement command


# --- evidence in a single facts file ---------------------------------------------------------

def _facts(tmp_path: Path, evidence: object | None) -> Path:
    data = yaml.safe_load((EXAMPLES / "globex-ad-hoc.yaml").read_text())
    data.pop("evidence", None)
    if evidence is not None:
        data["evidence"] = evidence
    path = tmp_path / f"facts-{evidence is not None}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


EVIDENCE = {"brm.formal_role": [
    "Org chart, page 3",
    {"text": "Role description", "source": "HR", "date": "2026-10-01"}]}


def test_evidence_is_shown_beside_each_criterion_it_supports(tmp_path):
    plain = run("assess", str(_facts(tmp_path, None))).output
    given = run("assess", str(_facts(tmp_path, EVIDENCE))).output
    assert "evidence" not in plain.lower()
    block = given.split("order_taker.formal_role\n")[1].split("  [")[0]
    assert "evidence for brm.formal_role: Org chart, page 3" in _joined(block)
    assert "evidence for brm.formal_role: Role description [HR, 2026-10-01]" in _joined(block)
    # nothing else moves: without the evidence lines and the closing line, the same output
    head, _, tail = given.partition("Met without evidence:")
    tail = tail.split("\n\n", 1)[1]
    kept = [line for line in (head + tail).splitlines()
            if not line.lstrip().startswith("evidence for")]
    assert "\n".join(kept) + "\n" == plain


def test_met_without_evidence_lists_the_met_criteria_on_unevidenced_facts():
    facts = yaml.safe_load((EXAMPLES / "acme.yaml").read_text())
    out = run("assess", str(EXAMPLES / "acme.yaml")).output
    assert facts["evidence"]  # acme gives evidence for engagement.mode and measures
    assert ("Met without evidence: order_taker.formal_role, "
            "order_taker.orderly_prioritization, advisor.competencies") in _joined(out)
    for fmt in ("markdown", "html"):
        report = run("assess", str(EXAMPLES / "acme.yaml"), "--format", fmt).output
        assert "Met without evidence: order_taker.formal_role" in report
        assert "Evidence: Interviews with three business unit heads, October 2026." in report


def test_render_json_adds_evidence_only_when_given(advisor, tmp_path):
    schema = json.loads(json.dumps(DIAGNOSIS_SCHEMA))
    # the keys this would need in schemas/diagnosis.schema.json (proposed, not yet there)
    text = {"type": "string"}
    schema["properties"]["evidence"] = {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["path", "text", "criteria"],
        "properties": {"path": text, "text": text, "source": text, "date": text,
                       "given_by": text, "criteria": {"type": "array", "items": text}}}}
    schema["properties"]["unevidenced"] = {"type": "array", "items": {"type": "string"}}
    plain = advisor.read(str(_facts(tmp_path, None)))
    assert json.loads(render_json(advisor.assess(plain), None, facts_evidence(plain))) == (
        json.loads(render_json(advisor.assess(plain))))
    given = advisor.read(str(_facts(tmp_path, EVIDENCE)))
    data = json.loads(render_json(advisor.assess(given), None, facts_evidence(given)))
    Draft202012Validator(schema).validate(data)
    assert data["evidence"][1] == {"path": "brm.formal_role", "text": "Role description",
                                   "source": "HR", "date": "2026-10-01",
                                   "criteria": ["order_taker.formal_role"]}


def test_the_installed_brm_assesses_the_shipped_bank(tmp_path):
    result = subprocess.run([BRM, "assess", str(BANK)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert _joined(result.stdout).startswith(HEADLINE)
    out = tmp_path / "bank.html"
    made = subprocess.run([BRM, "report", str(BANK / "engagement.yaml"), "-o", str(out)],
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_the_library_names_are_public():
    import brm_advisor.engine as engine

    for name in ("read_engagement", "assess_engagement", "is_engagement", "EngagementResult",
                 "Evidence", "EngagementError", "Dimension", "render_engagement_text",
                 "engagement_report_context"):
        assert name in engine.__all__ and getattr(engine, name) is not None
    with Advisor(resolve_pack()) as advisor:
        engagement = engine.read_engagement(BANK, advisor.reader, advisor.pack.fields)
        result = engine.assess_engagement(advisor, engagement)
        assert engine.render_engagement_text(result, advisor.pack, TRACE_HINT) == run(
            "assess", str(BANK)).output


def test_a_pack_without_overall_level_shows_each_units_dimension_levels(tmp_path):
    from test_dimensions import make, pack_text, without_overall

    pack = make(tmp_path / "pack", without_overall(pack_text()))
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "engagement.yaml").write_text(
        "organization: X\nunits:\n  - {name: U1, facts: {organization: X, a: 2, b: 1}}\n"
        "  - {name: U2, facts: {organization: X, a: 4, b: 3}}\n")
    out = run("assess", str(folder), "--pack", str(pack)).output
    assert out.startswith("X: no overall level; each dimension is rated on its own ladder\n")
    assert "U1: Dimension A: A2; Dimension B: B1" in out
    assert "No overall level (level 1)" not in out
    markdown = run("assess", str(folder), "--pack", str(pack), "--format", "markdown").output
    assert "| U2 | Dimension A: A4; Dimension B: B3 |" in markdown
    assert "Level 1 of 1" not in markdown and "### Why each dimension's level" in markdown
