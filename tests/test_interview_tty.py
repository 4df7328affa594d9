"""The interview as a client and a consultant see it: the installed `brm` in a real
pseudo-terminal (pexpect), one test per point of issue 16, and the transcript of a whole
interview against its golden file (tests/golden/interview-acme.txt).

After a deliberate change of what the interview says, regenerate the golden file with
`python tests/test_interview_tty.py` and review the diff.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from brm_advisor.cli.main import cli

from installed import BRM
from test_interview import (
    AD_HOC,
    ORDER_TAKER,
    PROMPT_RE,
    answer_at_the_terminal,
    numbers,
    said,
    saved_facts,
    saved_record,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "interview-acme.txt"
SAVED_AS = "acme-interview.yaml"

TRANSCRIPT = [
    "?", "Acme Corp",  # why, for the client, even for the organization
    "22/03/2026", "2026-03-22",  # refused, naming the allowed form
    "yes",
    "?", "Order Taker",  # why; a synonym
    "??", "fifo",  # the rules, for the consultant; a synonym
    "2,4",
    "CSAT, SLAs",  # synonyms of two answers
    "back", "",  # back to the measures: Enter keeps them
    "2", "3", "3", "2", "7", "1", "2", "3", "1",  # the competencies, one refused
    "ad_hoc", "help", "advisor",  # the target, after the diagnosis: only levels above
]
"""What the consultant types in the golden interview, line by line."""


class Terminal:
    """`brm ARGS` in a pseudo-terminal of 24 lines of 80 columns, everything it shows kept."""

    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        self.pexpect = pytest.importorskip("pexpect")
        self.shown = io.StringIO()
        self.child = self.pexpect.spawn(BRM, list(args), encoding="utf-8", timeout=30,
                                        dimensions=(24, 80), cwd=str(cwd) if cwd else None,
                                        env={**os.environ, "COLUMNS": "80"})
        self.child.logfile_read = self.shown

    def answer(self, *lines: str) -> None:
        """Type each line at the next prompt."""
        for line in lines:
            self.child.expect(PROMPT_RE)
            self.child.sendline(line)

    def expect(self, pattern: Any) -> None:
        self.child.expect(pattern)

    def end(self) -> int | None:
        """Wait for brm to exit; its exit status."""
        self.child.expect(self.pexpect.EOF)
        self.child.close()
        return self.child.exitstatus  # type: ignore[no-any-return]

    @property
    def transcript(self) -> str:
        """Everything the terminal showed, typed answers included, with Unix line ends."""
        return self.shown.getvalue().replace("\r\n", "\n")


# --- 1. stopping and going back ---------------------------------------------------------------

@pytest.mark.installed
@pytest.mark.parametrize("word", ["q", "quit", "exit"])
def test_q_at_a_terminal_stops_with_the_answers_saved(tmp_path, word):
    path = tmp_path / "tty.yaml"
    term = Terminal("interview", "-o", str(path))
    term.answer("Acme", "", word)
    term.expect(f"Stopped: 1 answer saved in {path}; continue with: brm interview --resume "
                f"{path}")
    assert term.end() == 0
    assert saved_facts(path) == {"organization": "Acme"}
    intro = said(term.transcript[:term.transcript.index("[1/16]")])
    assert ("At any question, type ? to hear why it matters, help for how to answer, back "
            "to change the previous answer, or q to stop (the answers are saved: continue "
            "later with --resume).") in intro


@pytest.mark.installed
def test_ctrl_d_at_a_terminal_stops_with_the_answers_saved(tmp_path):
    path = tmp_path / "tty.yaml"
    term = Terminal("interview", "-o", str(path))
    term.answer("Acme")
    term.expect(PROMPT_RE)
    term.child.sendeof()
    term.expect("Interrupted: 1 answer saved")
    assert term.end() == 130
    assert saved_facts(path) == {"organization": "Acme"}


@pytest.mark.installed
def test_back_at_a_terminal_changes_the_previous_answer(tmp_path):
    path = tmp_path / "tty.yaml"
    term = Terminal("interview", "-o", str(path))
    term.answer("Acme", "", "no", "back")
    term.expect(r"\[3/16\] Is there a formal, named Business Relationship Manager role\?")
    term.expect("Your answer was: no \\(Enter keeps it\\)")
    term.answer("yes", "q")
    assert term.end() == 0
    assert saved_facts(path) == {"organization": "Acme", "brm": {"formal_role": True}}
    assert [n for n, _ in numbers(term.transcript)] == [1, 2, 3, 4, 3, 4]


# --- 2. why, for the client and the consultant ------------------------------------------------

@pytest.mark.installed
def test_why_at_a_terminal_speaks_to_the_client_and_more_to_the_consultant(tmp_path):
    term = Terminal("interview", "-o", str(tmp_path / "tty.yaml"))
    term.answer("?")
    term.expect("Why it matters: Its name heads the report")
    term.answer("Acme", "", "yes", "?")
    term.expect(PROMPT_RE)
    client = term.child.before
    term.child.sendline("??")
    term.expect(PROMPT_RE)
    consultant = term.child.before
    term.child.sendline("q")
    assert term.end() == 0
    assert "Why it matters: How the business turns to the BRM" in said(client)
    assert "- The BRM is sought out for advice (advisory or partnership engagement)." in (
        said(client))
    for ranking in ("meets", "unmet", "partnership:", "advisor.sought_out"):
        assert ranking not in client
    assert "For the consultant: engagement.mode is used by these criteria:" in consultant
    assert ("- partnership: meets order_taker.supply_engagement, advisor.sought_out, "
            "strategic_partner.partnership") in said(consultant)


@pytest.mark.installed
def test_why_more_at_a_terminal_shows_the_answer_no_before_any_is_given(tmp_path):
    term = Terminal("interview", "-o", str(tmp_path / "tty.yaml"))
    term.answer("Acme", "", "??")
    term.expect(PROMPT_RE)
    consultant = said(term.child.before)
    term.child.sendline("q")
    assert term.end() == 0
    assert ("- no: meets no criterion; leaves unmet order_taker.formal_role - yes: meets "
            "order_taker.formal_role") in consultant


# --- 3. the target, after the facts -----------------------------------------------------------

@pytest.mark.installed
def test_the_target_comes_after_the_diagnosis_at_a_terminal(tmp_path):
    path = tmp_path / "tty.yaml"
    term = Terminal("interview", "-o", str(path))
    asked = answer_at_the_terminal(term.child, ORDER_TAKER)
    assert term.end() == 0
    assert asked[-1] == "target_level"
    shown = term.transcript
    assert ("With these answers, Acme Corp is at Order Taker (level 2 of 4).\n\n"
            "[16/16] You are at Order Taker. Where should you be? (optional)\n"
            "  1. advisor: Advisor\n  2. strategic_partner: Strategic Partner\n") in shown
    assert saved_facts(path)["target_level"] == "advisor"


@pytest.mark.installed
def test_quick_asks_the_target_without_the_floor_at_a_terminal(tmp_path):
    term = Terminal("interview", "--quick", "-o", str(tmp_path / "tty.yaml"))
    term.answer("Globex", "1")
    term.expect(r"\[3/15\] Is there a formal")
    term.answer("q")
    assert term.end() == 0
    assert ("[2/15] Which level does the organization aim for? (optional)\n"
            "  1. order_taker: Order Taker\n  2. advisor: Advisor\n"
            "  3. strategic_partner: Strategic Partner\n") in term.transcript
    assert saved_facts(tmp_path / "tty.yaml")["target_level"] == "order_taker"


# --- 4. quick mode: numbering, questions left unanswered --------------------------------------

@pytest.mark.installed
def test_quick_numbers_the_questions_it_asks_at_a_terminal(tmp_path):
    path = tmp_path / "tty.yaml"
    term = Terminal("interview", "--quick", "-o", str(path))
    asked = answer_at_the_terminal(term.child, AD_HOC)
    assert term.end() == 0
    shown = numbers(term.transcript)
    assert shown == [(1, 15), (2, 15), (3, 15), (4, 7), (5, 7), (6, 7), (7, 7)]
    assert len(asked) == 7
    saved = saved_facts(path)
    assert "competencies" not in saved and "assessed_on" not in saved
    assert saved_record(path)["not_asked"][0] == "assessed_on"
    again = Terminal("interview", "--resume", str(path))
    again.expect(r"\[8/16\] On which date is this assessment made\?")
    again.answer("q")
    assert again.end() == 0


# --- 5. the end, on one screen ----------------------------------------------------------------

@pytest.mark.installed
def test_the_end_fits_the_terminals_screen(tmp_path):
    path = tmp_path / "tty.yaml"
    term = Terminal("interview", "-o", str(path))
    answer_at_the_terminal(term.child, {**AD_HOC, "target_level": "strategic_partner"})
    assert term.end() == 0
    shown = term.transcript
    end = shown[shown.rindex(PROMPT_RE.replace("\\", "")):].splitlines()[1:]
    assert len(end) < 24, "\n".join(end)
    text = "\n".join(end)
    assert "Globex: Ad hoc (level 1 of 4). Target: Strategic Partner." in text
    assert "First actions (3 of " in text and "  3. [Order Taker] " in text
    assert f"Why this level:        brm explain {path}" in text
    assert f"A report to hand over: brm report {path} -o {path.with_suffix('.html')}" in text


# --- 6. synonyms and the allowed form ---------------------------------------------------------

@pytest.mark.installed
def test_synonyms_and_the_allowed_form_at_a_terminal(tmp_path):
    path = tmp_path / "tty.yaml"
    term = Terminal("interview", "-o", str(path))
    term.answer("Acme", "2026/03/22")
    term.expect("not accepted: '2026/03/22' does not have the expected form; allowed:")
    term.expect("YYYY-MM-DD")
    term.answer("2026-02-30")
    term.expect("not accepted: '2026-02-30' is not a date in the calendar; allowed: "
                "YYYY-MM-DD")
    term.answer("2026-03-22", "yes", "orders", "first come first served", "none", "SLAz")
    term.expect(r"did you mean\s+'service_levels'")
    term.answer("SLAs", "q")
    assert term.end() == 0
    assert "taken as: order_taking" in term.transcript
    assert "taken as: service_levels" in term.transcript
    saved = saved_facts(path)
    assert saved["assessed_on"] == "2026-03-22"
    assert saved["engagement"]["prioritization"] == "first_come"
    assert saved["measures"] == ["service_levels"]


# --- 7. a whole interview, against its golden file --------------------------------------------

def transcript_by_runner(folder: Path) -> str:
    """The golden interview through CliRunner, the typed lines echoed as a terminal does."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner(echo_stdin=True).invoke(cli, ["interview", "-o", SAVED_AS],
                                                   input="\n".join(TRANSCRIPT) + "\n")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("where", ["runner", pytest.param("terminal",
                                                            marks=pytest.mark.installed)])
def test_a_whole_interview_matches_its_transcript(tmp_path, where):
    if where == "runner":
        shown = transcript_by_runner(tmp_path)
    else:
        term = Terminal("interview", "-o", SAVED_AS, cwd=tmp_path)
        term.answer(*TRANSCRIPT)
        assert term.end() == 0
        shown = term.transcript
    assert shown == GOLDEN.read_text(encoding="utf-8"), (
        "the interview differs from tests/golden/interview-acme.txt; if the change is "
        "deliberate, run `python tests/test_interview_tty.py` and review the diff")
    saved = saved_facts(tmp_path / SAVED_AS)
    assert saved["measures"] == ["satisfaction", "service_levels"]
    assert saved["target_level"] == "advisor"


def test_the_transcript_shows_every_point_of_the_conversation():
    text = GOLDEN.read_text(encoding="utf-8")
    for shown in ("or q to stop", "Why it matters:", "For the consultant:", "taken as:",
                  "allowed: YYYY-MM-DD", "Your answer was:", "With these answers,",
                  "Where should you be?", "First actions (3 of 3):", "brm report"):
        assert shown in said(text), shown
    assert len(text[text.index("16 questions asked"):].splitlines()) < 24


@pytest.mark.installed
def test_the_brms_one_by_one_at_a_terminal_stopped_and_resumed(tmp_path):
    """--team at a real terminal: the BRMs after the facts, ? on a rating, a name given twice
    refused, q in the middle of a BRM, then --resume there; the end fits the screen."""
    from test_interview_team import TEAM, team_script

    path = tmp_path / "team.yaml"
    term = Terminal("interview", "--team", "-o", str(path))
    lines = team_script(TEAM, stop_before="brms[0].competencies.communication")
    term.answer(*lines)
    term.expect(r"\[\d+/\d+\] Dana Whitfield's rating: effective communication \(0-4\)")
    term.answer("?")
    term.expect("Rating each BRM on their own shows who holds what")
    term.answer("4", "3", "dana whitfield")
    term.expect("not accepted: the BRM 'dana whitfield' is listed twice")
    term.answer("Lee Okafor", "Retail", "", "3", "q")
    term.expect(f"Stopped: 6 answers and 2 BRMs saved in {path}; continue with: brm "
                f"interview --resume {path}")
    assert term.end() == 0
    assert saved_record(path)["team"] == "brms[1].competencies.business_environment"

    term = Terminal("interview", "--resume", str(path))
    term.expect("Resuming .*: 6 answers and 2 BRMs so far.")
    term.expect(r"Lee Okafor's rating: understands the business environment")
    term.answer(*team_script(TEAM, resume=path))
    assert term.end() == 0
    shown = term.transcript
    end = shown[shown.rindex(PROMPT_RE.replace("\\", "")):].splitlines()[1:]
    assert len(end) < 24, "\n".join(end)
    assert "about the BRM team): the full diagnosis lists them." in said("\n".join(end))
    lee = saved_facts(path)["brms"][1]
    assert lee["competencies"]["value_realization"] == 3
    assert len(lee["competencies"]) == 8
    assert saved_record(path)["team"] == "done"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        GOLDEN.write_text(transcript_by_runner(Path(folder)), encoding="utf-8")
    print(f"wrote {GOLDEN}", file=sys.stderr)
