"""Tests that live beside a pack's rules: facts plus the diagnosis they must produce.

A case file (``<pack>/tests/*.yaml``) holds ``cases:``, each with ``name``, ``facts``, an
optional ``target`` (and, for a pack with dimensions, ``targets``: a level per dimension) and
``expect``: ``level``, and optionally ``dimensions`` (the level each dimension must be at),
``met`` / ``unmet`` (criteria that must be so), ``gaps`` (exact, in order),
``recommendations`` (exact ids, in order) and ``findings`` (exact ids, in order). Case files
are checked against that shape (`CASES_SCHEMA`) before anything runs: every problem of a file
at once, with its line and path. Like every file of a pack, they must lie inside the pack
folder (links out of it are refused).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError, Issue, PackError, UnknownLevelError
from ..inference.advisor import Advisor
from ..inference.diagnosis import Diagnosis
from ..inputs.documents import Document, read_document
from ..inputs.schema_check import SchemaValidator
from .loader import unsafe_file

if TYPE_CHECKING:
    from .model import RulePack

_EXPECT_KEYS = ("level", "met", "unmet", "gaps", "recommendations", "findings")
_IDS: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}
CASES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["cases"],
    "properties": {"cases": {"type": "array", "items": {"$ref": "#/$defs/case"}}},
    "$defs": {
        "case": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "facts", "expect"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "facts": {"type": "object"},
                "target": {"type": ["string", "null"]},
                "targets": {"type": "object", "additionalProperties": {"type": "string"}},
                "expect": {"$ref": "#/$defs/expect"},
            },
        },
        "expect": {
            "type": "object",
            "additionalProperties": False,
            "required": ["level"],
            "properties": {"level": {"type": "string", "minLength": 1},
                           "dimensions": {"type": "object",
                                          "additionalProperties": {"type": "string"}},
                           **{key: _IDS for key in _EXPECT_KEYS[1:]}},
        },
    },
}
"""The shape of a case file."""


class Case(NamedTuple):
    file: str
    number: int  # the case's position in its file, from 0
    name: str
    facts: Mapping[str, Any]
    target: str | None
    expect: Mapping[str, Any]
    targets: Mapping[str, str] | None = None  # a target level per dimension

    @property
    def case_id(self) -> str:
        return f"{Path(self.file).stem}[{self.number}] {self.name}"


class CaseResult(NamedTuple):
    case: Case
    failures: tuple[str, ...]  # one line per expectation that did not hold

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the case's id, whether it passed, each expectation that failed."""
        return {"case": self.case.case_id, "passed": self.passed,
                "failures": list(self.failures)}


def load_cases(folder: str | Path, pack_folder: str | Path | None = None) -> list[Case]:
    """Every case of every ``*.yaml`` file in `folder` (the ``tests`` folder of the pack in
    `pack_folder`, by default its parent), in file then case order.

    Raises `PackError` for the first file that cannot be used, with every problem in it."""
    folder = Path(folder)
    root = Path(pack_folder) if pack_folder is not None else folder.parent
    refusal = unsafe_file(root, folder, is_folder=True)
    if refusal is not None:
        raise PackError(str(folder), (Issue("$", f"the tests folder {refusal.message}",
                                            allowed="a folder inside the pack folder",
                                            code=refusal.code),))
    cases: list[Case] = []
    for path in sorted(folder.glob("*.yaml")):
        refusal = unsafe_file(root, path)
        if refusal is not None:
            raise PackError(str(path), (Issue("$", f"{path.name} {refusal.message}",
                                              allowed="a file inside the pack folder",
                                              code=refusal.code),))
        document = read_document(path)
        problems = _shape_problems(document)
        if problems:
            raise PackError(str(path), problems)
        cases += [Case(str(path), index, item["name"], item["facts"], item.get("target"),
                       item["expect"], item.get("targets"))
                  for index, item in enumerate(document.data["cases"])]
    return cases


@functools.cache
def _case_validator() -> SchemaValidator:
    """The case files' validator, built once: a constant."""
    return SchemaValidator(CASES_SCHEMA, trusted=True)


def _shape_problems(document: Document) -> tuple[Issue, ...]:
    if not isinstance(document.data, Mapping):
        return (Issue("$", "a test file holds 'cases:', a list of cases", line=1,
                      code="test-shape"),)

    def line_of(parts: list[str | int], is_key: bool) -> int | None:
        return document.line_of(parts, key=is_key)

    return _case_validator().issues(document.data, line_of)


def run_case(advisor: Advisor, case: Case) -> CaseResult:
    """Assess the case's facts and compare the diagnosis with what the case expects."""
    try:
        facts = advisor.reader.from_data(case.facts, f"{case.file} case {case.number}")
        diagnosis = advisor.assess(facts, target=case.target, targets=case.targets)
    except InputError as error:
        return CaseResult(case, tuple(f"invalid facts: {i.describe()}" for i in error.issues))
    except UnknownLevelError as error:
        return CaseResult(case, (f"target: {error}",))
    expect = case.expect
    failures = []
    if diagnosis.level.id != expect["level"]:
        failures.append(f"level: expected {expect['level']}, got {diagnosis.level.id}")
    failures += _dimension_failures(diagnosis, expect.get("dimensions", {}))
    failures += _criteria_failures(diagnosis, expect)
    actual_lists = {
        "gaps": list(diagnosis.gaps),
        "recommendations": [r.id for r in diagnosis.recommendations],
        "findings": [f.id for f in diagnosis.findings],
    }
    for key, actual in actual_lists.items():
        if key in expect and list(expect[key]) != actual:
            failures.append(_list_diff(key, list(expect[key]), actual))
    return CaseResult(case, tuple(failures))


def _dimension_failures(diagnosis: Diagnosis, expected: Mapping[str, str]) -> list[str]:
    levels = {d.id: d.level.id for d in diagnosis.dimensions}
    failures = []
    for dimension, level in expected.items():
        if dimension not in levels:
            failures.append(f"dimensions: no dimension {dimension!r} in the pack"
                            + (f" (it has {', '.join(levels)})" if levels else ""))
        elif levels[dimension] != level:
            failures.append(f"dimensions: expected {dimension} at {level}, got "
                            f"{levels[dimension]}")
    return failures


def _criteria_failures(diagnosis: Diagnosis, expect: Mapping[str, Any]) -> list[str]:
    met = {c.id: c.met for c in diagnosis.criteria}
    failures = []
    for key, wanted in (("met", True), ("unmet", False)):
        for criterion in expect.get(key, []):
            if criterion not in met:
                failures.append(f"{key}: no criterion {criterion!r} in the pack")
            elif met[criterion] != wanted:
                failures.append(f"{key}: expected {criterion} {key}, it is not")
    return failures


def _list_diff(key: str, expected: list[str], actual: list[str]) -> str:
    missing = [item for item in expected if item not in actual]
    extra = [item for item in actual if item not in expected]
    parts = [f"{key}: expected {expected}", f"got {actual}"]
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"unexpected {extra}")
    if not missing and not extra:
        parts.append("same items, other order")
    return "; ".join(parts)


def run_cases(advisor: Advisor, folder: str | Path) -> Iterator[CaseResult]:
    for case in load_cases(folder):
        yield run_case(advisor, case)


def cases_dict(pack: RulePack, results: Sequence[CaseResult]) -> dict[str, Any]:
    """The JSON form of a pack's cases run: the pack, how many passed and failed, each case's
    result (`CaseResult.to_dict`)."""
    failed = sum(1 for result in results if not result.passed)
    return {"pack": {"id": pack.id, "version": pack.version},
            "passed": len(results) - failed, "failed": failed,
            "cases": [result.to_dict() for result in results]}
