"""What the tests share: paths, the CLI runner, and fixtures (the seed pack's advisor, compiled
once per session, and a minimal valid organization). Test modules import the plain names
(``from conftest import ROOT, run``); fixtures come by argument as usual."""

from __future__ import annotations

import contextlib
import copy
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from brm_advisor.cli.main import cli
from brm_advisor.engine import Advisor, resolve_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ACME = str(EXAMPLES / "acme.yaml")
GOLDEN = ROOT / "tests" / "golden"


def run(*args: str, input: str | bytes | None = None, catch_exceptions: bool = True) -> Result:
    """`brm ARGS` through click's CliRunner (standard error kept apart from the output)."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=catch_exceptions)

BASE_FACTS: dict[str, Any] = {
    "organization": "Acme Corp",
    "brm": {"formal_role": True},
    "engagement": {"mode": "order_taking", "prioritization": "first_come",
                   "lifecycle": ["planning", "delivery"]},
    "measures": ["satisfaction", "service_levels"],
}


@pytest.fixture(scope="session")
def seed_pack():
    return resolve_pack()


@pytest.fixture(scope="session")
def advisor(seed_pack):
    with Advisor(seed_pack) as shared:
        yield shared


@pytest.fixture
def base_facts() -> dict[str, Any]:
    return copy.deepcopy(BASE_FACTS)


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail the test if the block runs longer than `seconds`: a guard against hangs and
    runaway work (exponential expansions, endless reads), not a measurement of speed (the
    benchmark measures). Main thread, POSIX only (SIGALRM)."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: hung or runaway")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
