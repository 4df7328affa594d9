"""The least value of a fact each level asks for, read from the criteria's tests (the
thresholds a report draws on its competency radar)."""

from __future__ import annotations

import pytest

from brm_advisor.engine import resolve_pack
from brm_advisor.engine.analysis.dependencies import Dependencies
from brm_advisor.engine.analysis.thresholds import lower_bound, thresholds
from brm_advisor.engine.packs.conditions import FactTest


@pytest.mark.parametrize(("test", "bound"), [
    (FactTest("x", "at_least", 3), 3),
    (FactTest("x", "at_least", 2.5), 3),
    (FactTest("x", "above", 2), 3),
    (FactTest("x", "above", 2.5), 3),
    (FactTest("x", "at_most", 2, negated=True), 3),
    (FactTest("x", "below", 3, negated=True), 3),
    (FactTest("x", "at_least", 3, negated=True), None),  # an upper bound
    (FactTest("x", "at_most", 3), None),
    (FactTest("x", "below", 3), None),
    (FactTest("x", "equals", 3), None),
    (FactTest("x", "at_least", True), None),
    (FactTest("x", "count_at_least", 2), None),
])
def test_lower_bound_of_a_test(test: FactTest, bound: int | None) -> None:
    assert lower_bound(test) == bound


def test_each_level_asks_for_what_its_criteria_and_those_below_test() -> None:
    pack = resolve_pack("merlyn-brm")
    deps = Dependencies(pack)
    by_rank = {level.rank: thresholds(pack, deps, level.rank) for level in pack.levels}
    assert by_rank[1] == {} and by_rank[2] == {}
    assert by_rank[3] == {"competencies.business_environment": 3,
                          "competencies.business_alignment": 3,
                          "competencies.communication": 3}
    assert set(by_rank[4]) == {f"competencies.{name}" for name in (
        "value_realization", "business_environment", "business_alignment", "relationships",
        "organizational_change", "projects_and_programs", "communication", "financial_savvy")}
    for rank in range(1, len(pack.levels)):
        lower, higher = by_rank[rank], by_rank[rank + 1]
        assert all(higher[path] >= value for path, value in lower.items())
