"""Batches: every input format, invalid records in each, identical output whatever the number
of workers; history: round trip, migrations, concurrent saves, a kill -9 mid-batch; compare."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from brm_advisor.engine.portfolio.history import SCHEMA_VERSION, History

from conftest import EXAMPLES, ROOT, run
from installed import BRM


def example_facts() -> list[dict]:
    return [yaml.safe_load((EXAMPLES / name).read_text()) for name in
            ("acme.yaml", "globex-ad-hoc.yaml", "umbrella-partner.yaml")] + [
        json.loads((EXAMPLES / "initech-advisor.json").read_text())]


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- inputs -----------------------------------------------------------------------------------

def test_a_folder_of_files(tmp_path):
    folder = tmp_path / "orgs"
    folder.mkdir()
    for name in ("acme.yaml", "globex-ad-hoc.yaml", "initech-advisor.json"):
        shutil.copy(EXAMPLES / name, folder / name)
    (folder / "zz-broken.yaml").write_text("organization: X\nbrm: {formal_role: maybe}\n")
    result = run("batch", str(folder))
    assert result.exit_code == 1
    out = lines(result.stdout)
    assert [r["source"].rsplit("/", 1)[1] for r in out] == [
        "acme.yaml", "globex-ad-hoc.yaml", "initech-advisor.json", "zz-broken.yaml"]
    assert [r.get("level", {}).get("id") for r in out] == ["order_taker", "ad_hoc", "advisor",
                                                           None]
    broken = str(folder / "zz-broken.yaml")
    same = f"{broken}:2: $.brm.formal_role: expected true or false, got 'maybe'"
    assert same in result.stderr
    assert "4 records: 3 assessed, 1 invalid" in result.stderr
    assert same in run("validate", broken).output  # the same text as brm validate


def test_jsonl_with_invalid_lines(tmp_path):
    records = example_facts()
    text = "\n".join(json.dumps(r) for r in records[:2]) + "\n{broken\n\n" + json.dumps(
        {**records[2], "measures": "satisfaction"}) + "\n"
    path = tmp_path / "orgs.jsonl"
    path.write_text(text)
    result = run("batch", str(path))
    assert result.exit_code == 1
    out = lines(result.stdout)
    assert [r["source"] for r in out] == [f"{path}:1", f"{path}:2", f"{path}:3", f"{path}:5"]
    assert out[2]["error"][0]["code"] == "syntax"
    assert f"{path}:5: $.measures: expected a list" in result.stderr


def test_stdin_is_jsonl():
    text = "\n".join(json.dumps(r) for r in example_facts()) + "\n"
    result = run("batch", "-", input=text)
    assert result.exit_code == 0, result.output
    assert [r["organization"] for r in lines(result.stdout)] == [
        "Acme Corp", "Globex Retail", "Umbrella Pharma", "Initech Insurance"]


def test_csv_in_and_out(tmp_path):
    rows = ("organization,brm.formal_role,engagement.mode,engagement.prioritization,"
            "engagement.lifecycle,measures,competencies.communication,target_level\n"
            "Acme,true,order_taking,first_come,planning;delivery,satisfaction;service_levels,,\n"
            "Partner,yes,partnership,joint,strategy;planning;investment;delivery;operations;"
            "value_realization,satisfaction;business_value;agility;innovation;collaboration,"
            "4,strategic_partner\n"
            "Bad,sometimes,order_taking,first_come,,,9,\n")
    source = tmp_path / "orgs.csv"
    source.write_text(rows)
    out = tmp_path / "out.csv"
    result = run("batch", str(source), "-o", str(out))
    assert result.exit_code == 1
    written = out.read_text().splitlines()
    assert written[0] == ("source,organization,level,level_rank,next_level,target,gaps,"
                          "recommendations,findings,error")
    assert written[1].startswith(f"{source}:2,Acme,order_taker,2,advisor,,")
    assert written[2].startswith(f"{source}:3,Partner,strategic_partner,4,,strategic_partner")
    assert f"{source}:4: $.brm.formal_role: expected true or false, got 'sometimes'" in \
        result.stderr
    assert "$.competencies.communication: 9 is out of range" in result.stderr


def test_csv_with_an_unknown_column(tmp_path):
    source = tmp_path / "orgs.csv"
    source.write_text("organisation,brm.formal_role\nAcme,true\n")
    result = run("batch", str(source))
    assert result.exit_code == 1
    assert "unknown column 'organisation'" in result.stderr
    assert "(did you mean 'organization'?)" in result.stderr


def test_workers_give_the_same_bytes(tmp_path):
    records = example_facts() * 60
    path = tmp_path / "orgs.jsonl"
    path.write_text("".join(json.dumps({**r, "organization": f"{r['organization']} {i}"})
                            + "\n" for i, r in enumerate(records)) + "oops\n")
    outputs = {}
    for workers in ("1", "2"):
        for suffix in ("jsonl", "csv"):
            out = tmp_path / f"out{workers}.{suffix}"
            result = subprocess.run([BRM, "batch", str(path), "-o", str(out), "--workers",
                                     workers], capture_output=True, text=True, check=False)
            assert result.returncode == 1, result.stderr
            outputs[(workers, suffix)] = out.read_bytes()
    assert outputs[("1", "jsonl")] == outputs[("2", "jsonl")]
    assert outputs[("1", "csv")] == outputs[("2", "csv")]
    assert len(outputs[("1", "jsonl")].splitlines()) == 241


def test_output_is_never_overwritten_without_asking(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("mine\n")
    result = run("batch", str(EXAMPLES), "-o", str(out), input="n\n")
    assert result.exit_code == 2 and out.read_text() == "mine\n"


# --- history ----------------------------------------------------------------------------------

def test_history_round_trip(tmp_path):
    db = tmp_path / "h.sqlite"
    acme = str(EXAMPLES / "acme.yaml")
    assert run("assess", acme, "--save", "--db", str(db)).exit_code == 0
    better = tmp_path / "acme-later.yaml"
    better.write_text((EXAMPLES / "acme.yaml").read_text()
                      .replace("mode: order_taking", "mode: advisory")
                      .replace("prioritization: first_come", "prioritization: joint")
                      .replace("measures: [satisfaction, service_levels]",
                               "measures: [satisfaction, business_value]"))
    assert run("assess", str(better), "--save", "--db", str(db)).exit_code == 0
    listed = json.loads(run("history", "list", "--db", str(db), "--format", "json").output)
    assert [item["level"]["id"] for item in listed] == ["order_taker", "advisor"]
    shown = json.loads(run("history", "show", "Acme Corp", "--db", str(db), "--format",
                           "json").output)
    assert shown["trend"] == "up" and len(shown["assessments"]) == 2
    with History(db) as history:
        first = history.get(1)
        assert first.facts == yaml.safe_load((EXAMPLES / "acme.yaml").read_text())
        assert first.pack_id == "merlyn-brm" and len(first.pack_hash) == 64
        assert first.result["gaps"] == ["advisor.sought_out", "advisor.business_priorities",
                                        "advisor.value_measures"]
    assert schema_version(db) == SCHEMA_VERSION
    missing = run("history", "show", "Acme", "--db", str(db))
    assert missing.exit_code == 1 and "did you mean 'Acme Corp'?" in missing.output


def test_batch_save(tmp_path):
    db = tmp_path / "h.sqlite"
    result = run("batch", str(EXAMPLES), "--save", "--db", str(db))
    assert result.exit_code == 0, result.output
    singles = [p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json")]
    units = [p for p in (EXAMPLES / "first-national-bank").glob("*.yaml")
             if p.name != "engagement.yaml"]  # it lists the units: it is not a record
    with History(db) as history:
        # the single examples (northwind-team's among them), and the engagement's units
        assert len(history.assessments()) == len(singles) + len(units) == 10
        assert history.check() == "ok"


def test_migration_from_schema_1(tmp_path):
    db = tmp_path / "old.sqlite"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (1)")
    for statement in ("""CREATE TABLE assessments (id INTEGER PRIMARY KEY AUTOINCREMENT,
        organization TEXT NOT NULL, saved_at TEXT NOT NULL, source TEXT NOT NULL,
        pack_id TEXT NOT NULL, pack_version TEXT NOT NULL, pack_hash TEXT NOT NULL,
        level_id TEXT NOT NULL, level_rank INTEGER NOT NULL, facts TEXT NOT NULL,
        result TEXT NOT NULL)""",):
        connection.execute(statement)
    connection.execute("INSERT INTO assessments VALUES (1, 'Old', '2025-01-01', 'x', 'p', '1',"
                       " 'h', 'ad_hoc', 1, '{}', '{\"level\": {\"name\": \"Ad hoc\"}}')")
    connection.commit()
    connection.close()
    with History(db) as history:
        assert history.assessments()[0].organization == "Old"
        assert history.save(yaml.safe_load((EXAMPLES / "acme.yaml").read_text()),
                            _diagnosis(), "acme.yaml", batch="b1") == 2
    assert schema_version(db) == SCHEMA_VERSION


def schema_version(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT version FROM schema_version").fetchone()[0])


def _diagnosis():
    from brm_advisor.engine import Advisor, resolve_pack

    with Advisor(resolve_pack()) as advisor:
        return advisor.assess(advisor.read(EXAMPLES / "acme.yaml"))


def test_a_newer_database_is_refused(tmp_path):
    db = tmp_path / "new.sqlite"
    with History(db):
        pass
    connection = sqlite3.connect(db)
    connection.execute("UPDATE schema_version SET version = 99")
    connection.commit()
    connection.close()
    result = run("history", "list", "--db", str(db))
    assert result.exit_code == 1 and "written by a newer brm-advisor" in result.output


@pytest.mark.parametrize("attempt", range(4))  # both opening a new file at once is the race
def test_two_processes_saving_at_once_lose_nothing(tmp_path, attempt):
    db = tmp_path / "h.sqlite"
    records = example_facts() * 50
    path = tmp_path / "orgs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    procs = [subprocess.Popen([BRM, "batch", str(path), "--save", "--db", str(db), "-o",
                               str(tmp_path / f"o{i}.jsonl")], stderr=subprocess.PIPE,
                              text=True)
             for i in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    with History(db) as history:
        assert len(history.assessments()) == 2 * len(records)
        assert history.check() == "ok"


def test_kill_9_during_a_saving_batch_leaves_the_database_consistent(tmp_path):
    db = tmp_path / "h.sqlite"
    records = example_facts() * 1500
    path = tmp_path / "orgs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    proc = subprocess.Popen([BRM, "batch", str(path), "--save", "--db", str(db), "-o",
                             str(tmp_path / "o.jsonl")], stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until some transactions have committed
        time.sleep(0.2)
        if db.exists():
            with sqlite3.connect(db, timeout=30) as peek:
                try:
                    if peek.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] >= 500:
                        break
                except sqlite3.OperationalError:
                    continue
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with History(db) as history:
        assert history.check() == "ok"
        saved = history.assessments()
        assert 500 <= len(saved) < len(records)
        assert len(saved) % 500 == 0, "only whole transactions are kept"
        assert all(s.result["level"]["id"] == s.level_id for s in saved)


# --- compare ----------------------------------------------------------------------------------

def test_compare_files_and_saved_assessments(tmp_path):
    db = tmp_path / "h.sqlite"
    run("assess", str(EXAMPLES / "acme.yaml"), "--save", "--db", str(db))
    data = json.loads(run("compare", "#1", str(EXAMPLES / "initech-advisor.json"), "--db",
                          str(db), "--format", "json").output)
    assert data["overall"]["level_before"]["id"] == "order_taker"
    assert data["overall"]["level_after"]["id"] == "advisor"
    assert {"path": "engagement.mode", "a": "order_taking", "b": "advisory"} in \
        data["facts_changed"]
    assert data["pack_changed"] is False and data["because_of_rules"] is None
    text = run("compare", "#1", str(EXAMPLES / "initech-advisor.json"), "--db", str(db)).output
    assert "#1 -> " in text and "engagement.mode: order_taking -> advisory" in text


def test_compare_across_pack_versions_separates_rules_from_facts(tmp_path):
    db = tmp_path / "h.sqlite"
    acme = str(EXAMPLES / "acme.yaml")
    run("assess", acme, "--save", "--db", str(db))  # with the shipped pack, 1.0.0
    newer = tmp_path / "pack"
    shutil.copytree(ROOT / "rules" / "merlyn_brm", newer)
    text = (newer / "pack.yaml").read_text().replace("version: 1.0.0", "version: 1.1.0")
    text = text.replace("when: {fact: measures, includes_any: [satisfaction, service_levels]}",
                        "when: {fact: measures, includes_all: [satisfaction, service_levels,"
                        " business_value]}")
    (newer / "pack.yaml").write_text(text)
    later = tmp_path / "acme-later.yaml"
    later.write_text((EXAMPLES / "acme.yaml").read_text().replace(
        "prioritization: first_come", "prioritization: joint"))
    result = run("compare", "#1", str(later), "--db", str(db), "--pack", str(newer),
                 "--format", "json")
    data = json.loads(result.output)
    assert data["pack_changed"] is True
    rules = data["because_of_rules"]
    assert rules["level_before"]["id"] == "order_taker" and rules["level_after"]["id"] == "ad_hoc"
    assert {"id": "order_taker.supply_measures", "before": True, "after": False} in \
        rules["criteria_flipped"]
    facts = data["because_of_facts"]
    assert {"id": "advisor.business_priorities", "before": False, "after": True} in \
        facts["criteria_flipped"]
    assert data["facts_changed"] == [{"path": "engagement.prioritization", "a": "first_come",
                                      "b": "joint"}]


def test_counting_records_for_the_progress_bar(tmp_path):
    from brm_advisor.engine.inputs.records import count_records

    (tmp_path / "a.jsonl").write_text('{"a": 1}\n\n{"b": 2}\n')
    (tmp_path / "b.csv").write_text("organization\nX\nY\nZ\n")
    folder = tmp_path / "files"
    folder.mkdir()
    for name in ("x.yaml", "y.json", "notes.txt"):
        (folder / name).write_text("{}")
    assert count_records([str(tmp_path / "a.jsonl"), str(tmp_path / "b.csv"), str(folder)]) == 7
    assert count_records(["-"]) is None
