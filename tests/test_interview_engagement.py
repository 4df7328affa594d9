"""The interview collects one file of an engagement (issue 10, point 6): after the organization,
the business unit, the date (today's by default), the assessor and the respondent with their
side; evidence after ` # ` in an answer; --unit, --respondent and --role given beforehand, and
the file named after them; the end naming the unit and the respondent and saying how to assess
the folder. Everything saved as it is answered, and kept through q, Ctrl-C and --resume.

Driven through CliRunner answering by fact path (the helpers of tests/test_interview.py), and
once in a real pseudo-terminal (pexpect) with the installed `brm`.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from test_interview_tty import Terminal

from brm_advisor.cli.main import cli
from brm_advisor.engine import read_engagement
from brm_advisor.engine.interview import AnswerError, Interview, questions_for, split_evidence

import test_interview
from conftest import ROOT
from test_interview import (
    AD_HOC,
    ORDER_TAKER,
    PROMPT_RE,
    advisor_for,
    asking_order,
    numbers,
    resume_interview,
    said,
    saved_facts,
    saved_record,
)

ENGAGEMENT = ["business_unit", "assessed_on", "assessor", "respondent.name", "respondent.role"]
NUMBER_PACK = str(ROOT / "tests" / "data" / "portfolio" / "number-pack")
WHO = {"business_unit": "Retail Banking", "assessed_on": "2026-11-20",
       "assessor": "A. Consultant", "respondent.name": "Dana Reyes",
       "respondent.role": "the business"}
TODAY = date.today().isoformat()


def run_interview(tmp_path: Any, answers: Any, *args: str, **options: Any) -> tuple[Result, Any]:
    """`brm interview --engagement -o FILE ARGS` answering by path (test_interview's helper)."""
    return test_interview.run_interview(tmp_path, answers, "--engagement", *args, **options)


def invoke(args: list[str], lines: list[str]) -> Result:
    """`brm interview --engagement ARGS` (one respondent's file of an engagement)."""
    return CliRunner().invoke(cli, ["interview", "--engagement", *args],
                              input="\n".join(lines) + "\n")


# --- what is asked, and where -----------------------------------------------------------------

def engagement_order(pack_ref: str | None = None, quick: bool = False) -> list[str]:
    """The paths of an engagement interview's questions, in the order asked."""
    return [q.path for q in Interview(advisor_for(pack_ref), quick=quick,
                                      engagement=True).questions]


def test_without_engagement_the_questions_are_the_facts_as_before():
    assert not set(asking_order()) & {"business_unit", "assessor", "respondent.name",
                                      "respondent.role"}

def test_the_engagement_questions_come_right_after_the_organization():
    assert engagement_order()[:6] == ["organization", *ENGAGEMENT]
    assert engagement_order(quick=True)[:6] == ["organization", *ENGAGEMENT]


def test_only_the_fields_a_packs_facts_have_are_asked():
    demand = engagement_order("demand-supply")
    assert demand[:4] == ["organization", "business_unit", "assessed_on", "assessor"]
    assert "respondent.name" not in demand
    custom = engagement_order(NUMBER_PACK)
    assert not set(custom) & set(ENGAGEMENT)


def test_the_respondents_side_has_four_choices_and_everyday_words():
    asked = questions_for(advisor_for().pack, engagement=True)
    role = {q.path: q for q in asked}["respondent.role"]
    assert role.choices == ("business", "it", "brm", "other")
    for said_as, meant in [("IT", "it"), ("the business", "business"), ("Business", "business"),
                           ("provider", "it"), ("relationship manager", "brm"), ("3", "brm")]:
        assert role.choice_for(said_as) == meant or said_as == "3", said_as


def test_a_whole_interview_saves_who_when_and_by_whom(tmp_path):
    result, path = run_interview(tmp_path, {**ORDER_TAKER, **WHO})
    assert result.exit_code == 0, result.output
    saved = saved_facts(path)
    assert list(saved)[:5] == ["organization", "business_unit", "assessed_on", "assessor",
                               "respondent"]
    assert saved["business_unit"] == "Retail Banking"
    assert saved["assessed_on"] == "2026-11-20"
    assert saved["assessor"] == "A. Consultant"
    assert saved["respondent"] == {"name": "Dana Reyes", "role": "business"}
    assert "taken as: business" in result.output
    assert numbers(result.output)[0] == (1, 20)
    advisor_for().reader.from_data(saved)  # valid facts


def test_the_date_defaults_to_today_and_skip_skips_it(tmp_path):
    result, path = run_interview(tmp_path, {**AD_HOC, "assessed_on": ""}, name="a.yaml")
    assert result.exit_code == 0, result.output
    assert f"(YYYY-MM-DD, Enter: {TODAY}; ? why, back, q quit)> " in result.output
    assert saved_facts(path)["assessed_on"] == TODAY
    result, path = run_interview(tmp_path, {**AD_HOC, "assessed_on": "skip"}, name="b.yaml")
    assert result.exit_code == 0, result.output
    assert "assessed_on" not in saved_facts(path)
    assert "assessed_on" in saved_record(path)["skipped"]


def test_the_role_is_not_asked_without_a_name(tmp_path):
    result, path = run_interview(tmp_path, {**AD_HOC, "respondent.name": ""})
    assert result.exit_code == 0, result.output
    assert "On which side does the respondent sit?" not in result.output
    assert "respondent" not in saved_facts(path)
    advisor_for().reader.from_data(saved_facts(path))


def test_a_role_given_in_no_known_word_is_refused_with_the_choices(tmp_path):
    result, path = run_interview(tmp_path, {**AD_HOC, "respondent.name": "Ben Ode",
                                            "respondent.role": ["boss", "IT"]})
    assert result.exit_code == 0, result.output
    assert "'boss' is not one of the choices: business, it, brm, other" in said(result.output)
    assert saved_facts(path)["respondent"] == {"name": "Ben Ode", "role": "it"}


def test_quick_asks_the_unit_and_the_respondent_not_the_assessor(tmp_path):
    result, path = run_interview(tmp_path, {**AD_HOC, "business_unit": "Retail",
                                            "respondent.name": "Dana Reyes",
                                            "respondent.role": "business"}, "--quick")
    assert result.exit_code == 0, result.output
    assert "Who is making this assessment" not in result.output
    saved = saved_facts(path)
    assert saved["business_unit"] == "Retail"
    assert saved["respondent"] == {"name": "Dana Reyes", "role": "business"}
    assert "assessor" in saved_record(path)["not_asked"]


def test_a_custom_pack_without_those_fields_is_asked_nothing_new(tmp_path):
    result = invoke(["-o", str(tmp_path / "n.yaml"), "--pack", NUMBER_PACK], ["Acme", "0.4"])
    assert result.exit_code == 0, result.output
    for absent in ("business unit", "assessor", "respondent", "# and a note"):
        assert absent not in result.output
    assert "The whole engagement:" not in result.output


# --- evidence ---------------------------------------------------------------------------------

def test_evidence_after_a_hash_is_saved_beside_the_answer(tmp_path):
    answers = {**ORDER_TAKER, **WHO, "engagement.mode": "advisory # seen in 3 BU minutes",
               "brm.formal_role": "yes # org chart, 2026-10", "measures": "CSAT, SLAs # QBR deck"}
    result, path = run_interview(tmp_path, answers)
    assert result.exit_code == 0, result.output
    saved = saved_facts(path)
    assert saved["engagement"]["mode"] == "advisory"
    assert saved["brm"]["formal_role"] is True
    assert saved["measures"] == ["satisfaction", "service_levels"]
    assert saved["evidence"] == {"brm.formal_role": "org chart, 2026-10",
                                 "engagement.mode": "seen in 3 BU minutes",
                                 "measures": "QBR deck"}
    assert "evidence kept for engagement.mode: seen in 3 BU minutes" in result.output
    assert "taken as: satisfaction, service_levels" in result.output
    facts = advisor_for().reader.from_data(saved)
    assert advisor_for().assess(facts).level.id == "order_taker"


def test_a_hash_without_spaces_is_part_of_the_answer_and_said_how_to_give_evidence(tmp_path):
    result, path = run_interview(tmp_path, {**AD_HOC, "engagement.mode": ["2#3", "2"]})
    assert result.exit_code == 0, result.output
    assert ("'2#3' is not one of the choices: reactive, order_taking, advisory, partnership "
            "(to record evidence, put a space on each side of #: advisory # seen in the "
            "minutes)") in said(result.output)
    assert "evidence" not in saved_facts(path)


def test_free_text_keeps_a_hash_as_typed(tmp_path):
    result, path = run_interview(tmp_path, {**AD_HOC, "organization": "Team # 5 Ltd",
                                            "business_unit": "Unit # 4",
                                            "respondent.name": "Ann #1 Fan"})
    assert result.exit_code == 0, result.output
    saved = saved_facts(path)
    assert saved["organization"] == "Team # 5 Ltd"
    assert saved["business_unit"] == "Unit # 4"
    assert saved["respondent"]["name"] == "Ann #1 Fan"
    assert "evidence" not in saved


def test_the_rule_is_in_the_first_prompt_and_in_each_questions_help(tmp_path):
    result, _ = run_interview(tmp_path, {**AD_HOC, "organization": ["help", "Globex"],
                                         "engagement.mode": ["help", "1"]})
    assert result.exit_code == 0, result.output
    shown = said(result.output)
    assert "After an answer, add # and a note to record evidence (advisory # seen in 3 BU " \
           "minutes)." in shown
    assert "A # in this answer is part of it: no evidence is read in free text." in shown
    assert ("To record evidence, add # and a note after the answer (a space on each side of "
            "#): advisory # seen in 3 BU minutes.") in shown


def test_evidence_needs_an_answer_and_a_fact_that_takes_evidence(tmp_path):
    answers = {**AD_HOC, "assessed_on": ["2026-11-20 # invitation", "2026-11-20"],
               "assessor": "", "target_level": ["skip # not discussed", ""],
               "engagement.prioritization": ["1 #", "1"]}
    result, path = run_interview(tmp_path, answers)
    assert result.exit_code == 0, result.output
    shown = said(result.output)
    assert "no evidence is kept for assessed_on" in shown
    assert "evidence needs an answer to support" in shown
    assert "no evidence after #" not in shown  # "1 #": no space after: part of the answer
    assert "'1 #' is not one of the choices" in shown
    assert saved_facts(path)["assessed_on"] == "2026-11-20"
    assert "evidence" not in saved_facts(path)


def test_a_pack_whose_facts_keep_no_evidence_refuses_it_clearly(tmp_path):
    pack = advisor_for("demand-supply").pack
    assert "evidence" not in pack.fields
    question = next(q for q in questions_for(pack, engagement=True)
                    if q.kind == "choice" and q.path != "target_level")
    session = Interview(advisor_for("demand-supply"), engagement=True)
    with pytest.raises(AnswerError, match="this pack's facts keep no evidence"):
        session.answer(question, "1 # seen it")
    assert question.path not in session.answers
    result = invoke(["-o", str(tmp_path / "d.yaml"), "--pack", "demand-supply"], ["Claims", "q"])
    assert "# and a note" not in result.output


def test_evidence_given_again_after_back_and_on_resume_is_added_as_a_list(tmp_path):
    stop = {**AD_HOC, "engagement.mode": "1 # minutes of March"}
    first, path = run_interview(tmp_path, stop, stop_before="engagement.prioritization",
                                all_asked=False)
    assert first.exit_code == 130
    assert saved_facts(path)["evidence"] == {"engagement.mode": "minutes of March"}
    # back to the mode: Enter keeps the answer, "# note" adds evidence to it
    lines = ["back", "# interview with the CIO", "q"]
    again = CliRunner().invoke(cli, ["interview", "--resume", str(path)],
                               input="\n".join(lines) + "\n")
    assert again.exit_code == 0, again.output
    saved = saved_facts(path)
    assert saved["engagement"]["mode"] == "reactive"
    assert saved["evidence"] == {"engagement.mode": ["minutes of March",
                                                     "interview with the CIO"]}
    # the same note again is not repeated; a new answer with a new note adds it
    lines = ["back", "reactive # minutes of March", "back", "2 # survey", "q"]
    again = CliRunner().invoke(cli, ["interview", "--resume", str(path)],
                               input="\n".join(lines) + "\n")
    assert again.exit_code == 0, again.output
    saved = saved_facts(path)
    assert saved["engagement"]["mode"] == "order_taking"
    assert saved["evidence"]["engagement.mode"] == ["minutes of March",
                                                    "interview with the CIO", "survey"]


def test_split_evidence_reads_only_a_spaced_hash_and_never_in_free_text():
    by_path = {q.path: q for q in questions_for(advisor_for().pack, engagement=True)}
    mode, name = by_path["engagement.mode"], by_path["organization"]
    assert split_evidence(mode, "advisory # seen # twice") == ("advisory", "seen # twice")
    assert split_evidence(mode, "advisory#seen") == ("advisory#seen", None)
    assert split_evidence(mode, "# only a note") == ("", "only a note")
    assert split_evidence(name, "Acme # 2") == ("Acme # 2", None)
    with pytest.raises(AnswerError, match="no evidence after #"):
        split_evidence(mode, " # ")
    assert split_evidence(mode, "advisory #  ") == ("advisory #  ", None)


# --- --unit, --respondent, --role, and the file's name ----------------------------------------

def test_unit_and_respondent_given_as_options_are_not_asked_and_name_the_file(tmp_path,
                                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = ["First National Bank", "", "A. Consultant", "q"]
    result = invoke(["--unit", "Retail Banking", "--respondent", "Dana Reyes", "--role", "IT"],
                    lines)
    assert result.exit_code == 0, result.output
    path = tmp_path / "first-national-bank-retail-banking-dana-reyes.yaml"
    assert numbers(result.output) == [(1, 17), (2, 17), (3, 17), (4, 17)]
    for absent in ("Which business unit", "Who is answering", "On which side"):
        assert absent not in result.output
    assert saved_facts(path) == {"organization": "First National Bank",
                                 "business_unit": "Retail Banking", "assessed_on": TODAY,
                                 "assessor": "A. Consultant",
                                 "respondent": {"name": "Dana Reyes", "role": "it"}}
    assert (f"continue with: brm interview --resume {path.name}") in result.stderr
    assert not (tmp_path / "brm-interview.yaml").exists()


def test_the_named_file_is_never_overwritten_without_asking(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    taken = tmp_path / "acme-retail.yaml"
    taken.write_text("organization: Someone else\n")
    result = invoke(["--unit", "Retail"], ["Acme", "n", "q"])
    assert result.exit_code == 0, result.output
    assert "acme-retail.yaml exists. Overwrite it?" in result.output
    assert "The answers are saved in acme-retail-2.yaml." in result.output
    assert taken.read_text() == "organization: Someone else\n"
    assert saved_facts(tmp_path / "acme-retail-2.yaml")["organization"] == "Acme"
    result = invoke(["--unit", "Retail"], ["Acme", "y", "q"])
    assert result.exit_code == 0, result.output
    assert saved_facts(taken) == {"organization": "Acme", "business_unit": "Retail"}
    result = invoke(["--unit", "Retail", "--force"], ["Acme Corp", "q"])  # another name
    assert (tmp_path / "acme-corp-retail.yaml").exists()


def test_without_unit_or_respondent_options_the_default_file_is_as_before(tmp_path,
                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke([], ["Acme", "Retail", "q"])
    assert result.exit_code == 0, result.output
    assert saved_facts(tmp_path / "brm-interview.yaml") == {"organization": "Acme",
                                                             "business_unit": "Retail"}


def test_stopping_before_the_organization_with_a_named_file_saves_nothing(tmp_path,
                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(["--respondent", "Dana"], ["q"])
    assert result.exit_code == 0, result.output
    assert "Stopped: nothing saved yet" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "it"], "--role needs --respondent NAME"),
    (["--respondent", "X", "--role", "boss"],
     "--role boss: 'boss' is not one of the choices: business, it, brm, other"),
    (["--unit", "Claims", "--pack", "brmi-relationship"],
     "--unit: the facts of the pack brmi-relationship have no business_unit"),
    (["--respondent", "X", "--pack", "demand-supply"],
     "--respondent: the facts of the pack demand-supply have no respondent.name"),
])
def test_options_the_pack_cannot_take_are_usage_errors(tmp_path, args, message):
    result = invoke(["-o", str(tmp_path / "x.yaml"), *args], [])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_a_unit_option_that_contradicts_the_resumed_file_is_refused(tmp_path):
    first, path = run_interview(tmp_path, {**AD_HOC, "business_unit": "Retail"},
                                stop_before="engagement.mode", all_asked=False)
    assert first.exit_code == 130
    before = path.read_text()
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path), "--unit", "Cards"],
                                input="q\n")
    assert result.exit_code == 2
    assert "--unit Cards: the file already gives business_unit: 'Retail', not 'Cards'" in (
        said(result.stderr))
    assert path.read_text() == before


# --- the end, stopping and resuming -----------------------------------------------------------

def test_the_end_names_the_unit_and_respondent_and_how_to_assess_the_folder(tmp_path):
    result, path = run_interview(tmp_path, {**ORDER_TAKER, **WHO})
    assert result.exit_code == 0, result.output
    end = result.output[result.output.index(" questions asked; "):].splitlines()
    text = "\n".join(end)
    assert "Acme Corp, Retail Banking: Order Taker (level 2 of 4). Target: Advisor." in text
    assert "Answered by Dana Reyes (business)." in text
    assert f"The whole engagement:  brm assess {path.parent}" in text
    assert len(end) <= 22


def test_the_end_of_an_interview_of_no_unit_or_respondent_is_as_before(tmp_path):
    result, _ = run_interview(tmp_path, ORDER_TAKER)
    assert result.exit_code == 0, result.output
    assert "Answered by" not in result.output
    assert "The whole engagement:" not in result.output
    assert "Acme Corp: Order Taker (level 2 of 4)." in result.output


def test_interrupted_and_resumed_everything_is_kept(tmp_path):
    answers = {**ORDER_TAKER, **WHO, "engagement.mode": "advisory # minutes"}
    first, path = run_interview(tmp_path, answers, stop_before="engagement.lifecycle",
                                all_asked=False)
    assert first.exit_code == 130
    saved = saved_facts(path)
    assert saved["business_unit"] == "Retail Banking"
    assert saved["respondent"] == {"name": "Dana Reyes", "role": "business"}
    assert saved["evidence"] == {"engagement.mode": "minutes"}
    again = resume_interview(path, {**answers, "measures": "1 # QBR"}, all_asked=False)
    assert again.exit_code == 0, again.output
    for question in ("Which business unit", "Who is answering", "On which side"):
        assert question not in again.output
    saved = saved_facts(path)
    assert saved["evidence"] == {"engagement.mode": "minutes", "measures": "QBR"}
    assert saved["respondent"] == {"name": "Dana Reyes", "role": "business"}
    assert "Acme Corp, Retail Banking: Order Taker (level 2 of 4)" in again.output


def test_the_files_of_several_interviews_are_one_engagement(tmp_path):
    folder = tmp_path / "fnb"
    folder.mkdir()
    people = [("Retail Banking", "Dana Reyes", "business", ORDER_TAKER),
              ("Retail Banking", "Ben Ode", "it", AD_HOC),
              ("Cards", "Ana Ruiz", "brm", ORDER_TAKER)]
    for unit, name, role, answers in people:
        lines = _scripted({**answers, "organization": "First National Bank",
                           "assessor": "A. C."})
        result = _in(folder, unit, name, role, lines)
        assert result.exit_code == 0, result.output
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["first-national-bank-cards-ana-ruiz.yaml",
                     "first-national-bank-retail-banking-ben-ode.yaml",
                     "first-national-bank-retail-banking-dana-reyes.yaml"]
    advisor = advisor_for()
    engagement = read_engagement(folder, advisor.reader, advisor.pack.fields)
    assert engagement.organization == "First National Bank"
    units = {unit.name: unit for unit in engagement.units}
    assert sorted(units) == ["Cards", "Retail Banking"]
    assert sorted(r.name for r in units["Retail Banking"].respondents) == ["Ben Ode",
                                                                          "Dana Reyes"]
    assert not engagement.broken


def _scripted(answers: dict[str, str]) -> list[str]:
    """The lines to type, the unit and the respondent given as options."""
    session = Interview(advisor_for(), engagement=True)
    for path in ("business_unit", "respondent.name", "respondent.role"):
        session.preset(path, {"business_unit": "U", "respondent.name": "N",
                              "respondent.role": "it"}[path])
    lines = []
    for turn in session.pending():
        typed = answers.get(turn.question.path, "")
        lines.append(typed)
        session.answer(turn.question, typed)
    return lines


def _in(folder: Path, unit: str, name: str, role: str,
        lines: list[str]) -> Result:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli, ["interview", "--unit", unit, "--respondent", name,
                                        "--role", role], input="\n".join(lines) + "\n")
    finally:
        os.chdir(cwd)


# --- at a real terminal -----------------------------------------------------------------------

@pytest.mark.installed
def test_an_engagement_interview_at_a_terminal(tmp_path):
    term = Terminal("interview", "--unit", "Retail Banking", "--respondent", "Dana Reyes",
                    "--role", "the business", cwd=tmp_path)
    term.answer("First National Bank")
    term.expect(rf"\(YYYY-MM-DD, Enter: {TODAY}; \? why, back, q quit\)> ")
    term.child.sendline("")
    term.answer("A. Consultant", "yes # org chart", "advisory#x")
    term.expect(r"to record evidence, put\s+a\s+space\s+on\s+each\s+side\s+of")
    term.child.sendline("advisory # seen in 3 BU minutes")
    term.expect("evidence kept for engagement.mode: seen in 3 BU minutes")
    term.answer("q")
    path = tmp_path / "first-national-bank-retail-banking-dana-reyes.yaml"
    term.expect(r"Stopped: 8 answers saved in\s+first-national-bank-retail-banking-dana-reyes")
    assert term.end() == 0
    intro = said(term.transcript)
    assert "add # and a note to record evidence" in intro
    saved = saved_facts(path)
    assert saved["business_unit"] == "Retail Banking"
    assert saved["respondent"] == {"name": "Dana Reyes", "role": "business"}
    assert saved["assessed_on"] == TODAY
    assert saved["evidence"] == {"brm.formal_role": "org chart",
                                 "engagement.mode": "seen in 3 BU minutes"}
    again = Terminal("interview", "--resume", str(path), cwd=tmp_path)
    again.expect(r"\[9/20\] How is IT work prioritized\?")
    again.expect(PROMPT_RE)
    again.child.sendline("q")
    assert again.end() == 0
    assert saved_facts(path)["evidence"]["engagement.mode"] == "seen in 3 BU minutes"
