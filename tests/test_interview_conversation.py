"""The interview as a conversation with a client (issue 16), through CliRunner and the library:
stopping with q, going back, ? in the client's words and ?? for the consultant, the target
asked after the facts, quick mode's numbering and the questions it leaves unanswered, the end
on one screen, synonyms of the answers and messages naming the allowed form. The same points
at a real terminal: tests/test_interview_tty.py."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from brm_advisor.cli.main import cli
from brm_advisor.engine import Advisor, resolve_pack
from brm_advisor.engine.interview import (
    AnswerError,
    Interview,
    load_saved,
    parse_answer,
    questions_for,
)
from brm_advisor.engine.interview.advice import reason
from brm_advisor.engine.interview.questions import FORMS, InterviewQuestion
from brm_advisor.engine.packs.resources import schema

from conftest import ROOT, deadline
from test_interview import (
    AD_HOC,
    ADVISOR,
    COMPETENCIES,
    ORDER_TAKER,
    PROMPT,
    SCRIPTS,
    STRATEGIC_PARTNER,
    advisor_for,
    asking_order,
    numbers,
    prompts,
    resume_interview,
    run_interview,
    said,
    saved_facts,
    saved_record,
)

DOC = (ROOT / "docs" / "rule-packs.md").read_text(encoding="utf-8")
FULL_ORDER = asking_order()


def typed(tmp_path: Path, lines: list[str], *args: str,
          name: str = "answers.yaml") -> tuple[Any, Path]:
    """`brm interview -o FILE ARGS` with these lines typed, in order."""
    path = tmp_path / name
    result = CliRunner().invoke(cli, ["interview", "-o", str(path), *args],
                                input="\n".join(lines) + "\n")
    return result, path


def upto(path: str, answers: dict[str, str]) -> list[str]:
    """The lines answering every question before `path`, in the full interview's order."""
    return [answers.get(p, "") for p in FULL_ORDER[:FULL_ORDER.index(path)]]


def end_of(output: str) -> list[str]:
    """The lines the interview prints after the last answer."""
    return output[output.index(" questions asked; answers saved in "):].splitlines()


# --- 1. stopping, going back ------------------------------------------------------------------

@pytest.mark.parametrize("word", ["q", "quit", "exit", " Q ", "QUIT"])
def test_q_quit_and_exit_stop_with_the_answers_saved_and_how_to_go_on(tmp_path, word):
    lines = upto("engagement.mode", {"organization": "Acme", "brm.formal_role": "yes"})
    result, path = typed(tmp_path, [*lines, word, "never read"])
    assert result.exit_code == 0, result.output
    assert (f"Stopped: 2 answers saved in {path}; continue with: brm interview --resume "
            f"{path}\n") in result.stderr
    assert saved_facts(path) == {"organization": "Acme", "brm": {"formal_role": True}}
    assert saved_record(path)["skipped"] == ["assessed_on"]
    assert "never read" not in result.output and "questions asked" not in result.output
    again = resume_interview(path, ORDER_TAKER, all_asked=False)
    assert again.exit_code == 0, again.output
    assert numbers(again.output)[0] == (4, 16)  # engagement.mode, where it stopped


def test_the_resume_command_printed_keeps_the_pack_and_quick_mode(tmp_path):
    result, path = typed(tmp_path, ["Claims", "q"], "--pack", "brmi-relationship", "--quick",
                         name="two words.yaml")
    assert result.exit_code == 0, result.output
    assert (f"continue with: brm interview --resume '{path}' --pack brmi-relationship "
            "--quick") in result.stderr


def test_the_first_prompt_says_how_to_stop_go_back_and_ask_why(tmp_path):
    result, _ = run_interview(tmp_path, AD_HOC)
    first = result.output[:result.output.index("[1/16]")]
    for words in ("type ? to hear why it matters", "back to change the previous answer",
                  "or q to stop", "continue later with --resume"):
        assert words in said(first), words
    assert said(result.output).count("q to stop") == 1  # said once, then each prompt reminds
    assert prompts(result.output) == 16 and result.output.count("? why, back, q quit)> ") == 16


def test_a_command_word_in_quotes_is_an_answer(tmp_path):
    result, path = typed(tmp_path, ["'q'", "", "no", "q"])
    assert result.exit_code == 0, result.output
    assert saved_facts(path) == {"organization": "q", "brm": {"formal_role": False}}


def test_back_changes_the_previous_answer(tmp_path):
    lines = upto("engagement.mode", {"organization": "Acme", "brm.formal_role": "no"})
    result, path = typed(tmp_path, [*lines, "back", "yes", "2", "q"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert numbers(out)[:5] == [(1, 16), (2, 16), (3, 16), (4, 16), (3, 16)]
    assert "  Your answer was: no (Enter keeps it)\n" in out
    assert saved_facts(path)["brm"] == {"formal_role": True}
    assert saved_facts(path)["engagement"] == {"mode": "order_taking"}


def test_back_twice_then_enter_keeps_each_answer(tmp_path):
    lines = upto("engagement.mode", {"organization": "Acme", "assessed_on": "2026-03-22",
                                     "brm.formal_role": "yes"})
    result, path = typed(tmp_path, [*lines, "back", "back", "", "", "q"])
    assert result.exit_code == 0, result.output
    assert [n for n, _ in numbers(result.output)] == [1, 2, 3, 4, 3, 2, 3, 4]
    assert "  Your answer was: 2026-03-22 (Enter keeps it)" in result.output
    assert saved_facts(path) == {"organization": "Acme", "assessed_on": "2026-03-22",
                                 "brm": {"formal_role": True}}


def test_back_then_stopping_loses_no_answer(tmp_path):
    lines = upto("engagement.mode", {"organization": "Acme", "brm.formal_role": "yes"})
    result, path = typed(tmp_path, [*lines, "back", "q"])
    assert result.exit_code == 0, result.output
    assert saved_facts(path) == {"organization": "Acme", "brm": {"formal_role": True}}
    assert "Stopped: 2 answers saved" in result.stderr


def test_back_at_the_first_question_says_there_is_nothing_before(tmp_path):
    result, _ = typed(tmp_path, ["back", "q"])
    assert "  There is no earlier answer to go back to.\n" in result.output
    assert numbers(result.output) == [(1, 16)]


def test_back_reaches_the_answers_of_a_resumed_interview(tmp_path):
    first, path = typed(tmp_path, [*upto("engagement.mode", {"organization": "Acme",
                                                             "brm.formal_role": "no"}), "q"])
    assert first.exit_code == 0
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path)],
                                input="back\nyes\nq\n")
    assert result.exit_code == 0, result.output
    assert [n for n, _ in numbers(result.output)] == [4, 3, 4]
    assert saved_facts(path)["brm"] == {"formal_role": True}


def test_back_in_quick_mode_decides_again_what_can_matter():
    session = Interview(advisor_for(), quick=True)
    answers = {"organization": "Acme", "target_level": "", "brm.formal_role": "yes",
               "engagement.mode": "reactive", "engagement.prioritization": "joint",
               "engagement.lifecycle": "none", "measures": "1"}
    turn = session.next_turn()
    while turn is not None and turn.question.path != "engagement.prioritization":
        session.answer(turn.question, answers[turn.question.path])
        turn = session.next_turn()
    assert turn is not None and turn.total == 7  # reactive: nothing above Ad hoc in reach
    assert session.back(turn.question) is not None
    turn = session.next_turn()
    assert turn is not None and turn.question.path == "engagement.mode" and turn.again
    assert turn.current == "reactive"
    session.answer(turn.question, "partnership")
    turn = session.next_turn()
    assert turn is not None and (turn.number, turn.total) == (5, 15)  # they matter again


# --- 2. why, for the client and for the consultant --------------------------------------------

def test_why_speaks_the_clients_language_and_never_ranks_the_answers(tmp_path):
    result, _ = run_interview(tmp_path, {**ORDER_TAKER, "engagement.mode": ["?", "2"],
                                         "organization": ["why", "Acme Corp"]})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "  Why it matters: Its name heads the report" in out  # organization too
    block = out[out.index("Why it matters: How the business turns"):]
    block = block[:block.index(PROMPT)]
    assert "  Your answer helps decide whether:\n" in block
    assert "    - The BRM is sought out for advice (advisory or partnership engagement).\n" in (
        block)
    assert "(?? shows the rules behind it, for the consultant)" in block
    for ranking in ("meets", "unmet", "advisor.sought_out", "- partnership:", "best"):
        assert ranking not in block, ranking


@pytest.mark.parametrize("word", ["??", "why more", "WHY  MORE"])
def test_why_more_shows_the_rules_and_what_each_answer_would_change(tmp_path, word):
    result, _ = run_interview(tmp_path, {**ORDER_TAKER, "engagement.mode": [word, "2"]})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "  For the consultant: engagement.mode is used by these criteria:" in out
    assert "- advisor.sought_out (Advisor):" in out
    assert "Also used by: derived sought_out, finding" in out
    assert "- reactive: meets no criterion; leaves unmet order_taker.supply_engagement" in out
    assert "- partnership: meets order_taker.supply_engagement, advisor.sought_out," in out


def test_why_more_shows_no_and_none_before_the_question_is_answered(tmp_path):
    # the answer that meets nothing is an answer too: "no" to the role, an empty list
    result, _ = run_interview(tmp_path, {**ORDER_TAKER, "brm.formal_role": ["??", "yes"],
                                         "engagement.lifecycle": ["??", "2,4"]})
    assert result.exit_code == 0, result.output
    out = said(result.output)
    assert ("What each answer would do (the engine, on your answers so far): - no: meets no "
            "criterion; leaves unmet order_taker.formal_role - yes: meets "
            "order_taker.formal_role (yes or no;") in out
    assert ("- none: meets no criterion; leaves unmet strategic_partner.full_lifecycle - "
            "strategy, planning, investment, delivery, operations, value_realization: meets "
            "strategic_partner.full_lifecycle") in out
    assert "- True:" not in out and "- False:" not in out


def test_why_more_on_a_list_shows_one_answer_per_outcome(tmp_path):
    # five practices tested one by one: 32 answers, but only four outcomes; the one that
    # meets "three of five" is among those shown
    pack = resolve_pack("demand-supply")
    with Advisor(pack) as advisor:
        session = Interview(advisor)
        question = next(q for q in session.questions if q.path == "demand.practices")
        effects = session.why(question).effects
    outcomes = [(e.met, e.unmet) for e in effects]
    assert len(outcomes) == len(set(outcomes))  # no two answers that do the same
    assert effects[0].value == []
    assert any("demand.managed.practices" in e.met for e in effects)
    assert any(e.met == ("demand.strategic.value",) for e in effects)
    assert all(len(e.value) <= 3 for e in effects)  # the shortest answer of each outcome


@pytest.mark.parametrize("pack_ref", ["merlyn-brm", "brmi-relationship", "demand-supply"])
def test_every_question_of_the_shipped_packs_has_a_reason_from_the_pack(pack_ref):
    pack = resolve_pack(pack_ref)
    advisor = advisor_for(pack_ref if pack_ref != "merlyn-brm" else None)
    for question in questions_for(pack, engagement=True):
        assert question.reason, f"{pack_ref}: {question.path} has no why"
        assert reason(pack, advisor.dependencies, question).text == question.reason


@pytest.mark.parametrize("pack_ref", ["merlyn-brm", "brmi-relationship", "demand-supply"])
def test_the_shipped_packs_declare_synonyms_for_the_answers_of_their_choices(pack_ref):
    pack = resolve_pack(pack_ref)
    for question in questions_for(pack):
        if question.choices:
            assert question.synonyms, f"{pack_ref}: {question.path} has no synonyms"


def test_the_demand_supply_pack_takes_everyday_words_for_its_answers():
    questions = {q.path: q for q in questions_for(resolve_pack("demand-supply"))}
    assert parse_answer(questions["demand.planning"], "yearly") == "annual"
    assert parse_answer(questions["demand.practices"], "business case, forecasting, "
                                                       "portfolio") == [
        "portfolio_review", "business_cases", "demand_forecasting"]
    assert parse_answer(questions["supply.delivery"], "product teams") == "products"
    assert parse_answer(questions["target_level"], "strategy") == "strategic"


@pytest.mark.parametrize("pack_ref", ["merlyn-brm", "brmi-relationship", "demand-supply"])
def test_why_for_the_client_names_no_rule_and_no_answer_of_any_shipped_pack(pack_ref):
    # in the client's words: no criterion, derived fact or level id, no "meets" or "unmet"
    pack = resolve_pack(pack_ref)
    advisor = advisor_for(pack_ref if pack_ref != "merlyn-brm" else None)
    ids = {c.id for c in pack.criteria} | {d.id for d in pack.derived} | {
        level.id for level in pack.all_levels if "_" in level.id or "." in level.id}
    for question in questions_for(pack, engagement=True):
        said_ = reason(pack, advisor.dependencies, question)
        text = " ".join([said_.text, *said_.feeds])
        assert said_.text, question.path
        for word in (*ids, "meets", "unmet", "criterion", "derived"):
            assert not re.search(rf"(?<![\w.]){re.escape(word)}(?![\w.])", text), (
                question.path, word, text)


def test_a_pack_without_reasons_still_gives_one_for_every_question(seed_pack):
    pack = seed_pack._replace(questions=())
    advisor = advisor_for()
    said = {q.path: reason(pack, advisor.dependencies, q) for q in questions_for(pack)}
    assert said["engagement.mode"].text == "The level is decided on answers like this one."
    assert "The BRM is sought out for advice (advisory or partnership engagement)." in (
        said["engagement.mode"].feeds)
    assert said["organization"].text.startswith("Its name heads the report, and keeps this "
                                                "assessment beside the earlier and later")
    assert said["target_level"].text.startswith("The recommendations then cover")
    assert all(r.text for r in said.values())


# --- 3. the target, after the facts -----------------------------------------------------------

def test_the_target_comes_last_after_the_diagnosis_and_offers_only_levels_above(tmp_path):
    result, path = run_interview(tmp_path, ORDER_TAKER)
    assert result.exit_code == 0, result.output
    out = result.output
    shown = ("With these answers, Acme Corp is at Order Taker (level 2 of 4).\n\n"
             "[16/16] You are at Order Taker. Where should you be? (optional)\n"
             "  1. advisor: Advisor\n  2. strategic_partner: Strategic Partner\n(")
    assert shown in out
    assert out.index("financial savvy") < out.index("With these answers")
    assert saved_facts(path)["target_level"] == "advisor"
    assert "Acme Corp: Order Taker (level 2 of 4). Target: Advisor." in out


def test_the_target_takes_the_levels_names_and_refuses_those_not_above(tmp_path):
    answers = {**ORDER_TAKER, "target_level": ["Order Taker", "ad hoc", "Strategic Partner"]}
    result, path = run_interview(tmp_path, answers)
    assert result.exit_code == 0, result.output
    assert "Order Taker is where the organization is now: a target is a level above it" in (
        said(result.stderr))
    assert "Ad hoc is below Order Taker, where the organization is now" in said(result.stderr)
    assert saved_facts(path)["target_level"] == "strategic_partner"
    assert "taken as" not in result.output  # a name said in other case or spacing: no echo


def test_there_is_no_target_to_ask_at_the_top_level(tmp_path):
    result, path = run_interview(tmp_path, STRATEGIC_PARTNER)
    assert result.exit_code == 0, result.output
    assert "Where should you be" not in result.output
    assert numbers(result.output)[-1] == (15, 16)  # the target was counted until then
    assert saved_record(path)["not_asked"] == ["target_level"]
    assert "target_level" not in saved_facts(path)


def test_quick_asks_the_target_in_the_packs_order_and_never_offers_the_floor(tmp_path):
    answers = {**AD_HOC, "target_level": ["ad_hoc", "adhoc", "Advisor"]}
    result, path = run_interview(tmp_path, answers, "--quick")
    assert result.exit_code == 0, result.output
    out = result.output
    assert ("[2/15] Which level does the organization aim for? (optional)\n"
            "  1. order_taker: Order Taker\n  2. advisor: Advisor\n"
            "  3. strategic_partner: Strategic Partner\n(") in out
    assert said(result.stderr).count("Ad hoc is the floor of the model, where every organization "
                               "starts: a target is a level above it; allowed: order_taker, "
                               "advisor, strategic_partner") == 2
    assert saved_facts(path)["target_level"] == "advisor"
    assert "You are at" not in out


# --- 4. quick mode: numbering, and what it leaves unanswered ----------------------------------

@pytest.mark.parametrize("answers", [AD_HOC, ORDER_TAKER, ADVISOR, STRATEGIC_PARTNER,
                                     {**AD_HOC, "target_level": "advisor"}],
                         ids=["ad_hoc", "order_taker", "advisor", "partner", "aiming"])
def test_quick_numbers_the_questions_it_asks_without_jumps(tmp_path, answers):
    result, _ = run_interview(tmp_path, answers, "--quick", all_asked=False)
    assert result.exit_code == 0, result.output
    shown = numbers(result.output)
    assert [n for n, _ in shown] == list(range(1, len(shown) + 1))  # one by one
    assert all(n <= total for n, total in shown)  # never above the total
    totals = [total for _, total in shown]
    assert totals == sorted(totals, reverse=True)  # answers only ever prune
    assert shown[-1] == (len(shown), len(shown)) == (prompts(result.output),) * 2


def test_quick_leaves_what_it_does_not_ask_unanswered_and_a_full_resume_asks_it(tmp_path):
    quick, path = run_interview(tmp_path, AD_HOC, "--quick")
    assert quick.exit_code == 0
    saved = saved_facts(path)
    assert "competencies" not in saved and "assessed_on" not in saved  # not made up
    left = ["assessed_on"] + [f"competencies.{c}" for c in COMPETENCIES]
    assert saved_record(path)["not_asked"] == left
    rest = {"assessed_on": "2026-03-22", **{f"competencies.{c}": "1" for c in COMPETENCIES}}
    again = resume_interview(path, rest)
    assert again.exit_code == 0, again.output
    assert numbers(again.output) == [(n, 16) for n in range(8, 17)]  # only those
    assert saved_record(path)["not_asked"] == []
    assert saved_facts(path)["competencies"] == {c: 1 for c in COMPETENCIES}


def test_a_quick_resume_still_leaves_out_what_cannot_matter(tmp_path):
    _, path = run_interview(tmp_path, AD_HOC, "--quick")
    again = resume_interview(path, {}, "--quick")
    assert again.exit_code == 0, again.output
    assert prompts(again.output) == 0
    assert saved_record(path)["not_asked"] == ["assessed_on"] + [
        f"competencies.{c}" for c in COMPETENCIES]


def test_an_empty_list_written_by_an_earlier_quick_interview_is_not_an_answer(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("organization: Globex\nbrm: {formal_role: false}\nengagement:\n"
                    "  mode: reactive\n  prioritization: loudest_voice\n  lifecycle: []\n"
                    "measures: [satisfaction]\n"
                    "interview: {pack: merlyn-brm, version: 1.0.0, skipped: [target_level],\n"
                    "            not_asked: [engagement.lifecycle, assessed_on]}\n")
    saved = load_saved(path)
    session = Interview(advisor_for(), quick=True, resumed=saved)
    assert "engagement.lifecycle" not in session.answers
    assert [q.path for q in session.open_required()] == ["engagement.lifecycle"]
    turn = session.next_turn()  # required: asked even in quick mode
    assert turn is not None and turn.question.path == "engagement.lifecycle"
    assert (turn.number, turn.total) == (7, 7)  # six answered or skipped before


def test_the_end_names_the_required_questions_still_open_and_assesses_nothing(tmp_path,
                                                                              monkeypatch):
    # as if quick mode had passed over the required lists (it never does): no made-up []
    from brm_advisor.engine.interview import session as module

    def lists_never_matter(advisor, questions, answers, target=None):
        return {q.path for q in questions if q.kind != "choices" and q.required}

    monkeypatch.setattr(module, "still_matter", lists_never_matter)
    result, path = run_interview(tmp_path, {"organization": "Globex", "brm.formal_role": "no",
                                            "engagement.mode": "1",
                                            "engagement.prioritization": "1"}, "--quick")
    assert result.exit_code == 1, result.output
    assert ("Not assessed: the facts are not complete until these required questions are "
            "answered: engagement.lifecycle (In which stages of the business lifecycle does "
            "the BRM take part?); measures (Which measures of success are used for the BRM "
            f"practice?). Continue with: brm interview --resume {path} --quick") in (
        " ".join(result.stderr.split()))
    assert "Ad hoc" not in result.output
    assert "lifecycle" not in saved_facts(path)["engagement"] and "measures" not in (
        saved_facts(path))


def test_required_questions_always_matter_in_quick_mode():
    session = Interview(advisor_for(), quick=True)
    for path, answer in {"organization": "X", "target_level": "", "brm.formal_role": "no",
                         "engagement.mode": "1", "engagement.prioritization": "1"}.items():
        turn = session.next_turn()
        assert turn is not None and turn.question.path == path
        session.answer(turn.question, answer)
    turn = session.next_turn()
    assert turn is not None and turn.question.path == "engagement.lifecycle"
    assert (turn.number, turn.total) == (6, 7)


# --- 5. the end, on one screen ----------------------------------------------------------------

@pytest.mark.parametrize("level", list(SCRIPTS))
def test_the_end_fits_one_screen(tmp_path, level):
    result, path = run_interview(tmp_path, SCRIPTS[level])
    assert result.exit_code == 0, result.output
    end = end_of(result.output)
    assert len(end) <= 22  # with the prompt above it, on a terminal of 24 lines
    assert max(len(line) for line in end if str(path) not in line) <= 80
    text = "\n".join(end)
    assert re.search(r"\(level \d of 4\)\.", text)
    for absent in ("Why Order Taker:", "Why not", "rules fired", "[x]", "Closes:"):
        assert absent not in text
    assert f"Why this level:        brm explain {path}" in text
    assert f"The full diagnosis:    brm assess {path}" in text
    assert (f"A report to hand over: brm report {path} -o {path.with_suffix('.html')}"
            in text)


def test_an_engagement_files_end_keeps_the_level_on_a_screen_of_24_lines(tmp_path,
                                                                        monkeypatch):
    # the names of the README's example, findings to review, the longest actions: from the
    # level down, the end fits 23 rows of 80 columns (the shell's prompt takes the 24th)
    monkeypatch.chdir(tmp_path)
    lines = ["First National Bank", "", "Pat Smith", "no", "partnership", "loudest",
             "delivery", "agility", *[""] * len(COMPETENCIES), "strategic partner"]
    result = CliRunner().invoke(cli, ["interview", "--unit", "Retail Banking", "--respondent",
                                      "Dana Reyes", "--role", "business"],
                                input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    path = tmp_path / "first-national-bank-retail-banking-dana-reyes.yaml"
    diagnosis = advisor_for().assess(advisor_for().reader.from_data(saved_facts(path)))
    assert len(diagnosis.findings) >= 3 and len(diagnosis.recommendations) > 3
    end = result.output[result.output.index("First National Bank, Retail Banking: "):]
    rows = sum(max(1, -(-len(line) // 80)) for line in end.rstrip("\n").splitlines())
    assert rows <= 23, end


def test_the_end_shows_the_first_three_actions_in_order(tmp_path):
    result, path = run_interview(tmp_path, {**AD_HOC, "target_level": "strategic_partner"})
    text = "\n".join(end_of(result.output))
    diagnosis = advisor_for().assess(advisor_for().reader.from_data(saved_facts(path)))
    assert f"First actions (3 of {len(diagnosis.recommendations)}):" in text
    flat = " ".join(text.split())
    for number, rec in enumerate(diagnosis.recommendations[:3], start=1):
        level = advisor_for().pack.level(rec.level).name
        assert f"{number}. [{level}] {' '.join(rec.action.split())}" in flat
    assert "4. [" not in text
    assert f"{len(diagnosis.findings)} findings to review" in text


def test_the_end_at_the_top_level_says_nothing_is_needed(tmp_path):
    result, _ = run_interview(tmp_path, STRATEGIC_PARTNER)
    assert ("Strategic Partner is the top level: no action is needed to go further."
            in result.output)


def test_the_commands_the_end_prints_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["interview", "-o", "my answers.yaml",
                                      "--pack", "brmi-relationship"],
                                input="Claims\n\n" + "2\n2\n1\n1\n3\n3\n2\n3\n\n")
    assert result.exit_code == 0, result.output
    commands = [line.split(": ", 1)[1] for line in end_of(result.output)
                if line.startswith(("Why this level:", "The full diagnosis:", "A report"))]
    assert len(commands) == 3
    for line in commands:
        args = shlex.split(line)
        assert args[0] == "brm" and "--pack" in args
        ran = CliRunner().invoke(cli, args[1:])
        assert ran.exit_code == 0, (line, ran.output)
    assert (tmp_path / "my answers.html").exists()


# --- 6. synonyms, and the allowed form --------------------------------------------------------

def test_an_answer_may_be_given_in_the_packs_synonyms(tmp_path):
    answers = {**ORDER_TAKER, "measures": "CSAT, SLAs", "engagement.mode": "Order Taker",
               "engagement.lifecycle": "plans delivery"}
    result, path = run_interview(tmp_path, answers)
    assert result.exit_code == 0, result.output
    assert "  taken as: satisfaction, service_levels\n" in result.output
    assert "  taken as: order_taking\n" in result.output
    saved = saved_facts(path)
    assert saved["measures"] == ["satisfaction", "service_levels"]
    assert saved["engagement"]["lifecycle"] == ["planning", "delivery"]
    assert "taken as: advisor" not in result.output  # said in the choices' own words


def test_a_near_miss_of_a_synonym_gets_a_did_you_mean(tmp_path):
    result, _ = run_interview(tmp_path, {**AD_HOC, "measures": ["SLAz", "none"]})
    assert result.exit_code == 0, result.output
    assert ("not accepted: 'SLAz' is not one of the choices: satisfaction, service_levels, "
            "business_value, agility, innovation, collaboration (did you mean "
            "'service_levels'?)") in said(result.stderr)


def test_a_text_answer_is_refused_naming_its_form(seed_pack):
    question = {q.path: q for q in questions_for(seed_pack)}["assessed_on"]
    assert question.hint() == "YYYY-MM-DD"
    with pytest.raises(Exception, match=r"does not have the expected form; allowed: "
                                        r"YYYY-MM-DD$"):
        parse_answer(question, "March 22")
    assert parse_answer(question, "2026-03-22") == "2026-03-22"


def test_a_date_that_is_not_in_the_calendar_is_refused(seed_pack):
    question = {q.path: q for q in questions_for(seed_pack)}["assessed_on"]
    for day in ("2026-02-30", "2026-04-31", "2025-02-29"):
        with pytest.raises(AnswerError, match=rf"^'{day}' is not a date in the calendar; "
                                              r"allowed: YYYY-MM-DD$"):
            parse_answer(question, day)
    assert parse_answer(question, "2028-02-29") == "2028-02-29"


def test_a_number_out_of_range_is_refused_as_typed():
    pack = resolve_pack("demand-supply")
    question = {q.path: q for q in questions_for(pack)}["supply.run_share"]
    with pytest.raises(AnswerError, match=r"^150 is out of range; allowed: numbers from 0 "
                                          r"to 100$"):
        parse_answer(question, "150")
    assert parse_answer(question, "65") == 65 and parse_answer(question, "65.5") == 65.5
    with pytest.raises(AnswerError, match=r"^-0\.5 is out of range"):
        parse_answer(question, "-0.5")


def test_without_a_form_in_the_pack_the_schemas_format_names_it():
    question = InterviewQuestion("when", "When?", None, "text", (), {}, False,
                                 {"type": "string", "format": "date", "pattern": "^[0-9-]+$",
                                  "description": "A date, as it happens."})
    from brm_advisor.engine.interview.questions import _question
    from brm_advisor.engine.packs.fields import FieldTable

    field = FieldTable({"type": "object", "properties": {"when": question.schema}})["when"]
    built = _question(field, None)
    assert built.form == FORMS["date"] == "YYYY-MM-DD"
    with pytest.raises(Exception, match="allowed: YYYY-MM-DD$"):
        parse_answer(built, "soon")


BAD_SYNONYMS = {
    "service_levels": ["SLA", "satisfaction", "3", "q", "a,b", "Why  More", "--", "none"],
    "agility": ["sla", "Service-Levels"],
    "business_valu": ["worth"],
}


def test_lint_refuses_ambiguous_synonyms_with_a_clear_message(tmp_path):
    folder = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "merlyn_brm", folder)
    data = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    measures = next(q for q in data["questions"] if q["fact"] == "measures")
    measures["synonyms"] = BAD_SYNONYMS
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["packs", "lint", str(folder)])
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    where = "$.questions[7].synonyms"
    for expected in (
            f"{where}.service_levels[1]: 'satisfaction' is itself the allowed value "
            "'satisfaction', so it cannot also stand for 'service_levels'",
            f"{where}.service_levels[2]: '3' would be read as the number of a choice",
            f"{where}.service_levels[3]: 'q' is a word the interview reads as a command",
            f"{where}.service_levels[4]: 'a,b' holds a comma, which separates the answers",
            f"{where}.service_levels[5]: 'Why More' is a word the interview reads as a "
            "command",
            f"{where}.service_levels[6]: '--' has no letter or digit to type",
            f"{where}.service_levels[7]: 'none' is a word the interview reads as a command",
            f"{where}.agility[0]: 'sla' is given for both 'service_levels' and 'agility': a "
            "synonym stands for one value only",
            f"{where}.agility[1]: 'Service-Levels' is itself the allowed value "
            "'service_levels'",
            f"{where}.business_valu: 'business_valu' is not a value measures can take",
            "(did you mean 'business_value'?)"):
        assert expected in out, expected
    assert re.search(r"pack\.yaml:\d+: error: \$\.questions\[7\]\.synonyms", result.output)
    assert "Traceback" not in result.output


def test_a_single_choice_question_may_have_none_as_a_value_not_a_list_word(tmp_path):
    pack = resolve_pack("brmi-relationship")
    question = {q.path: q for q in questions_for(pack)}["business_view.planning"]
    assert parse_answer(question, "none") == "none"
    assert parse_answer(question, "yearly") == "annual"


def test_the_docs_describe_every_key_of_a_question():
    keys = schema("rulepack")["properties"]["questions"]["items"]["properties"]
    missing = [key for key in keys if f"`{key}`" not in DOC and f"{key}:" not in DOC]
    assert not missing, f"undocumented keys of questions: {missing}"
    assert set(keys) >= {"why", "form", "synonyms"}


def test_a_huge_answer_is_refused_at_once_and_not_echoed_in_full(seed_pack):
    questions = {q.path: q for q in questions_for(seed_pack)}
    with deadline(10):
        with pytest.raises(AnswerError, match="^satisfaction given twice$"):
            parse_answer(questions["measures"], "1 " * 200_000)
        with pytest.raises(AnswerError, match="^service_levels given twice$"):
            parse_answer(questions["measures"], "service level " * 100_000)
        with pytest.raises(AnswerError) as refused:
            parse_answer(questions["engagement.mode"], "x" * 500_000)
    assert len(str(refused.value)) < 300


def test_a_question_gone_back_to_is_asked_even_if_answers_after_it_made_it_pointless(
        seed_pack):
    # an optional question before a required one whose answer lowers the reach
    wording = {q.fact: q for q in seed_pack.questions}
    order = ["organization", "target_level", "competencies.communication", "brm.formal_role"]
    pack = seed_pack._replace(questions=tuple(wording[f] for f in order) + tuple(
        q for q in seed_pack.questions if q.fact not in order))
    with Advisor(pack) as advisor:
        session = Interview(advisor, quick=True)
        answers = {"organization": "X", "target_level": "", "competencies.communication": "1",
                   "brm.formal_role": "no"}
        turn = session.next_turn()
        while turn is not None and turn.question.path in answers:
            session.answer(turn.question, answers[turn.question.path])
            turn = session.next_turn()
        assert turn is not None and turn.question.path == "engagement.mode"
        assert session.back(turn.question) is not None  # brm.formal_role
        turn = session.next_turn()
        assert turn is not None and session.back(turn.question) is not None
        turn = session.next_turn()  # formal_role "no": communication cannot matter now...
        assert turn is not None and turn.question.path == "competencies.communication"
        assert turn.again and turn.current == 1  # ...but it was gone back to: asked
        assert (turn.number, turn.total) == (3, 8)


def test_the_closing_holds_the_level_the_target_and_the_first_actions(advisor, base_facts):
    from brm_advisor.engine.interview import closing

    diagnosis = advisor.assess(advisor.reader.from_data(base_facts), "strategic_partner")
    end = closing(diagnosis, advisor.pack)
    assert (end.organization, end.level, end.rank, end.levels) == ("Acme Corp",
                                                                   "Order Taker", 2, 4)
    assert end.target == "Strategic Partner" and not end.top
    assert [action for _, action in end.actions] == [
        r.action.strip() for r in diagnosis.recommendations[:3]]
    assert end.more_actions == len(diagnosis.recommendations) - 3 > 0
    assert end.findings == len(diagnosis.findings)
    top = closing(diagnosis._replace(level=diagnosis.level._replace(rank=4),
                                     recommendations=()), advisor.pack)
    assert top.top and top.actions == () and top.more_actions == 0
