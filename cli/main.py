"""The `brm` command. A thin layer: parse options, call the library, print, set the exit status.

Exit status: 0 success; 1 the input (facts or pack) is invalid; 2 usage error (bad option,
missing file, unknown pack or level); 3 the engine failed. Library errors become messages here,
never tracebacks. The commands live in one module per area: diagnose, interview, portfolio,
packs; what they share is in common.

A command's module is imported when that command runs (`brm --help` imports none of them, and
`brm assess` only its own): `COMMANDS` says where each command is, and its one-line help for
`brm --help` (tests/test_speed_cli.py holds each line equal to the command's own).
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import click

from brm_advisor.cli.common import reader_gone

COMMANDS: dict[str, tuple[str, str, str]] = {
    # name: (module in brm_advisor.cli, attribute, first paragraph of its help)
    "assess": ("diagnose", "assess",
               "Diagnose the organization described in FILE ('-' reads standard input)."),
    "batch": ("portfolio", "batch",
              "Assess many organizations: INPUT is a folder of YAML/JSON facts files, a JSONL "
              "file (one organization a line), a CSV file (columns named by field path, lists "
              "split on ';'), or '-' for JSONL on standard input."),
    "compare": ("portfolio", "compare_command",
                "Compare two assessments: A and B are saved ones (#ID) or facts files."),
    "explain": ("diagnose", "explain_command",
                "Explain the diagnosis of FILE: why this level, why not the next, what it "
                "rests on."),
    "history": ("portfolio", "history",
                "Saved assessments: list them, and show an organization's levels over time."),
    "interview": ("interview", "interview",
                  "Collect the facts by answering questions, then get the diagnosis."),
    "levels": ("diagnose", "levels", "List the pack's maturity levels and the criteria of each."),
    "packs": ("packs", "packs",
              "Rule packs: list, show, create, lint and test the frameworks brm-advisor runs."),
    "report": ("diagnose", "report",
               "Write a report to hand over: summary, maturity ladder, competency radar, "
               "criteria, roadmap, findings and the explanation, as self-contained HTML or as "
               "Markdown."),
    "schema": ("diagnose", "schema", "Print the facts schema (JSON Schema, draft 2020-12)."),
    "validate": ("diagnose", "validate",
                 "Check FILE against the facts schema, reporting every problem at once."),
    "whatif": ("diagnose", "whatif",
               "What would change the diagnosis of FILE? The file itself is never modified."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they are first needed. `commands` (every
    command, imported) is there for whoever inspects the group."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        for name in COMMANDS:
            self._load(name)
        return self._loaded

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._loaded = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        assert name is not None
        self._loaded[name] = cmd

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self._loaded) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    def _load(self, name: str) -> click.Command | None:
        if name not in self._loaded and name in COMMANDS:
            module, attribute, _ = COMMANDS[name]
            loaded = importlib.import_module(f"brm_advisor.cli.{module}")
            self._loaded[name] = getattr(loaded, attribute)
        return self._loaded.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, without importing them."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in COMMANDS and name not in self._loaded:
                stand_in = click.Command(name, help=COMMANDS[name][2])  # shortened as click does
                rows.append((name, stand_in.get_short_help_str(limit)))
            else:
                command = self._loaded[name]
                if not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="brm-advisor", prog_name="brm")
def cli() -> None:
    """Diagnose the maturity of a Business Relationship Management (BRM) practice.

    Write down what you observed about an organization in a YAML or JSON facts file
    (see `brm schema`), then run `brm assess FILE`.
    """


def main() -> None:
    """Entry point of the `brm` console script."""
    # Start-up makes tens of thousands of objects that live as long as the command (modules,
    # the pack, the compiled rules): collecting garbage every 700 of them, the default, costs
    # several full collections before anything is assessed. Every 50,000 still collects
    # often in a long batch or interview.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    try:
        cli.main(prog_name="brm")
    except BrokenPipeError:  # `brm ... | head`, outside a command (help, version)
        reader_gone()
