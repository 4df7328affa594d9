"""An independent plain-Python reading of a rule pack, written from ``docs/rule-packs.md`` alone.

It reads a pack as its author writes it: the data of ``pack.yaml`` (plain mappings and lists,
as ``yaml.safe_load`` gives them) and a facts document, never the project's parsed objects
(`RulePack`, `Condition`...), so that it shares no code, and no mistake, with the engine. It
computes what the documentation says a diagnosis holds:

- every derived fact, every criterion met or unmet, every level attained or not (section 5,
  "Conditions" in the reference);
- the level under staged attainment: a level is attained when every criterion of it and of
  every level below it is met; the first level is the floor (section 4);
- the gaps: unmet criteria of the next level and of every level up to the target;
- the recommendations that fire (an addressed criterion unmet, the `when` holding, the level in
  scope: the next level, or any level up to the target) in their order: lower levels first,
  then by impact, then as written; a recommendation's own level decides its scope, whatever
  the level of the criteria it addresses (section 6);
- the findings that fire, most severe first, then as the pack lists them (section 7).

Used only as a test oracle (``tests/test_pack_language.py``).

Dimensions: a pack without ``dimensions:`` is one ladder. `Ladder` is that ladder (its levels
and criteria) and `Reading.attained` decides a level within its ladder; a dimensioned pack
becomes one `Ladder` per dimension (``Oracle.ladders``), a ``{level: ID}`` reference finds its
ladder through ``Oracle.ladder_of``, and the overall level is the roll-up of the ladders' levels
(to be added in ``Oracle.evaluate`` where ``ladder = self.ladders[0]`` is read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

MISSING: Any = object()
"""A fact the facts document does not give."""

IMPACTS = ("high", "medium", "low")
SEVERITIES = ("critical", "warning", "info")
COMPARISONS = ("equals", "in", "at_least", "at_most", "above", "below")
LIST_TESTS = ("includes", "includes_any", "includes_all", "empty", "count_at_least")


def fact_value(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of the facts, or `MISSING`."""
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


def fact_test(test: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """One ``{fact: PATH, OP: OPERAND}`` test, as the reference's table of tests says."""
    value = fact_value(facts, test["fact"])
    ops = [op for op in (*COMPARISONS, *LIST_TESTS, "present") if op in test]
    assert len(ops) == 1, f"a fact test takes one test: {test!r}"
    op = ops[0]
    if op == "present":
        return (value is not MISSING) == test[op]
    if op in LIST_TESTS:  # a list not given counts as empty
        return _list_test(op, test[op], [] if value is MISSING else list(value))
    if value is MISSING:  # a comparison on a fact not given: false unless if_absent says
        return bool(test.get("if_absent", False))
    return _comparison(op, test[op], value)


def _list_test(op: str, operand: Any, items: list[Any]) -> bool:
    if op == "includes":
        return operand in items
    if op == "includes_any":
        return any(item in items for item in operand)
    if op == "includes_all":
        return all(item in items for item in operand)
    if op == "empty":
        return (not items) == operand
    return len(items) >= operand  # count_at_least


def _comparison(op: str, operand: Any, value: Any) -> bool:
    if op == "equals":
        return bool(value == operand)
    if op == "in":
        return value in operand
    if op == "at_least":
        return bool(value >= operand)
    if op == "at_most":
        return bool(value <= operand)
    if op == "above":
        return bool(value > operand)
    return bool(value < operand)


class Ladder(NamedTuple):
    """Levels from the floor up, and the criteria of each (a pack without dimensions has one)."""

    levels: tuple[str, ...]
    criteria: Mapping[str, tuple[str, ...]]  # level id -> its criteria's ids, as written


class Verdict(NamedTuple):
    """What the oracle concludes for one facts document (ids as the pack names them)."""

    level: str
    derived: dict[str, bool]
    criteria: dict[str, bool]
    attained: dict[str, bool]
    gaps: list[str]
    recommendations: list[str]
    findings: list[str]


class Oracle:
    """A pack's data, read once; `evaluate` decides a facts document."""

    def __init__(self, pack: Mapping[str, Any]) -> None:
        self.pack = pack
        self.derived = {item["id"]: item for item in pack.get("derived", [])}
        self.criteria = {item["id"]: item for item in pack.get("criteria", [])}
        levels = tuple(item["id"] for item in pack["levels"])
        self.ladders = (Ladder(levels, {level: tuple(c["id"] for c in pack["criteria"]
                                                     if c["level"] == level)
                                        for level in levels}),)
        self.rank = {level: rank for ladder in self.ladders
                     for rank, level in enumerate(ladder.levels, start=1)}

    def ladder_of(self, level: str) -> Ladder:
        return next(ladder for ladder in self.ladders if level in ladder.levels)

    def evaluate(self, facts: Mapping[str, Any], target: str | None = None) -> Verdict:
        reading = Reading(self, facts)
        ladder = self.ladders[0]
        attained = {level: reading.attained(level) for level in ladder.levels}
        level = [lv for lv in ladder.levels if attained[lv]][-1]
        rank = self.rank
        next_rank = rank[level] + 1 if rank[level] < len(ladder.levels) else None
        target_id = target or facts.get("target_level")
        target_rank = rank[target_id] if target_id else 0
        criteria = {ident: reading.criterion(ident) for ident in self.criteria}
        gaps: list[str] = []
        recommendations: list[tuple[int, int, int, str]] = []
        if next_rank is not None:
            top = max(next_rank, target_rank)
            gaps = [ident for ident, item in self.criteria.items()
                    if not criteria[ident] and next_rank <= rank[item["level"]] <= top]
            for index, rec in enumerate(self.pack.get("recommendations", [])):
                level_rank = rank[rec["level"]]
                in_scope = level_rank == next_rank or next_rank <= level_rank <= target_rank
                fires = (in_scope and any(not criteria[c] for c in rec["addresses"])
                         and ("when" not in rec or reading.holds(rec["when"])))
                if fires:
                    impact = IMPACTS.index(rec.get("impact", "medium"))
                    recommendations.append((level_rank, impact, index, rec["id"]))
        findings = sorted((SEVERITIES.index(item["severity"]), index, item["id"])
                          for index, item in enumerate(self.pack.get("findings", []))
                          if reading.holds(item["when"]))
        return Verdict(level, {ident: reading.derived_fact(ident) for ident in self.derived},
                       criteria, attained, gaps, [r[-1] for r in sorted(recommendations)],
                       [f[-1] for f in findings])


class Reading:
    """The conclusions for one facts document, each decided once, when first needed (a pack's
    conclusions form no cycle, so asking for what a condition refers to always ends)."""

    def __init__(self, oracle: Oracle, facts: Mapping[str, Any]) -> None:
        self.oracle = oracle
        self.facts = facts
        self.known: dict[tuple[str, str], bool] = {}

    def _decided(self, kind: str, ident: str) -> bool:
        key = (kind, ident)
        if key not in self.known:
            if kind == "derived":
                value = self.holds(self.oracle.derived[ident]["when"])
            elif kind == "criterion":
                value = self.holds(self.oracle.criteria[ident]["when"])
            else:
                value = self._attained(ident)
            self.known[key] = value
        return self.known[key]

    def derived_fact(self, ident: str) -> bool:
        return self._decided("derived", ident)

    def criterion(self, ident: str) -> bool:
        return self._decided("criterion", ident)

    def attained(self, level: str) -> bool:
        return self._decided("level", level)

    def _attained(self, level: str) -> bool:
        """Staged: the floor always; above it, the level below and every criterion of this
        level."""
        ladder = self.oracle.ladder_of(level)
        index = ladder.levels.index(level)
        if index == 0:
            return True
        return self.attained(ladder.levels[index - 1]) and all(
            self.criterion(c) for c in ladder.criteria[level])

    def holds(self, condition: Any) -> bool:
        """A condition as the reference's tables of tests, references and combinations say."""
        if isinstance(condition, bool):
            return condition
        if "all" in condition:
            return all(self.holds(item) for item in condition["all"])
        if "any" in condition:
            return any(self.holds(item) for item in condition["any"])
        if "not" in condition:
            return not self.holds(condition["not"])
        if "of" in condition:
            return sum(map(self.holds, condition["of"])) >= condition["at_least"]
        for kind in ("derived", "criterion", "level"):
            if kind in condition:
                return self._decided(kind, condition[kind]) == condition.get("is", True)
        return fact_test(condition, self.facts)


def reached_levels(oracle: Oracle, documents: Sequence[Mapping[str, Any]]) -> set[str]:
    """The levels some document attains."""
    reached: set[str] = set()
    for facts in documents:
        reached.update(level for level, is_attained in oracle.evaluate(facts).attained.items()
                       if is_attained)
    return reached
