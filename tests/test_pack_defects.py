"""Defects of the pack language found by writing a new framework from the docs (issue 11), each
pinned on a small pack written into a temporary folder: numeric facts in lint, what-if, explain
and the interview; a finding that can never hold; the lint message for a contradictory level;
the report's title; the header of a facts schema without ``organization``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from brm_advisor.engine import Advisor, explain, lint_pack, load_pack, search
from brm_advisor.engine.interview import questions_for
from brm_advisor.engine.interview.advice import why
from brm_advisor.engine.present.report import report_title

from conftest import run

SOURCES = [{"id": "own", "title": "Our method"}]
LEVELS = [{"id": "base", "name": "Base", "summary": "The floor.", "source": "own"},
          {"id": "lean", "name": "Lean", "summary": "Run costs in hand.", "source": "own"},
          {"id": "top", "name": "Top", "summary": "Run costs low.", "source": "own"}]


def write_pack(folder: Path, properties: dict[str, Any], *, criteria: list[dict[str, Any]],
               findings: list[dict[str, Any]] | None = None,
               levels: list[dict[str, Any]] | None = None, required: list[str] | None = None,
               name: str = "Run-cost framework", case: dict[str, Any] | None = None) -> Path:
    """A pack in `folder` (pack.yaml, facts.schema.json, one test case) with these facts,
    criteria and findings; one recommendation per criterion."""
    folder.mkdir(parents=True, exist_ok=True)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "additionalProperties": False,
              "required": required if required is not None else ["organization"],
              "properties": properties}
    (folder / "facts.schema.json").write_text(json.dumps(schema, indent=1), encoding="utf-8")
    pack = {"pack": {"id": "defects", "name": name, "version": "0.1.0",
                     "description": "A pack written for a test.",
                     "facts_schema": "facts.schema.json", "attainment": "staged",
                     "sources": SOURCES},
            "levels": levels or LEVELS,
            "criteria": [{"text": f"Criterion {c['id']}.", "source": "own", **c}
                         for c in criteria],
            "recommendations": [{"id": f"rec.{c['id']}", "level": c["level"],
                                 "addresses": [c["id"]], "action": f"Work on {c['id']}.",
                                 "source": "own"} for c in criteria],
            "findings": [{"severity": "warning", "message": f"Finding {f['id']}.",
                          "source": "own", **f} for f in findings or []]}
    (folder / "pack.yaml").write_text(yaml.safe_dump(pack, sort_keys=False), encoding="utf-8")
    (folder / "tests").mkdir(exist_ok=True)
    cases = [case] if case else []
    (folder / "tests" / "cases.yaml").write_text(yaml.safe_dump({"cases": cases}),
                                                 encoding="utf-8")
    return folder


def write_facts(path: Path, data: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


# --- 1. numeric facts in lint, what-if, explain and the interview --------------------------

NUMERIC_KINDS = {
    "number 0-100": {"type": "number", "minimum": 0, "maximum": 100},
    "number unbounded": {"type": "number"},
    "number, exclusive bounds and steps": {"type": "number", "exclusiveMinimum": 0,
                                            "exclusiveMaximum": 100, "multipleOf": 0.5},
    "integer unbounded": {"type": "integer"},
    "integer 0-100": {"type": "integer", "minimum": 0, "maximum": 100},
    "integer 0-1000": {"type": "integer", "minimum": 0, "maximum": 1000},
}
RUN_CRITERIA = [  # thresholds that are not the schema's bounds, some not whole numbers
    {"id": "lean.run", "level": "lean", "when": {"fact": "run_share", "at_most": 60}},
    {"id": "lean.growth", "level": "lean", "when": {"fact": "growth", "above": 2.5}},
    {"id": "top.run", "level": "top", "when": {"fact": "run_share", "below": 40.5}},
    {"id": "top.growth", "level": "top", "when": {"fact": "growth", "at_least": 7.25}},
]


def numeric_pack(folder: Path, kind: dict[str, Any]) -> Path:
    growth = {"type": "number"} if kind["type"] == "number" else {"type": "integer"}
    return write_pack(folder, {
        "organization": {"type": "string", "description": "Who is assessed."},
        "run_share": {**kind, "description": "Share of IT spend that keeps the lights on."},
        "growth": {**growth, "description": "Growth of the business, in percent."},
    }, required=["organization", "run_share", "growth"], criteria=RUN_CRITERIA,
        case={"name": "heavy", "facts": {"organization": "Heavy", "run_share": 80, "growth": 1},
              "expect": {"level": "base"}})


@pytest.fixture(params=list(NUMERIC_KINDS), ids=list(NUMERIC_KINDS))
def numeric(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return numeric_pack(tmp_path / "pack", NUMERIC_KINDS[request.param])


def test_lint_finds_every_level_of_a_numeric_pack_reachable(numeric):
    report = lint_pack(numeric)
    assert not report.errors, [p.describe(report.source) for p in report.errors]
    assert not [p for p in report.warnings if p.issue.code in ("never-fires",
                                                               "unreachable-level")]
    result = run("packs", "lint", str(numeric))
    assert result.exit_code == 0, result.output + result.stderr
    assert "unreachable-level" not in result.output


def test_whatif_target_finds_the_change_of_a_number(numeric, tmp_path):
    facts = write_facts(tmp_path / "heavy.yaml",
                        {"organization": "Heavy", "run_share": 80, "growth": 1})
    with Advisor(load_pack(numeric)) as advisor:
        found = search(advisor, advisor.read(facts), "top")
        assert found.reachable, found.reason
        changes = {c.path: c.after for c in found.solutions[0].changes}
        assert changes["run_share"] < 40.5 and changes["growth"] >= 7.25
        # the values next to the thresholds, as near the current values as allowed
        assert changes["run_share"] == 40
        assert changes["growth"] == (7.25 if isinstance(changes["growth"], float) else 8)
        lean = search(advisor, advisor.read(facts), "lean")
        assert {c.path: c.after for c in lean.solutions[0].changes} == {
            "run_share": 60, "growth": 3}
    result = run("whatif", "--pack", str(numeric), "--target", "lean", facts)
    assert result.exit_code == 0, result.output + result.stderr
    assert "No change" not in result.output
    assert "run_share: 80 -> 60" in result.output


def test_explain_says_which_number_meets_a_criterion_and_what_the_level_rests_on(numeric,
                                                                                 tmp_path):
    facts = write_facts(tmp_path / "mid.yaml",
                        {"organization": "Mid", "run_share": 50, "growth": 5})
    with Advisor(load_pack(numeric)) as advisor:
        read = advisor.read(facts)
        diagnosis = advisor.assess(read)
        assert diagnosis.level.id == "lean"
        explanation = explain(advisor, read, diagnosis)
    unmet = {u.id: u.satisfy for u in explanation.why_not}
    assert [[(c.path, c.after) for c in option] for option in unmet["top.run"]] == [
        [("run_share", 40)]]
    assert unmet["top.growth"] and unmet["top.growth"][0][0].after >= 7.25
    rests_on = {s.path: [(value, level.id) for value, level in s.drops]
                for s in explanation.robustness}
    (above, level), = rests_on["run_share"]  # the value next above 60 the schema allows
    assert level == "base" and above in (61, 60.5)
    assert rests_on["growth"] == [(2.5 if isinstance(rests_on["growth"][0][0], float) else 2,
                                   "base")]
    result = run("explain", "--pack", str(numeric), facts)
    assert result.exit_code == 0, result.output + result.stderr
    assert "no change of its own facts alone would meet it" not in result.output
    assert "would be met by: run_share: 50 -> 40" in result.output
    assert f"run_share = 50: {above} gives Base" in result.output


def test_the_interview_says_what_each_number_would_do(numeric):
    with Advisor(load_pack(numeric)) as advisor:
        question = next(q for q in questions_for(advisor.pack) if q.path == "run_share")
        told = why(advisor, question, {"organization": "Heavy"})
    effects = [(effect.value, effect.met, effect.unmet) for effect in told.effects]
    # one answer per class the rules treat alike, in ascending order
    assert [(met, unmet) for _, met, unmet in effects] == [
        (("lean.run", "top.run"), ()), (("lean.run",), ("top.run",)),
        ((), ("lean.run", "top.run"))]
    low, middle, high = (value for value, _, _ in effects)
    assert low == 40 and 40.5 <= middle <= 60 and 60 < high <= 61


def test_the_interview_consultant_view_names_the_effects_of_a_number(tmp_path):
    folder = numeric_pack(tmp_path / "pack", NUMERIC_KINDS["number 0-100"])
    result = run("interview", "--pack", str(folder), "-o", str(tmp_path / "answers.yaml"),
                 input="Heavy\n??\n80\n1\n\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "What each answer would do" in out
    assert "- 40: meets lean.run, top.run" in out
    assert "- 61: meets no criterion; leaves unmet lean.run, top.run" in out


# --- 2. a finding whose condition can never hold ---------------------------------------------

MODES = {"organization": {"type": "string", "description": "Who is assessed."},
         "engagement": {"type": "object", "additionalProperties": False,
                        "required": ["mode"], "description": "How the business engages.",
                        "properties": {"mode": {
                            "enum": ["reactive", "order_taking", "advisory"],
                            "description": "How the business engages the BRM."}}},
         "run_share": {"type": "number", "minimum": 0, "maximum": 100,
                       "description": "Share of IT spend that keeps the lights on."}}
MODE_CASE = {"name": "reactive", "facts": {"organization": "R", "run_share": 80,
                                           "engagement": {"mode": "reactive"}},
             "expect": {"level": "base"}}
ADVISORY = {"fact": "engagement.mode", "equals": "advisory"}
REACTIVE = {"fact": "engagement.mode", "equals": "reactive"}


def modes_pack(folder: Path, findings: list[dict[str, Any]],
               criteria: list[dict[str, Any]] | None = None) -> Path:
    return write_pack(folder, MODES, required=["organization", "engagement", "run_share"],
                      criteria=criteria or [
                          {"id": "lean.advice", "level": "lean", "when": ADVISORY},
                          {"id": "top.run", "level": "top",
                           "when": {"fact": "run_share", "at_most": 50}}],
                      findings=findings, case=MODE_CASE)


def never_fires(folder: Path) -> dict[str, str]:
    report = lint_pack(folder)
    return {p.subject or "": p.describe(report.source) for p in report.problems
            if p.issue.code == "never-fires"}


@pytest.mark.parametrize("when", [
    {"all": [REACTIVE, ADVISORY]},
    {"all": [{"fact": "run_share", "above": 60}, {"fact": "run_share", "below": 40}]},
    {"all": [{"level": "lean"}, REACTIVE]},  # the level needs advisory
    {"all": [{"criterion": "top.run"}, {"fact": "run_share", "above": 55.5}]},
], ids=["equals-twice", "numbers", "through-a-level", "through-a-criterion"])
def test_lint_warns_of_a_finding_that_can_never_hold(tmp_path, when):
    folder = modes_pack(tmp_path / "pack", [{"id": "finding.never", "when": when},
                                            {"id": "finding.fine", "when": REACTIVE}])
    found = never_fires(folder)
    assert list(found) == ["finding.never"]
    line = next(number for number, text in enumerate(
        (folder / "pack.yaml").read_text().splitlines(), start=1)
        if "id: finding.never" in text)
    assert found["finding.never"].startswith(f"{folder / 'pack.yaml'}:{line}: warning: "
                                             "finding.never: its condition can never hold")
    result = run("packs", "lint", "--strict", str(folder))
    assert result.exit_code == 1 and "finding.never" in result.output


@pytest.mark.parametrize("when", [
    {"all": [REACTIVE, {"fact": "run_share", "above": 60}]},
    {"all": [{"level": "lean"}, {"fact": "run_share", "above": 55.5}]},
    {"any": [REACTIVE, ADVISORY]},
    {"not": {"all": [REACTIVE, ADVISORY]}},
], ids=["facts", "level-and-number", "any", "not"])
def test_lint_keeps_quiet_about_a_finding_that_can_hold(tmp_path, when):
    folder = modes_pack(tmp_path / "pack", [{"id": "finding.maybe", "when": when}])
    assert never_fires(folder) == {}
    result = run("packs", "lint", "--strict", str(folder))
    assert result.exit_code == 0, result.output


# --- 3. the lint message for a contradictory level -----------------------------------------

def test_an_unreachable_level_names_the_criteria_that_conflict(tmp_path):
    folder = modes_pack(tmp_path / "pack", [], criteria=[
        {"id": "lean.advice", "level": "lean", "when": ADVISORY},
        {"id": "lean.run", "level": "lean", "when": {"fact": "run_share", "at_most": 60}},
        {"id": "top.reactive", "level": "top", "when": REACTIVE},  # satisfiable alone
        {"id": "top.run", "level": "top", "when": {"fact": "run_share", "below": 40.5}}])
    report = lint_pack(folder)
    (problem,) = [p for p in report.errors if p.issue.code == "unreachable-level"]
    assert problem.subject == "top"
    message = problem.issue.message
    assert message == ("no facts can reach this level: criteria lean.advice (engagement.mode "
                       "is advisory) and top.reactive (engagement.mode is reactive) cannot all "
                       "be met together (each can be met without the others)")
    assert "run" not in message  # the criteria that play no part are not blamed


def test_a_level_behind_a_criterion_nothing_meets_names_that_criterion(tmp_path):
    folder = modes_pack(tmp_path / "pack", [], criteria=[
        {"id": "lean.advice", "level": "lean", "when": ADVISORY},
        {"id": "top.never", "level": "top", "when": {"all": [
            {"fact": "run_share", "above": 60}, {"fact": "run_share", "below": 40}]}}])
    report = lint_pack(folder)
    (problem,) = [p for p in report.errors if p.issue.code == "unreachable-level"]
    assert problem.subject == "top"
    assert problem.issue.message == (
        "no facts can reach this level: criterion top.never (run_share is above 60 and "
        "run_share is below 40) cannot be met by any values the facts schema allows")


# --- 4. the report's title -------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_the_reports_title_comes_from_the_pack(tmp_path, suffix):
    folder = numeric_pack(tmp_path / "pack", NUMERIC_KINDS["number 0-100"])
    facts = write_facts(tmp_path / "heavy.yaml",
                        {"organization": "Heavy", "run_share": 80, "growth": 1})
    out = tmp_path / f"report{suffix}"
    result = run("report", facts, "--pack", str(folder), "-o", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    text = out.read_text(encoding="utf-8")
    assert "BRM maturity report" not in text
    if suffix == ".md":
        assert text.startswith("# Run-cost framework report: Heavy\n")
    else:
        assert "<title>Run-cost framework report: Heavy</title>" in text
        assert "<h1>Run-cost framework report: Heavy</h1>" in text


@pytest.mark.parametrize(("name", "title"), [
    ("BRM maturity model (after Vaughan Merlyn)", "BRM maturity report"),  # the shipped pack
    ("Business-provider relationship maturity (BRM Institute model, both views)",
     "Business-provider relationship maturity report"),
    ("ACME BRM framework", "ACME BRM framework report"),
    ("Quarterly review report", "Quarterly review report"),
])
def test_a_reports_title_is_the_frameworks_name_without_its_notes(name, title):
    assert report_title(name) == title


# --- 5. a facts schema without organization ----------------------------------------------------

def unnamed_pack(folder: Path) -> Path:
    return write_pack(folder, {"run_share": {"type": "number", "minimum": 0, "maximum": 100,
                                             "description": "Share of spend on running."}},
                      required=["run_share"], criteria=RUN_CRITERIA[:1] + RUN_CRITERIA[2:3],
                      case={"name": "heavy", "facts": {"run_share": 80},
                            "expect": {"level": "base"}})


def test_a_header_without_organization_names_no_one_but_reads_well(tmp_path):
    folder = unnamed_pack(tmp_path / "pack")
    facts = write_facts(tmp_path / "heavy.yaml", {"run_share": 80})
    for args in (["assess"], ["explain"], ["whatif", "--target", "lean"]):
        result = run(*args, "--pack", str(folder), facts)
        assert result.exit_code == 0, result.output + result.stderr
        first = result.output.splitlines()[0]
        assert not first.startswith(":") and "(unnamed organization)" in first, (args, first)
    assert run("assess", "--pack", str(folder), facts).output.startswith(
        "(unnamed organization): Base (level 1 of 3)")
    out = tmp_path / "report.md"
    assert run("report", facts, "--pack", str(folder), "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith(
        "# Run-cost framework report: (unnamed organization)\n")


def test_lint_warns_of_a_facts_schema_without_organization(tmp_path):
    folder = unnamed_pack(tmp_path / "pack")
    report = lint_pack(folder)
    (problem,) = [p for p in report.problems if p.issue.code == "no-organization"]
    assert problem.severity == "warning"
    line = next(number for number, text in enumerate(
        (folder / "pack.yaml").read_text().splitlines(), start=1) if "facts_schema:" in text)
    assert problem.describe(report.source) == (
        f"{folder / 'pack.yaml'}:{line}: warning: $.pack.facts_schema: the facts schema has no "
        "'organization' field: results, reports and saved assessments cannot name who is "
        "assessed [no-organization]")
    named = lint_pack(numeric_pack(tmp_path / "named", NUMERIC_KINDS["number 0-100"]))
    assert not [p for p in named.problems if p.issue.code == "no-organization"]
