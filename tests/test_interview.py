"""The guided interview, driven through CliRunner with scripted answers, and once in a real
pseudo-terminal through the installed `brm`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from brm_advisor.cli.main import cli
from brm_advisor.engine.interview.session import AnswerError, parse_answer, questions_for

from installed import BRM

ROOT = Path(__file__).resolve().parent.parent

# answers in question order: organization, target, formal role, mode, prioritization,
# lifecycle, measures, eight competencies
SCRIPTS = {
    "ad_hoc": ["Globex", "", "no", "1", "1", "none", "none"] + [""] * 8,
    "order_taker": ["Acme Corp", "3", "yes", "2", "2", "2,4", "1,2",
                    "2", "3", "3", "2", "1", "2", "3", "1"],
    "advisor": ["Initech", "", "y", "advisory", "business_priorities", "planning, delivery",
                "satisfaction,business_value"] + [""] * 8,
    "strategic_partner": ["Umbrella", "4", "yes", "4", "4", "1,2,3,4,5,6", "1,2,3,4,5,6"]
    + ["3"] * 8,
}
NAMES = {"ad_hoc": "Ad hoc", "order_taker": "Order Taker", "advisor": "Advisor",
         "strategic_partner": "Strategic Partner"}


def interview(tmp_path, lines, *args, name="answers.yaml"):
    path = tmp_path / name
    result = CliRunner().invoke(cli, ["interview", "-o", str(path), *args],
                                input="\n".join(lines) + "\n")
    return result, path


@pytest.mark.parametrize("level", list(SCRIPTS))
def test_an_interview_reaches_each_level_and_saves_valid_facts(tmp_path, level):
    result, path = interview(tmp_path, SCRIPTS[level])
    assert result.exit_code == 0, result.output
    assert f": {NAMES[level]} (level" in result.output
    assert f"Reproduce with: brm assess {path}" in result.output
    again = CliRunner().invoke(cli, ["assess", str(path), "--format", "json"])
    assert again.exit_code == 0
    assert yaml.safe_load(again.output)["level"]["id"] == level
    assert path.read_text().startswith("# brm interview for pack merlyn-brm 1.0.0\n# complete")


def test_wrong_answers_are_asked_again_with_the_reason(tmp_path):
    lines = ["", "Acme", "partner", "", "maybe", "yes", "9", "advsory", "advisory", "2",
             "strat,2", "2", "1,1", "1"] + ["7", "3"] + [""] * 7
    result, path = interview(tmp_path, lines)
    assert result.exit_code == 0, result.output
    errors = result.stderr
    assert "an answer is needed: this fact is required" in errors
    assert "'maybe' is not yes or no" in errors
    assert "9 is not one of the numbers 1-4" in errors
    assert "(did you mean 'advisory'?)" in errors
    assert "'strat' is not one of the choices" in errors
    assert "satisfaction given twice" in errors
    assert "7 is out of range; allowed: whole numbers from 0 to 4" in errors
    assert "(did you mean 'strategic_partner'?)" in errors
    saved = yaml.safe_load(path.read_text())
    assert saved["engagement"] == {"mode": "advisory", "prioritization": "first_come",
                                   "lifecycle": ["planning"]}
    assert saved["competencies"] == {"value_realization": 3}
    assert "Traceback" not in result.output


def test_why_explains_from_the_pack_and_the_engine(tmp_path):
    lines = ["Acme", "3", "yes", "?", "2", "why", "2"] + SCRIPTS["order_taker"][5:]
    result, _ = interview(tmp_path, lines)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "engagement.mode is used by these criteria:" in out
    assert "- advisor.sought_out (Advisor):" in out
    assert "- reactive: meets no criterion; leaves unmet order_taker.supply_engagement" in out
    assert "- partnership: meets order_taker.supply_engagement, advisor.sought_out," in out
    assert "engagement.prioritization is used by these criteria:" in out


def test_quick_asks_fewer_questions_and_reaches_the_same_level(tmp_path):
    full, full_path = interview(tmp_path, SCRIPTS["ad_hoc"], name="full.yaml")
    quick, quick_path = interview(tmp_path, ["Globex", "", "no", "1", "1", "none"],
                                  "--quick", name="quick.yaml")
    assert quick.exit_code == 0, quick.output
    asked = {r.output.count("; ? for why)> ") for r in (full, quick)}
    assert full.output.count("? for why)> ") == 15
    assert quick.output.count("? for why)> ") == 6 and asked == {15, 6}
    for result in (full, quick):
        assert "Globex: Ad hoc (level 1 of 4)" in result.output
    saved = quick_path.read_text()
    assert "# skipped: target_level\n" in saved
    assert "# not asked (--quick, cannot change the diagnosis): engagement.lifecycle," in saved
    assert yaml.safe_load(quick_path.read_text())["engagement"]["lifecycle"] == []


def test_quick_still_asks_what_the_target_makes_matter(tmp_path):
    result, path = interview(tmp_path, ["Globex", "4", "no", "1", "1", "none", "none"]
                             + [""] * 8, "--quick")
    assert result.exit_code == 0, result.output
    # aiming at strategic partner, the lifecycle and the competencies shape the roadmap
    assert result.output.count("? for why)> ") == 15
    assert "rec.strategic_partner.lifecycle.strategy" in result.output


def test_interrupt_and_resume_lose_nothing(tmp_path):
    first, path = interview(tmp_path, SCRIPTS["order_taker"][:6])  # then the input ends
    assert first.exit_code == 130
    assert f"continue with: brm interview --resume {path}" in first.stderr
    saved = path.read_text()
    assert "# still open: measures, competencies.value_realization" in saved
    assert yaml.safe_load(saved)["engagement"]["lifecycle"] == ["planning", "delivery"]
    resumed = CliRunner().invoke(cli, ["interview", "--resume", str(path)],
                                 input="\n".join(SCRIPTS["order_taker"][6:]) + "\n")
    assert resumed.exit_code == 0, resumed.output
    assert "Resuming" in resumed.output and "[7/15]" in resumed.output
    assert "[6/15]" not in resumed.output
    one_go, other = interview(tmp_path, SCRIPTS["order_taker"], name="one-go.yaml")
    assert yaml.safe_load(path.read_text()) == yaml.safe_load(other.read_text())


def test_an_existing_file_is_not_overwritten_without_asking(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("my notes\n")
    result = CliRunner().invoke(cli, ["interview", "-o", str(path)], input="n\n")
    assert result.exit_code == 2
    assert path.read_text() == "my notes\n"
    result = CliRunner().invoke(cli, ["interview", "-o", str(path), "--force"],
                                input="\n".join(SCRIPTS["ad_hoc"]) + "\n")
    assert result.exit_code == 0 and "organization: Globex" in path.read_text()


def test_another_pack_gets_its_interview_from_its_data(tmp_path):
    answers = ["Claims", "2", "2", "1", "1", "3", "3", "2", "3", ""]  # brmi: no question order
    result, path = interview(tmp_path, answers, "--pack", "brmi-relationship")
    assert result.exit_code == 0, result.output
    assert "How the business engages the IT provider" in result.output
    assert "Order Taker (level 2 of 5)" in result.output


def test_parse_answer_units(seed_pack):
    questions = {q.path: q for q in questions_for(seed_pack)}
    assert parse_answer(questions["measures"], "2, satisfaction") == ["satisfaction",
                                                                      "service_levels"]
    assert parse_answer(questions["measures"], "none") == []
    assert parse_answer(questions["competencies.communication"], "") is None
    with pytest.raises(AnswerError):
        parse_answer(questions["organization"], "   ")


# --- a person at a real terminal --------------------------------------------------------------




@pytest.mark.installed
def test_the_installed_interview_in_a_pseudo_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    path = tmp_path / "tty.yaml"
    child = pexpect.spawn(BRM, ["interview", "-o", str(path)], encoding="utf-8", timeout=30,
                          dimensions=(40, 100))
    for answer in SCRIPTS["advisor"]:
        child.expect(r"\? for why\)> ")
        child.sendline(answer)
    child.expect("Reproduce with: brm assess")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    transcript = child.before
    assert transcript is not None
    saved = yaml.safe_load(path.read_text())
    assert saved["organization"] == "Initech"
    assert saved["engagement"]["mode"] == "advisory"
    assert "competencies" not in saved


@pytest.mark.installed
def test_ctrl_c_in_a_pseudo_terminal_keeps_the_answers(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    path = tmp_path / "tty.yaml"
    child = pexpect.spawn(BRM, ["interview", "-o", str(path)], encoding="utf-8", timeout=30)
    for answer in ["Acme", "", "yes"]:
        child.expect(r"\? for why\)> ")
        child.sendline(answer)
    child.expect(r"\? for why\)> ")
    child.sendintr()
    child.expect("Interrupted: 2 answers saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 or child.signalstatus is None
    saved = yaml.safe_load(path.read_text())
    assert saved == {"organization": "Acme", "brm": {"formal_role": True}}


def test_endless_wrong_answers_stop_the_interview_with_answers_saved(tmp_path):
    result, path = interview(tmp_path, ["Acme", "", "maybe"] * 1 + ["maybe"] * 40)
    assert result.exit_code == 130
    assert result.stderr.count("not accepted: 'maybe' is not yes or no") == 25
    assert yaml.safe_load(path.read_text()) == {"organization": "Acme"}
