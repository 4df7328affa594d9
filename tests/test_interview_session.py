"""The interview without a terminal (the library's `Interview`: what comes next, quick mode,
answers recorded and saved), and answers holding bytes that are not UTF-8, refused at once
whether typed at a terminal or piped."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from brm_advisor.engine.interview import (
    AnswerError,
    Interview,
    InterviewQuestion,
    load_saved,
    parse_answer,
    questions_for,
)

from installed import BRM
from test_interview import AD_HOC, COMPETENCIES, advisor_for, saved_facts, script

NOT_UTF8 = "Ac\udcffme"
"""What Python makes of the bytes ``Ac\\xffme`` read with errors="surrogateescape"."""


def run_session(session: Interview, answers: dict[str, str]) -> list[str]:
    """Answer every pending question by path (skip those not listed); the paths asked."""
    asked = []
    for turn in session.pending():
        asked.append(turn.question.path)
        session.answer(turn.question, answers.get(turn.question.path, ""))
    return asked


def test_the_library_decides_what_quick_mode_asks(tmp_path):
    path = tmp_path / "answers.yaml"
    session = Interview(advisor_for(), quick=True, save_to=path)
    asked = run_session(session, AD_HOC)
    assert asked == ["organization", "target_level", "brm.formal_role", "engagement.mode",
                     "engagement.prioritization", "engagement.lifecycle", "measures"]
    assert session.not_asked == ["assessed_on"] + [f"competencies.{c}" for c in COMPETENCIES]
    assert session.skipped == ["target_level"] and session.asked == 7
    assert session.answers["engagement.lifecycle"] == []  # the client's answer: none
    assert advisor_for().assess(session.facts()).level.id == "ad_hoc"
    saved = load_saved(path)
    assert saved.record is not None and saved.record.not_asked == tuple(session.not_asked)
    assert saved.facts == session.document()


def test_every_question_is_asked_without_quick_mode():
    session = Interview(advisor_for())
    asked = run_session(session, AD_HOC)
    paths = [q.path for q in questions_for(advisor_for().pack)]
    assert asked == [p for p in paths if p != "target_level"] + ["target_level"]  # last
    assert session.not_asked == [] and session.still_open == []


def test_without_a_file_nothing_is_saved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_session(Interview(advisor_for()), AD_HOC)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["organization", "target_level", "brm.formal_role",
                                  "engagement.lifecycle", "competencies.communication"])
def test_an_answer_that_is_not_valid_text_is_refused_whatever_the_question(seed_pack, path):
    question: InterviewQuestion = {q.path: q for q in questions_for(seed_pack)}[path]
    with pytest.raises(AnswerError, match="^not valid text: it holds bytes that are not UTF-8"):
        parse_answer(question, NOT_UTF8)


def test_an_answer_that_is_not_valid_text_is_neither_recorded_nor_saved(tmp_path):
    path = tmp_path / "answers.yaml"
    session = Interview(advisor_for(), save_to=path)
    question = next(session.pending()).question
    with pytest.raises(AnswerError):
        session.answer(question, NOT_UTF8)
    assert session.answers == {} and session.skipped == [] and not path.exists()
    session.answer(question, "Acme")
    assert saved_facts(path) == {"organization": "Acme"}


def piped_lines() -> list[bytes]:
    """Answers to the whole interview keyed by field path (the date, the eight competencies
    and the target skipped), after an organization's name that is not UTF-8."""
    return [b"Ac\xffme", *(line.encode() for line in script({**AD_HOC, "organization": "Acme"}))]


@pytest.mark.installed
@pytest.mark.parametrize("encoding", [None, "utf-8:strict"],
                         ids=["c-locale", "strict-utf-8-locale"])
def test_piped_bytes_that_are_not_utf8_are_refused_and_asked_again(tmp_path, encoding):
    path = tmp_path / "answers.yaml"
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    if encoding:
        env["PYTHONIOENCODING"] = encoding  # as in a locale where standard input is strict
    done = subprocess.run([BRM, "interview", "-o", str(path)],
                          input=b"\n".join(piped_lines()) + b"\n", capture_output=True,
                          timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stderr.decode().count("not accepted: not valid text") == 1
    assert b"Traceback" not in done.stderr
    assert saved_facts(path)["organization"] == "Acme"
    again = subprocess.run([BRM, "interview", "--resume", str(path)], input=b"",
                           capture_output=True, timeout=60, env=env, check=False)
    assert again.returncode == 0, again.stderr.decode(errors="replace")


@pytest.mark.installed
def test_typed_bytes_that_are_not_utf8_are_refused_in_a_pseudo_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    path = tmp_path / "tty.yaml"
    child = pexpect.spawn(BRM, ["interview", "-o", str(path)], timeout=30)
    child.expect(rb"q quit\)> ")
    child.sendline(b"Ac\xffme")
    child.expect(b"not valid text")
    child.expect(rb"q quit\)> ")
    child.sendline(b"Acme")
    child.expect(rb"\[2/16\]")
    child.expect(rb"q quit\)> ")
    child.sendintr()
    child.expect(b"Interrupted: 1 answer saved")
    child.expect(pexpect.EOF)
    child.close()
    assert yaml.safe_load(Path(path).read_text())["organization"] == "Acme"
