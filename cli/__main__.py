"""`python -m brm_advisor.cli` runs the `brm` command."""

from brm_advisor.cli.main import main

main()
