"""The BRM team (issue 18): the practice ratings derived from the BRMs' own, each BRM's profile,
the team's findings, the development plan, what-if on a BRM's rating, and bad input."""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brm_advisor.engine import Diagnosis, EditError, parse_edit, what_if

from conftest import BASE_FACTS, EXAMPLES, ROOT, run
from installed import BRM

NORTHWIND = EXAMPLES / "northwind-team.yaml"
COMPETENCIES = ("value_realization", "business_environment", "business_alignment",
                "relationships", "organizational_change", "projects_and_programs",
                "communication", "financial_savvy")
ADVISOR_NEEDS = ("business_environment", "business_alignment", "communication")
SCHEMA = json.loads((ROOT / "schemas" / "diagnosis.schema.json").read_text())


def team_facts(brms: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    facts = copy.deepcopy(BASE_FACTS)
    facts["engagement"] = {"mode": "advisory", "prioritization": "business_priorities",
                           "lifecycle": ["strategy", "planning"]}
    facts["measures"] = ["satisfaction", "service_levels", "business_value"]
    facts["brms"] = brms
    facts.update(extra)
    return facts


def assess(advisor, data: dict[str, Any], target: str | None = None) -> Diagnosis:
    return advisor.assess(advisor.reader.from_data(data), target=target)


def finding_ids(diagnosis: Diagnosis) -> list[str]:
    return [f.id for f in diagnosis.findings if f.id.startswith("team.")]


# --- the derived practice ratings --------------------------------------------------------

ratings = st.dictionaries(st.sampled_from(COMPETENCIES), st.integers(0, 4))
teams = st.lists(ratings, min_size=1, max_size=6)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams)
def test_the_practice_ratings_are_the_lower_median_of_the_brms_and_decide_as_typed(
        advisor, team):
    """A team's diagnosis equals the diagnosis of the practice ratings typed in as the lower
    median of the BRMs' ratings (competencies no BRM is rated on left out): same level, same
    criteria met, same recommendations."""
    brms = [{"name": f"BRM {n}", "competencies": r} for n, r in enumerate(team, start=1)]
    with_team = assess(advisor, team_facts(brms))
    medians = {c: statistics.median_low([r[c] for r in team if c in r])
               for c in COMPETENCIES if any(c in r for r in team)}
    typed = assess(advisor, team_facts([], competencies=medians) | {"brms": []})
    assert with_team.level == typed.level
    assert [(c.id, c.met) for c in with_team.criteria] == [(c.id, c.met) for c in typed.criteria]
    assert with_team.recommendations == typed.recommendations
    assert {a.competency: a.value for a in with_team.team.aggregates} == medians
    # advisor.competencies, read plainly: every needed competency rated is at least 3
    plain = all(medians.get(c, 3) >= 3 for c in ADVISOR_NEEDS)
    assert with_team.criterion("advisor.competencies").met is plain


def test_each_derivation_is_a_step_of_the_trace_before_the_engine_s(advisor):
    brms = [{"name": "Dana", "competencies": {"communication": 4}},
            {"name": "Lee", "competencies": {"communication": 2}},
            {"name": "Sam", "competencies": {"communication": 1}}]
    diagnosis = assess(advisor, team_facts(brms))
    first = diagnosis.trace[0]
    assert (first.step, first.kind, first.rule, first.concludes) == (
        1, "aggregation", "team:median/communication", "competencies.communication")
    assert dict(first.matched[0].values) == {"brms[Dana].competencies.communication": 4,
                                             "brms[Lee].competencies.communication": 2,
                                             "brms[Sam].competencies.communication": 1}
    assert [step.step for step in diagnosis.trace] == list(range(1, len(diagnosis.trace) + 1))
    assert diagnosis.criterion("advisor.competencies").facts == (
        ("competencies.business_alignment", None), ("competencies.business_environment", None),
        ("competencies.communication", 2))


def test_practice_ratings_that_disagree_with_the_brms_are_a_finding(advisor):
    brms = [{"name": "Dana", "competencies": {"communication": 2, "relationships": 3}}]
    diagnosis = assess(advisor, team_facts(brms, competencies={"communication": 4,
                                                                "relationships": 3}))
    finding = next(f for f in diagnosis.findings if f.id == "team.ratings_disagree")
    assert "“Effective communication” 4 given, 2 from the BRMs" in finding.message
    assert "relationships" not in finding.message.lower()
    assert dict(finding.facts) == {"competencies.communication": 4}
    assert {a.competency: (a.value, a.given) for a in diagnosis.team.aggregates} == {
        "relationships": (3, 3), "communication": (2, 4)}


def test_without_brms_nothing_changes(advisor):
    plain = assess(advisor, team_facts([]) | {"competencies": {"communication": 2}})
    assert plain.team is None and not finding_ids(plain)
    assert "team" not in plain.to_dict()


# --- profiles, findings and the plan ------------------------------------------------------

@pytest.fixture(scope="module")
def northwind(advisor) -> Diagnosis:
    return advisor.assess(advisor.read(str(NORTHWIND)))


def test_each_brm_is_short_exactly_where_rated_below_the_bar(northwind):
    team = northwind.team
    needs_next = dict(team.needs_next)
    assert needs_next == {c: 3 for c in ADVISOR_NEEDS}
    assert dict(team.needs_target) == {c: 3 for c in COMPETENCIES}
    data = yaml.safe_load(NORTHWIND.read_text())
    for brm, profile in zip(data["brms"], team.profiles, strict=True):
        assert profile.name == brm["name"]
        rated = brm["competencies"]
        assert [(s.competency, s.rating) for s in profile.below_next] == [
            (c, rated[c]) for c in needs_next if rated[c] < 3]
        assert [s.competency for s in profile.below_target] == [
            c for c in COMPETENCIES if rated[c] < 3]


def test_team_findings_name_what_a_brm_leader_must_know(northwind):
    assert finding_ids(northwind) == [
        "team.no_holder.organizational_change",
        "team.unit_below_bar.finance", "team.unit_below_bar.logistics",
        "team.unit_below_bar.wholesale", "team.span.3"]
    message = {f.id: f.message for f in northwind.findings}
    assert "Every BRM serving Finance" in message["team.unit_below_bar.finance"]
    assert "Sam Patel serves 4 business units, more than the 3" in message["team.span.3"]


def test_a_single_point_of_failure_is_found(advisor):
    brms = [{"name": "Dana", "units": ["Retail"], "competencies": {"communication": 4}},
            {"name": "Lee", "units": ["Retail"], "competencies": {"communication": 2}}]
    diagnosis = assess(advisor, team_facts(brms))
    assert "team.single_point_of_failure.communication" in finding_ids(diagnosis)
    # two holders: no longer one point of failure
    brms[1]["competencies"]["communication"] = 3
    assert "team.single_point_of_failure.communication" not in finding_ids(
        assess(advisor, team_facts(brms)))


def test_the_plan_raises_first_what_blocks_the_next_level_for_the_most_units(northwind,
                                                                             seed_pack):
    sam = [item for item in northwind.team.plan if item.brm == "Sam Patel"]
    # Sam's alignment (2) blocks Advisor in Logistics and Finance (nobody serving them has 3),
    # his communication (2) in Wholesale and Finance: two units each, one step each, so the
    # pack's order of competencies; Online has Dana (3 and 4): it blocks nothing there; the
    # target's needs come after
    assert [(i.competency, i.level, i.units) for i in sam[:2]] == [
        ("business_alignment", "advisor", ("Logistics", "Finance")),
        ("communication", "advisor", ("Wholesale", "Finance"))]
    assert all(item.level == "strategic_partner" for item in sam[2:])
    actions = sam[1].actions
    assert [a.to for a in actions] == [3]
    assert actions[0].action == seed_pack.team.actions("communication", 2, 3)[0].action
    financial = next(i for i in sam if i.competency == "financial_savvy")
    assert [a.to for a in financial.actions] == [2, 3]


def test_the_seed_pack_ships_a_development_action_for_every_competency_and_step(seed_pack):
    steps = {(s.competency, s.to) for s in seed_pack.team.development}
    assert steps == {(c, to) for c in COMPETENCIES for to in (1, 2, 3, 4)}


def test_the_json_follows_the_schema_and_reads_back(northwind):
    data = json.loads(json.dumps(northwind.to_dict()))
    jsonschema.validate(data, SCHEMA)
    again = Diagnosis.from_dict(data)
    assert again.team == northwind.team


# --- what-if on a BRM's rating --------------------------------------------------------------

def test_whatif_raises_a_brm_s_rating_and_shows_the_level_move(advisor):
    facts = advisor.read(str(NORTHWIND))
    edits = [parse_edit(text, advisor.pack.fields) for text in (
        "brms[Lee Okafor].communication=3", "brms[Sam Patel].business_alignment=3",
        "brms[Rui Costa].competencies.business_alignment=3",
        "brms[Lee Okafor].business_environment=3")]
    result = what_if(advisor, facts, edits)
    assert (result.before.level.id, result.after.level.id) == ("order_taker", "advisor")
    assert result.changes[0].describe() == "brms[Lee Okafor].competencies.communication: 2 -> 3"


@pytest.mark.parametrize(("edit", "message"), [
    ("brms[Lea Okafor].communication=3", "no BRM named 'Lea Okafor'"),
    ("brms[Lee Okafor].comunication=3", "unknown competency 'comunication'"),
])
def test_whatif_on_an_unknown_brm_or_competency_says_so(advisor, edit, message):
    facts = advisor.read(str(NORTHWIND))
    with pytest.raises(EditError, match=message):
        what_if(advisor, facts, [parse_edit(edit, advisor.pack.fields)])


def test_whatif_through_the_cli_refuses_a_rating_out_of_range():
    result = run("whatif", str(NORTHWIND), "--set", "brms[Lee Okafor].communication=9")
    assert result.exit_code == 2
    assert "9 is out of range; allowed: whole numbers from 0 to 4" in result.stderr


# --- bad input --------------------------------------------------------------------------------

def test_bad_teams_are_refused_with_every_problem_at_once(tmp_path: Path):
    bad = tmp_path / "team.yaml"
    bad.write_text(yaml.safe_dump(team_facts([
        {"name": "Dana", "competencies": {"communication": 4}},
        {"name": "Lee", "competencies": {"communication": 7}},
        {"name": "dana", "competencies": {"comunication": 3}},
    ]), sort_keys=False))
    result = run("validate", str(bad))
    assert result.exit_code == 1
    err = result.stderr
    assert "3 problems" in err
    assert "$.brms[1].competencies.communication: 7 is out of range" in err
    assert ("$.brms[2].competencies.comunication: unknown field 'comunication'" in err
            and "did you mean 'communication'" in err)
    assert "$.brms[2].name: the BRM 'dana' is listed twice (first as $.brms[0])" in err
    lines = [line.strip() for line in err.splitlines()[1:]]
    assert all(line.startswith(f"{bad}:") for line in lines)  # every one with its line


def test_the_example_team_through_the_installed_brm(tmp_path):
    done = subprocess.run([BRM, "assess", str(NORTHWIND), "--format", "json"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["team"]["aggregation"] == "median" and len(data["team"]["brms"]) == 4


# --- people data ------------------------------------------------------------------------------

PEOPLE = ("Dana Whitfield", "Lee Okafor", "Sam Patel", "Rui Costa")


def test_anonymized_facts_name_no_one_in_any_output(advisor, seed_pack):
    from brm_advisor.engine import render_json, render_text
    from brm_advisor.engine.team.privacy import anonymized

    facts = advisor.read(str(NORTHWIND))
    hidden = advisor.reader.from_data(anonymized(facts.data), facts.source)
    diagnosis = advisor.assess(hidden)
    outputs = [render_text(diagnosis, seed_pack), render_json(diagnosis)]
    for output in outputs:
        assert not any(name.split()[0] in output for name in PEOPLE), output
    assert [p.name for p in diagnosis.team.profiles] == ["BRM 1", "BRM 2", "BRM 3", "BRM 4"]
    # the same diagnosis otherwise
    plain = advisor.assess(facts)
    assert diagnosis.level == plain.level and diagnosis.team.plan[0].competency == \
        plain.team.plan[0].competency


def test_without_profiles_the_saved_facts_decide_the_same_and_hold_no_individual(advisor,
                                                                                seed_pack):
    from brm_advisor.engine.team.privacy import without_profiles

    facts = advisor.read(str(NORTHWIND))
    kept = without_profiles(facts.data, seed_pack.team)
    assert "brms" not in kept and not any(name in json.dumps(kept) for name in PEOPLE)
    again = advisor.assess(advisor.reader.from_data(kept))
    plain = advisor.assess(facts)
    assert again.level == plain.level and again.gaps == plain.gaps
    assert [(c.id, c.met) for c in again.criteria] == [(c.id, c.met) for c in plain.criteria]
    assert again.recommendations == plain.recommendations
    assert kept["competencies"] == {a.competency: a.value for a in plain.team.aggregates}
    assert facts.data["brms"]  # the input is never changed


# --- in an engagement ---------------------------------------------------------------------------

BANK = EXAMPLES / "first-national-bank"
BANK_TEAM = """
brms:
  - name: Kim Lau
    units: [Retail banking, Wealth management]
    competencies: {communication: 4, business_environment: 3, business_alignment: 3}
  - name: Jo Park
    units: [Retail banking, Corporate banking, Operations]
    competencies: {communication: 2, business_environment: 2, business_alignment: 2}
"""


def bank_with(tmp_path: Path, team: str) -> Path:
    import shutil

    folder = tmp_path / "bank"
    shutil.copytree(BANK, folder)
    engagement = folder / "engagement.yaml"
    engagement.write_text(engagement.read_text() + team)
    return folder


def test_an_engagement_s_brms_serve_its_units(tmp_path):
    result = run("assess", str(bank_with(tmp_path, BANK_TEAM)), "--format", "json")
    assert result.exit_code == 0, result.stderr
    units = {u["business_unit"]: u["diagnosis"] for u in json.loads(result.stdout)["units"]}
    served = {name: [b["name"] for b in (d.get("team") or {}).get("brms", [])]
              for name, d in units.items()}
    assert served == {"Retail banking": ["Kim Lau", "Jo Park"],
                      "Corporate banking": ["Jo Park"], "Wealth management": ["Kim Lau"],
                      "Operations": ["Jo Park"]}
    # a unit's findings look at that unit only: Retail banking's do not judge Corporate's BRMs
    retail = [f["id"] for f in units["Retail banking"]["findings"]]
    assert not any(ident.startswith("team.unit_below_bar") for ident in retail)
    corporate = [f["id"] for f in units["Corporate banking"]["findings"]]
    assert "team.unit_below_bar.corporate_banking" in corporate


def test_an_engagement_s_bad_team_is_refused_with_every_problem_at_once(tmp_path):
    team = BANK_TEAM.replace("Operations]", "Operatons]").replace(
        "business_alignment: 2}", "business_alignment: 9}") + (
        "  - name: kim lau\n    units: [Operations]\n")
    folder = bank_with(tmp_path, team)
    result = run("assess", str(folder))
    assert result.exit_code == 1
    err = result.stderr
    assert "(3 problems)" in err
    assert "$.brms[1].units[2]: the engagement has no business unit 'Operatons'" in err
    assert "did you mean 'Operations'" in err
    assert "$.brms[1].competencies.business_alignment: 9 is out of range" in err
    assert "$.brms[2].name: the BRM 'kim lau' is listed twice" in err
    assert err.count("engagement.yaml:") == 3  # each with its line


def test_a_unit_file_s_brms_serve_only_units_of_the_engagement(tmp_path):
    import shutil

    folder = tmp_path / "units"
    folder.mkdir()
    for name in ("corporate.yaml", "wealth.yaml"):
        shutil.copy(BANK / name, folder / name)
    wealth = folder / "wealth.yaml"
    wealth.write_text(wealth.read_text() + "brms:\n  - name: Kim\n    units: [Wealth mgmt]\n")
    result = run("assess", str(folder))
    assert result.exit_code == 1
    assert ("wealth.yaml:14: $.brms[0].units[0]: the engagement has no business unit "
            "'Wealth mgmt'" in result.stderr)


# --- the command line: --anonymize, and profiles kept in the history only when asked -----------

@pytest.mark.parametrize("args", [
    ("assess", str(NORTHWIND)),
    ("assess", str(NORTHWIND), "--format", "json"),
    ("assess", str(NORTHWIND), "--format", "markdown"),
    ("assess", str(NORTHWIND), "--format", "html"),
    ("explain", str(NORTHWIND)),
    ("whatif", str(NORTHWIND), "--set", "brms[BRM 2].communication=3"),
])
def test_anonymize_names_no_one_in_any_output(args):
    hidden = run(*args, "--anonymize")
    assert hidden.exit_code == 0, hidden.stderr
    assert not any(name in hidden.stdout for name in PEOPLE)
    assert "BRM 2" in hidden.stdout
    if args[0] == "whatif":  # edits name the BRMs by label: the real names are unknown
        assert run(*args).exit_code == 2
    else:
        assert any(name in run(*args).stdout for name in PEOPLE)


def test_anonymize_an_engagement_names_no_respondent_and_no_brm(tmp_path):
    folder = bank_with(tmp_path, BANK_TEAM)
    hidden = run("assess", str(folder), "--anonymize")
    assert hidden.exit_code == 0, hidden.stderr
    for name in ("Kim Lau", "Jo Park", "Dana Reyes", "Sam Ito"):
        assert name not in hidden.stdout
    assert "Respondent 1 (business)" in hidden.stdout
    explained = run("explain", str(folder), "--unit", "Retail banking", "--anonymize")
    assert explained.exit_code == 0, explained.stderr
    assert "Dana Reyes" not in explained.stdout and "Respondent 1 (business)" in \
        explained.stdout


def test_the_history_keeps_individual_profiles_only_when_asked(tmp_path):
    import sqlite3

    db = tmp_path / "history.sqlite"
    assert run("assess", str(NORTHWIND), "--save", "--db", str(db)).exit_code == 0
    assert run("assess", str(NORTHWIND), "--save", "--keep-profiles", "--db",
               str(db)).exit_code == 0
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT facts, result, level_id FROM assessments "
                                  "ORDER BY id").fetchall()
    (facts1, result1, level1), (facts2, result2, level2) = rows
    assert not any(name in facts1 + result1 for name in PEOPLE)
    assert "brms" not in json.loads(facts1) and "team" not in json.loads(result1)
    assert all(name in facts2 for name in PEOPLE) and "team" in json.loads(result2)
    assert level1 == level2 == "order_taker"


# --- searches change the BRMs' ratings, not the practice rating they derive ---------------------

@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=5), st.integers(0, 4),
       st.sampled_from(["median", "lowest", "highest"]))
def test_a_practice_rating_is_reached_by_the_fewest_brm_changes(seed_pack, ratings, value,
                                                                method):
    import itertools

    from brm_advisor.engine.team.aggregate import aggregate, brm_changes

    policy = seed_pack.team._replace(aggregation=method)
    data = {"brms": [{"name": f"B{i}", "competencies": {"communication": r}}
                     for i, r in enumerate(ratings)]}
    changes = brm_changes(data, policy, {"competencies.communication": value})
    moved = list(ratings)
    for path, rating in changes.items():
        moved[int(path.split("[B", 1)[1].split("]", 1)[0])] = rating
    assert aggregate(moved, method) == value
    for fewer in range(len(changes)):  # no smaller set of changes derives the value
        for chosen in itertools.combinations(range(len(ratings)), fewer):
            for values in itertools.product(range(5), repeat=fewer):
                trial = list(ratings)
                for index, rating in zip(chosen, values, strict=True):
                    trial[index] = rating
                assert aggregate(trial, method) != value


def test_whatif_search_reaches_the_next_level_through_the_brms(advisor):
    from brm_advisor.engine import search

    result = search(advisor, advisor.read(str(NORTHWIND)), "advisor")
    assert result.solutions and result.solutions[0].level.id == "advisor"
    assert [c.path for c in result.solutions[0].changes] == [
        "brms[Lee Okafor].competencies.business_environment",
        "brms[Sam Patel].competencies.business_alignment",
        "brms[Lee Okafor].competencies.communication"]


# --- batch inputs with a row per BRM ------------------------------------------------------------

TEAM_CSV = """organization,brm.formal_role,engagement.mode,engagement.prioritization,\
engagement.lifecycle,measures,brms.name,brms.units,brms.competencies.communication,\
brms.competencies.business_environment,brms.competencies.business_alignment
Northwind,true,advisory,business_priorities,strategy;planning,\
satisfaction;service_levels;business_value,Dana,Retail;Online,4,4,3
,,,,,,Lee,Retail,2,2,3
Northwind,,,,,,Sam,Online,3,3,3
Acme,true,order_taking,first_come,planning,satisfaction,,,,,
Globex,true,advisory,business_priorities,strategy,satisfaction;service_levels;business_value,\
Kim,,3,3,3
Globex,false,,,,,Jo,,3,3,3
"""


def test_a_table_with_a_row_per_brm_is_one_record_per_organization(tmp_path, advisor):
    from brm_advisor.engine import read_records

    table = tmp_path / "team.csv"
    table.write_text(TEAM_CSV)
    records = list(read_records([str(table)], advisor.pack.fields))
    assert [r.source.rsplit(":", 1)[1] for r in records] == ["2-4", "5", "6-7"]
    northwind, acme, globex = records
    assert [b["name"] for b in northwind.data["brms"]] == ["Dana", "Lee", "Sam"]
    assert northwind.data["brms"][1] == {"name": "Lee", "units": ["Retail"], "competencies": {
        "communication": 2, "business_environment": 2, "business_alignment": 3}}
    assert "brms" not in acme.data
    assert globex.data is None and globex.issues[0].path == "$.brm.formal_role"
    assert "row 7 gives False where the rows above give True" in globex.issues[0].message
    diagnosis = advisor.assess(advisor.reader.from_data(northwind.data))
    assert dict((a.competency, a.value) for a in diagnosis.team.aggregates) == {
        "business_environment": 3, "business_alignment": 3, "communication": 3}


def test_brm_rows_in_a_spreadsheet_and_through_a_column_map(tmp_path):
    import csv

    from openpyxl import Workbook

    rows = list(csv.reader(TEAM_CSV.splitlines()))
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    workbook = tmp_path / "team.xlsx"
    book.save(workbook)
    result = run("batch", str(workbook), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1  # Globex's rows disagree
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [o.get("organization") for o in out] == ["Northwind", "Acme", None]
    assert out[0]["source"].endswith(":2-4")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  BRM: brms.name\n  Comms: brms.competencies.communication\n")
    table = tmp_path / "human.csv"
    table.write_text("organization,brm.formal_role,engagement.mode,engagement.prioritization,"
                     "engagement.lifecycle,measures,BRM,Comms\n"
                     "X,true,advisory,business_priorities,strategy,business_value,A,4\n"
                     ",,,,,,B,1\n")
    result = run("batch", str(table), "--columns", str(mapping), "-o", str(tmp_path / "h.jsonl"))
    assert result.exit_code == 0, result.stderr
    (line,) = (tmp_path / "h.jsonl").read_text().splitlines()
    assert json.loads(line)["source"].endswith(":2-3")


def test_a_batch_saves_no_individual_profile(tmp_path):
    import sqlite3

    db = tmp_path / "h.sqlite"
    result = run("batch", str(NORTHWIND), "--save", "--db", str(db), "-o",
                 str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(db) as connection:
        ((facts, saved, level),) = connection.execute(
            "SELECT facts, result, level_id FROM assessments").fetchall()
    assert not any(name in facts + saved for name in PEOPLE) and level == "order_taker"
    assert json.loads(facts)["competencies"]["communication"] == 2  # the derived rating
