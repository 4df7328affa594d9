"""The house in order (issue 17): the library prints no flag or command of the CLI, the CLI
only parses, calls the library and renders, and one idea has one home."""

from __future__ import annotations

import json
import re

import pytest

from brm_advisor.cli.common import TRACE_HINT
from brm_advisor.engine import (
    Advisor,
    EngagementError,
    LevelRef,
    assess_engagement,
    facts_evidence,
    lint_pack,
    load_pack,
    read_engagement,
    render_text,
    resolve_pack,
    run_cases,
    saved_result,
    words,
)
from brm_advisor.engine.packs.scaffold import pack_id_for, pack_name_for

from conftest import ACME, EXAMPLES, ROOT, run


def test_the_librarys_text_names_no_flag_and_the_cli_adds_its_own(advisor):
    facts = advisor.read(ACME)
    diagnosis = advisor.assess(facts)
    plain = render_text(diagnosis, advisor.pack, facts_evidence(facts))
    assert not re.search(r"--[a-z]|`brm ", plain)
    assert plain.endswith(f"{len(diagnosis.trace)} rules fired.\n")
    shown = render_text(diagnosis, advisor.pack, facts_evidence(facts), TRACE_HINT)
    assert shown == run("assess", ACME).output
    assert shown.endswith(f"rules fired; {TRACE_HINT}\n")


# --- the CLI's work in the library ---------------------------------------------------------

BANK = EXAMPLES / "first-national-bank"


def test_an_engagement_gives_a_unit_by_name_or_an_error_with_its_units(advisor):
    engagement = read_engagement(BANK, advisor.reader, advisor.pack.fields)
    assert engagement.unit("Retail banking").name == "Retail banking"
    names = tuple(unit.name for unit in engagement.units)
    with pytest.raises(EngagementError) as raised:
        engagement.unit("Retail bankin")
    error = raised.value
    assert (error.known, error.suggestion) == (names, "Retail banking")  # type: ignore[attr-defined]
    assert error.issues[0].allowed == ", ".join(names)
    with pytest.raises(EngagementError) as unnamed:
        engagement.unit(None)
    assert unnamed.value.issues[0].suggestion is None
    typo = run("explain", str(BANK), "--unit", "Retail bankin")
    assert typo.exit_code == 2
    assert (f"{BANK} is an engagement: no unit 'Retail bankin' in it; its units: "
            f"{', '.join(names)} (did you mean 'Retail banking'?)") in " ".join(
                typo.output.split())


def test_an_engagements_history_items_are_each_units_facts_and_saved_diagnosis(advisor):
    engagement = read_engagement(BANK, advisor.reader, advisor.pack.fields)
    result = assess_engagement(advisor, engagement)
    items = result.history_items(advisor)
    assert items == [(unit.unit.facts.data, saved_result(unit.diagnosis), unit.unit.facts.source)
                     for unit in result.units]
    assert all("trace" not in saved for _, saved, _ in items)


def test_the_history_keeps_the_practice_ratings_not_each_brms(advisor):
    facts = advisor.read(EXAMPLES / "northwind-team.yaml")
    diagnosis = advisor.assess(facts)
    kept, kept_diagnosis = advisor.for_history(facts, diagnosis)
    assert "brms" in facts.data and "brms" not in kept.data
    assert kept_diagnosis.level == diagnosis.level
    assert advisor.for_history(facts, diagnosis, keep_profiles=True) == (facts, diagnosis)


def test_lint_and_case_results_give_the_clis_json(tmp_path):
    folder = tmp_path / "2026 Model!"
    assert run("packs", "new", str(folder)).exit_code == 0
    assert load_pack(folder).id == "pack-2026-model"
    assert pack_id_for(tmp_path / "___") == "my-pack"
    assert pack_name_for(tmp_path / "my_own-pack") == "my own pack"
    report = lint_pack(folder)
    shown = json.loads(run("packs", "lint", str(folder), "--format", "json").output)
    assert shown == report.to_dict() and shown["problems"] == []
    tested = json.loads(run("packs", "test", str(folder), "--format", "json").output)
    pack = load_pack(folder)
    with Advisor(pack) as own:
        results = list(run_cases(own, folder / "tests"))
    assert tested["cases"] == [result.to_dict() for result in results]
    assert [case["passed"] for case in tested["cases"]] == [True, True, True]


# --- words in one home ---------------------------------------------------------------------

def test_the_reports_and_conditions_take_met_and_attained_from_words():
    from brm_advisor.engine.packs.conditions import Ref

    templates = ROOT / "engine" / "present" / "templates"
    for name in ("report.md.j2", "report.html.j2", "engagement.md.j2", "engagement.html.j2"):
        text = (templates / name).read_text(encoding="utf-8")
        assert not re.search(r"\b(not met|Not met|not attained)\b", text), name
    assert Ref("criterion", "x", False).describe() == (
        f"criterion x is {words.status('criterion', False, prose=True)}")
    assert Ref("level", "x").describe() == "level x is attained"
    assert Ref("derived", "x", False).describe() == "derived x does not hold"


def test_one_helper_each_for_optional_text_and_quoted_answers():
    assert words.optional_text(None) is None and words.optional_text(2026) == "2026"
    assert [words.quoted_answer(v) for v in ([], ["a", "b"], True, 3)] == [
        "[] (none)", "[a, b]", "yes", "3"]
    for path in ("engine/engagement/evidence.py", "engine/engagement/reading.py",
                 "engine/packs/loader.py", "engine/engagement/rollup.py"):
        source = (ROOT / path).read_text(encoding="utf-8")
        assert "def _text(" not in source and "def _shown(" not in source, path


# --- one level on a ladder -----------------------------------------------------------------

def test_a_diagnosis_gives_its_level_on_each_ladder(advisor):
    diagnosis = advisor.assess(advisor.read(ACME))
    assert diagnosis.level_on("") == diagnosis.level
    refs = LevelRef.by_id(advisor.pack.levels)
    assert list(refs) == [level.id for level in advisor.pack.levels]
    assert refs[diagnosis.level.id] == diagnosis.level
    pack = resolve_pack(str(ROOT / "rules" / "demand_supply"))
    with Advisor(pack) as other:
        dimensioned = other.assess(other.read(ROOT / "rules" / "demand_supply" / "example.yaml"))
    assert dimensioned.dimensions
    for result in dimensioned.dimensions:
        assert dimensioned.level_on(result.id) == result.level
        assert LevelRef.by_id(pack.dimension(result.id).levels)[result.level.id] == result.level


# --- the fact-field table carries every bound ----------------------------------------------

def test_a_number_fields_bounds_and_step_come_from_the_field_table():
    from brm_advisor.engine.analysis.dependencies import NumberRange
    from brm_advisor.engine.packs.fields import FieldTable

    table = FieldTable({"type": "object", "properties": {
        "share": {"type": "number", "minimum": 0, "exclusiveMinimum": 0, "maximum": 100,
                  "multipleOf": 0.5},
        "count": {"type": "integer", "exclusiveMaximum": 10, "maximum": 12},
        "mode": {"type": "integer", "enum": [1, 2], "minimum": 1}}})
    share, count, mode = table["share"], table["count"], table["mode"]
    assert (share.exclusive_minimum, share.multiple_of, share.exclusive_maximum) == (0, 0.5, None)
    assert NumberRange.of(share) == NumberRange(0, True, 100, False, False, 0.5)
    assert NumberRange.of(count) == NumberRange(None, False, 10, True, True, None)
    assert mode.minimum is None and mode.exclusive_minimum is None  # its choices say it all
    assert [v for v in (0, 0.5, 0.7, 100, 100.5) if NumberRange.of(share).allows(v)] == [0.5, 100]


# --- the last gaps: the public API, one diff, the interview's file ----------------------------

def test_the_unit_error_and_the_cases_json_are_public(advisor, tmp_path):
    from brm_advisor.engine import UnknownUnitError, cases_dict

    engagement = read_engagement(BANK, advisor.reader, advisor.pack.fields)
    with pytest.raises(UnknownUnitError) as raised:
        engagement.unit("Retail bankin")
    assert raised.value.suggestion == "Retail banking"
    folder = tmp_path / "pack"
    assert run("packs", "new", str(folder)).exit_code == 0
    pack = load_pack(folder)
    with Advisor(pack) as own:
        results = list(run_cases(own, folder / "tests"))
    tested = run("packs", "test", str(folder), "--format", "json").output
    assert json.loads(tested) == cases_dict(pack, results)
    assert cases_dict(pack, results)["passed"] == len(results) > 0


def test_compare_builds_on_the_one_diff_of_two_diagnoses(advisor):
    from brm_advisor.engine import diff
    from brm_advisor.engine.portfolio.compare import delta

    facts = advisor.read(ACME)
    other = dict(facts.data, brm=dict(facts.data["brm"],
                                      formal_role=not facts.data["brm"]["formal_role"]))
    before, after = advisor.assess(facts), advisor.assess(advisor.reader.from_data(other, "x"))
    change = diff(before, after)
    assert change.flipped  # the fact matters: something to compare
    found = delta(saved_result(before), saved_result(after))
    assert (found.flipped, found.recommendations_removed, found.recommendations_added) == (
        change.flipped, change.recommendations_removed, change.recommendations_added)
    assert found.to_dict()["level_before"] == change.to_dict()["level_before"]


def test_the_saved_interview_says_how_to_continue_only_in_the_front_ends_words(tmp_path):
    from brm_advisor.engine import Interview

    assert not [path for path in (ROOT / "engine").rglob("*.py")
                if "interview --resume" in path.read_text(encoding="utf-8")]
    with Advisor(resolve_pack()) as own:
        for note in (None, lambda path: f"open {path.name} again"):
            path = tmp_path / f"{bool(note)}.yaml"
            session = Interview(own, save_to=path, continue_with=note)
            session.answer(next(session.pending()).question, "Acme")
            header = [line for line in path.read_text().splitlines() if line.startswith("#")]
            assert header[-1].startswith("# still open: ") if note is None else (
                header[-1] == f"# continue with: open {path.name} again")


def test_a_questions_kind_choices_and_bounds_are_its_fields():
    from brm_advisor.engine.interview import questions_for

    pack = resolve_pack("demand-supply")
    for question in questions_for(pack):
        field = pack.fields[question.path]
        assert (question.minimum, question.maximum) == (field.minimum, field.maximum)
        assert question.choices == tuple(map(str, field.choices))
    share = {q.path: q for q in questions_for(pack)}["supply.run_share"]
    assert share.kind == "number" and share.hint() == "0-100"
