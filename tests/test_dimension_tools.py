"""The tools around the engine speak dimensions (issue 11, "every tool speaks dimensions"):
lint's reachability per ladder, the facts behind dimension conditions and roll-up criteria,
the text output, explain, what-if targets per dimension and the reports, on the shipped
demand-supply pack and on changed copies of it."""

from __future__ import annotations

import shutil
import subprocess
import time
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


@pytest.mark.parametrize("pack", ["merlyn-brm", "brmi-relationship", "demand-supply"])
def test_lint_and_test_of_each_shipped_pack_stay_under_a_second(pack):
    location = resolve_pack(pack).location
    lint_pack(location)  # compiled once (the cache), as a user's second run finds it
    best = min(_timed(lambda: lint_pack(location)) for _ in range(2))
    assert best < 1.0, f"lint of {pack} took {best:.2f} s"
    best = min(_timed(lambda: run("packs", "test", pack)) for _ in range(2))
    assert best < 1.0, f"test of {pack} took {best:.2f} s"


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def test_installed_lint_strict_exits_0():
    done = subprocess.run([BRM, "packs", "lint", "--strict", "demand-supply"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
