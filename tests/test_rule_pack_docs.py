"""docs/rule-packs.md documents every key of the pack schema and every operator, and its
tutorial commands work."""

from __future__ import annotations

from click.testing import CliRunner

from brm_advisor.cli.main import cli
from brm_advisor.engine.packs.conditions import FACT_OPS, REF_KINDS
from brm_advisor.engine.packs.resources import schema

from conftest import ROOT

DOC = (ROOT / "docs" / "rule-packs.md").read_text()


def test_every_key_of_the_pack_schema_is_documented():
    pack_schema = schema("rulepack")
    keys = set(pack_schema["properties"])
    keys |= set(pack_schema["properties"]["pack"]["properties"])
    for section in ("derived", "criteria", "recommendations", "findings", "dimensions",
                    "questions"):
        keys |= set(pack_schema["properties"][section]["items"]["properties"])
    keys |= set(pack_schema["$defs"]["level"]["properties"])
    keys |= set(pack_schema["properties"]["rollup"]["anyOf"][1]["properties"]["table"]["items"]
                ["properties"])
    keys |= set(pack_schema["$defs"]["condition"]["properties"])
    missing = sorted(key for key in keys if f"`{key}`" not in DOC and f"{key}:" not in DOC)
    assert not missing, f"undocumented keys: {missing}"


def test_every_operator_is_documented():
    for op in (*FACT_OPS, *REF_KINDS, "all", "any", "not", "of", "if_absent", "is",
               "dimension", "ahead_of", "apart_from", "by"):
        assert f"{op}:" in DOC or f"`{op}`" in DOC, op


def test_the_tutorial_commands_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in (["packs", "new", "acme-framework"], ["packs", "lint", "acme-framework"],
                 ["packs", "test", "acme-framework"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
