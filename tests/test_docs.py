"""The README is tested: its set-up commands, and every pasted `$ brm ...` output."""

from __future__ import annotations

import os
import re
import shlex

import pytest

from brm_advisor.cli.main import cli

from conftest import ROOT, run

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)
CONSOLE = [body for kind, body in BLOCKS if kind == "console"]



def test_the_first_lines_give_exactly_two_commands():
    kind, body = BLOCKS[0]
    commands = body.strip().splitlines()
    assert kind == "sh" and len(commands) == 2
    install, test = commands
    assert "pip install ." in install and "brm assess examples/" in install
    assert (ROOT / install.split("brm assess ")[1].split()[0]).is_file()
    assert "pytest" in test
    assert README.index("```sh") < 1200, "the commands must come first"


def test_ci_runs_the_readme_test_command():
    test_command = BLOCKS[0][1].strip().splitlines()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("block", CONSOLE, ids=[b.splitlines()[0] for b in CONSOLE])
def test_pasted_output_is_what_brm_prints(block):
    first, *expected = block.splitlines(keepends=True)
    assert first.startswith("$ brm ")
    args = shlex.split(first[len("$ brm "):])
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = run(*args)
    finally:
        os.chdir(cwd)
    assert result.output == "".join(expected)


def test_every_command_is_documented():
    for name in cli.commands:
        assert f"`brm {name}" in README, f"brm {name} is not in the README"
