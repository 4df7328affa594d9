"""Tests that live beside a pack's rules: facts plus the diagnosis they must produce.

A case file (``<pack>/tests/*.yaml``) holds ``cases:``, each with ``name``, ``facts``, an
optional ``target`` and ``expect``: ``level``, and optionally ``met`` / ``unmet`` (criteria that
must be so), ``gaps`` (exact, in order), ``recommendations`` (exact ids, in order) and
``findings`` (exact ids, in order).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import InputError, Issue, PackError
from ..inference.advisor import Advisor
from ..inputs.documents import read_document

_EXPECT_KEYS = ("level", "met", "unmet", "gaps", "recommendations", "findings")


class Case(NamedTuple):
    file: str
    number: int  # the case's position in its file, from 0
    name: str
    facts: Mapping[str, Any]
    target: str | None
    expect: Mapping[str, Any]

    @property
    def case_id(self) -> str:
        return f"{Path(self.file).stem}[{self.number}] {self.name}"


class CaseResult(NamedTuple):
    case: Case
    failures: tuple[str, ...]  # one line per expectation that did not hold

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(folder: str | Path) -> list[Case]:
    """Every case of every ``*.yaml`` file in `folder`, in file then case order."""
    cases: list[Case] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        document = read_document(path)
        data = document.data
        problems: list[Issue] = []
        if not isinstance(data, Mapping) or not isinstance(data.get("cases"), list):
            raise PackError(str(path), (Issue("$", "a test file holds 'cases:', a list of cases",
                                              code="test-shape"),))
        for index, item in enumerate(data["cases"]):
            where = f"$.cases[{index}]"
            if not isinstance(item, Mapping) or not {"name", "facts", "expect"} <= set(item):
                problems.append(Issue(where, "a case needs name, facts and expect",
                                      line=document.line_of(["cases", index]), code="test-shape"))
                continue
            unknown = set(item["expect"]) - set(_EXPECT_KEYS)
            if unknown or "level" not in item["expect"]:
                problems.append(Issue(f"{where}.expect", "expect takes level and optionally "
                                      f"{', '.join(_EXPECT_KEYS[1:])}",
                                      line=document.line_of(["cases", index, "expect"]),
                                      code="test-shape"))
                continue
            cases.append(Case(str(path), index, str(item["name"]), item["facts"],
                              item.get("target"), item["expect"]))
        if problems:
            raise PackError(str(path), tuple(problems))
    return cases


def run_case(advisor: Advisor, case: Case) -> CaseResult:
    """Assess the case's facts and compare the diagnosis with what the case expects."""
    try:
        facts = advisor.reader.from_data(case.facts, f"{case.file} case {case.number}")
    except InputError as error:
        return CaseResult(case, tuple(f"invalid facts: {i.describe()}" for i in error.issues))
    diagnosis = advisor.assess(facts, target=case.target)
    expect = case.expect
    failures = []
    if diagnosis.level.id != expect["level"]:
        failures.append(f"level: expected {expect['level']}, got {diagnosis.level.id}")
    met = {c.id: c.met for c in diagnosis.criteria}
    for key, wanted in (("met", True), ("unmet", False)):
        for criterion in expect.get(key, []):
            if criterion not in met:
                failures.append(f"{key}: no criterion {criterion!r} in the pack")
            elif met[criterion] != wanted:
                failures.append(f"{key}: expected {criterion} {key}, it is not")
    actual_lists = {
        "gaps": list(diagnosis.gaps),
        "recommendations": [r.id for r in diagnosis.recommendations],
        "findings": [f.id for f in diagnosis.findings],
    }
    for key, actual in actual_lists.items():
        if key in expect and list(expect[key]) != actual:
            failures.append(_list_diff(key, list(expect[key]), actual))
    return CaseResult(case, tuple(failures))


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
