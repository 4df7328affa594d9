"""Golden files: the text and JSON reports of the shipped examples, byte for byte.

After a deliberate change, regenerate with `python tests/regen_golden.py` and review the diff.
"""

from __future__ import annotations

import os

import pytest

from conftest import GOLDEN, ROOT, run

CASES: dict[str, list[str]] = {
    "acme.txt": ["assess", "examples/acme.yaml"],
    "acme.json": ["assess", "examples/acme.yaml", "--format", "json"],
    "globex-ad-hoc.txt": ["assess", "examples/globex-ad-hoc.yaml"],
    "globex-ad-hoc-to-partner.txt": ["assess", "examples/globex-ad-hoc.yaml", "--target",
                                     "strategic_partner"],
    "initech-advisor.txt": ["assess", "examples/initech-advisor.json"],
    "umbrella-partner.txt": ["assess", "examples/umbrella-partner.yaml"],
    "levels.txt": ["levels"],
    "acme-explain.txt": ["explain", "examples/acme.yaml"],
    "globex-explain.txt": ["explain", "examples/globex-ad-hoc.yaml"],
    "initech-explain.json": ["explain", "examples/initech-advisor.json", "--format", "json"],
    "umbrella-explain.txt": ["explain", "examples/umbrella-partner.yaml"],
    "acme-whatif-partner.txt": ["whatif", "examples/acme.yaml", "--target",
                                "strategic_partner"],
    "acme-whatif-set.txt": ["whatif", "examples/acme.yaml", "--set", "measures+=business_value",
                            "--set", "engagement.mode=advisory"],
}
for _name, _example in (("acme", "acme.yaml"), ("globex-ad-hoc", "globex-ad-hoc.yaml"),
                        ("initech-advisor", "initech-advisor.json"),
                        ("umbrella-partner", "umbrella-partner.yaml")):
    CASES[f"{_name}-report.md"] = ["assess", f"examples/{_example}", "--format", "markdown"]
    CASES[f"{_name}-report.html"] = ["assess", f"examples/{_example}", "--format", "html"]
CASES["brmi-report.html"] = ["assess", "--pack", "brmi-relationship", "--format", "html",
                             "rules/brmi_relationship/example.yaml"]
# a pack with dimensions: one ladder per dimension and the overall one, gaps by ladder
_DS = ["--pack", "demand-supply", "rules/demand_supply/example.yaml"]
CASES["demand-supply-report.html"] = ["assess", *_DS, "--format", "html"]
CASES["demand-supply-report.md"] = ["assess", *_DS, "--format", "markdown"]
CASES["demand-supply.txt"] = ["assess", *_DS, "--target", "strategic"]
CASES["demand-supply-explain.txt"] = ["explain", *_DS]
CASES["demand-supply-whatif.txt"] = ["whatif", *_DS, "--target", "managed",
                                     "--target", "demand=strategic"]
# an engagement: four business units, two respondents who disagree, evidence in places
_BANK = ["assess", "examples/first-national-bank"]
CASES["first-national-bank.txt"] = _BANK
CASES["first-national-bank-report.html"] = [*_BANK, "--format", "html"]
CASES["first-national-bank-report.md"] = [*_BANK, "--format", "markdown"]
# a BRM team: practice ratings derived from four BRMs', the heatmap, the development plan, a
# radar per BRM, and explain saying where a rating came from
_TEAM = "examples/northwind-team.yaml"
CASES["northwind-team.txt"] = ["assess", _TEAM]
CASES["northwind-team.json"] = ["assess", _TEAM, "--format", "json"]
CASES["northwind-team-report.md"] = ["assess", _TEAM, "--format", "markdown"]
CASES["northwind-team-report.html"] = ["assess", _TEAM, "--format", "html"]
CASES["northwind-team-explain.txt"] = ["explain", _TEAM]
CASES["northwind-team-explain.json"] = ["explain", _TEAM, "--format", "json"]



def render(args: list[str]) -> str:
    cwd = os.getcwd()
    os.chdir(ROOT)  # paths in the output stay relative, as a user would type them
    try:
        result = run(*args, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert render(CASES[name]) == expected, (
        f"{name} differs from its golden file; if the change is deliberate, run "
        "`python tests/regen_golden.py` and review the diff")


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if n.endswith(".txt")])
def test_text_fits_80_columns(name):
    assert max(len(line) for line in (GOLDEN / name).read_text().splitlines()) <= 80
