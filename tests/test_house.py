"""The house in order (issue 17): the library prints no flag or command of the CLI, the CLI
only parses, calls the library and renders, and one idea has one home."""

from __future__ import annotations

import re

from brm_advisor.cli.common import TRACE_HINT
from brm_advisor.engine import facts_evidence, render_text

from conftest import ACME, run


def test_the_librarys_text_names_no_flag_and_the_cli_adds_its_own(advisor):
    facts = advisor.read(ACME)
    diagnosis = advisor.assess(facts)
    plain = render_text(diagnosis, advisor.pack, facts_evidence(facts))
    assert not re.search(r"--[a-z]|`brm ", plain)
    assert plain.endswith(f"{len(diagnosis.trace)} rules fired.\n")
    shown = render_text(diagnosis, advisor.pack, facts_evidence(facts), TRACE_HINT)
    assert shown == run("assess", ACME).output
    assert shown.endswith(f"rules fired; {TRACE_HINT}\n")
