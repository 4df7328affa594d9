"""The least value of each fact that the criteria of a level, and of every level below it, ask
for: "communication must be at least 3 for Advisor".

Read from the tests the criteria make on input facts (through derived facts, as
`dependencies.Dependencies` records them): a test that sets a lower bound (``at_least``,
``above``, or the negation of ``at_most`` / ``below``) asks for at least that value; the
largest bound over the criteria of the levels up to a rank is the threshold. Used by reports to
draw a level's thresholds on the competency radar; whether a level is attained is only ever
decided by the engine.
"""

from __future__ import annotations

import math

from ..packs.conditions import FactTest
from ..packs.model import RulePack
from .dependencies import Dependencies


def thresholds(pack: RulePack, deps: Dependencies, up_to_rank: int) -> dict[str, int]:
    """Fact path -> the least integer value that the criteria of the levels of rank
    `up_to_rank` and below ask for, for each fact some of those criteria bound from below."""
    found: dict[str, int] = {}
    for criterion in pack.criteria:  # the overall ladder's (roll-up criteria rest on the
        # criteria of the dimension levels they need)
        if pack.level(criterion.level).dimension or pack.rank(criterion.level) > up_to_rank:
            continue
        for test in deps.criterion_tests[criterion.id]:
            bound = lower_bound(test)
            if bound is not None:
                found[test.path] = max(found.get(test.path, bound), bound)
    return found


def lower_bound(test: FactTest) -> int | None:
    """The least integer a test admits, when the test bounds its fact from below."""
    value = test.value
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if (test.op, test.negated) in (("at_least", False), ("below", True)):
        return math.ceil(value)
    if (test.op, test.negated) in (("above", False), ("at_most", True)):
        return math.floor(value) + 1
    return None
