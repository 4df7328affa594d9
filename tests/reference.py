"""A plain-Python reading of the condition language, written from its documentation.

Used only as a test oracle: the engine's conclusions must agree with it on every input.
The product compiles conditions for the engine, which decides every conclusion; Python only
tries single fact tests on candidate values, to sort a what-if search's values into classes
the rules treat alike (`FactTest.admits`), never to conclude anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brm_advisor.engine.packs.conditions import (
    All,
    AnyOf,
    AtLeast,
    Condition,
    Const,
    FactTest,
    Not,
    Ref,
)
from brm_advisor.engine.packs.model import IMPACT_ORDER, RulePack


def _get(facts: Mapping[str, Any], path: str) -> Any:
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def holds(condition: Condition, facts: Mapping[str, Any], known: Mapping[tuple[str, str], bool]
          ) -> bool:
    if isinstance(condition, Const):
        return condition.value
    if isinstance(condition, Not):
        return not holds(condition.item, facts, known)
    if isinstance(condition, All):
        return all(holds(item, facts, known) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(holds(item, facts, known) for item in condition.items)
    if isinstance(condition, AtLeast):
        return sum(holds(item, facts, known) for item in condition.items) >= condition.least
    if isinstance(condition, Ref):
        return known[(condition.kind, condition.id)] == condition.value
    assert isinstance(condition, FactTest)
    return _test(condition, facts) != condition.negated


def _test(test: FactTest, facts: Mapping[str, Any]) -> bool:
    value = _get(facts, test.path)
    op = test.op
    if op == "present":
        return value is not None
    if op in ("includes", "includes_any", "includes_all", "empty", "count_at_least"):
        items = value or []
        if op == "includes":
            return test.value in items
        if op == "includes_any":
            return any(v in items for v in test.value)
        if op == "includes_all":
            return all(v in items for v in test.value)
        if op == "empty":
            return not items
        return len(items) >= test.value
    if value is None:
        return test.if_absent  # absent: as the test says (the caller applies `negated`)
    if op == "equals":
        return value == test.value
    if op == "in":
        return value in test.value
    return {"at_least": value >= test.value, "at_most": value <= test.value,
            "above": value > test.value, "below": value < test.value}[op]


def _decide_all(pack: RulePack, facts: Mapping[str, Any]) -> dict[tuple[str, str], bool]:
    """Every derived fact, criterion and level (of every ladder), each decided once what it
    uses is known (they may use each other in any order but a cycle)."""
    known: dict[tuple[str, str], bool] = {}
    pending: list[tuple[str, str, Any]] = [("derived", d.id, d.when) for d in pack.derived]
    pending += [("criterion", c.id, c.when) for c in pack.criteria]
    for _, ladder in pack.ladders:
        for index, level in enumerate(ladder[1:], start=1):
            parts = [Ref("criterion", c.id) for c in pack.criteria_of(level.id)]
            if index > 1:
                parts.append(Ref("level", ladder[index - 1].id))
            pending.append(("level", level.id, All(tuple(parts))))
    while pending:
        progress = False
        for kind, ident, condition in list(pending):
            try:
                known[(kind, ident)] = holds(condition, facts, known)
            except KeyError:
                continue
            pending.remove((kind, ident, condition))
            progress = True
        assert progress, "cycle between conclusions"
    return known


def _level_on(ladder: Any, known: Mapping[tuple[str, str], bool]) -> Any:
    level = ladder[0]
    for candidate in ladder[1:]:
        if not known[("level", candidate.id)]:
            break
        level = candidate
    return level


def diagnose(pack: RulePack, facts: Mapping[str, Any], target: str | None = None,
             targets: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The whole diagnosis, computed directly: level (and each dimension's), criteria,
    recommendations, findings."""
    known = _decide_all(pack, facts)
    target_id = target or facts.get("target_level")
    target_ranks = {"": pack.rank(target_id) if target_id else 0}
    for criterion in pack.criteria:  # what the overall target needs of each dimension
        if criterion.rollup and target_ranks[""] >= pack.rank(criterion.level):
            needed = pack.level(criterion.when.id)
            target_ranks[needed.dimension] = max(target_ranks.get(needed.dimension, 0),
                                                 needed.rank)
    for dimension, level_id in (targets or {}).items():
        target_ranks[dimension] = pack.rank(level_id)
    reached = {name: _level_on(ladder, known) for name, ladder in pack.ladders}
    recs = []
    for index, rec in enumerate(pack.recommendations):
        ladder = pack.level(rec.level).dimension
        rank, next_rank = pack.rank(rec.level), reached[ladder].rank + 1
        in_scope = rank >= next_rank and (rank == next_rank
                                          or rank <= target_ranks.get(ladder, 0))
        unmet = any(not known[("criterion", c)] for c in rec.addresses)
        if in_scope and unmet and (rec.when is None or holds(rec.when, facts, known)):
            recs.append((rank, -IMPACT_ORDER[rec.impact], index, rec.id))
    severity = {"critical": 3, "warning": 2, "info": 1}
    findings = sorted(((-severity[f.severity], i, f.id) for i, f in enumerate(pack.findings)
                       if holds(f.when, facts, known)))
    return {
        "level": reached[""].id,
        "dimensions": {name: level.id for name, level in reached.items() if name},
        "criteria": {c.id: known[("criterion", c.id)] for c in pack.criteria},
        "derived": {d.id: known[("derived", d.id)] for d in pack.derived},
        "recommendations": [r[-1] for r in sorted(recs)],
        "findings": [f[-1] for f in findings],
    }
