"""A plain-Python reading of the condition language, written from its documentation.

Used only as a test oracle: the engine's conclusions must agree with it on every input.
The product compiles conditions for the engine, which decides every conclusion; Python only
tries single fact tests on candidate values, to sort a what-if search's values into classes
the rules treat alike (`FactTest.admits`), never to conclude anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brm_advisor.engine.packs.conditions import All, AnyOf, Condition, Const, FactTest, Not, Ref
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


def diagnose(pack: RulePack, facts: Mapping[str, Any], target: str | None = None
             ) -> dict[str, Any]:
    """The whole diagnosis, computed directly: level, criteria, recommendations, findings."""
    known: dict[tuple[str, str], bool] = {}
    pending = list(pack.derived)
    while pending:  # derived facts may use each other: decide them in dependency order
        progress = False
        for fact in list(pending):
            try:
                known[("derived", fact.id)] = holds(fact.when, facts, known)
            except KeyError:
                continue
            pending.remove(fact)
            progress = True
        assert progress, "cycle in derived facts"
    for criterion in pack.criteria:
        known[("criterion", criterion.id)] = holds(criterion.when, facts, known)
    level = pack.levels[0]
    attained = True
    for candidate in pack.levels[1:]:
        attained = attained and all(known[("criterion", c.id)]
                                    for c in pack.criteria_of(candidate.id))
        known[("level", candidate.id)] = attained
        if attained:
            level = candidate
    ranks = {lv.id: lv.rank for lv in pack.levels}
    target_id = target or facts.get("target_level")
    target_rank = ranks[target_id] if target_id else 0
    next_rank = level.rank + 1
    recs = []
    for index, rec in enumerate(pack.recommendations):
        rank = ranks[rec.level]
        in_scope = rank >= next_rank and (rank == next_rank or rank <= target_rank)
        unmet = any(not known[("criterion", c)] for c in rec.addresses)
        if in_scope and unmet and (rec.when is None or holds(rec.when, facts, known)):
            recs.append((rank, -IMPACT_ORDER[rec.impact], index, rec.id))
    severity = {"critical": 3, "warning": 2, "info": 1}
    findings = sorted(((-severity[f.severity], i, f.id) for i, f in enumerate(pack.findings)
                       if holds(f.when, facts, known)))
    return {
        "level": level.id,
        "criteria": {c.id: known[("criterion", c.id)] for c in pack.criteria},
        "derived": {d.id: known[("derived", d.id)] for d in pack.derived},
        "recommendations": [r[-1] for r in sorted(recs)],
        "findings": [f[-1] for f in findings],
    }
