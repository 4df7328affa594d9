"""The file an interview saves: what it skipped and did not ask held as data, files of earlier
versions still resumed, facts files completed without losing a field or being written over
without asking, another pack's interview left alone, read-only files and modes respected."""

from __future__ import annotations

import json
import os
import stat

import yaml
from click.testing import CliRunner

from brm_advisor.cli.main import cli

from conftest import ROOT
from test_interview import (
    AD_HOC,
    COMPETENCIES,
    ORDER_TAKER,
    PROMPT,
    resume_interview,
    run_interview,
    said,
    saved_facts,
    saved_record,
)

EXAMPLES = ROOT / "examples"

LEGACY = """\
# brm interview for pack merlyn-brm 1.0.0
# still open: measures, competencies.value_realization, competencies.business_environment, \
competencies.business_alignment, competencies.relationships, competencies.organizational_change, \
competencies.projects_and_programs, competencies.communication, competencies.financial_savvy
# continue with: brm interview --resume legacy.yaml
# skipped: target_level
# not asked (--quick, cannot change the diagnosis): engagement.lifecycle
organization: Globex
brm:
  formal_role: false
engagement:
  mode: reactive
  prioritization: loudest_voice
  lifecycle: []
"""
"""Literally what brm wrote before the `interview:` record (a quick interview, interrupted)."""


def asked(output: str) -> list[int]:
    """The numbers of the questions asked, in order."""
    return [int(line.split("/")[0][1:]) for line in output.splitlines()
            if line.startswith("[") and "/" in line.split("]")[0]]


# --- skipped and not asked, as data -----------------------------------------------------------

def test_skipped_and_not_asked_are_data_in_the_file_not_comments(tmp_path):
    result, path = run_interview(tmp_path, AD_HOC, "--quick", all_asked=False)
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert "# skipped" not in text and "# not asked" not in text
    assert saved_record(path) == {
        "pack": "merlyn-brm", "version": "1.0.0", "skipped": ["target_level"],
        "not_asked": ["assessed_on"] + [f"competencies.{c}" for c in COMPETENCIES]}


def test_comments_are_never_read_back(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("# skipped: brm.formal_role\n# not asked: engagement.mode\n"
                    "organization: Acme\n"
                    "interview: {pack: merlyn-brm, version: 1.0.0, skipped: [target_level]}\n")
    result = resume_interview(path, AD_HOC, all_asked=False)
    assert result.exit_code == 0, result.output
    assert asked(result.output) == list(range(3, 17))  # not the organization, nor the target
    assert saved_facts(path)["brm"] == {"formal_role": False}
    assert saved_record(path)["skipped"][0] == "target_level"


def test_a_file_saved_by_the_previous_version_resumes(tmp_path):
    path = tmp_path / "legacy.yaml"
    path.write_text(LEGACY)
    # the empty lifecycle was made up by quick mode, not answered: asked now
    result = resume_interview(path, {"engagement.lifecycle": "2", "measures": "none"})
    assert result.exit_code == 0, result.output
    assert "Resuming" in result.output and "not written by brm interview" not in result.output
    assert asked(result.output) == list(range(6, 17))  # the date, lifecycle, measures...
    assert saved_facts(path) == {**yaml.safe_load(LEGACY), "measures": [],
                                 "engagement": {"mode": "reactive",
                                                "prioritization": "loudest_voice",
                                                "lifecycle": ["planning"]}}
    assert saved_record(path) == {
        "pack": "merlyn-brm", "version": "1.0.0",
        "skipped": ["target_level", "assessed_on"] + [f"competencies.{c}"
                                                      for c in COMPETENCIES],
        "not_asked": []}
    assert "# skipped" not in path.read_text()


def test_a_bare_not_asked_line_of_an_old_file_is_no_traceback(tmp_path):
    path = tmp_path / "legacy.yaml"
    path.write_text("# brm interview for pack merlyn-brm 1.0.0\n# not asked\n# skipped:\n"
                    "organization: Globex\n")
    result = resume_interview(path, AD_HOC, all_asked=False)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert asked(result.output) == list(range(2, 17))


def test_a_malformed_interview_record_is_a_clear_error(tmp_path):
    path = tmp_path / "answers.yaml"
    text = ("organization: Acme\ninterview:\n  pack: merlyn-brm\n  skipped: target_level\n"
            "  not_askd: []\n")
    path.write_text(text)
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path)], input="\n")
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = result.stderr
    assert f"{path}:5: $.interview.not_askd: is not a field of the interview's record" in errors
    assert "(did you mean 'not_asked'?)" in errors
    assert "$.interview.version: is missing or not a name" in errors
    assert f"{path}:4: $.interview.skipped: is not a list of fact paths" in errors
    assert path.read_text() == text


# --- completing a facts file that no interview wrote ------------------------------------------

PARTIAL = """\
# Acme, before the workshop: measures and ratings still to collect.
organization: Acme Corp
business_unit: Retail
facts_version: 1
assessed_on: "2026-11-02"
assessor: J. Consultant
notes: Ask about the new portfolio board.
brm:
  formal_role: true
  head_count: 4
engagement:
  mode: order_taking
  prioritization: first_come
  lifecycle: [planning, delivery]
target_level: advisor
evidence:
  engagement.mode: Interviews with three business unit heads, October 2026.
"""


def test_resuming_a_facts_file_asks_before_writing_into_it(tmp_path):
    path = tmp_path / "acme.yaml"
    original = (EXAMPLES / "acme.yaml").read_bytes()
    path.write_bytes(original)
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path)], input="n\n")
    assert result.exit_code == 2, result.output
    assert f"{path} was not written by brm interview" in result.stderr
    assert f"brm interview --resume {path} -o NEW" in result.stderr
    assert path.read_bytes() == original


def test_resuming_a_facts_file_keeps_every_field(tmp_path):
    for confirm in (["y"], ["--force"]):
        path = tmp_path / f"acme{len(confirm[0])}.yaml"
        path.write_text(PARTIAL)
        typed = confirm if confirm == ["y"] else []
        args = confirm if confirm == ["--force"] else []
        result = resume_interview(path, {"measures": "1"}, *args, before=typed,
                                  all_asked=False)
        assert result.exit_code == 0, result.output
        assert asked(result.output) == list(range(8, 17))  # 7 answered in the file
        assert saved_facts(path) == {**yaml.safe_load(PARTIAL), "measures": ["satisfaction"]}
        assert saved_record(path)["pack"] == "merlyn-brm"
        assert "Acme Corp: Order Taker (level 2 of 4)" in result.output


def test_resume_into_another_file_leaves_the_original_as_it_is(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(PARTIAL)
    out = tmp_path / "answers.yaml"
    lines = ["1"] + [""] * 8  # measures, then the competencies skipped
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path), "-o", str(out)],
                                input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "not written by brm interview" not in result.output
    assert path.read_text() == PARTIAL
    assert saved_facts(out) == {**yaml.safe_load(PARTIAL), "measures": ["satisfaction"]}
    assert f"The full diagnosis:    brm assess {out}" in result.output


def test_a_json_facts_file_stays_json(tmp_path):
    path = tmp_path / "initech.json"
    original = json.loads((EXAMPLES / "initech-advisor.json").read_text())
    path.write_text(json.dumps(original))
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path), "--force"],
                                input="\n" * 20)
    assert result.exit_code == 0, result.output
    saved = json.loads(path.read_text())
    assert saved.pop("interview")["pack"] == "merlyn-brm"
    assert saved == original


def test_a_new_interview_saved_as_json_is_json(tmp_path):
    result, path = run_interview(tmp_path, AD_HOC, name="answers.json")
    assert result.exit_code == 0, result.output
    saved = json.loads(path.read_text())
    assert saved["organization"] == "Globex"
    assert saved["interview"]["skipped"] == ["assessed_on"] + [
        f"competencies.{c}" for c in COMPETENCIES] + ["target_level"]


# --- another pack's interview -----------------------------------------------------------------

def test_an_interview_for_another_pack_is_not_resumed_with_this_one(tmp_path):
    answers = {"organization": "Claims", "business_view.engagement": "2"}
    first, path = run_interview(tmp_path, answers, "--pack", "brmi-relationship",
                                stop_before="business_view.conversations")
    assert first.exit_code == 130
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path)], input="\n" * 20)
    assert result.exit_code == 2, result.output
    assert (f"error: {path} holds an interview for the pack brmi-relationship 2.0.0, not for "
            "merlyn-brm; it was left as it was; continue it with --pack brmi-relationship"
            ) in result.stderr
    assert path.read_bytes() == before
    assert PROMPT not in result.output


def test_the_saved_files_header_names_the_pack_to_continue_with(tmp_path):
    answers = {"organization": "Claims", "business_view.engagement": "2"}
    _, path = run_interview(tmp_path, answers, "--pack", "brmi-relationship",
                            stop_before="business_view.conversations")
    header = path.read_text().splitlines()[2]
    assert header == f"# continue with: brm interview --resume {path} --pack brmi-relationship"
    _, path = run_interview(tmp_path, {"organization": "Acme"}, name="other.yaml",
                            stop_before="brm.formal_role")
    assert f"# continue with: brm interview --resume {path}\n" in path.read_text()


def test_an_interview_started_again_over_its_file_says_how_to_continue_it(tmp_path):
    _, path = run_interview(tmp_path, {"organization": "Claims"}, "--pack",
                            "brmi-relationship", stop_before="assessed_on")
    before = path.read_bytes()
    for pack in ((), ("--pack", "brmi-relationship")):
        again = CliRunner().invoke(cli, ["interview", "-o", str(path), *pack], input="n\n")
        assert again.exit_code == 2, again.output
        assert (f"error: {path} left as it was; to continue the interview saved in it: brm "
                f"interview --resume {path} --pack brmi-relationship; or choose another file "
                "with -o, or --force") in said(again.stderr)
    other = tmp_path / "notes.yaml"
    other.write_text("organization: Acme\n")
    again = CliRunner().invoke(cli, ["interview", "-o", str(other)], input="n\n")
    assert (f"error: {other} left as it was; choose another file with -o, or --force"
            in said(again.stderr))
    assert path.read_bytes() == before


def test_an_old_interview_for_another_pack_is_not_resumed_either(tmp_path):
    path = tmp_path / "old.yaml"
    text = "# brm interview for pack brmi-relationship 1.0.0\n# skipped: target_level\n" \
           "organization: Claims\nbusiness_view:\n  engagement: transactional\n"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path)], input="\n" * 20)
    assert result.exit_code == 2, result.output
    assert "holds an interview for the pack brmi-relationship" in result.stderr
    assert path.read_text() == text


# --- read-only files, modes -------------------------------------------------------------------

def test_a_read_only_output_is_refused_before_any_question(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("my notes\n")
    path.chmod(0o444)
    result, _ = run_interview(tmp_path, AD_HOC, before=["y"])
    assert result.exit_code == 2, result.output
    assert (f"error: {path} is read-only (it was left as it was); the answers could not be "
            "saved there: make it writable, or save the answers in another file with -o FILE"
            ) in result.stderr
    assert PROMPT not in result.output and "Overwrite" not in result.output
    assert path.read_text() == "my notes\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_read_only_interview_is_refused_before_any_question(tmp_path):
    first, path = run_interview(tmp_path, ORDER_TAKER, stop_before="measures",
                                all_asked=False)
    assert first.exit_code == 130
    before = path.read_bytes()
    path.chmod(0o400)
    result = resume_interview(path, ORDER_TAKER, all_asked=False)
    assert result.exit_code == 2, result.output
    assert "is read-only" in result.stderr and PROMPT not in result.output
    assert path.read_bytes() == before
    # its answers can still be completed into another file
    out = tmp_path / "completed.yaml"
    lines = ["1,2"] + [""] * 9  # measures, then the competencies and the target skipped
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path), "-o", str(out)],
                                input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert saved_facts(out)["engagement"]["lifecycle"] == ["planning", "delivery"]
    assert path.read_bytes() == before


def test_saving_keeps_the_files_mode(tmp_path):
    first, path = run_interview(tmp_path, ORDER_TAKER, stop_before="measures",
                                all_asked=False)
    assert first.exit_code == 130
    path.chmod(0o640)
    result = resume_interview(path, ORDER_TAKER, all_asked=False)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
