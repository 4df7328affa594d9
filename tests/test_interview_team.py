"""`brm interview --team` (issue 18, point 6): the BRMs asked one by one after the organization's
facts, each saved as it is answered in the facts' `brms` list; the practice's competency ratings
then derive from theirs (and are not asked). Driven through CliRunner, answers given by the
question's path (``brms[0].name``, ``brms[1].competencies.communication``), never by position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from brm_advisor.cli.main import cli
from brm_advisor.engine.interview import AnswerError, Interview, load_saved

from test_interview import COMPETENCIES, advisor_for, numbers, said, saved_facts, saved_record

FACTS: dict[str, Any] = {
    "organization": "Northwind Traders", "brm.formal_role": "yes", "engagement.mode": "advisory",
    "engagement.prioritization": "business_priorities",
    "engagement.lifecycle": "strategy, planning, investment, delivery",
    "measures": "satisfaction, service_levels, business_value"}
DANA = (3, 4, 3, 4, 2, 3, 4, 3)
LEE = (3, 3, 3, 3, 1, 3, 3, 2)


def brm(index: int, name: str, ratings: Sequence[int | None], units: str = "",
        role: str = "") -> dict[str, str]:
    """The answers about one BRM, by path (a rating of None: skipped)."""
    answers = {f"brms[{index}].name": name, f"brms[{index}].units": units,
               f"brms[{index}].role": role}
    answers.update({f"brms[{index}].competencies.{c}": "" if r is None else str(r)
                    for c, r in zip(COMPETENCIES, ratings, strict=True)})
    return answers


TEAM: dict[str, Any] = {**FACTS, **brm(0, "Dana Whitfield", DANA, "Retail, Online", "Senior BRM"),
                        **brm(1, "Lee Okafor", LEE, "Retail"), "brms[2].name": "done",
                        "target_level": "strategic_partner"}


def team_script(answers: Mapping[str, str | Sequence[str]], *, resume: Path | None = None,
                stop_before: str | None = None, engagement: bool = False,
                preset: Mapping[str, str] | None = None) -> list[str]:
    """The lines to type, in the order the interview with --team asks (see
    test_interview.script); the input ends before the question about `stop_before`."""
    resumed = load_saved(resume) if resume is not None else None
    session = Interview(advisor_for(), resumed=resumed, engagement=engagement, team=True)
    for path, value in (preset or {}).items():
        session.preset(path, value)
    lines: list[str] = []
    for turn in session.pending():
        question = turn.question
        if question.path == stop_before:
            break
        typed = answers.get(question.path, "")
        typed = [typed] if isinstance(typed, str) else list(typed)
        lines += typed
        try:
            session.answer(question, typed[-1])
        except AnswerError:
            break
    return lines


def interview(args: Sequence[str], lines: Sequence[str]) -> Result:
    return CliRunner().invoke(cli, ["interview", *args], input="\n".join(lines) + "\n")


def lower_median(values: Sequence[int]) -> int:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


# --- a whole interview ------------------------------------------------------------------------

def test_a_whole_interview_with_two_brms_saves_facts_that_assess_with_derived_ratings(tmp_path):
    path = tmp_path / "team.yaml"
    result = interview(["--team", "-o", str(path)], team_script(TEAM))
    assert result.exit_code == 0, result.output
    output = said(result.output)
    assert "--- The BRMs ---" in result.output
    assert "Who is the first BRM? A name, or a label such as BRM 1" in output
    assert "Dana Whitfield's rating: effective communication (0-4)" in output
    assert "Lee Okafor's rating: financial savvy (0-4)" in output
    assert "Competency rating:" not in output  # the practice's ratings are not asked
    shown = numbers(result.output)
    assert [n for n, _ in shown] == list(range(1, len(shown) + 1))
    assert all(n <= total for n, total in shown)
    facts = saved_facts(path)
    assert "competencies" not in facts
    assert facts["brms"] == [
        {"name": "Dana Whitfield", "role": "Senior BRM", "units": ["Retail", "Online"],
         "competencies": dict(zip(COMPETENCIES, DANA, strict=True))},
        {"name": "Lee Okafor", "units": ["Retail"],
         "competencies": dict(zip(COMPETENCIES, LEE, strict=True))}]
    record = saved_record(path)
    assert record["team"] == "done"
    assert record["skipped"] == ["assessed_on", "brms[1].role"]
    assert path.read_text().splitlines()[1] == "# complete"

    advisor = advisor_for()
    diagnosis = advisor.assess(advisor.reader.from_data(facts))
    assert diagnosis.team is not None
    derived = {a.competency: a.value for a in diagnosis.team.aggregates}
    assert derived == {c: lower_median([d, lee]) for c, d, lee in zip(COMPETENCIES, DANA, LEE,
                                                                        strict=True)}
    # the oracle: the same practice typed in as a whole, with those ratings, reaches the level
    practice = {k: v for k, v in facts.items() if k != "brms"}
    practice["competencies"] = derived
    expected = advisor.assess(advisor.reader.from_data(practice)).level
    assert diagnosis.level == expected
    assert diagnosis.level.id == "advisor"
    assert f": {expected.name} (level {expected.rank} of 4). Target: Strategic Partner." \
        in output
    team_findings = sum(1 for f in diagnosis.findings if f.id.startswith("team."))
    assert team_findings > 0
    assert f"({team_findings} about the BRM team)" in output

    validated = CliRunner().invoke(cli, ["validate", str(path)])
    assert validated.exit_code == 0, validated.output


def test_without_team_the_practice_ratings_are_asked_and_no_brm(tmp_path):
    session = Interview(advisor_for())
    paths = [q.path for q in session.questions]
    assert "competencies.communication" in paths
    assert session.team is None
    teamed = Interview(advisor_for(), team=True)
    assert [p for p in paths if not p.startswith("competencies.")] == [
        q.path for q in teamed.questions]


def test_an_empty_name_ends_the_list_and_the_next_brm_is_offered(tmp_path):
    path = tmp_path / "one.yaml"
    answers = {**FACTS, **brm(0, "BRM 1", (2,) * 8), "brms[1].name": ""}
    result = interview(["--team", "-o", str(path)], team_script(answers))
    assert result.exit_code == 0, result.output
    assert "Who is the next BRM? A name, or a label such as BRM 2; Enter or done when there " \
           "is no other" in said(result.output)
    assert [b["name"] for b in saved_facts(path)["brms"]] == ["BRM 1"]


# --- back, q and --resume ---------------------------------------------------------------------

def test_back_within_a_brms_questions_changes_the_rating_before(tmp_path):
    path = tmp_path / "back.yaml"
    lines = team_script(TEAM, stop_before="brms[0].competencies.business_alignment")
    result = interview(["--team", "-o", str(path)],
                       [*lines, "back", "2", "back", "", "q"])
    assert result.exit_code == 0, result.output
    asked = result.output[result.output.index("Dana Whitfield's rating: understands"):]
    assert said(asked).count("Your answer was: 4 (Enter keeps it)") == 1
    assert said(asked).count("Your answer was: 2 (Enter keeps it)") == 1
    brms = saved_facts(path)["brms"]
    assert brms[0]["competencies"] == {"value_realization": 3, "business_environment": 2}
    assert saved_record(path)["team"] == "brms[0].competencies.business_alignment"


def test_back_from_a_new_brms_name_goes_to_the_last_rating_of_the_one_before(tmp_path):
    path = tmp_path / "back.yaml"
    lines = team_script(TEAM, stop_before="brms[1].name")
    result = interview(["--team", "-o", str(path)], [*lines, "back", "1", "back", "", "q"])
    assert result.exit_code == 0, result.output
    tail = said(result.output[result.output.index("Who is the next BRM"):])
    assert "Dana Whitfield's rating: financial savvy (0-4) (optional) Your answer was: 3" in \
        said(result.output)
    assert "Your answer was: 1 (Enter keeps it)" in tail
    assert saved_facts(path)["brms"][0]["competencies"]["financial_savvy"] == 1
    assert saved_record(path)["team"] == "brms[1].name"


def test_back_from_the_first_brm_goes_to_the_last_fact_and_back_to_the_brms(tmp_path):
    path = tmp_path / "back.yaml"
    lines = team_script(TEAM, stop_before="brms[0].name")
    result = interview(["--team", "-o", str(path)], [*lines, "back", "satisfaction", "Sam",
                                                     "q"])
    assert result.exit_code == 0, result.output
    output = said(result.output)
    assert "Your answer was: satisfaction, service_levels, business_value" in output
    assert output.count("Who is the first BRM?") == 2
    facts = saved_facts(path)
    assert facts["measures"] == ["satisfaction"]
    assert facts["brms"] == [{"name": "Sam"}]


def test_back_to_a_brms_name_renames_it_and_keeps_its_answers(tmp_path):
    path = tmp_path / "rename.yaml"
    lines = team_script(TEAM, stop_before="brms[0].role")
    result = interview(["--team", "-o", str(path)], [*lines, "back", "back", "Dana W.", "", "",
                                                     "q"])
    assert result.exit_code == 0, result.output
    assert "Your answer was: Dana Whitfield (Enter keeps it)" in said(result.output)
    assert saved_facts(path)["brms"] == [{"name": "Dana W.", "units": ["Retail", "Online"]}]


def test_q_in_the_middle_of_a_brm_then_resume_continues_there(tmp_path):
    path = tmp_path / "stopped.yaml"
    lines = team_script(TEAM, stop_before="brms[1].competencies.relationships")
    result = interview(["--team", "-o", str(path)], [*lines, "q"])
    assert result.exit_code == 0, result.output
    assert f"continue with: brm interview --resume {path}" in said(result.output)
    record = saved_record(path)
    assert record["team"] == "brms[1].competencies.relationships"
    assert "brms[1].role" in record["skipped"]
    lee = saved_facts(path)["brms"][1]
    assert lee == {"name": "Lee Okafor", "units": ["Retail"],
                   "competencies": dict(zip(COMPETENCIES[:3], LEE[:3], strict=True))}
    assert "# still open: brms[1].competencies.relationships, target_level" in path.read_text()

    resumed = interview(["--resume", str(path)], team_script(TEAM, resume=path))
    assert resumed.exit_code == 0, resumed.output
    first = resumed.output.index("[")
    assert said(resumed.output[first:]).startswith(
        f"[{len(lines) + 1}/")  # numbered on from the questions answered before
    assert "Lee Okafor's rating: manages relationships" in said(resumed.output[first:])[:80]
    assert "Dana Whitfield's" not in resumed.output
    assert saved_facts(path)["brms"][1]["competencies"] == dict(zip(COMPETENCIES, LEE,
                                                                    strict=True))
    assert saved_record(path)["team"] == "done"


def test_q_while_changing_an_answer_resumes_at_that_question(tmp_path):
    path = tmp_path / "stopped.yaml"
    lines = team_script(TEAM, stop_before="brms[0].competencies.business_alignment")
    interview(["--team", "-o", str(path)], [*lines, "back", "q"])
    assert saved_record(path)["team"] == "brms[0].competencies.business_environment"
    resumed = interview(["--resume", str(path)], ["", "q"])
    assert "Dana Whitfield's rating: understands the business environment (0-4) (optional) " \
           "Your answer was: 4 (Enter keeps it)" in said(resumed.output)
    assert saved_record(path)["team"] == "brms[0].competencies.business_alignment"


# --- bad answers ------------------------------------------------------------------------------

def _validate_message(tmp_path: Path, brms: list[dict[str, Any]], where: str) -> str:
    """What `brm validate` says of facts listing these BRMs, at the JSON path `where`."""
    facts = dict(yaml_facts())
    facts["brms"] = brms
    file = tmp_path / "check.yaml"
    import yaml

    file.write_text(yaml.safe_dump(facts))
    result = CliRunner().invoke(cli, ["validate", str(file)])
    assert result.exit_code != 0
    line = next(line for line in result.output.splitlines() if f" {where}: " in line)
    return line.split(f" {where}: ", 1)[1]


def yaml_facts() -> dict[str, Any]:
    return {"organization": "X", "brm": {"formal_role": True}, "measures": [],
            "engagement": {"mode": "advisory", "prioritization": "business_priorities",
                           "lifecycle": []}}


def test_a_name_given_twice_is_refused_at_once_as_brm_validate_says(tmp_path):
    path = tmp_path / "dup.yaml"
    answers = {**TEAM, "brms[1].name": ["dana whitfield ", "Lee Okafor"]}
    result = interview(["--team", "-o", str(path)], team_script(answers))
    assert result.exit_code == 0, result.output
    expected = _validate_message(tmp_path, [{"name": "Dana Whitfield"},
                                            {"name": "dana whitfield"}], "$.brms[1].name")
    assert "listed twice" in expected
    assert f"not accepted: {expected}" in said(result.output)
    assert [b["name"] for b in saved_facts(path)["brms"]] == ["Dana Whitfield", "Lee Okafor"]


def test_a_rating_outside_0_4_is_refused_as_brm_validate_says(tmp_path):
    path = tmp_path / "range.yaml"
    answers = {**TEAM, "brms[0].competencies.communication": ["5", "-1", "four", "4"]}
    result = interview(["--team", "-o", str(path)], team_script(answers))
    assert result.exit_code == 0, result.output
    expected = _validate_message(tmp_path, [{"name": "D", "competencies": {"communication": 5}}],
                                 "$.brms[0].competencies.communication")
    output = said(result.output)
    assert f"not accepted: {expected}" in output
    assert "not accepted: -1 is out of range; allowed: whole numbers from 0 to 4" in output
    assert "not accepted: 'four' is not a whole number; allowed: 0-4" in output
    assert saved_facts(path)["brms"][0]["competencies"]["communication"] == 4


def test_team_on_a_pack_whose_facts_list_no_brms_is_a_usage_error(tmp_path):
    path = tmp_path / "no.yaml"
    result = CliRunner().invoke(cli, ["interview", "--team", "--pack", "brmi-relationship",
                                      "-o", str(path)], input="Acme\n")
    assert result.exit_code == 2
    assert said(result.output) == (
        "error: --team: the facts of the pack brmi-relationship cannot list BRMs; packs "
        "whose facts can: merlyn-brm (--pack ID)")
    assert not path.exists()


# --- why, the engagement ----------------------------------------------------------------------

FORBIDDEN = ("criterion", "criteria", "derived", "meets", "unmet", "advisor.", "order_taker")


def test_why_on_a_brm_question_speaks_the_clients_words_from_the_pack(tmp_path):
    path = tmp_path / "why.yaml"
    lines = team_script(TEAM, stop_before="brms[0].competencies.communication")
    result = interview(["--team", "-o", str(path)], [*lines, "?", "??", "q"])
    reason = said(result.output[result.output.rindex("Why it matters"):
                                result.output.rindex("For the consultant")])
    pack = advisor_for().pack
    why = next(q.why for q in pack.questions if q.fact == "competencies.communication")
    assert " ".join(str(why).split()) in reason  # the pack's own words
    assert "Rating each BRM on their own shows who holds what" in reason
    assert "the middle one of the BRMs' ratings" in reason  # the pack's aggregation: median
    assert "application (3)" in reason  # the pack's `holds`, named by its scale
    assert not any(word in reason.lower() for word in FORBIDDEN)
    consultant = said(result.output[result.output.rindex("For the consultant"):])
    assert "brms[0].competencies.communication (through competencies.communication)" in \
        consultant
    assert "- 4: meets" in consultant

    lines = team_script(TEAM, stop_before="brms[0].units")
    result = interview(["--team", "-o", str(path), "--force"], [*lines, "?", "q"])
    reason = said(result.output[result.output.rindex("Why it matters"):])
    assert "One BRM serves at most 3 units well" in reason  # the pack's span
    assert not any(word in reason.lower() for word in FORBIDDEN)


def test_help_on_a_rating_names_the_packs_scale(tmp_path):
    path = tmp_path / "help.yaml"
    lines = team_script(TEAM, stop_before="brms[0].competencies.value_realization")
    result = interview(["--team", "-o", str(path)], [*lines, "help", "3 # seen at review",
                                                     "q"])
    scale = advisor_for().pack.team.scale
    output = said(result.output)
    assert ", ".join(f"{n} {step}" for n, step in enumerate(scale)) in output
    assert "record evidence" not in output  # a BRM's answers carry none
    assert "not accepted: no evidence is kept for a BRM's answers: give the answer without # " \
           "and the note" in output
    assert "competencies" not in saved_facts(path)["brms"][0]


def test_with_engagement_only_the_brms_serving_the_unit_are_asked(tmp_path):
    path = tmp_path / "unit.yaml"
    answers = {**FACTS, "respondent.role": "brm", **brm(0, "Dana Whitfield", DANA),
               "brms[1].name": "done"}
    answers = {k: v for k, v in answers.items() if not k.endswith(".units")}
    lines = team_script(answers, engagement=True, preset={"business_unit": "Retail",
                                                          "respondent.name": "Ana"})
    result = interview(["--team", "--unit", "Retail", "--respondent", "Ana", "-o", str(path)],
                       lines)
    assert result.exit_code == 0, result.output
    output = said(result.output)
    assert "Who is the first BRM serving Retail?" in output
    assert "Which business units" not in output
    assert saved_facts(path)["brms"] == [
        {"name": "Dana Whitfield", "units": ["Retail"],
         "competencies": dict(zip(COMPETENCIES, DANA, strict=True))}]


def test_a_resumed_record_with_a_bad_team_field_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("organization: X\ninterview:\n  pack: merlyn-brm\n  version: 1.0.0\n"
                    "  team: [1]\n")
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path)], input="q\n")
    assert result.exit_code != 0
    assert "$.interview.team: is not where the BRMs' questions stopped" in said(result.output)


def test_back_from_the_target_reopens_the_list_and_a_listed_brm_cannot_be_ended(tmp_path):
    path = tmp_path / "more.yaml"
    lines = team_script(TEAM, stop_before="target_level")
    result = interview(["--team", "-o", str(path)],
                       # units, role and 8 ratings skipped; the list ended; the target
                       [*lines, "back", "Rui Costa", "back", "done", "", *[""] * 10, "",
                        "strategic_partner"])
    assert result.exit_code == 0, result.output
    output = said(result.output)
    assert "Your answer was: done (Enter keeps it)" in output
    assert "not accepted: Rui Costa stays in the list: give a name or a label (Enter keeps " \
           "the name)" in output
    facts = saved_facts(path)
    assert [b["name"] for b in facts["brms"]] == ["Dana Whitfield", "Lee Okafor", "Rui Costa"]
    assert facts["target_level"] == "strategic_partner"
    assert saved_record(path)["team"] == "done"


def test_resuming_a_facts_file_listing_brms_asks_only_what_they_lack(tmp_path):
    example = Path(__file__).resolve().parent.parent / "examples" / "northwind-team.yaml"
    path = tmp_path / "northwind.yaml"
    result = interview(["--resume", str(example), "--team", "-o", str(path)],
                       ["Senior BRM", "", "done"])
    assert result.exit_code == 0, result.output
    asked = [line for line in result.output.splitlines() if line.startswith("[")]
    assert [line.split("] ", 1)[1] for line in asked] == [
        "What is Lee Okafor's role or title? (optional)",
        "What is Sam Patel's role or title? (optional)",
        "Who is the next BRM? A name, or a label such as BRM 5; Enter or done when there is "
        "no other"]
    assert "Resuming" in result.output and "8 answers and 4 BRMs so far." in result.output
    facts = saved_facts(path)
    assert facts["brms"][1]["role"] == "Senior BRM"
    assert saved_record(path)["skipped"] == ["brms[2].role"]
    original = saved_facts(example)
    assert [b["competencies"] for b in facts["brms"]] == [
        b["competencies"] for b in original["brms"]]


def test_why_on_a_brms_name_speaks_the_clients_words():
    session = Interview(advisor_for(), team=True)
    assert session.team is not None
    reason = session.reason(session.team.question("brms[0].name"))
    assert "Rating each BRM on their own shows who holds what" in reason.text
    assert not any(word in reason.text.lower() for word in FORBIDDEN)
    assert reason.feeds == ()
