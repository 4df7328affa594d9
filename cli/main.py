"""The `brm` command. A thin layer: parse options, call the library, print, set the exit status.

Exit status: 0 success; 1 the input (facts or pack) is invalid; 2 usage error (bad option,
missing file, unknown pack or level); 3 the engine failed. Library errors become messages here,
never tracebacks. The commands live in one module per area: diagnose, interview, portfolio,
packs; what they share is in common.
"""

from __future__ import annotations

import click

from brm_advisor.cli import diagnose, interview, packs, portfolio, serve
from brm_advisor.cli.common import reader_gone


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="brm-advisor", prog_name="brm")
def cli() -> None:
    """Diagnose the maturity of a Business Relationship Management (BRM) practice.

    Write down what you observed about an organization in a YAML or JSON facts file
    (see `brm schema`), then run `brm assess FILE`.
    """


for command in (diagnose.assess, diagnose.validate, diagnose.schema, diagnose.levels,
                diagnose.explain_command, diagnose.whatif, diagnose.report, interview.interview,
                portfolio.batch, portfolio.history, portfolio.compare_command, packs.packs,
                serve.serve):
    cli.add_command(command)


def main() -> None:
    """Entry point of the `brm` console script."""
    try:
        cli.main(prog_name="brm")
    except BrokenPipeError:  # `brm ... | head`, outside a command (help, version)
        reader_gone()
