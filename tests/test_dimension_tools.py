"""The tools around the engine speak dimensions (issue 11, "every tool speaks dimensions"):
lint's reachability per ladder, the facts behind dimension conditions and roll-up criteria,
the text output, explain, what-if targets per dimension and the reports, on the shipped
demand-supply pack and on changed copies of it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from brm_advisor.engine import Advisor, lint_pack, resolve_pack

from conftest import ROOT, run
from installed import BRM

PACK_DIR = ROOT / "rules" / "demand_supply"
EXAMPLE = str(PACK_DIR / "example.yaml")
DS = ("--pack", "demand-supply")


@pytest.fixture(scope="module")
def ds_advisor():
    with Advisor(resolve_pack("demand-supply")) as advisor:
        yield advisor


def pack_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The demand-supply pack in a folder of its own, with one text replaced."""
    folder = tmp_path / "ds"
    shutil.copytree(PACK_DIR, folder)
    text = (folder / "pack.yaml").read_text()
    assert old in text
    (folder / "pack.yaml").write_text(text.replace(old, new))
    return folder


# --- 5. lint and the facts behind levels -------------------------------------------------------

def test_lint_strict_passes_the_dimensioned_pack():
    """Before, lint said the roll-up criteria could never be met, the managed and strategic
    levels unreachable (exit 1), and warned that no recommendation addressed roll-up
    criteria."""
    result = run("packs", "lint", "--strict", "demand-supply")
    assert result.exit_code == 0, result.output + result.stderr
    assert "0 errors, 0 warnings" in result.output


def test_dependencies_follow_references_to_levels(ds_advisor):
    deps = ds_advisor.dependencies
    assert set(deps.fields["rollup.managed.demand"]) == {"demand.planning", "demand.practices"}
    assert set(deps.fields["rollup.strategic.supply"]) == {
        "supply.service_catalog", "supply.run_share", "supply.delivery"}
    pack = ds_advisor.pack
    apart = next(f for f in pack.findings if f.id == "finding.sides_apart")
    behind = {t.path for t in deps.tests_behind(apart.when)}
    assert {"demand.planning", "demand.executive_sponsor", "supply.delivery"} <= behind
    # a dimension level rests on its own ladder only, never on the other dimension's facts
    assert {t.path for t in deps.level_tests("demand.strategic")} == {
        "demand.planning", "demand.practices", "demand.executive_sponsor"}
    assert sorted(deps.ladders_behind(apart.when)) == ["demand", "supply"]


def test_lint_reports_an_unreachable_dimension_level_at_its_line(tmp_path):
    folder = pack_copy(tmp_path, "when: {fact: supply.delivery, equals: products}",
                       "when: {all: [{fact: supply.delivery, equals: products}, "
                       "{fact: supply.delivery, equals: projects}]}")
    report = lint_pack(folder)
    errors = {p.subject: p for p in report.errors}
    assert set(errors) == {"supply.strategic", "strategic"}, report.problems
    lines = (folder / "pack.yaml").read_text().splitlines()
    where = errors["supply.strategic"].issue
    assert where.path == "$.dimensions[1].levels[2]"
    assert "id: supply.strategic" in lines[where.line - 1]
    assert errors["supply.strategic"].issue.code == "unreachable-level"
    # the overall level names the roll-up criterion that needs the dimension level
    assert "rollup.strategic.supply" in errors["strategic"].issue.message
    # the other dimension's levels stay reachable
    assert "demand.strategic" not in errors


def test_lint_warns_of_a_recommendation_at_a_dimension_floor(tmp_path):
    rec = "  - id: rec.supply.strategic.products\n    level: "
    folder = pack_copy(tmp_path, rec + "supply.strategic", rec + "supply.reactive")
    warned = [p for p in lint_pack(folder).warnings
              if p.subject == "rec.supply.strategic.products"]
    assert warned and "floor level 'supply.reactive'" in warned[0].issue.message


def test_no_recommendation_warning_spares_rollup_criteria_only(tmp_path):
    folder = pack_copy(tmp_path, "    addresses: [supply.strategic.products]\n",
                       "    addresses: [supply.strategic.run_share]\n")
    warned = {p.subject for p in lint_pack(folder).warnings
              if p.issue.code == "no-recommendation"}
    assert warned == {"supply.strategic.products"}


def test_findings_on_dimension_levels_are_decided_not_left_unchecked(tmp_path):
    """Before, the findings comparing the two sides rested on more combinations of values than
    a check may try: lint left them unchecked (or, before levels were followed, said they
    could never hold). Now the facts are split by dimension; a finding that truly cannot hold
    is still reported."""
    assert not [p for p in lint_pack(PACK_DIR).problems if p.subject
                and p.subject.startswith("finding.")]
    folder = pack_copy(tmp_path, "when: {dimension: demand, apart_from: supply, by: 2}",
                       "when: {dimension: demand, apart_from: supply, by: 3}")
    warned = [p for p in lint_pack(folder).warnings if p.subject == "finding.sides_apart"]
    assert warned and warned[0].issue.code == "never-fires", warned


def test_installed_lint_strict_exits_0():
    done = subprocess.run([BRM, "packs", "lint", "--strict", "demand-supply"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


# --- 4. targets per dimension -------------------------------------------------------------------

@pytest.mark.parametrize("given", ["demand=demand.managed", "demand=2", "demand=managed",
                                   "Demand=MANAGED", "demand.managed"])
def test_whatif_target_per_dimension_in_every_form(given):
    result = run("whatif", EXAMPLE, *DS, "--target", given, "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads(result.output)
    assert data["reachable"] and data["fewest_changes"] == 2
    assert data["goals"] == [{"dimension": "demand", "name": "Business demand",
                              "current": {"id": "demand.reactive", "rank": 1,
                                          "name": "Reactive"},
                              "target": {"id": "demand.managed", "rank": 2, "name": "Managed"}}]
    for solution in data["solutions"]:
        assert solution["dimensions"]["demand"]["id"] == "demand.managed"
        assert {c["path"] for c in solution["changes"]} == {"demand.planning",
                                                             "demand.practices"}


def test_whatif_reaches_every_named_target_at_once(ds_advisor):
    result = run("whatif", EXAMPLE, *DS, "--target", "managed", "--target", "demand=3")
    assert result.exit_code == 0, result.output + result.stderr
    assert "overall: Initial (level 1) -> Managed (level 2), to reach" in result.output
    assert "Business demand: Reactive (level 1) -> Strategic (level 3)" in result.output
    assert "Option 1: reaches overall Strategic, Business demand Strategic" in result.output
    # each solution, applied, reaches both: the engine says so
    from brm_advisor.engine import search

    facts = ds_advisor.read(EXAMPLE)
    found = search(ds_advisor, facts, "managed", targets={"demand": "demand.strategic"})
    assert found.reachable and found.solutions
    for solution in found.solutions:
        data = dict(facts.data, demand=dict(facts.data["demand"]))
        for change in solution.changes:
            data["demand"][change.path.split(".")[1]] = change.after
        after = ds_advisor.assess(ds_advisor.reader.from_data(data))
        assert after.level.rank >= 2 and after.dimension("demand").level.id == "demand.strategic"


def test_whatif_overall_target_alone_reaches_through_the_rollup():
    """Before, a search toward an overall level of a dimensioned pack took the dimension
    criteria of the same rank by accident and the roll-up criteria rested on no fact."""
    result = run("whatif", EXAMPLE, *DS, "--target", "strategic", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["reachable"], result.output
    assert "goals" not in data and data["target"]["id"] == "strategic"
    assert {c["path"] for c in data["solutions"][0]["changes"]} == {
        "demand.planning", "demand.practices", "demand.executive_sponsor"}


@pytest.mark.parametrize(("given", "words"), [
    ("demnd=2", ["unknown dimension 'demnd'", "allowed: demand, supply",
                 "did you mean 'demand'?"]),
    ("demand=9", ["has no level '9'", "demand.reactive, demand.managed, demand.strategic",
                  "1 to 3"]),
    ("supply=manged", ["IT supply (supply) has no level 'manged'", "did you mean 'Managed'?"]),
    ("supply=demand.managed", ["has no level 'demand.managed'", "supply.reactive"]),
])
@pytest.mark.parametrize("command", ["whatif", "assess"])
def test_bad_dimension_targets_are_usage_errors(command, given, words):
    result = run(command, EXAMPLE, *DS, "--target", given)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_dimension_target_for_a_one_ladder_pack_is_a_usage_error():
    result = run("whatif", str(ROOT / "examples" / "acme.yaml"), "--target", "demand=2")
    assert result.exit_code == 2
    assert "rates no dimensions" in result.stderr and "strategic_partner" in result.stderr


def test_two_overall_targets_are_a_usage_error():
    result = run("whatif", EXAMPLE, *DS, "--target", "managed", "--target", "strategic")
    assert result.exit_code == 2 and "two overall targets" in result.stderr


def test_the_library_reads_targets_as_the_cli_does(ds_advisor):
    """`parse_targets` is what --target and --level read with: every form of a dimension's
    level, the overall target as written, and each mistake a `TargetError` naming no option."""
    from brm_advisor.engine import TargetError, parse_targets

    pack = ds_advisor.pack
    overall, targets = parse_targets(pack, ["managed", "Business demand=Strategic",
                                            "supply.managed"])
    assert overall == "managed"
    assert targets == {"demand": "demand.strategic", "supply": "supply.managed"}
    assert parse_targets(pack, ["demand=1", "supply=REACTIVE"]) == (
        None, {"demand": "demand.reactive", "supply": "supply.reactive"})
    assert parse_targets(pack, []) == (None, {})
    with pytest.raises(TargetError) as caught:
        parse_targets(pack, ["supply=manged"])
    assert str(caught.value).endswith("(did you mean 'Managed'?)")
    assert "--" not in str(caught.value)
    with pytest.raises(TargetError, match="two overall targets, 'managed' and 'strategic'"):
        parse_targets(pack, ["managed", "strategic"])
    with pytest.raises(TargetError, match="rates no dimensions"):
        parse_targets(resolve_pack(), ["demand=2"])


def test_assess_takes_targets_per_dimension():
    result = run("assess", EXAMPLE, *DS, "--target", "demand=3", "--target", "supply=2",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.output)
    targets = {d["id"]: (d["target"] or {}).get("id") for d in data["dimensions"]}
    assert targets == {"demand": "demand.strategic", "supply": "supply.managed"}
    # recommendations go up to the demand target
    assert "rec.demand.strategic.value" in {r["id"] for r in data["recommendations"]}


def test_whatif_set_shows_each_dimension_before_and_after():
    result = run("whatif", EXAMPLE, *DS, "--set", "demand.planning=annual",
                 "--set", "demand.practices+=benefits_tracking")
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    assert any(line.split() == ["Business", "demand", "level", "Reactive", "Managed"]
               for line in lines), result.output
    assert any(line.split() == ["IT", "supply", "level", "Strategic", "Strategic"]
               for line in lines)
    data = json.loads(run("whatif", EXAMPLE, *DS, "--set", "demand.planning=annual",
                          "--format", "json").output)
    assert data["before"]["dimensions"]["demand"]["id"] == "demand.reactive"
    assert data["after"]["dimensions"]["supply"]["id"] == "supply.strategic"


def test_installed_whatif_with_a_dimension_target():
    done = subprocess.run([BRM, "whatif", EXAMPLE, *DS, "--target", "demand=managed"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Business demand: Reactive (level 1) -> Managed (level 2)" in done.stdout
    done = subprocess.run([BRM, "whatif", EXAMPLE, *DS, "--target", "demand=x"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr


# --- 1. text ----------------------------------------------------------------------------------

def test_text_gives_each_dimension_under_the_headline():
    result = run("assess", EXAMPLE, *DS)
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    head = lines[:7]
    assert head[3] == "The overall level is computed from the lowest of the dimensions' levels:"
    assert head[4] == "  Business demand: Reactive (1 of 3), next Managed, target Managed"
    assert head[5] == "  IT supply: Strategic (3 of 3), top level, target Managed"
    assert max(len(line) for line in lines) <= 80


def test_text_why_not_names_the_rollup_criteria_and_groups_gaps_by_ladder():
    out = run("assess", EXAMPLE, *DS, "--target", "strategic").output
    overall, demand = out.split("\nBusiness demand: Reactive (level 1 of 3)\n")
    demand, supply = demand.split("\nIT supply: Strategic (level 3 of 3)\n")
    assert "Why not Managed: 1 of 2 roll-up criteria unmet\n  [ ] rollup.managed.demand" \
        in overall
    # the overall further gaps are the roll-up criteria of the overall ladder only (before,
    # the dimension criteria came out there, under no name)
    further = overall.split("Further gaps up to the target, Strategic\n")[1]
    assert "rollup.strategic.demand" in further and "demand.managed" not in further
    assert "demand.strategic" not in overall.split("Business demand")[0]
    assert "Why Business demand is not Managed: 2 of 2 criteria unmet" in demand
    tail = demand.split("Further gaps of Business demand up to its target, Strategic\n")[1]
    for criterion in ("demand.strategic.continuous", "demand.strategic.value",
                      "demand.strategic.sponsor"):
        assert criterion in tail
    assert "Why IT supply is Strategic: every criterion up to this level is met" in supply
    assert "  [x] supply.strategic.products" in supply


def test_text_recommendation_tags_name_the_dimension():
    out = run("assess", EXAMPLE, *DS).output
    assert "1. [Business demand: Managed, high impact] rec.demand.managed.planning" in out
    assert "[Managed, " not in out


def test_text_of_a_table_rollup_says_so(ds_advisor):
    from brm_advisor.engine import render_levels, render_text

    pack = ds_advisor.pack._replace(rollup="table")
    diagnosis = ds_advisor.assess(ds_advisor.read(EXAMPLE))
    text = " ".join(render_text(diagnosis, pack).split())
    assert "computed from the dimensions' levels, by the pack's roll-up table:" in text
    assert "roll-up table" in " ".join(render_levels(pack).split())


def test_levels_lists_every_ladder():
    out = run("levels", *DS).output
    assert "The overall level is computed from the lowest of the dimensions' levels." in out
    assert "Business demand (demand):" in out and "IT supply (supply):" in out
    assert "2. Managed (demand.managed)" in out and "3. Strategic (supply.strategic)" in out


# --- 3. explain ---------------------------------------------------------------------------------

def test_explain_gives_why_each_dimension_is_at_its_level():
    result = run("explain", EXAMPLE, *DS)
    assert result.exit_code == 0, result.stderr
    out = result.output
    overall, rest = out.split("\nWhy Business demand is Reactive\n")
    demand, supply = rest.split("\nWhy IT supply is Strategic\n")
    # the overall why-not holds the roll-up criterion only (before: the demand criteria of
    # the same rank, by accident), with the dimension level it needs
    why_not = overall.split("Why not Managed: 1 unmet criterion\n")[1]
    assert why_not.startswith("  [unmet] rollup.managed.demand")
    assert "[not attained] Business demand: Managed" in why_not
    assert "needs Business demand at Managed (level 2); it is at Reactive (level 1)" in why_not
    assert "would be met by: demand.planning: project_by_project -> annual;" in why_not
    assert "Reactive is the floor of Business demand" in demand
    assert "Why Business demand is not Managed: 2 unmet criteria" in demand
    # which criteria decided the supply level, down to the facts
    assert "[attained] IT supply: Strategic" in supply
    assert "[met] supply.strategic.products" in supply and "supply.delivery = products" in supply
    assert "Why not higher: Strategic is the top level of IT supply." in supply
    assert max(len(line) for line in out.splitlines()) <= 80


def test_explain_json_carries_the_dimensions_and_what_a_rollup_criterion_needs():
    data = json.loads(run("explain", EXAMPLE, *DS, "--format", "json").output)
    unmet = data["why_not"]["unmet"]
    assert [u["id"] for u in unmet] == ["rollup.managed.demand"]
    assert unmet[0]["needs"] == {
        "dimension": "demand", "name": "Business demand",
        "level": {"id": "demand.managed", "rank": 2, "name": "Managed"},
        "current": {"id": "demand.reactive", "rank": 1, "name": "Reactive"}}
    dims = {d["id"]: d for d in data["dimensions"]}
    assert dims["demand"]["why"]["rule"] == "diagnosis:demand.reactive"
    assert [u["id"] for u in dims["demand"]["why_not"]["unmet"]] == [
        "demand.managed.planning", "demand.managed.practices"]
    assert dims["supply"]["why_not"] is None
    decided = {n["id"] for n in _walk(dims["supply"]["why"]) if n["kind"] == "criterion"}
    assert decided == {"supply.managed.catalog", "supply.managed.run_share",
                       "supply.strategic.run_share", "supply.strategic.products"}


def _walk(node):
    yield node
    for child in node["children"]:
        yield from _walk(child)


def test_explain_level_of_a_dimension_asks_why_not_that_level():
    data = json.loads(run("explain", EXAMPLE, *DS, "--level", "demand.strategic",
                          "--format", "json").output)
    demand = next(d for d in data["dimensions"] if d["id"] == "demand")
    assert demand["why_not"]["level"]["id"] == "demand.strategic"
    assert {u["id"] for u in demand["why_not"]["unmet"]} == {
        "demand.managed.planning", "demand.managed.practices", "demand.strategic.continuous",
        "demand.strategic.value", "demand.strategic.sponsor"}
    assert data["why_not"]["level"]["id"] == "managed"


def test_explain_of_a_one_ladder_pack_has_no_dimensions():
    data = json.loads(run("explain", str(ROOT / "examples" / "acme.yaml"),
                          "--format", "json").output)
    assert "dimensions" not in data
    assert all("needs" not in u for u in data["why_not"]["unmet"])


def test_installed_explain_names_the_dimension_levels():
    done = subprocess.run([BRM, "explain", EXAMPLE, *DS], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Why Business demand is not Managed: 2 unmet criteria" in done.stdout


# --- 2. reports ---------------------------------------------------------------------------------

def test_html_report_draws_a_ladder_per_dimension_and_the_overall_one():
    html = run("assess", EXAMPLE, *DS, "--format", "html").output
    assert html.count("<svg ") == 3
    assert '<title id="ladder-title">Maturity ladder</title>' in html
    assert '<title id="ladder-demand-title">Business demand ladder</title>' in html
    assert '<title id="ladder-supply-title">IT supply ladder</title>' in html
    assert ("Business demand ladder of 3 levels: 1 Reactive, 2 Managed, 3 Strategic. "
            "Current level: Reactive. Target: Managed.") in html
    assert "<strong>Business demand: level 1 of 3, Reactive.</strong>" in html
    assert "Next level: Managed." in html and "This is the top level of IT supply." in html
    assert "<h3>Overall level, computed from the lowest of the dimensions&#39; levels</h3>" \
        in html
    # criteria and recommendations grouped by ladder, the dimension named
    headings = [line.strip() for line in html.splitlines() if line.strip().startswith("<h3>")]
    assert headings.index("<h3>3. Strategic: not attained</h3>") < headings.index(
        "<h3>Business demand, level 2. Managed: not attained</h3>") < headings.index(
        "<h3>IT supply, level 3. Strategic: attained</h3>")
    assert "<h3>Toward Business demand: Managed</h3>" in headings
    assert "<h3>Why Business demand is not Managed</h3>" in headings
    assert "Needs Business demand at Managed (level 2); it is at Reactive (level 1)" in html
    ids = [part.split('"')[0] for part in html.split(' id="')[1:]]
    assert len(ids) == len(set(ids)), "element ids are unique"


def test_markdown_report_with_targets_per_dimension(tmp_path):
    out = tmp_path / "northwind.md"
    result = run("report", EXAMPLE, *DS, "-o", str(out), "--target", "demand=3")
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "- **Business demand: level 1 of 3, Reactive.** Next level: Managed. " \
           "Target: Strategic." in text
    demand = text.split("### Business demand: Reactive\n")[1].split("###")[0]
    assert "| 3. Strategic | not attained; **target** |" in demand
    assert "### Toward Business demand: Strategic" in text


def test_one_ladder_report_has_no_dimension_parts():
    html = run("assess", str(ROOT / "examples" / "acme.yaml"), "--format", "html").output
    assert html.count("<svg ") == 2  # the ladder and the radar, as before
    assert "dimensions" not in html and "Overall level" not in html


def test_installed_report_of_the_dimensioned_pack(tmp_path):
    out = tmp_path / "ds.html"
    done = subprocess.run([BRM, "report", EXAMPLE, *DS, "-o", str(out)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_text().count("<svg ") == 3


# --- roll-ups other than the lowest ------------------------------------------------------------

@pytest.fixture(scope="module")
def other_rollups(tmp_path_factory):
    """The two-sided test pack of test_dimensions with a roll-up table, and with none."""
    from test_dimensions import make, pack_text, without_overall

    folder = tmp_path_factory.mktemp("rollups")
    facts = folder / "x.json"
    facts.write_text(json.dumps({"organization": "X", "a": 2, "b": 1}))
    return {"table": make(folder / "table", pack_text()),
            "none": make(folder / "none", without_overall(pack_text())), "facts": str(facts)}


def test_every_tool_runs_on_a_rollup_table(other_rollups):
    pack, facts = str(other_rollups["table"]), other_rollups["facts"]
    text = " ".join(run("assess", facts, "--pack", pack).output.split())
    assert "computed from the dimensions' levels, by the pack's roll-up table:" in text
    assert "Why not O2: 1 of 2 roll-up criteria unmet" in text
    found = json.loads(run("whatif", facts, "--pack", pack, "--target", "o3",
                           "--format", "json").output)
    assert found["reachable"] and {c["path"] for c in found["solutions"][0]["changes"]} == {
        "a", "b"}
    assert [c["to"] for c in found["solutions"][0]["changes"]] == [4, 3]
    lint = run("packs", "lint", pack)
    assert "error" not in lint.output.replace("0 errors", ""), lint.output
    html = run("assess", facts, "--pack", pack, "--format", "html").output
    assert html.count('<title id="ladder-') == 3


def test_every_tool_runs_on_a_pack_without_overall_level(other_rollups):
    pack, facts = str(other_rollups["none"]), other_rollups["facts"]
    out = run("assess", facts, "--pack", pack).output
    assert out.startswith("X: no overall level; each dimension is rated on its own ladder\n")
    assert "Why No overall level" not in out and "Dimension A: A2 (level 2 of 4)" in out
    explained = run("explain", facts, "--pack", pack).output
    assert "Why Dimension B is not B2: 1 unmet criterion" in explained
    assert "What No overall level rests on" not in explained
    md = run("assess", facts, "--pack", pack, "--format", "markdown").output
    assert "**No overall level; each dimension is rated on its own ladder.**" in md
    assert "| 2. A2 | **current level** |" in md and "Level 1 of 1" not in md
    html = run("assess", facts, "--pack", pack, "--format", "html").output
    assert '<title id="ladder-title">' not in html and html.count('<title id="ladder-') == 2
    found = run("whatif", facts, "--pack", pack, "--target", "a=4", "--target", "b=B2")
    assert found.exit_code == 0 and "Dimension A: A2 (level 2) -> A4 (level 4)" in found.output


def test_explain_level_takes_a_dimension_level_by_rank_or_name():
    data = json.loads(run("explain", EXAMPLE, *DS, "--level", "demand=3",
                          "--format", "json").output)
    asked = {d["id"]: d["why_not"] and d["why_not"]["level"]["id"] for d in data["dimensions"]}
    assert asked == {"demand": "demand.strategic", "supply": None}
    bad = run("explain", EXAMPLE, *DS, "--level", "demond=3")
    assert bad.exit_code == 2 and "'--level'" in bad.stderr and "did you mean 'demand'?" \
        in bad.stderr


def test_explain_says_what_each_dimension_level_rests_on():
    out = run("explain", EXAMPLE, *DS).output
    rests = out.split("What IT supply at Strategic rests on: facts that, changed alone, lower "
                      "the level\n")[1]
    assert "  supply.run_share = 52.5: 55.5 gives Managed; 71 gives Reactive" in rests
    assert "  supply.service_catalog = true: false gives Reactive" in rests
    assert "What Business demand at Reactive rests on: no single fact" in out
    md = run("assess", EXAMPLE, *DS, "--format", "markdown").output
    assert "### What IT supply at Strategic rests on" in md
    assert "- supply.delivery = products: ad_hoc would give Managed" in md
