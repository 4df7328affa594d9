"""Where the package data lives: shipped schemas and rule packs."""

from __future__ import annotations

import json
from importlib import resources as _resources
from pathlib import Path
from typing import Any

from ..inputs.schema_check import SchemaValidator

BUILTIN_FACTS_SCHEMAS = {"facts-v1": "facts.schema.json"}


def schemas_dir() -> Path:
    return Path(str(_resources.files("brm_advisor.schemas")))


def rules_dir() -> Path:
    return Path(str(_resources.files("brm_advisor.rules")))


def schema_bytes(filename: str) -> bytes:
    return (schemas_dir() / filename).read_bytes()


def schema(name: str) -> dict[str, Any]:
    """A shipped schema by short name: ``facts``, ``diagnosis``, ``rulepack``."""
    data: dict[str, Any] = json.loads(schema_bytes(f"{name}.schema.json"))
    return data


def validator(name: str) -> SchemaValidator:
    """A new validator for a shipped schema (callers keep it: building one is not free)."""
    return SchemaValidator(schema(name), trusted=True)


def builtin_facts_schemas() -> dict[str, str]:
    return dict(BUILTIN_FACTS_SCHEMAS)
