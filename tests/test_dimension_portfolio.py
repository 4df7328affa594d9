"""The portfolio tools and the interview with a pack that rates several dimensions (issue 11,
"every tool speaks dimensions"): batch (JSONL, CSV, summary), the history (stored, shown, with a
trend per dimension; a database of the one-ladder era migrated), compare (each dimension before
and after), the interview (questions grouped by dimension, the closing screen). One-ladder packs'
outputs stay as they were. The shipped demand-supply pack and its example and cases serve."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml

from brm_advisor.engine import resolve_pack
from brm_advisor.engine.portfolio.batch import CSV_COLUMNS

from conftest import ACME, ROOT, run

PACK = ROOT / "rules" / "demand_supply"
EXAMPLE = PACK / "example.yaml"
CASES = yaml.safe_load((PACK / "tests" / "levels.yaml").read_text(encoding="utf-8"))["cases"]


def case_facts() -> list[dict[str, Any]]:
    """The pack's cases' facts, each organization named after its case (names are unique)."""
    return [{**case["facts"], "organization": case["name"]} for case in CASES]


def expected_dimensions() -> list[dict[str, str]]:
    return [case["expect"]["dimensions"] for case in CASES]


def jsonl(tmp_path: Path, facts: list[dict[str, Any]], name: str = "orgs.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(f) + "\n" for f in facts), encoding="utf-8")
    return path


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- 1. batch ---------------------------------------------------------------------------------

def test_batch_jsonl_carries_each_dimensions_level(tmp_path):
    result = run("batch", "--pack", "demand-supply", str(jsonl(tmp_path, case_facts())))
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert [{d["id"]: d["level"]["id"] for d in line["dimensions"]} for line in out] == \
        expected_dimensions()
    first = out[0]["dimensions"][0]
    assert first["name"] == "Business demand"
    assert set(first) == {"id", "name", "level", "next_level", "target"}
    assert [line["level"]["id"] for line in out] == [c["expect"]["level"] for c in CASES]


def test_batch_csv_has_a_column_per_dimension_after_the_overall_level(tmp_path):
    source = jsonl(tmp_path, [*case_facts(), {"organization": "Broken", "demand": 3}])
    output = tmp_path / "out.csv"
    result = run("batch", "--pack", "demand-supply", str(source), "-o", str(output))
    assert result.exit_code == 1  # the broken record
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert rows[0] == ["source", "organization", "level", "level_rank", "level_demand",
                       "level_supply", "next_level", "target", "gaps", "recommendations",
                       "findings", "error"]
    assert all(len(row) == len(rows[0]) for row in rows)
    assert [{"demand": r[4], "supply": r[5]} for r in rows[1:-1]] == expected_dimensions()
    broken = rows[-1]
    assert broken[0].endswith(f":{len(CASES) + 1}") and broken[1] == ""
    assert broken[4:6] == ["", ""] and broken[-1]


def test_batch_summary_counts_each_dimensions_levels(tmp_path):
    result = run("batch", "--pack", "demand-supply", str(jsonl(tmp_path, case_facts())))
    wanted = expected_dimensions()
    count = {side: {level: sum(1 for d in wanted if d[side] == f"{side}.{level}")
                    for level in ("reactive", "managed", "strategic")}
             for side in ("demand", "supply")}
    assert (f"  Business demand: Reactive {count['demand']['reactive']}, Managed "
            f"{count['demand']['managed']}, Strategic {count['demand']['strategic']}"
            ) in result.stderr
    assert (f"  IT supply: Reactive {count['supply']['reactive']}, Managed "
            f"{count['supply']['managed']}, Strategic {count['supply']['strategic']}"
            ) in result.stderr


def test_batch_summary_dict_per_dimension(tmp_path):
    from brm_advisor.engine.inputs.records import Record
    from brm_advisor.engine.portfolio.batch import BatchOutput, assess_all

    pack = resolve_pack("demand-supply")
    records = [Record(f"r:{i}", facts) for i, facts in enumerate(case_facts())]
    with BatchOutput(io.StringIO(), dimensions=[d.id for d in pack.dimensions]) as out:
        for outcome in assess_all(pack, records):
            out.write(outcome)
    summary = out.summary.to_dict(pack)
    assert list(summary) == ["records", "valid", "invalid", "levels", "dimensions",
                             "most_common_gaps"]
    assert summary["dimensions"]["supply"] == {
        f"supply.{level}": sum(1 for d in expected_dimensions()
                               if d["supply"] == f"supply.{level}")
        for level in ("reactive", "managed", "strategic")}


def test_batch_with_workers_writes_the_same_dimensions(tmp_path):
    source = str(jsonl(tmp_path, case_facts() * 3))
    one = run("batch", "--pack", "demand-supply", source, "-o", str(tmp_path / "one.csv"))
    two = run("batch", "--pack", "demand-supply", source, "--workers", "2",
              "-o", str(tmp_path / "two.csv"))
    assert one.exit_code == two.exit_code == 0
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_a_one_ladder_packs_batch_output_is_unchanged(tmp_path):
    output = tmp_path / "out.csv"
    result = run("batch", ACME, "-o", str(output))
    assert result.exit_code == 0
    text = output.read_text(encoding="utf-8")
    # no dimension column; the date acme's facts give follows the organization (issue 10)
    assert ",".join(CSV_COLUMNS) == (
        "source,organization,level,level_rank,next_level,target,gaps,recommendations,"
        "findings,error")
    assert text.splitlines()[0] == (
        "source,organization,assessed_on,level,level_rank,next_level,target,gaps,"
        "recommendations,findings,error")
    assert all(len(row) == len(CSV_COLUMNS) + 1 for row in csv.reader(io.StringIO(text)))
    line = lines(run("batch", ACME).stdout)[0]
    assert "dimensions" not in line
    assert list(line) == ["source", "organization", "assessed_on", "level", "next_level",
                          "target", "criteria", "gaps", "recommendations", "findings", "pack"]
    summary = run("batch", ACME).stderr
    assert "Business demand" not in summary and "level_" not in summary


# --- 2. history -------------------------------------------------------------------------------

NORTHWIND = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
LATER = {**NORTHWIND, "demand": {"planning": "annual", "executive_sponsor": False,
                                 "practices": ["business_cases", "portfolio_review",
                                               "benefits_tracking"]},
         "supply": {**NORTHWIND["supply"], "service_catalog": False}}
"""Northwind Retail later: demand up to Managed, supply down to Reactive (no catalog)."""


def saved_twice(tmp_path: Path) -> Path:
    db = tmp_path / "h.sqlite"
    for name, facts in (("before.yaml", NORTHWIND), ("after.yaml", LATER)):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(facts), encoding="utf-8")
        result = run("batch", "--pack", "demand-supply", str(path), "--save", "--db", str(db))
        assert result.exit_code == 0, result.output
    return db


def test_history_keeps_each_dimensions_level_with_its_trend(tmp_path):
    from brm_advisor.engine.portfolio.history import History

    db = saved_twice(tmp_path)
    with History(db) as history:
        timeline = history.timeline("Northwind Retail")
    assert [[(d.id, d.level_id) for d in s.dimensions] for s in timeline.assessments] == [
        [("demand", "demand.reactive"), ("supply", "supply.strategic")],
        [("demand", "demand.managed"), ("supply", "supply.reactive")]]
    assert timeline.trend == "steady"  # Initial both times
    assert [(d.id, d.trend) for d in timeline.dimensions] == [("demand", "up"),
                                                               ("supply", "down")]
    shown = run("history", "show", "Northwind Retail", "--db", str(db))
    assert shown.exit_code == 0, shown.output
    assert "  Business demand: Reactive -> Managed  (trend up)" in shown.output
    assert "  IT supply: Strategic -> Reactive  (trend down)" in shown.output
    data = json.loads(run("history", "show", "Northwind Retail", "--db", str(db),
                          "--format", "json").output)
    assert [(d["id"], d["trend"]) for d in data["dimensions"]] == [("demand", "up"),
                                                                   ("supply", "down")]
    assert data["assessments"][1]["dimensions"][1] == {
        "id": "supply", "name": "IT supply",
        "level": {"id": "supply.reactive", "rank": 1, "name": "Reactive"}}
    listed = run("history", "list", "--db", str(db)).output
    assert "Initial [Business demand: Reactive, IT supply: Strategic]" in listed


def test_a_one_ladder_packs_history_reads_as_before(tmp_path):
    db = tmp_path / "h.sqlite"
    assert run("batch", ACME, "--save", "--db", str(db)).exit_code == 0
    shown = run("history", "show", "Acme Corp", "--db", str(db))
    assert shown.output.splitlines()[0] == "Acme Corp: 1 assessments, trend single"
    assert len(shown.output.splitlines()) == 2
    data = json.loads(run("history", "show", "Acme Corp", "--db", str(db), "--format",
                          "json").output)
    assert list(data) == ["organization", "trend", "assessments"]
    assert "dimensions" not in data["assessments"][0]
    assert "[" not in run("history", "list", "--db", str(db)).output


OLD_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organization TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    source TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    pack_hash TEXT NOT NULL,
    level_id TEXT NOT NULL,
    level_rank INTEGER NOT NULL,
    facts TEXT NOT NULL,
    result TEXT NOT NULL);
CREATE INDEX assessments_org ON assessments (organization, saved_at);
ALTER TABLE assessments ADD COLUMN batch TEXT;
INSERT INTO schema_version VALUES (2);
"""
"""The history as the code before dimensions reached it (commit 6877be4) made it: schema 2."""


def old_database(path: Path, results: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """A history written as that code wrote it: its tables, and its INSERT of each
    (facts, result without the trace)."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        for number, (facts, result) in enumerate(results, start=1):
            pack, level = result["pack"], result["level"]
            db.execute(
                "INSERT INTO assessments (organization, saved_at, source, pack_id, "
                "pack_version, pack_hash, level_id, level_rank, facts, result, batch) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result["organization"], f"2026-11-2{number}T10:00:00.000000+00:00", "x",
                 pack["id"], pack["version"], pack["sha256"], level["id"], level["rank"],
                 json.dumps(facts, ensure_ascii=False, sort_keys=True),
                 json.dumps(result, ensure_ascii=False), None))
    db.close()


def test_a_database_written_before_dimensions_reached_the_history_is_read(tmp_path):
    from brm_advisor.engine import Advisor
    from brm_advisor.engine.portfolio.history import SCHEMA_VERSION, History

    assert SCHEMA_VERSION == 4  # schema 2, as this database is written, migrates to 4
    db = tmp_path / "old.sqlite"
    with Advisor(resolve_pack("demand-supply")) as advisor:
        results = []
        for facts in (NORTHWIND, LATER):
            data = advisor.assess(advisor.reader.from_data(facts, "x")).to_dict()
            data.pop("trace")
            results.append((facts, data))
    old_database(db, results)
    with History(db) as history:
        timeline = history.timeline("Northwind Retail")
        assert history.check() == "ok"
    assert [(d.id, d.trend) for d in timeline.dimensions] == [("demand", "up"),
                                                               ("supply", "down")]
    shown = run("history", "show", "Northwind Retail", "--db", str(db))
    assert "  IT supply: Strategic -> Reactive  (trend down)" in shown.output
    saved = run("batch", "--pack", "demand-supply", str(EXAMPLE), "--save", "--db", str(db))
    assert saved.exit_code == 0, saved.output
    shown = run("history", "show", "Northwind Retail", "--db", str(db))
    assert "  Business demand: Reactive -> Managed -> Reactive  (trend steady)" in shown.output


def test_damaged_dimensions_in_a_saved_result_are_named(tmp_path):
    import sqlite3

    db = saved_twice(tmp_path)
    with sqlite3.connect(db) as connection:
        result = json.loads(connection.execute(
            "SELECT result FROM assessments WHERE id = 2").fetchone()[0])
        result["dimensions"] = [{"id": "demand"}]
        connection.execute("UPDATE assessments SET result = ? WHERE id = 2",
                           (json.dumps(result),))
    shown = run("history", "show", "Northwind Retail", "--db", str(db))
    assert shown.exit_code != 0
    assert "saved assessment #2 is damaged: its result's dimensions" in shown.output + \
        shown.stderr


# --- 3. compare -------------------------------------------------------------------------------

def test_compare_shows_each_dimension_before_and_after_and_which_moved(tmp_path):
    db = saved_twice(tmp_path)
    result = run("compare", "--pack", "demand-supply", "#1", "#2", "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    overall = out.index("Overall: Initial -> Initial")
    assert out[overall + 1:overall + 3] == ["  Business demand: Reactive -> Managed (up)",
                                            "  IT supply: Strategic -> Reactive (down)"]
    data = json.loads(run("compare", "--pack", "demand-supply", "#1", str(tmp_path /
                                                                          "after.yaml"),
                          "--db", str(db), "--format", "json").output)
    dimensions = data["overall"]["dimensions"]
    assert [(d["id"], d["before"]["id"], d["after"]["id"], d["moved"]) for d in dimensions] == [
        ("demand", "demand.reactive", "demand.managed", "up"),
        ("supply", "supply.strategic", "supply.reactive", "down")]
    assert list(data["overall"])[:3] == ["level_before", "level_after", "dimensions"]


def test_compare_says_a_dimension_that_did_not_move(tmp_path):
    same = tmp_path / "same.yaml"
    same.write_text(yaml.safe_dump({**NORTHWIND, "assessor": "Someone else"}),
                    encoding="utf-8")
    result = run("compare", "--pack", "demand-supply", str(EXAMPLE), str(same))
    assert "  Business demand: Reactive -> Reactive (unchanged)" in result.output
    assert "  IT supply: Strategic -> Strategic (unchanged)" in result.output


def test_dimension_changes_of_results_rating_different_dimensions():
    from brm_advisor.engine.portfolio.compare import delta

    level = {"id": "x", "rank": 1, "name": "X"}
    base = {"level": level, "criteria": [], "recommendations": []}
    before = {**base, "dimensions": [{"id": "a", "name": "A", "level": level}]}
    after = {**base, "dimensions": [{"id": "b", "name": "B", "level": level}]}
    changes = delta(before, after)
    assert [(d.id, d.moved) for d in changes.dimensions] == [("a", "gone"), ("b", "new")]
    assert changes.moved == changes.dimensions
    assert "dimensions" not in delta(base, base).to_dict()


def test_a_one_ladder_packs_comparison_reads_as_before(tmp_path):
    other = tmp_path / "other.yaml"
    facts = yaml.safe_load(Path(ACME).read_text(encoding="utf-8"))
    facts["brm"]["formal_role"] = not facts["brm"]["formal_role"]
    other.write_text(yaml.safe_dump(facts), encoding="utf-8")
    text = run("compare", ACME, str(other)).output
    data = json.loads(run("compare", ACME, str(other), "--format", "json").output)
    assert "dimensions" not in data["overall"]
    overall = text.splitlines().index(next(line for line in text.splitlines()
                                           if line.startswith("Overall: ")))
    assert all(line.split(":")[0].strip() in {c["id"] for c in
                                              data["overall"]["criteria_flipped"]}
               for line in text.splitlines()[overall + 1:])


# --- 4. the interview -------------------------------------------------------------------------

ANSWERS = ["Northwind Retail", "project_by_project", "business_cases, portfolio_review", "no",
           "52.5", "yes", "products"]
"""The example's facts, in the order the demand-supply interview asks them (target last)."""

ORDER = ["organization", "demand.planning", "demand.practices", "demand.executive_sponsor",
         "supply.run_share", "supply.service_catalog", "supply.delivery", "target_level"]


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as single spaces (wrapping undone)."""
    return " ".join(text.split())


def interview(tmp_path: Path, typed: list[str], *args: str, name: str = "answers.yaml"):
    path = tmp_path / name
    result = run("interview", "--pack", "demand-supply", "-o", str(path), *args,
                 input="\n".join(typed) + "\n")
    return result, path


def test_questions_are_grouped_by_the_dimension_their_wording_names():
    from brm_advisor.engine.interview import questions_for

    questions = questions_for(resolve_pack("demand-supply"))
    assert [(q.path, q.dimension) for q in questions] == [
        ("organization", None), ("target_level", None), ("demand.planning", "demand"),
        ("demand.practices", "demand"), ("demand.executive_sponsor", "demand"),
        ("supply.run_share", "supply"), ("supply.service_catalog", "supply"),
        ("supply.delivery", "supply")]


def test_a_question_without_a_dimension_takes_the_one_whose_criteria_use_its_fact(tmp_path):
    from brm_advisor.engine.interview import questions_for
    from brm_advisor.engine.packs.loader import load_pack

    folder = tmp_path / "pack"
    folder.mkdir()
    for name in ("facts.schema.json", "example.yaml"):
        (folder / name).write_bytes((PACK / name).read_bytes())
    data = yaml.safe_load((PACK / "pack.yaml").read_text(encoding="utf-8"))
    by_fact = {q["fact"]: {k: v for k, v in q.items() if k != "dimension"}
               for q in data["questions"]}
    # interleaved, and no dimension named: the criteria decide, the pack's order within each
    data["questions"] = [by_fact[f] for f in ("supply.delivery", "demand.planning",
                                              "organization", "supply.run_share")]
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    questions = questions_for(load_pack(str(folder)))
    assert [(q.path, q.dimension) for q in questions] == [
        ("organization", None), ("target_level", None),
        ("demand.planning", "demand"), ("demand.practices", "demand"),
        ("demand.executive_sponsor", "demand"),
        ("supply.delivery", "supply"), ("supply.run_share", "supply"),
        ("supply.service_catalog", "supply")]


def test_the_interview_shows_a_heading_when_the_dimension_changes(tmp_path):
    result, path = interview(tmp_path, [*ANSWERS, "managed"])
    assert result.exit_code == 0, result.output
    out = result.output
    headings = [line for line in out.splitlines() if line.startswith("--- ")]
    assert headings == ["--- Business demand ---", "--- IT supply ---", "--- Overall ---"]
    demand = out.index("--- Business demand ---")
    assert out.index("How does the business plan") > demand > out.index("Which organization")
    supply = out.index("--- IT supply ---")
    assert out.index("Does an executive own") < supply < out.index("What share of the IT")
    assert supply < out.index("--- Overall ---") < out.index("Where should you be?")
    assert ("With these answers, Northwind Retail is at Initial (level 1 of 3); Business "
            "demand: Reactive; IT supply: Strategic.") in flat(out)
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))
    expected = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert facts["supply"] == expected["supply"]
    assert facts["target_level"] == expected["target_level"]
    assert {**facts["demand"], "practices": set(facts["demand"]["practices"])} == {
        **expected["demand"], "practices": set(expected["demand"]["practices"])}


def test_the_target_offers_only_overall_levels_above_the_current_one(tmp_path):
    result, _ = interview(tmp_path, [*ANSWERS, "initial", "demand.managed", "managed"])
    assert result.exit_code == 0, result.output
    offered = result.output[result.output.index("Where should you be?"):]
    assert "1. managed: Managed" in offered and "2. strategic: Strategic" in offered
    assert "3." not in offered.split("(1-2 or a name")[0]
    assert "not accepted: Initial is where the organization is now" in result.stderr
    assert "not accepted" in result.stderr.split("Initial is where")[1]  # demand.managed


def test_the_closing_screen_shows_each_dimensions_level(tmp_path):
    result, _ = interview(tmp_path, [*ANSWERS, "managed"])
    end = result.output[result.output.index(" questions asked; answers saved in "):]
    assert "Northwind Retail: Initial (level 1 of 3). Target: Managed." in end
    assert "  Business demand: Reactive (level 1 of 3). Target: Managed." in end
    assert "  IT supply: Strategic (level 3 of 3). Target: Managed." in end
    assert "1. [Business demand: Managed] Hold a yearly demand planning round" in end


def test_why_more_on_a_dimension_question_names_the_dimensions_level(tmp_path):
    # it raised KeyError: the consultant's ?? knew only the overall ladder's level names
    result, _ = interview(tmp_path, [ANSWERS[0], "??", *ANSWERS[1:], "managed"])
    assert result.exit_code == 0, result.output
    assert ("- demand.managed.planning (Business demand: Managed): The business plans its "
            "demand") in flat(result.output)


def test_stopping_and_resuming_a_dimensioned_interview(tmp_path):
    first, path = interview(tmp_path, [*ANSWERS[:3], "q"])
    assert first.exit_code == 0, first.output
    again = run("interview", "--pack", "demand-supply", "--resume", str(path),
                input="\n".join([*ANSWERS[3:], "strategic"]) + "\n")
    assert again.exit_code == 0, again.output
    assert "Resuming" in again.output and "3 answers so far" in again.output
    assert "How does the business plan" not in again.output
    # the group in progress is named again on resuming, then the next one
    assert [line for line in again.output.splitlines() if line.startswith("--- ")] == [
        "--- Business demand ---", "--- IT supply ---", "--- Overall ---"]
    assert "Target: Strategic." in again.output
    assessed = run("assess", "--pack", "demand-supply", str(path), "--format", "json")
    assert assessed.exit_code == 0, assessed.output
    data = json.loads(assessed.stdout)
    assert [d["level"]["id"] for d in data["dimensions"]] == ["demand.reactive",
                                                              "supply.strategic"]


def test_quick_mode_asks_one_sides_questions_when_the_other_side_is_held_back():
    from brm_advisor.engine import Advisor
    from brm_advisor.engine.interview import questions_for, still_matter

    pack = resolve_pack("demand-supply")
    with Advisor(pack) as advisor:
        waiting = [q for q in questions_for(pack) if q.path.startswith(("demand.e", "supply."))]
        answers = {"organization": "X", "demand.planning": "none", "demand.practices": []}
        matter = still_matter(advisor, waiting, answers)
    # demand cannot pass Reactive: its strategic question cannot matter; supply's all can
    assert matter == {"supply.run_share", "supply.service_catalog", "supply.delivery"}


def test_a_one_ladder_packs_interview_has_no_headings(advisor):
    from brm_advisor.engine.interview import Interview, questions_for

    assert all(q.dimension is None for q in questions_for(advisor.pack))
    session = Interview(advisor)
    turn = session.next_turn()
    assert turn is not None and turn.heading is None
    result = run("interview", "-o", "/dev/null", "--force", input="q\n")
    assert "--- " not in result.output
