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

Dimensions ("Several dimensions" in section 4, and the dimension tests of the Conditions
reference): a pack without ``dimensions:`` is one ladder. A dimensioned pack is one `Ladder` per
dimension beside the overall one (``Oracle.ladders``: the overall ladder first, then the
dimensions as declared); each is staged on its own, a ``{level: ID}`` reference finds its ladder
through ``Oracle.ladder_of``, and a dimension test compares ranks on the dimension's own ladder.
The overall level follows from the roll-up, which the docs say is written as criteria of the
overall levels, one per level and dimension (``rollup.LEVEL.DIMENSION``, "D is at least X"),
listed after the pack's own criteria (overall level order, then dimension order):

- ``lowest`` (or no ``rollup:``): the overall level of rank r needs every dimension at rank r;
- a table: each row's ``requires`` as "at least" (a dimension's floor needs nothing: every
  organization is there, so no criterion is written for it);
- ``none``: no overall ladder but one level, ``no_overall_level``, always the level.

A dimension's target is the one asked for it, else what the overall target needs of it under
the roll-up (the highest level the roll-up criteria of the overall levels up to the target
name; none when they name nothing above its floor). Gaps and recommendations are worked out
on every ladder alike, each with its own next level and target; recommendations come out
lower ranks (on their own ladder) first, then by impact, then as written.
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
LEVEL_TESTS = ("at_least", "at_most", "above", "below", "equals")
NO_OVERALL_LEVEL = "no_overall_level"
"""The one overall level of a pack whose roll-up is ``none`` (section 4: "the overall level then
always reads 'No overall level'"; its id is the one the tools print)."""


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
    dimension: str = ""  # "" for the overall ladder


class Verdict(NamedTuple):
    """What the oracle concludes for one facts document (ids as the pack names them)."""

    level: str
    derived: dict[str, bool]
    criteria: dict[str, bool]
    attained: dict[str, bool]
    gaps: list[str]
    recommendations: list[str]
    findings: list[str]
    dimensions: dict[str, tuple[str, str | None]]  # dimension id -> (its level, its target)


class Oracle:
    """A pack's data, read once; `evaluate` decides a facts document."""

    def __init__(self, pack: Mapping[str, Any]) -> None:
        self.pack = pack
        self.derived = {item["id"]: item for item in pack.get("derived", [])}
        dimensions = pack.get("dimensions", [])
        rollup = pack.get("rollup", "lowest") if dimensions else ""
        overall = (tuple(item["id"] for item in pack["levels"]) if rollup != "none"
                   else (NO_OVERALL_LEVEL,))
        ladders = {"": overall, **{d["id"]: tuple(item["id"] for item in d["levels"])
                                   for d in dimensions}}
        self.dimensions = {ident: levels for ident, levels in ladders.items() if ident}
        needs = _rollup_needs(rollup, overall, self.dimensions)
        self.criteria = {item["id"]: item for item in pack.get("criteria", [])}
        for level, dimension, needed in needs:  # the roll-up's criteria, after the pack's own
            self.criteria[f"rollup.{level}.{dimension}"] = {
                "id": f"rollup.{level}.{dimension}", "level": level, "when": {"level": needed}}
        self.ladders = tuple(
            Ladder(levels, {level: tuple(c["id"] for c in self.criteria.values()
                                         if c["level"] == level) for level in levels}, ident)
            for ident, levels in ladders.items())
        self.rank = {level: rank for ladder in self.ladders
                     for rank, level in enumerate(ladder.levels, start=1)}
        self.by_dimension = {ladder.dimension: ladder for ladder in self.ladders}
        self.needs = needs

    def ladder_of(self, level: str) -> Ladder:
        return next(ladder for ladder in self.ladders if level in ladder.levels)

    def dimension_targets(self, target: str | None, targets: Mapping[str, str] | None
                          ) -> dict[str, str | None]:
        """Each dimension's target: the one asked, else the highest level of it that the
        overall levels up to the target need under the roll-up (None when none)."""
        found: dict[str, str | None] = {ident: None for ident in self.dimensions}
        if target is not None:
            for level, dimension, needed in self.needs:
                current = found[dimension]
                if self.rank[level] <= self.rank[target] and (
                        current is None or self.rank[needed] > self.rank[current]):
                    found[dimension] = needed
        found.update(targets or {})
        return found

    def evaluate(self, facts: Mapping[str, Any], target: str | None = None,
                 targets: Mapping[str, str] | None = None) -> Verdict:
        reading = Reading(self, facts)
        target_id = target or facts.get("target_level")
        dimension_targets = self.dimension_targets(target_id, targets)
        criteria = {ident: reading.criterion(ident) for ident in self.criteria}
        attained = {level: reading.attained(level)
                    for ladder in self.ladders for level in ladder.levels}
        scopes: dict[str, tuple[int, int] | None] = {}  # ladder -> (next rank, top rank)
        reached: dict[str, str] = {}
        for ladder in self.ladders:
            level = reached[ladder.dimension] = reading.level(ladder)
            aimed = target_id if not ladder.dimension else dimension_targets[ladder.dimension]
            next_rank = self.rank[level] + 1
            scopes[ladder.dimension] = (None if next_rank > len(ladder.levels) else
                                        (next_rank, self.rank[aimed] if aimed else 0))
        gaps = [ident for ident, item in self.criteria.items()
                if not criteria[ident] and self._in_scope(item["level"], scopes)]
        recommendations: list[tuple[int, int, int, str]] = []
        for index, rec in enumerate(self.pack.get("recommendations", [])):
            fires = (self._in_scope(rec["level"], scopes)
                     and any(not criteria[c] for c in rec["addresses"])
                     and ("when" not in rec or reading.holds(rec["when"])))
            if fires:
                impact = IMPACTS.index(rec.get("impact", "medium"))
                recommendations.append((self.rank[rec["level"]], impact, index, rec["id"]))
        findings = sorted((SEVERITIES.index(item["severity"]), index, item["id"])
                          for index, item in enumerate(self.pack.get("findings", []))
                          if reading.holds(item["when"]))
        return Verdict(reached[""], {ident: reading.derived_fact(ident) for ident in self.derived},
                       criteria, attained, gaps, [r[-1] for r in sorted(recommendations)],
                       [f[-1] for f in findings],
                       {ident: (reached[ident], dimension_targets[ident])
                        for ident in self.dimensions})

    def _in_scope(self, level: str, scopes: Mapping[str, tuple[int, int] | None]) -> bool:
        """A gap: a criterion of the next level or of one up to the target, on its ladder; a
        recommendation: its level is the next one, or one up to the target, on its ladder (the
        same reading: ranks from the next level to the higher of it and the target)."""
        scope = scopes[self.ladder_of(level).dimension]
        if scope is None:
            return False
        next_rank, target_rank = scope
        rank = self.rank[level]
        return rank == next_rank or next_rank <= rank <= target_rank


def _rollup_needs(rollup: Any, overall: Sequence[str], dimensions: Mapping[str, Sequence[str]]
                  ) -> list[tuple[str, str, str]]:
    """(overall level, dimension, the dimension's level it needs at least), one per roll-up
    criterion, in overall level order then dimension order; nothing at a dimension's floor."""
    if rollup == "lowest":
        return [(level, ident, levels[rank]) for rank, level in enumerate(overall) if rank
                for ident, levels in dimensions.items()]
    if isinstance(rollup, Mapping):
        rows = {row["level"]: row["requires"] for row in rollup["table"]}
        return [(level, ident, rows[level][ident]) for level in overall[1:]
                for ident, levels in dimensions.items()
                if ident in rows[level] and rows[level][ident] != levels[0]]
    return []


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

    def level(self, ladder: Ladder) -> str:
        """The highest level attained on a ladder (staged: every level below it too)."""
        return [level for level in ladder.levels if self.attained(level)][-1]

    def dimension_test(self, test: Mapping[str, Any]) -> bool:
        """``{dimension: D, at_least|...: LEVEL}`` or ``{dimension: D, ahead_of|apart_from: E,
        by: N}``: ranks compared on the dimensions' own ladders. A comparison with one level
        asks only "is D at rank k or above", which under staged attainment is "D's level of rank
        k is attained": so a criterion may test its own dimension below its own level."""
        ladders = self.oracle.by_dimension
        ladder = ladders[test["dimension"]]
        for op in ("ahead_of", "apart_from"):
            if op in test:
                rank = self.oracle.rank
                difference = rank[self.level(ladder)] - rank[self.level(ladders[test[op]])]
                by = test.get("by", 1)
                return difference >= by if op == "ahead_of" else abs(difference) >= by
        (op,) = [op for op in LEVEL_TESTS if op in test]
        k = ladder.levels.index(test[op]) + 1

        def at_least(rank: int) -> bool:
            return rank <= 1 or (rank <= len(ladder.levels)
                                 and self.attained(ladder.levels[rank - 1]))

        if op == "equals":
            return at_least(k) and not at_least(k + 1)
        if op in ("at_least", "above"):
            return at_least(k if op == "at_least" else k + 1)
        return not at_least(k if op == "below" else k + 1)

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
        if "dimension" in condition:
            return self.dimension_test(condition)
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
