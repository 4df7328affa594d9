"""What a pack's criteria rest on: the input facts each one reads (through derived facts), the
tests made on each fact, and the values of a fact worth trying.

Values are tried one per class of values that the pack's tests treat alike (for a rating tested
only by ``at_least: 3``, one value below 3 and one at or above), nearest to the current value,
in the order the facts schema lists them. Used by what-if searches, the interview and reports;
whether anything holds is always decided by the engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from ..packs.conditions import Condition, FactTest, fact_tests, references
from ..packs.fields import Field
from ..packs.model import RulePack

MAX_LIST_ITEMS_EXHAUSTIVE = 8
"""Lists with up to this many allowed items have every subset considered; longer lists only
those within two item changes of the current value."""


class Dependencies:
    """For one pack: the input facts each criterion rests on, and the tests made on each."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        derived = {d.id: d.when for d in pack.derived}
        criteria = {c.id: c.when for c in pack.criteria}
        self.fields: dict[str, tuple[str, ...]] = {}
        self.tests: dict[str, list[FactTest]] = {}  # by fact path
        self.criterion_tests: dict[str, tuple[FactTest, ...]] = {}
        for criterion in pack.criteria:
            seen: set[tuple[str, str]] = set()
            tests = list(_tests_through(criterion.when, derived, criteria, seen))
            self.criterion_tests[criterion.id] = tuple(tests)
            self.fields[criterion.id] = tuple(dict.fromkeys(t.path for t in tests))
            for test in tests:
                if test not in self.tests.setdefault(test.path, []):
                    self.tests[test.path].append(test)

    def alternatives(self, info: Field, current: Any) -> list[Any]:
        """One value per class of values the tests on this field treat alike, other than the
        current value's class; each the closest to the current value, in schema order."""
        tests = self.tests.get(info.path, [])
        classes: dict[tuple[bool, ...], Any] = {}
        current_class = tuple(t.admits(current) for t in tests)
        for value in _domain(info, current):
            key = tuple(t.admits(value) for t in tests)
            if key != current_class and key not in classes:
                classes[key] = value
        return list(classes.values())


def _tests_through(condition: Any, derived: Mapping[str, Any], criteria: Mapping[str, Any],
                   seen: set[tuple[str, str]]) -> Iterable[FactTest]:
    yield from fact_tests(condition)
    for ref in references(condition):
        key = (ref.kind, ref.id)
        if key in seen:
            continue
        seen.add(key)
        source = derived.get(ref.id) if ref.kind == "derived" else (
            criteria.get(ref.id) if ref.kind == "criterion" else None)
        if source is not None:
            yield from _tests_through(source, derived, criteria, seen)


def _domain(info: Field, current: Any) -> list[Any]:
    """Values the schema allows for a field, nearest to the current value first."""
    values: list[Any]
    if info.kind == "list":
        items = list(info.choices)
        present = list(current or [])
        if len(items) <= MAX_LIST_ITEMS_EXHAUSTIVE:
            subsets = [list(combo) for size in range(len(items) + 1)
                       for combo in itertools.combinations(items, size)]
        else:
            subsets = [present]
            for a in items:
                subsets.append(_toggle(present, a, items))
                for b in items:
                    if b != a:
                        subsets.append(_toggle(_toggle(present, a, items), b, items))
        values = sorted(subsets, key=lambda s: (len(set(s) ^ set(present)),
                                                [items.index(i) for i in s]))
    elif info.choices:
        values = list(info.choices)
    elif info.kind == "boolean":
        values = [False, True]
    elif info.kind == "integer" and info.minimum is not None and info.maximum is not None \
            and info.maximum - info.minimum <= 100:
        values = list(range(int(info.minimum), int(info.maximum) + 1))
        if isinstance(current, int):
            values.sort(key=lambda v: (abs(v - current), v))
    else:
        values = [current] if current is not None else []
    if not info.required:
        values.append(None)
    return values


def _toggle(items: list[Any], item: Any, order: list[Any]) -> list[Any]:
    changed = [i for i in items if i != item] if item in items else [*items, item]
    return sorted(changed, key=order.index)


def tested_paths(pack: RulePack) -> set[str]:
    """The input fact paths that some rule of the pack tests."""
    return {test.path for condition in conditions_of(pack) for test in fact_tests(condition)}


def conditions_of(pack: RulePack) -> Iterable[Condition]:
    """Every condition the pack's rules hold (derived facts, criteria, findings, the
    recommendations' own)."""
    items: list[Any] = [*pack.derived, *pack.criteria, *pack.findings]
    for item in items:
        yield item.when
    for rec in pack.recommendations:
        if rec.when is not None:
            yield rec.when
