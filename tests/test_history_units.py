"""History per business unit, dated by `assessed_on` (issue 10 point 4, the library part)."""

from __future__ import annotations

import copy
import json
import sqlite3
from typing import Any

from brm_advisor.engine.portfolio.history import SCHEMA_VERSION, History, saved_result

from conftest import BASE_FACTS

MODES = {1: ("reactive", "loudest_voice", False, []),
         2: ("order_taking", "first_come", True, ["satisfaction"])}


def facts(unit: str, date: str, rank: int) -> dict[str, Any]:
    mode, priority, role, measures = MODES[rank]
    data = copy.deepcopy(BASE_FACTS)
    data.update({"organization": "Bank", "business_unit": unit, "assessed_on": date,
                 "measures": measures})
    data["brm"] = {"formal_role": role}
    data["engagement"] = {**data["engagement"], "mode": mode, "prioritization": priority}
    return data


def save(history: History, advisor: Any, data: dict[str, Any]) -> None:
    diagnosis = advisor.assess(advisor.reader.from_data(data))
    history.save(data, diagnosis, "test")


def test_units_assessed_on_one_day_are_one_point_and_each_unit_has_its_trend(advisor, tmp_path):
    with History(tmp_path / "h.sqlite") as history:
        for unit, rank in (("Retail", 2), ("Corporate", 2), ("Operations", 1)):
            save(history, advisor, facts(unit, "2026-03-01", rank))
        for unit, rank in (("Retail", 2), ("Corporate", 1), ("Operations", 2)):
            save(history, advisor, facts(unit, "2026-09-01", rank))
        timeline = history.timeline("Bank")
    assert [(p.date, p.level_id, p.units) for p in timeline.dated] == [
        ("2026-03-01", "ad_hoc", ("Retail", "Corporate", "Operations")),
        ("2026-09-01", "ad_hoc", ("Retail", "Corporate", "Operations"))]
    assert timeline.trend == "steady"  # not "up": the lowest unit stayed Ad hoc
    assert {u.name: u.trend for u in timeline.units} == {
        "Retail": "steady", "Corporate": "down", "Operations": "up"}
    data = timeline.to_dict()
    assert data["units"][0]["levels"][0]["assessed_on"] == "2026-03-01"
    assert [p["level"]["id"] for p in data["by_date"]] == ["ad_hoc", "ad_hoc"]


def test_assessments_are_dated_by_assessed_on_not_by_when_they_were_saved(advisor, tmp_path):
    with History(tmp_path / "h.sqlite") as history:
        save(history, advisor, facts("Retail", "2026-09-01", 2))  # saved first, assessed later
        save(history, advisor, facts("Retail", "2026-03-01", 1))
        timeline = history.timeline("Bank")
    assert [item.assessed_on for item in timeline.assessments] == ["2026-03-01", "2026-09-01"]
    assert timeline.units[0].trend == "up" and timeline.trend == "up"


def test_an_organization_without_units_reads_as_before(advisor, tmp_path):
    data = copy.deepcopy(BASE_FACTS)
    with History(tmp_path / "h.sqlite") as history:
        save(history, advisor, data)
        timeline = history.timeline(data["organization"])
    assert timeline.units == () and "units" not in timeline.to_dict()
    assert timeline.trend == "single"


def test_a_database_of_schema_2_migrates_and_fills_in_units_and_dates(advisor, tmp_path):
    """A database as the code before units wrote it (schema 2: its SQL and its INSERT)."""
    db = tmp_path / "old.sqlite"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (2)")
    connection.execute("""CREATE TABLE assessments (id INTEGER PRIMARY KEY AUTOINCREMENT,
        organization TEXT NOT NULL, saved_at TEXT NOT NULL, source TEXT NOT NULL,
        pack_id TEXT NOT NULL, pack_version TEXT NOT NULL, pack_hash TEXT NOT NULL,
        level_id TEXT NOT NULL, level_rank INTEGER NOT NULL, facts TEXT NOT NULL,
        result TEXT NOT NULL, batch TEXT)""")
    connection.execute("CREATE INDEX assessments_org ON assessments (organization, saved_at)")
    for unit, date, rank in (("Retail", "2026-03-01", 2), ("Operations", "2026-03-01", 1)):
        data = facts(unit, date, rank)
        result = saved_result(advisor.assess(advisor.reader.from_data(data)))
        connection.execute(
            "INSERT INTO assessments (organization, saved_at, source, pack_id, pack_version, "
            "pack_hash, level_id, level_rank, facts, result, batch) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)", ("Bank", "2026-11-30T10:00:00.000000+00:00", "x.yaml",
                               result["pack"]["id"], result["pack"]["version"],
                               result["pack"]["sha256"], result["level"]["id"],
                               result["level"]["rank"], json.dumps(data), json.dumps(result),
                               None))
    connection.commit()
    connection.close()
    with History(db) as history:
        assert history.check() == "ok"
        timeline = history.timeline("Bank")
    assert [(a.business_unit, a.assessed_on) for a in timeline.assessments] == [
        ("Retail", "2026-03-01"), ("Operations", "2026-03-01")]
    assert [p.level_id for p in timeline.dated] == ["ad_hoc"]
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT version FROM schema_version").fetchone()[0] == (
            SCHEMA_VERSION)


def test_the_latest_engagement_is_compared_with_the_previous_unit_by_unit(advisor, tmp_path):
    from brm_advisor.engine.portfolio.compare import compare_engagements

    with History(tmp_path / "h.sqlite") as history:
        for unit, rank in (("Retail", 1), ("Corporate", 2), ("Operations", 1)):
            save(history, advisor, facts(unit, "2026-03-01", rank))
        for unit, rank in (("Retail", 2), ("Corporate", 2), ("Treasury", 2)):
            save(history, advisor, facts(unit, "2026-09-01", rank))
        timeline = history.timeline("Bank")
    compared = compare_engagements(timeline)
    assert compared is not None
    assert [(u.unit, u.moved) for u in compared.units] == [
        ("Retail", "up"), ("Corporate", "same"), ("Operations", "gone"), ("Treasury", "new")]
    assert (compared.before["id"], compared.after["id"]) == ("ad_hoc", "order_taker")
    assert compared.to_dict()["after"]["assessed_on"] == "2026-09-01"
    single = compare_engagements(history_with_one_date(advisor, tmp_path))
    assert single is None


def history_with_one_date(advisor: Any, tmp_path: Any) -> Any:
    with History(tmp_path / "one.sqlite") as history:
        save(history, advisor, facts("Retail", "2026-03-01", 1))
        return history.timeline("Bank")


def test_an_engagement_assessed_with_save_keeps_each_unit_dated_by_assessed_on(tmp_path):
    from conftest import EXAMPLES, run

    db = tmp_path / "h.sqlite"
    result = run("assess", str(EXAMPLES / "first-national-bank"), "--save", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "saved 4 units as #1-#4" in result.stderr
    with History(db) as history:
        timeline = history.timeline("First National Bank")
    assert [u.name for u in timeline.units] == ["Retail banking", "Corporate banking",
                                                "Wealth management", "Operations"]
    assert [(p.date, p.level_id) for p in timeline.dated] == [("2026-11-20", "ad_hoc")]
    retail = timeline.units[0].assessments[0]
    assert retail.facts["engagement"]["mode"] == "order_taking"  # the combined answers


def test_history_show_and_compare_an_organization_assessed_unit_by_unit(tmp_path):
    import shutil

    from conftest import EXAMPLES, run

    db = tmp_path / "h.sqlite"
    assert run("assess", str(EXAMPLES / "first-national-bank"), "--save", "--db",
               str(db)).exit_code == 0
    later = tmp_path / "later"
    shutil.copytree(EXAMPLES / "first-national-bank", later)
    (later / "engagement.yaml").write_text(
        (later / "engagement.yaml").read_text().replace("2026-11-20", "2027-05-20"))
    operations = later / "operations.yaml"
    operations.write_text(operations.read_text().replace("mode: reactive", "mode: order_taking")
                          .replace("formal_role: false", "formal_role: true")
                          .replace("prioritization: loudest_voice", "prioritization: first_come")
                          .replace("measures: []", "measures: [satisfaction]"))
    assert run("assess", str(later), "--save", "--db", str(db)).exit_code == 0
    shown = run("history", "show", "First National Bank", "--db", str(db)).output
    assert shown.startswith("First National Bank: 4 business units assessed on 2 dates, "
                            "trend up\n  2026-11-20  #      Ad hoc  (the lowest of 4 units)\n"
                            "  2027-05-20  ##     Order Taker  (the lowest of 4 units)\n")
    assert "  Operations: Ad hoc (2026-11-20, #4) -> Order Taker (2027-05-20, #8)  (trend up)" in (
        shown)
    compared = run("compare", "First National Bank", "--db", str(db))
    assert compared.exit_code == 0, compared.output
    assert compared.output.splitlines()[0] == (
        "First National Bank: Ad hoc (2026-11-20) -> Order Taker (2027-05-20)")
    assert "  Operations: Ad hoc -> Order Taker (up)" in compared.output
    assert "  Retail banking: Order Taker -> Order Taker (unchanged)" in compared.output


def test_comparing_an_organization_assessed_on_one_date_says_so(tmp_path):
    from conftest import EXAMPLES, run

    db = tmp_path / "h.sqlite"
    run("assess", str(EXAMPLES / "first-national-bank"), "--save", "--db", str(db))
    result = run("compare", "First National Bank", "--db", str(db))
    assert result.exit_code == 2
    assert "has been assessed on one date only (2026-11-20)" in result.output + result.stderr
