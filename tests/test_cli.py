"""The `brm` command through click's CliRunner, and the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from brm_advisor.cli.main import cli
from brm_advisor.engine.packs.resources import schema

from conftest import ACME, ROOT, run
from installed import BRM

DIAGNOSIS = Draft202012Validator(schema("diagnosis"))



def test_every_command_has_help():
    for command in [[], ["assess"], ["validate"], ["schema"], ["levels"], ["explain"],
                    ["whatif"]]:
        result = run(*command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.output
    for name, command in cli.commands.items():
        assert command.help, f"brm {name} has no help text"


def test_assess_text():
    result = run("assess", ACME)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Acme Corp: Order Taker (level 2 of 4)")
    assert "Why not Advisor: 3 of 4 criteria unmet" in result.output
    assert "1. [Advisor, high impact] rec.advisor.seek_advice" in result.output


@pytest.mark.parametrize("example", sorted(p for p in (ROOT / "examples").iterdir() if p.is_file()))
def test_assess_json_matches_the_diagnosis_schema(example):
    result = run("assess", str(example), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert not list(DIAGNOSIS.iter_errors(data))
    assert data["pack"]["id"] == "merlyn-brm" and data["pack"]["version"] == "1.0.0"
    assert 1 <= data["level"]["rank"] <= 4


def test_target_option_overrides_the_file():
    data = json.loads(run("assess", ACME, "--format", "json", "--target",
                          "strategic_partner").output)
    assert data["target"] == {"id": "strategic_partner", "rank": 4, "name": "Strategic Partner"}
    assert {r["level"] for r in data["recommendations"]} == {"advisor", "strategic_partner"}


def test_stdin_yaml_and_json():
    text = Path(ACME).read_text()
    assert run("assess", "-", input=text).output.startswith("Acme Corp: Order Taker")
    as_json = json.dumps({"organization": "Piped", "brm": {"formal_role": False},
                          "engagement": {"mode": "reactive", "prioritization": "first_come",
                                         "lifecycle": []}, "measures": []})
    assert run("assess", "-", input=as_json).output.startswith("Piped: Ad hoc")


def test_same_input_same_bytes():
    first = run("assess", ACME, "--format", "json").output
    assert first == run("assess", ACME, "--format", "json").output


def test_validate():
    result = run("validate", ACME)
    assert result.exit_code == 0
    assert "valid facts for merlyn-brm 1.0.0" in result.output


def test_schema_prints_the_facts_schema():
    data = json.loads(run("schema").output)
    assert data["$id"] == "urn:brm-advisor:schema:facts:1"


def test_levels_text_and_json():
    text = run("levels").output
    assert "2. Order Taker (order_taker)" in text and "order_taker.formal_role" in text
    data = json.loads(run("levels", "--format", "json").output)
    assert [level["id"] for level in data["levels"]] == [
        "ad_hoc", "order_taker", "advisor", "strategic_partner"]
    assert sum(len(level["criteria"]) for level in data["levels"]) == 13


def test_invalid_facts_exit_1_with_every_error_on_stderr(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization: X\nbrm: {formal_role: true}\nengagement:\n"
                   "  mode: advsory\n  prioritization: joint\n  lifecycle: []\nmeasure: []\n")
    result = run("assess", str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"error: {bad} is not valid (3 problems):" in result.stderr
    assert f"{bad}:4: $.engagement.mode: 'advsory' is not allowed; allowed: reactive, " \
           "order_taking, advisory, partnership (did you mean 'advisory'?)" in result.stderr
    assert "$.measure: unknown field 'measure'" in result.stderr
    assert "$.measures: missing required field 'measures'" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "words"), [
    (["assess", "nope.yaml"], "does not exist"),
    (["assess", ACME, "--format", "xml"], "'xml' is not one of"),
    (["assess", ACME, "--target", "advsor"], "did you mean 'advisor'?"),
    (["assess", ACME, "--pack", "no-such-pack"],
     "known packs: brmi-relationship, demand-supply, merlyn-brm"),
    (["assess"], "Missing argument"),
    (["nosuch"], "No such command"),
])
def test_usage_errors_exit_2(args, words):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content", [b"", b"\x00\xff junk", b"a: [1, 2\n",
                                     b"!!python/object/apply:os.system ['true']\n",
                                     b"- just\n- a list\n"])
def test_bad_documents_exit_1_without_traceback(tmp_path, content):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    result = run("assess", str(path))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path} is not valid")
    assert "Traceback" not in result.output


def test_a_pack_given_by_path(tmp_path):
    pack = ROOT / "rules" / "merlyn_brm"
    result = run("assess", ACME, "--pack", str(pack))
    assert result.exit_code == 0 and "Order Taker" in result.output


def test_a_broken_pack_exits_1_with_its_problems(tmp_path):
    text = (ROOT / "rules" / "merlyn_brm" / "pack.yaml").read_text()
    (tmp_path / "pack.yaml").write_text(text.replace("when: {derived: supply_measures}",
                                                     "when: {derived: supply_measure}"))
    result = run("assess", ACME, "--pack", str(tmp_path))
    assert result.exit_code == 1
    assert "unknown derived 'supply_measure'" in result.output
    assert "did you mean 'supply_measures'?" in result.output


# --- the installed console script -------------------------------------------------------------




@pytest.mark.installed
def test_installed_brm_assesses_an_example():
    result = subprocess.run([BRM, "assess", ACME], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Acme Corp: Order Taker (level 2 of 4)")


@pytest.mark.installed
def test_installed_brm_is_byte_identical_across_processes():
    outputs = {subprocess.run([BRM, "assess", ACME, "--format", "json"], capture_output=True,
                              check=True).stdout for _ in range(3)}
    assert len(outputs) == 1


@pytest.mark.installed
def test_installed_brm_reports_errors_with_status(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"organization": ""}')
    result = subprocess.run([BRM, "assess", str(bad)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 1
    assert "$.organization: must not be empty" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.installed
def test_installed_brm_piped_into_a_closed_reader():
    # `brm assess x | head -1`: a reader that leaves early is not an error of ours
    shell = f"'{BRM}' assess --target strategic_partner '{ACME}' | head -1"
    result = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, check=False)
    assert result.stdout.startswith("Acme Corp")
    assert "Traceback" not in result.stderr


@pytest.mark.installed
def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "brm_advisor.cli", "levels"],
                            capture_output=True, text=True, check=False,
                            env={**os.environ})
    assert result.returncode == 0 and "Strategic Partner" in result.stdout


def test_an_engine_failure_exits_3_without_traceback(monkeypatch):
    from brm_advisor.engine import EngineError
    from brm_advisor.engine.inference.advisor import Advisor

    def broken(self, facts, target=None):
        raise EngineError("the engine left the assessment undecided", ("r1",))

    monkeypatch.setattr(Advisor, "assess", broken)
    result = run("assess", ACME)
    assert result.exit_code == 3
    assert "error: the inference engine failed: the engine left the assessment undecided" \
        in result.output
    assert "Traceback" not in result.output


# --- explain and what-if ----------------------------------------------------------------------

def test_explain_text_and_json():
    text = run("explain", ACME)
    assert text.exit_code == 0, text.output
    assert "Why Order Taker" in text.output and "Why not Advisor: 3 unmet criteria" in text.output
    assert "would be met by: engagement.mode: order_taking -> advisory" in text.output
    data = json.loads(run("explain", ACME, "--format", "json").output)
    assert data["why"]["rule"] == "level:order_taker/attained"
    assert [u["id"] for u in data["why_not"]["unmet"]] == [
        "advisor.sought_out", "advisor.business_priorities", "advisor.value_measures"]
    assert data["pack"]["id"] == "merlyn-brm"


def test_explain_level_option_and_bad_level():
    data = json.loads(run("explain", ACME, "--level", "strategic_partner", "--format",
                          "json").output)
    assert data["why_not"]["level"]["id"] == "strategic_partner"
    result = run("explain", ACME, "--level", "strategic")
    assert result.exit_code == 2 and "did you mean 'strategic_partner'?" in result.output


def test_assess_explain_appends_the_explanation():
    result = run("assess", ACME, "--explain")
    assert result.output.index("Recommendations (in order)") < result.output.index(
        "Why not Advisor: 3 unmet criteria")
    data = json.loads(run("assess", ACME, "--explain", "--format", "json").output)
    assert not list(DIAGNOSIS.iter_errors(data))
    assert data["explanation"]["why"]["kind"] == "level"


def test_whatif_target_text_and_json():
    text = run("whatif", ACME, "--target", "advisor").output
    assert "Fewest changes: 3 fields" in text and "Option 1: reaches Advisor" in text
    data = json.loads(run("whatif", ACME, "--target", "advisor", "--format", "json").output)
    assert data["reachable"] and data["fewest_changes"] == 3
    assert data["candidates_evaluated"] > 0
    assert data["solutions"][0]["changes"][0]["recommendations"] == ["rec.advisor.seek_advice"]


def test_whatif_set_compares_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_bytes(Path(ACME).read_bytes())
    before = path.read_bytes(), path.stat().st_mtime_ns
    result = run("whatif", str(path), "--set", "measures+=business_value", "--set",
                 "engagement.mode=advisory", "--set", "engagement.prioritization=joint")
    assert result.exit_code == 0, result.output
    assert "Order Taker           Advisor" in result.output
    assert "advisor.sought_out" in result.output
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize(("edit", "words"), [
    ("engagement.mode=advsory", "allowed: reactive, order_taking, advisory, partnership"),
    ("engagment.mode=advisory", "did you mean 'engagement.mode'?"),
    ("competencies.communication=7", "allowed: whole numbers from 0 to 4"),
])
def test_whatif_bad_edits_are_usage_errors(edit, words):
    result = run("whatif", ACME, "--set", edit)
    assert result.exit_code == 2
    assert f"error: --set {edit}:" in result.output and words in result.output


def test_whatif_needs_a_target_or_edits():
    assert run("whatif", ACME).exit_code == 2


@pytest.mark.parametrize(("args", "status"), [
    (["report", ACME, "-o", "/nonexistent-dir/r.html"], 1),
    (["batch", ACME, "-o", "/nonexistent-dir/out.jsonl"], 1),
    (["interview", "-o", "/nonexistent-dir/answers.yaml"], 2),
])
def test_unwritable_outputs_are_errors_not_tracebacks(args, status):
    result = run(*args, input="Acme\n")
    assert result.exit_code == status, result.output
    assert "error: /nonexistent-dir" in result.output
    assert "No such file or directory" in result.output
    assert "Traceback" not in result.output


@pytest.mark.installed
def test_a_reader_that_leaves_early_ends_brm_quietly(tmp_path):
    """`brm batch many.jsonl | head -1`: no "Broken pipe" error, exit 0, as git does."""
    record = {"organization": "O", "brm": {"formal_role": True}, "measures": [],
              "engagement": {"mode": "advisory", "prioritization": "joint", "lifecycle": []}}
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({**record, "organization": f"O{i}"}) + "\n"
                            for i in range(3000)))
    process = subprocess.Popen([BRM, "batch", str(many)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b'{"source"')
    process.stdout.close()  # the reader leaves, as `head -1` does
    errors = process.stderr.read()
    assert process.wait(timeout=120) == 0
    assert b"Broken pipe" not in errors and b"Traceback" not in errors


def test_a_symbolic_link_loop_or_a_dangling_link_is_named_as_such(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    loop = run("assess", str(tmp_path / "a.yaml"))
    assert loop.exit_code == 2 and "symbolic link loop" in loop.output
    dangling = run("validate", str(tmp_path / "gone.yaml"))
    assert dangling.exit_code == 2 and "which does not exist" in dangling.output
    missing = run("explain", str(tmp_path / "none.yaml"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
