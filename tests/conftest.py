"""Shared fixtures: the seed pack's advisor (compiled once per session) and paths."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from brm_advisor.engine import Advisor, resolve_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"

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
