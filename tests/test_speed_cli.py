"""Start-up: `brm --help` imports no command, and `brm assess` on a plain YAML file with its pack
in the cache imports neither PyYAML, jsonschema nor the pack loader; what is printed is what the
commands print when everything is loaded (the cold start itself is timed by bench/bench.py)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

from brm_advisor.cli.main import COMMANDS, cli

from conftest import ACME

PROBE = """
import json, os, sys
from brm_advisor.cli.main import cli, main
if os.environ.get("LOAD_EVERY_COMMAND"):
    cli.commands
sys.argv = ["brm", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported(tmp_path, *args: str, every_command: bool = False) -> tuple[str, set[str]]:
    """The output of `brm ARGS` in a fresh process (with every command loaded first, or only
    what it needs), and the modules it imported."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "80",
           "LOAD_EVERY_COMMAND": "1" if every_command else ""}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_the_command_table_is_the_commands_own_help():
    for name, (module, attribute, first_paragraph) in COMMANDS.items():
        command = cli.commands[name]
        assert getattr(importlib.import_module(f"brm_advisor.cli.{module}"), attribute) is command
        assert command.name == name
        assert command.callback.__module__ == f"brm_advisor.cli.{module}"
        assert " ".join(command.help.split("\n\n")[0].split()) == first_paragraph
        for limit in (30, 45, 60, 80, 200):
            stand_in = type(command)(name, help=first_paragraph)
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)
    assert set(cli.commands) == set(COMMANDS)


def test_help_imports_no_command_and_says_what_the_loaded_group_says(tmp_path):
    output, modules = imported(tmp_path, "--help")
    assert not {f"brm_advisor.cli.{module}" for module, _, _ in COMMANDS.values()} & modules
    assert not [name for name in modules if name.startswith("brm_advisor.engine.inference")]
    assert output == imported(tmp_path, "--help", every_command=True)[0]


@pytest.mark.parametrize("args", [["assess", ACME], ["assess", ACME, "--format", "json"]])
def test_assess_from_the_cache_imports_only_what_it_uses(tmp_path, args):
    imported(tmp_path, *args)  # fills the cache
    output, modules = imported(tmp_path, *args)
    assert output == imported(tmp_path, *args, every_command=True)[0]
    for heavy in ("yaml", "jsonschema", "brm_advisor.engine.packs.loader",
                  "brm_advisor.engine.inference.reference", "brm_advisor.cli.portfolio",
                  "brm_advisor.cli.interview", "brm_advisor.cli.packs", "importlib.metadata"):
        assert heavy not in modules, heavy
