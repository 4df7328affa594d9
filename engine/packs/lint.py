"""Checking a rule pack for every problem at once: `brm packs lint`.

Errors make a pack unusable or wrong: anything the loader or compiler refuses (schema, unknown
references with "did you mean", duplicate ids, cycles, files outside the pack, engine limits),
malformed test files, and levels that no facts can reach. Warnings are smells: criteria with no
recommendation, derived facts nothing uses, rules that can never fire.
Reachability is decided the way everything else is here: by running the engine (a what-if
search from the pack's first test case, or from facts made up from its schema).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from ..analysis.dependencies import conditions_of
from ..analysis.search import (
    MAX_CANDIDATES,
    Budget,
    Memo,
    SearchResult,
    conflicting_criteria,
    finding_can_fire,
    meetable,
    search,
)
from ..errors import EngineError, InputError, Issue, PackError
from ..inference.advisor import Advisor
from ..inputs.documents import Document, read_document
from ..inputs.facts import Facts
from ..present.words import allowed_and_hint
from .cases import load_cases
from .conditions import (
    All,
    Condition,
    Const,
    FactTest,
    branches,
    negation_normal_form,
    references,
    simplify,
)
from .loader import load_pack
from .model import PACK_FILE, RulePack


class Problem(NamedTuple):
    severity: str  # "error" | "warning"
    issue: Issue
    subject: str | None = None  # the id concerned, when there is one
    file: str | None = None  # where the problem is, when not in pack.yaml (a test case file)

    def describe(self, source: str) -> str:
        source = self.file or source
        where = source if self.issue.line is None else f"{source}:{self.issue.line}"
        subject = f"{self.subject}: " if self.subject else f"{self.issue.path}: "
        text = f"{where}: {self.severity}: {subject}{self.issue.message}"
        text += allowed_and_hint(self.issue.allowed, self.issue.suggestion)
        return text + f" [{self.issue.code}]"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (`brm packs lint --format json`): severity, subject, then the issue."""
        return {"severity": self.severity, "subject": self.subject, **self.issue.to_dict()}


class LintReport(NamedTuple):
    source: str
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the pack file and every problem."""
        return {"pack": self.source, "problems": [p.to_dict() for p in self.problems]}


def lint_pack(location: str | Path) -> LintReport:
    """Every problem of the pack at `location` (a folder or its pack.yaml)."""
    path = Path(location)
    pack_file = path / PACK_FILE if path.is_dir() else path
    source = str(pack_file)
    try:
        pack = load_pack(path)
    except PackError as error:
        return LintReport(source, tuple(Problem("error", i) for i in error.issues))
    try:
        advisor = Advisor(pack)
    except PackError as error:
        return LintReport(source, tuple(Problem("error", i) for i in error.issues))
    except EngineError as error:  # the engine refused the compiled pack
        return LintReport(source, (Problem("error", Issue("$", f"the inference engine "
                                                                f"refused the pack: {error}",
                                                                code="engine")),))
    document = read_document(pack_file, max_bytes=4 * 1024 * 1024)
    problems: list[Problem] = []
    with advisor:
        problems += _test_files(pack)
        problems += _unused_and_uncovered(pack, document)
        problems += _never_fire(pack, document)
        problems += _unnamed(pack, document)
        problems += _unreachable(pack, document, advisor)
    problems.sort(key=lambda p: (p.file or "", p.issue.line or 0, p.severity, p.issue.code))
    return LintReport(source, tuple(problems))


def _line(document: Document, section: str, index: int) -> int | None:
    return document.line_of([section, index, "id"])


def _issue(document: Document, section: str, index: int, message: str, code: str,
           **extra: Any) -> Issue:
    return Issue(f"$.{section}[{index}]", message, line=_line(document, section, index),
                 code=code, **extra)


def _criterion_issue(pack: RulePack, document: Document, index: int, message: str,
                     code: str) -> Issue:
    """An issue about the criterion at `index` of `pack.criteria`: where its author wrote it,
    or, for one the loader wrote from the roll-up, at the roll-up."""
    if pack.criteria[index].rollup:
        line = document.line_of(["rollup"]) or document.line_of(["rollup"], key=True)
        return Issue("$.rollup", message, line=line, code=code)
    return _issue(document, "criteria", index, message, code)


def _level_issue(pack: RulePack, document: Document, level_id: str, message: str,
                 code: str) -> Issue:
    """An issue about a level of any ladder, at the line where the level is declared."""
    level = pack.level(level_id)
    index = level.rank - 1
    if not level.dimension:
        return _issue(document, "levels", index, message, code)
    place = next(i for i, d in enumerate(pack.dimensions) if d.id == level.dimension)
    path: list[str | int] = ["dimensions", place, "levels", index, "id"]
    return Issue(f"$.dimensions[{place}].levels[{index}]", message,
                 line=document.line_of(path), code=code)


def _unused_and_uncovered(pack: RulePack, document: Document) -> list[Problem]:
    problems = []
    used = {ref.id for condition in conditions_of(pack) for ref in references(condition)
            if ref.kind == "derived"}
    for index, fact in enumerate(pack.derived):
        if fact.id not in used:
            problems.append(Problem("warning", _issue(
                document, "derived", index, "no rule uses this derived fact", "unused-derived"),
                fact.id))
    addressed = {c for rec in pack.recommendations for c in rec.addresses}
    for index, criterion in enumerate(pack.criteria):
        # a roll-up criterion is closed by its dimension's own recommendations
        if criterion.id not in addressed and not criterion.rollup:
            problems.append(Problem("warning", _issue(
                document, "criteria", index, "no recommendation addresses this criterion, so "
                "a consultant gets no action when it is unmet", "no-recommendation"),
                criterion.id))
    return problems


def _unnamed(pack: RulePack, document: Document) -> list[Problem]:
    """A facts schema without ``organization``: nothing names who is assessed."""
    if "organization" in pack.fields:
        return []
    return [Problem("warning", Issue(
        "$.pack.facts_schema", "the facts schema has no 'organization' field: results, "
        "reports and saved assessments cannot name who is assessed",
        line=document.line_of(["pack", "facts_schema"]) or document.line_of(["pack"]),
        code="no-organization"))]


def _impossible(condition: Condition) -> bool:
    normal = simplify(negation_normal_form(condition))
    return normal == Const(False) or not branches(normal, limit=10_000)


def _never_fire(pack: RulePack, document: Document) -> list[Problem]:
    problems = []
    floors = {levels[0].id for _, levels in pack.ladders}
    sections: list[tuple[str, tuple[Any, ...]]] = [
        ("derived", pack.derived), ("criteria", pack.criteria), ("findings", pack.findings)]
    for section, items in sections:
        for index, item in enumerate(items):
            if _impossible(item.when):
                issue = (_criterion_issue(pack, document, index, "its condition can never "
                                          "hold", "never-fires") if section == "criteria"
                         else _issue(document, section, index, "its condition can never hold",
                                     "never-fires"))
                problems.append(Problem("warning", issue, item.id))
    for index, rec in enumerate(pack.recommendations):
        if rec.level in floors:
            problems.append(Problem("warning", _issue(
                document, "recommendations", index, f"it serves the floor level {rec.level!r}, "
                "which every organization attains, so it never fires", "never-fires"), rec.id))
        elif rec.when is not None and _impossible(rec.when):
            problems.append(Problem("warning", _issue(
                document, "recommendations", index, "its condition can never hold",
                "never-fires"), rec.id))
    return problems


def _test_files(pack: RulePack) -> list[Problem]:
    folder = Path(pack.location) / "tests"
    if not folder.is_dir():
        return [Problem("warning", Issue("$", "the pack has no tests/ folder of cases",
                                         code="no-tests"))]
    try:
        cases = load_cases(folder)
    except (PackError, InputError) as error:
        return [Problem("error", issue, file=error.source) for issue in error.issues]
    if not cases:
        return [Problem("warning", Issue("$", "tests/ holds no cases", code="no-tests"))]
    return []


def _unreachable(pack: RulePack, document: Document, advisor: Advisor) -> list[Problem]:
    baseline = _baseline(pack, advisor)
    if baseline is None:
        return [Problem("warning", Issue("$", "could not make up facts to check that every "
                                         "level can be reached; add a test case",
                                         code="unchecked-reachability"))]
    memo: Memo = {}  # every question starts from the baseline: each fact set assessed once
    return (_unmeetable_criteria(pack, document, advisor, baseline, memo)
            + _unreachable_levels(pack, document, advisor, baseline, memo)
            + _findings_never_fire(pack, document, advisor, baseline))


def _findings_never_fire(pack: RulePack, document: Document, advisor: Advisor,
                         baseline: Facts) -> list[Problem]:
    """Findings that no facts make fire, by the engine (those whose condition is plainly
    impossible are reported by `_never_fire`)."""
    problems = []
    fired = {f.id for f in advisor.assess(baseline).findings}
    budget = Budget()
    for index, finding in enumerate(pack.findings):
        if finding.id in fired or _impossible(finding.when):
            continue
        verdict = finding_can_fire(advisor, baseline, finding.id, budget)
        if verdict == "too-many":
            problems.append(Problem("warning", _issue(
                document, "findings", index, "whether its condition can hold is unchecked: "
                "the facts it rests on take more combinations of values than the "
                f"{MAX_CANDIDATES} fact sets a check may try", "unchecked-reachability"),
                finding.id))
        elif verdict == "never":
            problems.append(Problem("warning", _issue(
                document, "findings", index, "its condition can never hold: no values the "
                "facts schema allows make it fire", "never-fires"), finding.id))
    return problems


def _unmeetable_criteria(pack: RulePack, document: Document, advisor: Advisor,
                         baseline: Facts, memo: Memo) -> list[Problem]:
    problems = []
    holding = advisor.assess(baseline)
    for index, criterion in enumerate(pack.criteria):
        # a roll-up criterion is met when its dimension level is attained: whether one can
        # be is checked with the levels (`_unreachable_levels`)
        if criterion.rollup or holding.criterion(criterion.id).met:
            continue
        verdict = meetable(advisor, baseline, criterion.id, memo=memo)
        if verdict is None:
            problems.append(Problem("warning", _criterion_issue(
                pack, document, index, "the search for values that meet it was cut "
                f"after {MAX_CANDIDATES} fact sets: whether it can be met is unchecked",
                "unchecked-reachability"), criterion.id))
        elif not verdict:
            problems.append(Problem("warning", _criterion_issue(
                pack, document, index, "no values the facts schema allows meet it",
                "never-fires"), criterion.id))
    return problems


def _unreachable_levels(pack: RulePack, document: Document, advisor: Advisor,
                        baseline: Facts, memo: Memo) -> list[Problem]:
    """Levels above the floor that no facts reach, on every ladder: the overall one and each
    dimension's. Levels are staged, so a level reached means every level below it is: each
    ladder is searched from its top down, until a level is reached, or one the baseline or a
    test case of the pack attains (a case is facts the engine reached it with)."""
    problems: list[Problem] = []
    attained = _attained(pack, advisor, baseline)
    for name, levels in pack.ladders:
        found = []
        for level in reversed(levels[attained.get(name, 1):]):
            result = search(advisor, baseline, level.id, memo=memo)
            if result.reachable:
                break
            found.append(_unreached(pack, document, advisor, baseline, level.id, result))
        problems += reversed(found)
    return problems


def _unreached(pack: RulePack, document: Document, advisor: Advisor, baseline: Facts,
               level_id: str, result: SearchResult) -> Problem:
    """The problem of a level no search reached: an error, or a warning when it was cut."""
    if result.cut:
        return Problem("warning", _level_issue(
            pack, document, level_id, "whether facts can reach this level is "
            f"unchecked: {result.reason}", "unchecked-reachability"), level_id)
    why = _conflict(pack, conflicting_criteria(advisor, baseline, level_id))
    return Problem("error", _level_issue(
        pack, document, level_id, f"no facts can reach this level: "
        f"{why or result.reason}", "unreachable-level"), level_id)


def _conflict(pack: RulePack, criteria: tuple[str, ...] | None) -> str | None:
    """The criteria that cannot be met together, in words, each with what it asks."""
    if not criteria:
        return None
    named = [f"{c} ({_asks(pack, c)})" for c in criteria]
    if len(named) == 1:
        return f"criterion {named[0]} cannot be met by any values the facts schema allows"
    return (f"criteria {', '.join(named[:-1])} and {named[-1]} cannot all be met together "
            "(each can be met without the others)")


def _asks(pack: RulePack, criterion_id: str) -> str:
    """What a criterion asks of the facts: its tests, when it is a plain conjunction of
    them, else its text."""
    criterion = next(c for c in pack.criteria if c.id == criterion_id)
    normal = simplify(negation_normal_form(criterion.when))
    items = normal.items if isinstance(normal, All) else (normal,)
    if all(isinstance(item, FactTest) for item in items):
        return " and ".join(item.describe() for item in items if isinstance(item, FactTest))
    return criterion.text.strip().rstrip(".")


def _attained(pack: RulePack, advisor: Advisor, baseline: Facts) -> dict[str, int]:
    """The highest rank on each ladder that the baseline or any valid test case attains."""
    try:
        cases = load_cases(Path(pack.location) / "tests")
    except (PackError, InputError):
        cases = []
    attained: dict[str, int] = {}
    for facts in [baseline, *(case.facts for case in cases)]:
        try:
            diagnosis = advisor.assess(facts if isinstance(facts, Facts)
                                       else advisor.reader.from_data(facts))
        except (InputError, EngineError):
            continue
        for name, level in [("", diagnosis.level),
                            *((d.id, d.level) for d in diagnosis.dimensions)]:
            attained[name] = max(attained.get(name, 1), level.rank)
    return attained


def _baseline(pack: RulePack, advisor: Advisor) -> Facts | None:
    """Valid facts to start from: the pack's first test case, or facts made up from the
    schema's required fields."""
    try:
        cases = load_cases(Path(pack.location) / "tests")
    except (PackError, InputError):
        cases = []
    candidates: list[Any] = [case.facts for case in cases[:1]]
    candidates.append(pack.fields.placeholder_document())
    for data in candidates:
        try:
            return advisor.reader.from_data(data)
        except InputError:
            continue
    return None
