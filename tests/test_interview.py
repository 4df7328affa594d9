"""The guided interview, driven through CliRunner with answers given by fact path, and in a real
pseudo-terminal through the installed `brm`.

Answers are keyed by the question's fact path, never by position: `script` runs the library's
interview to find the order in which the questions come (quick mode included), so a new
question or a new order changes no test. The helpers are shared by tests/test_interview_*.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from brm_advisor.cli.main import cli
from brm_advisor.engine import Advisor, FactsReader, FactsValidationError, resolve_pack
from brm_advisor.engine.interview import (
    AnswerError,
    Interview,
    load_saved,
    parse_answer,
    questions_for,
)

from installed import BRM

Answers = Mapping[str, "str | Sequence[str]"]
"""What to type for each question, by fact path: one line, or several (the last one accepted;
before it, ? or help, or answers that are refused). A question not listed is skipped."""

COMPETENCIES = ("value_realization", "business_environment", "business_alignment",
                "relationships", "organizational_change", "projects_and_programs",
                "communication", "financial_savvy")


def competencies(*ratings: str) -> dict[str, str]:
    return {f"competencies.{name}": rating for name, rating in zip(COMPETENCIES, ratings,
                                                                   strict=True)}


AD_HOC: dict[str, Any] = {
    "organization": "Globex", "brm.formal_role": "no", "engagement.mode": "1",
    "engagement.prioritization": "1", "engagement.lifecycle": "none", "measures": "none"}
ORDER_TAKER: dict[str, Any] = {
    "organization": "Acme Corp", "target_level": "advisor", "brm.formal_role": "yes",
    "engagement.mode": "2", "engagement.prioritization": "2", "engagement.lifecycle": "2,4",
    "measures": "1,2", **competencies("2", "3", "3", "2", "1", "2", "3", "1")}
ADVISOR: dict[str, Any] = {
    "organization": "Initech", "brm.formal_role": "y", "engagement.mode": "advisory",
    "engagement.prioritization": "business_priorities",
    "engagement.lifecycle": "planning, delivery", "measures": "satisfaction,business_value"}
STRATEGIC_PARTNER: dict[str, Any] = {  # at the top level: no target to ask
    "organization": "Umbrella", "brm.formal_role": "yes",
    "engagement.mode": "4", "engagement.prioritization": "4",
    "engagement.lifecycle": "1,2,3,4,5,6", "measures": "1,2,3,4,5,6", **competencies(*"3" * 8)}
SCRIPTS = {"ad_hoc": AD_HOC, "order_taker": ORDER_TAKER, "advisor": ADVISOR,
           "strategic_partner": STRATEGIC_PARTNER}
NAMES = {"ad_hoc": "Ad hoc", "order_taker": "Order Taker", "advisor": "Advisor",
         "strategic_partner": "Strategic Partner"}


# --- helpers ----------------------------------------------------------------------------------

@functools.cache
def advisor_for(pack_ref: str | None = None) -> Advisor:
    """One advisor per pack for the whole test session (compiling is the slow part)."""
    return Advisor(resolve_pack(pack_ref))


def script(answers: Answers, *, pack_ref: str | None = None, quick: bool = False,
           resume: Path | None = None, stop_before: str | None = None,
           all_asked: bool = True, engagement: bool = False) -> list[str]:
    """The lines to type, in the order the interview will ask, each question's found by its
    path in `answers`. The input ends before the question about `stop_before` (the interview
    is then interrupted), or after an answer that is not accepted (the last of its lines).
    With `all_asked`, every path in `answers` must be asked (no typo hides a question)."""
    resumed = load_saved(resume) if resume is not None else None
    session = Interview(advisor_for(pack_ref), quick=quick, resumed=resumed,
                        engagement=engagement)
    lines: list[str] = []
    asked = set()
    for turn in session.pending():
        question = turn.question
        if question.path == stop_before:
            break
        asked.add(question.path)
        typed = answers.get(question.path, "")
        typed = [typed] if isinstance(typed, str) else list(typed)
        lines += typed
        try:
            session.answer(question, typed[-1])
        except AnswerError:
            break  # the interview stops here too (the test feeds refused answers on purpose)
    if all_asked:
        assert not set(answers) - asked, f"never asked: {sorted(set(answers) - asked)}"
    return lines


def run_interview(tmp_path: Path, answers: Answers, *args: str, name: str = "answers.yaml",
                  before: Sequence[str] = (), **options: Any) -> tuple[Result, Path]:
    """`brm interview -o FILE ARGS` answering by path (`before`: lines typed before the first
    question, e.g. to confirm an overwrite)."""
    path = tmp_path / name
    pack_ref = args[args.index("--pack") + 1] if "--pack" in args else None
    engagement = any(option in args for option in ("--engagement", "--unit", "--respondent",
                                                   "--role"))
    lines = list(before) + script(answers, pack_ref=pack_ref, quick="--quick" in args,
                                  engagement=engagement, **options)
    result = CliRunner().invoke(cli, ["interview", "-o", str(path), *args],
                                input="\n".join(lines) + "\n")
    return result, path


def resume_interview(path: Path, answers: Answers, *args: str, before: Sequence[str] = (),
                     **options: Any) -> Result:
    """`brm interview --resume FILE ARGS` answering by path."""
    lines = list(before) + script(answers, quick="--quick" in args, resume=path, **options)
    return CliRunner().invoke(cli, ["interview", "--resume", str(path), *args],
                              input="\n".join(lines) + "\n")


def saved_facts(path: Path) -> dict[str, Any]:
    """The facts of a saved interview (the `interview:` record set aside)."""
    data = yaml.safe_load(path.read_text())
    data.pop("interview", None)
    return data


def saved_record(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())["interview"]


def _reader_sets_the_interview_aside() -> bool:
    facts = {"organization": "X", "brm": {"formal_role": True}, "measures": [],
             "engagement": {"mode": "reactive", "prioritization": "joint", "lifecycle": []},
             "interview": {"pack": "merlyn-brm", "version": "1.0.0"}}
    try:
        FactsReader(resolve_pack().facts_schema).from_data(facts)
    except FactsValidationError:
        return False
    return True


NEEDS_THE_READER = pytest.mark.xfail(
    not _reader_sets_the_interview_aside(), strict=True,
    reason="engine/inputs/facts.py does not yet set the reserved `interview` key aside")
"""For tests of other commands (assess, validate) reading a saved interview: they read it once
the facts reader sets the reserved key aside; until then they are expected to fail."""


PROMPT = "q quit)> "
"""How every prompt ends."""
PROMPT_RE = r"q quit\)> "


def said(output: str) -> str:
    """What the terminal shows, its lines joined (long messages are wrapped at 80 columns)."""
    return " ".join(output.split())


def prompts(output: str) -> int:
    """How many times the interview prompted."""
    return output.count(PROMPT)


def numbers(output: str) -> list[tuple[int, int]]:
    """The [number/total] of each question shown, in order."""
    return [(int(n), int(t)) for n, t in re.findall(r"^\[(\d+)/(\d+)\] ", output, re.M)]


def asking_order(pack_ref: str | None = None, quick: bool = False) -> list[str]:
    """The paths of the questions, in the order the interview asks them."""
    return [q.path for q in Interview(advisor_for(pack_ref), quick=quick).questions]


# --- the interview ----------------------------------------------------------------------------

@pytest.mark.parametrize("level", list(SCRIPTS))
def test_an_interview_reaches_each_level_and_saves_valid_facts(tmp_path, level):
    result, path = run_interview(tmp_path, SCRIPTS[level])
    assert result.exit_code == 0, result.output
    assert f": {NAMES[level]} (level" in result.output
    assert f"The full diagnosis:    brm assess {path}" in result.output
    assert path.read_text().startswith("# brm interview for pack merlyn-brm 1.0.0\n# complete")
    facts = advisor_for().reader.from_data(saved_facts(path))
    assert advisor_for().assess(facts).level.id == level


@NEEDS_THE_READER
@pytest.mark.parametrize("level", ["ad_hoc", "order_taker"])
def test_brm_assess_and_validate_read_a_saved_interview(tmp_path, level):
    _, path = run_interview(tmp_path, SCRIPTS[level])
    again = CliRunner().invoke(cli, ["assess", str(path), "--format", "json"])
    assert again.exit_code == 0, again.output
    assert yaml.safe_load(again.output)["level"]["id"] == level
    assert CliRunner().invoke(cli, ["validate", str(path)]).exit_code == 0


def test_wrong_answers_are_asked_again_with_the_reason(tmp_path):
    answers = {"organization": ["", "Acme"], "assessed_on": ["22/03/2026", ""],
               "target_level": ["ad_hoc", "order_taker", "stratgic_partner", ""],
               "brm.formal_role": ["maybe", "yes"],
               "engagement.mode": ["9", "advsory", "advisory"],
               "engagement.prioritization": "2", "engagement.lifecycle": ["strat,2", "2"],
               "measures": ["1,1", "1"], "competencies.value_realization": ["7", "3"]}
    result, path = run_interview(tmp_path, answers)
    assert result.exit_code == 0, result.output
    errors = said(result.stderr)
    assert "an answer is needed: this fact is required" in errors
    assert "'22/03/2026' does not have the expected form; allowed: YYYY-MM-DD not" in errors
    assert "'maybe' is not yes or no" in errors
    assert "9 is not one of the numbers 1-4" in errors
    assert "(did you mean 'advisory'?)" in errors
    assert "'strat' is not one of the choices" in errors
    assert "satisfaction given twice" in errors
    assert "7 is out of range; allowed: whole numbers from 0 to 4" in errors
    assert ("Ad hoc is below Order Taker, where the organization is now: a target is a level "
            "above it; allowed: advisor, strategic_partner") in errors
    assert ("Order Taker is where the organization is now: a target is a level above it; "
            "allowed: advisor, strategic_partner") in errors
    assert "(did you mean 'strategic_partner'?)" in errors
    saved = saved_facts(path)
    assert saved["engagement"] == {"mode": "advisory", "prioritization": "first_come",
                                   "lifecycle": ["planning"]}
    assert saved["competencies"] == {"value_realization": 3}
    assert "assessed_on" not in saved and "target_level" not in saved
    assert "Traceback" not in result.output


def test_help_shows_the_packs_help_and_asks_again(tmp_path):
    result, _ = run_interview(tmp_path, {**AD_HOC, "organization": ["help", "Globex"]})
    assert result.exit_code == 0, result.output
    assert "  The name that will head the report." in result.output
    assert [n for n, _ in numbers(result.output)] == list(range(1, 17))


def test_quick_asks_fewer_questions_and_reaches_the_same_level(tmp_path):
    full, _ = run_interview(tmp_path, AD_HOC, name="full.yaml")
    quick, quick_path = run_interview(tmp_path, AD_HOC, "--quick", name="quick.yaml")
    assert quick.exit_code == 0, quick.output
    assert prompts(full.output) == 16  # the date and the target included
    assert prompts(quick.output) == 7
    for result in (full, quick):
        assert "Globex: Ad hoc (level 1 of 4)." in result.output
    record = saved_record(quick_path)
    assert record["skipped"] == ["target_level"]
    assert record["not_asked"] == ["assessed_on"] + [f"competencies.{name}"
                                                     for name in COMPETENCIES]
    # a required list is asked even in quick mode: the empty list is the client's answer
    assert saved_facts(quick_path)["engagement"]["lifecycle"] == []


def test_quick_still_asks_what_the_target_makes_matter(tmp_path):
    result, _ = run_interview(tmp_path, {**AD_HOC, "target_level": "strategic_partner"},
                              "--quick")
    assert result.exit_code == 0, result.output
    # aiming at strategic partner, the competencies shape the roadmap (the date does not)
    assert prompts(result.output) == 15
    assert numbers(result.output) == [(n, 15) for n in range(1, 16)]
    assert "Target: Strategic Partner." in result.output


def test_interrupt_and_resume_lose_nothing(tmp_path):
    first, path = run_interview(tmp_path, ORDER_TAKER, stop_before="measures",
                                all_asked=False)  # then the input ends
    assert first.exit_code == 130
    assert f"continue with: brm interview --resume {path}" in first.stderr
    saved = path.read_text()
    assert "# still open: measures, competencies.value_realization" in saved
    assert saved_facts(path)["engagement"]["lifecycle"] == ["planning", "delivery"]
    resumed = resume_interview(path, ORDER_TAKER, all_asked=False)
    assert resumed.exit_code == 0, resumed.output
    assert "Resuming" in resumed.output
    assert numbers(resumed.output)[0] == (7, 16)  # six answered or skipped before
    _, other = run_interview(tmp_path, ORDER_TAKER, name="one-go.yaml")
    assert yaml.safe_load(path.read_text()) == yaml.safe_load(other.read_text())


def test_an_existing_file_is_not_overwritten_without_asking(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("my notes\n")
    result = CliRunner().invoke(cli, ["interview", "-o", str(path)], input="n\n")
    assert result.exit_code == 2
    assert path.read_text() == "my notes\n"
    result, _ = run_interview(tmp_path, AD_HOC, "--force")
    assert result.exit_code == 0 and "organization: Globex" in path.read_text()


BRMI: dict[str, Any] = {
    "organization": "Claims", "business_view.engagement": "2",
    "business_view.conversations": "2", "business_view.trust": "1",
    "business_view.planning": "1", "provider_view.engagement": "3",
    "provider_view.conversations": "3", "provider_view.trust": "2",
    "provider_view.planning": "3"}


def test_another_pack_gets_its_interview_from_its_data(tmp_path):
    result, path = run_interview(tmp_path, BRMI, "--pack", "brmi-relationship")
    assert result.exit_code == 0, result.output
    assert "Asked of the business: how does the business engage the IT provider?" in (
        result.output)
    assert "Claims: Order Taker (level 2 of 5)." in result.output
    assert "You are at Order Taker. Where should you be?" in result.output
    assert "brm explain " + str(path) + " --pack brmi-relationship" in result.output
    assert saved_record(path)["pack"] == "brmi-relationship"


def test_parse_answer_units(seed_pack):
    questions = {q.path: q for q in questions_for(seed_pack)}
    assert parse_answer(questions["measures"], "2, satisfaction") == ["satisfaction",
                                                                      "service_levels"]
    assert parse_answer(questions["measures"], "none") == []
    assert parse_answer(questions["measures"], "csat service levels") == [
        "satisfaction", "service_levels"]  # whole names of several words, without commas
    assert parse_answer(questions["competencies.communication"], "") is None
    assert parse_answer(questions["engagement.mode"], "Order-Taking") == "order_taking"
    with pytest.raises(AnswerError):
        parse_answer(questions["organization"], "   ")


def test_endless_wrong_answers_stop_the_interview_with_answers_saved(tmp_path):
    result, path = run_interview(tmp_path, {"organization": "Acme",
                                            "brm.formal_role": ["maybe"] * 41})
    assert result.exit_code == 130
    assert result.stderr.count("not accepted: 'maybe' is not yes or no") == 25
    assert saved_facts(path) == {"organization": "Acme"}
    assert saved_record(path)["skipped"] == ["assessed_on"]


# --- a person at a real terminal --------------------------------------------------------------

QUESTION = re.compile(r"\[(\d+)/(\d+)\] ([^\r\n]*)\r\n")
TARGET_AFTER = re.compile(r"You are at .+\. Where should you be\? \(optional\)")


def path_of_question(text: str, pack_ref: str | None = None) -> str:
    """The fact a question shown at the terminal asks about (its first line)."""
    if TARGET_AFTER.fullmatch(text):
        return "target_level"
    return {q.prompt_lines()[0]: q.path for q in questions_for(resolve_pack(pack_ref))}[text]


def spawn(*args: str, **options: Any) -> Any:
    """The installed `brm ARGS` in a pseudo-terminal (80 columns)."""
    pexpect = pytest.importorskip("pexpect")
    options = {"encoding": "utf-8", "timeout": 30, "dimensions": (40, 80), **options}
    return pexpect.spawn(BRM, list(args), **options)


def answer_at_the_terminal(child: Any, answers: Answers, pack_ref: str | None = None,
                           stop_before: str | None = None) -> list[str]:
    """Answer each question the terminal shows by looking its path up from its text; stop at
    the end of the interview, or at the prompt of the question about `stop_before`. The
    paths asked, in order."""
    pexpect = pytest.importorskip("pexpect")
    asked: list[str] = []
    for _turn in range(len(questions_for(resolve_pack(pack_ref))) + 1):
        if child.expect([QUESTION, "The full diagnosis:", pexpect.EOF]) != 0:
            return asked
        path = path_of_question(child.match.group(3), pack_ref)
        child.expect(PROMPT_RE)
        if path == stop_before:
            return asked
        asked.append(path)
        typed = answers.get(path, "")
        lines = [typed] if isinstance(typed, str) else list(typed)
        for count, line in enumerate(lines, start=1):
            child.sendline(line)
            if count < len(lines):  # refused, or ? or help: asked again
                child.expect(PROMPT_RE)
    return asked


@pytest.mark.installed
def test_the_installed_interview_in_a_pseudo_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    path = tmp_path / "tty.yaml"
    child = spawn("interview", "-o", str(path))
    answer_at_the_terminal(child, ADVISOR)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = saved_facts(path)
    assert saved["organization"] == "Initech"
    assert saved["engagement"]["mode"] == "advisory"
    assert "competencies" not in saved


@pytest.mark.installed
def test_ctrl_c_in_a_pseudo_terminal_keeps_the_answers(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    path = tmp_path / "tty.yaml"
    child = spawn("interview", "-o", str(path))
    answer_at_the_terminal(child, {"organization": "Acme", "brm.formal_role": "yes"},
                           stop_before="engagement.mode")
    child.sendintr()
    child.expect("Interrupted: 2 answers saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 or child.signalstatus is None
    assert saved_facts(path) == {"organization": "Acme", "brm": {"formal_role": True}}
    assert saved_record(path)["skipped"] == ["assessed_on"]
