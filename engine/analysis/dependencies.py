"""What a pack's criteria rest on: the input facts each one reads (through derived facts), the
tests made on each fact, and the values of a fact worth trying.

Values are tried one per class of values that the pack's tests treat alike (for a rating tested
only by ``at_least: 3``, one value below 3 and one at or above), nearest to the current value,
in the order the facts schema lists them. Numbers (integers or not, bounded or not) are tried at
the values the tests compare them with and on both sides of each, within the schema's bounds.
Used by what-if searches, the interview and reports; whether anything holds is always decided by
the engine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeGuard

from ..packs.conditions import LIST_OPS, Condition, FactTest, Ref, fact_tests, references
from ..packs.fields import Field
from ..packs.model import RulePack

MAX_LIST_ITEMS_EXHAUSTIVE = 8
"""Lists with up to this many allowed items have every subset considered; longer lists only
those within two item changes of the current value."""


class Dependencies:
    """For one pack: the input facts each criterion rests on, and the tests made on each."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._sources = _sources(pack)
        self.fields: dict[str, tuple[str, ...]] = {}
        self.tests: dict[str, list[FactTest]] = {}  # by fact path
        self.criterion_tests: dict[str, tuple[FactTest, ...]] = {}
        for criterion in pack.criteria:
            tests = list(_behind(criterion.when, self._sources, set()))
            self.criterion_tests[criterion.id] = tuple(tests)
            self.fields[criterion.id] = tuple(dict.fromkeys(t.path for t in tests))
            for test in tests:
                if test not in self.tests.setdefault(test.path, []):
                    self.tests[test.path].append(test)

    def representatives(self, info: Field, current: Any,
                        tests: Sequence[FactTest] | None = None) -> list[Any]:
        """One value per class of values the tests on this field (by default those the
        criteria make) treat alike, the current value's class too; each the closest to the
        current value, in schema order."""
        tests = self.tests.get(info.path, []) if tests is None else tests
        classes: dict[tuple[bool, ...], Any] = {}
        for value in _domain(info, current, tests):
            classes.setdefault(tuple(t.admits(value) for t in tests), value)
        return list(classes.values())

    def alternatives(self, info: Field, current: Any) -> list[Any]:
        """One value per class of values the tests on this field treat alike, other than the
        current value's class; each the closest to the current value, in schema order."""
        tests = self.tests.get(info.path, [])
        current_class = tuple(t.admits(current) for t in tests)
        return [value for value in self.representatives(info, current)
                if tuple(t.admits(value) for t in tests) != current_class]


    def tests_behind(self, condition: Condition) -> list[FactTest]:
        """Every test on input facts that a condition rests on, through the derived facts,
        criteria and levels it refers to (a level: its criteria and every lower level's on
        its own ladder)."""
        return list(dict.fromkeys(_behind(condition, self._sources, set())))

    def level_tests(self, level_id: str) -> list[FactTest]:
        """Every test on input facts that attaining a level rests on (on any ladder)."""
        return list(dict.fromkeys(_behind(Ref("level", level_id), self._sources, set())))

    def direct_tests(self, condition: Condition) -> list[FactTest]:
        """The tests on input facts a condition makes itself or through the derived facts and
        criteria it refers to, but not through levels."""
        sources = {key: value for key, value in self._sources.items() if key[0] != "level"}
        return list(dict.fromkeys(_behind(condition, sources, set())))

    def ladders_behind(self, condition: Condition) -> list[str]:
        """The ladders ("" for the overall one, else a dimension's id) whose levels a
        condition refers to, directly or through derived facts, criteria and levels."""
        found: list[str] = []
        seen: set[tuple[str, str]] = set()
        todo = [condition]
        while todo:
            for ref in references(todo.pop()):
                key = (ref.kind, ref.id)
                if key in seen:
                    continue
                seen.add(key)
                if ref.kind == "level" and self.pack.level(ref.id).dimension not in found:
                    found.append(self.pack.level(ref.id).dimension)
                todo.extend(self._sources.get(key, ()))
        return found

    def ladder_fields(self, dimension: str) -> list[str]:
        """The input facts a ladder's levels rest on ("": the overall ladder)."""
        ladder = dict(self.pack.ladders)[dimension]
        return list(dict.fromkeys(t.path for t in self.level_tests(ladder[-1].id)))


def covers_every_class(info: Field, tests: Sequence[FactTest], current: Any) -> bool:
    """Whether the values `Dependencies.representatives` tries for a field hold one of every
    class of values these tests treat alike (so that trying them all decides a question)."""
    if info.kind == "list":
        return bool(info.choices) and len(info.choices) <= MAX_LIST_ITEMS_EXHAUSTIVE
    if info.choices or info.kind == "boolean":
        return True
    if info.kind in ("integer", "number"):
        step = NumberRange.of(info).step
        return step is None or float(step).is_integer()
    return current is not None and all(t.op == "present" for t in tests)


def _behind(condition: Condition, sources: Mapping[tuple[str, str], Sequence[Condition]],
            seen: set[tuple[str, str]]) -> Iterable[FactTest]:
    yield from fact_tests(condition)
    for ref in references(condition):
        key = (ref.kind, ref.id)
        if key not in seen:
            seen.add(key)
            for source in sources.get(key, ()):
                yield from _behind(source, sources, seen)


def _sources(pack: RulePack) -> dict[tuple[str, str], list[Condition]]:
    """What each conclusion a condition may refer to rests on: a derived fact and a criterion
    on their conditions, a level on the criteria of it and of the levels below it on its own
    ladder (a dimension's, or the overall one, whose roll-up criteria refer to dimension
    levels in turn)."""
    sources: dict[tuple[str, str], list[Condition]] = {}
    for fact in pack.derived:
        sources[("derived", fact.id)] = [fact.when]
    for criterion in pack.criteria:
        sources[("criterion", criterion.id)] = [criterion.when]
    for _, ladder in pack.ladders:
        below: set[str] = set()
        for level in ladder:
            below.add(level.id)
            sources[("level", level.id)] = [c.when for c in pack.criteria if c.level in below]
    return sources


def _domain(info: Field, current: Any, tests: Sequence[FactTest] = ()) -> list[Any]:
    """Values the schema allows for a field, nearest to the current value first (for a number,
    those worth trying given the tests made on it)."""
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
    elif info.kind in ("integer", "number"):
        values = numbers_to_try(info, tests, current)
    else:
        values = [current] if current is not None else []
    if not info.required:
        values.append(None)
    return values


class NumberRange(NamedTuple):
    """The numbers the facts schema allows for a field: bounds (open or closed, None when
    unbounded), whole numbers only, a step (``multipleOf``)."""

    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False
    whole: bool = False
    step: float | None = None

    @classmethod
    def of(cls, info: Field) -> NumberRange:
        low, low_open = _bound(info.minimum, info.exclusive_minimum, max)
        high, high_open = _bound(info.maximum, info.exclusive_maximum, min)
        step = info.multiple_of
        return cls(low, low_open, high, high_open, info.kind == "integer",
                   step if _is_number(step) and step > 0 else None)

    def allows(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is not None and (value > self.high
                                      or (self.high_open and value == self.high)):
            return False
        if self.whole and value != math.floor(value):
            return False
        return self.step is None or _multiple_of(value, self.step)

    def inside(self, low: float | None, high: float | None) -> list[float]:
        """Values strictly between `low` and `high` (None: unbounded) worth trying: the one
        next to each end, as round as the range allows (whole numbers or steps when there are
        some in between, else the middle)."""
        step = self.step or 1
        above = None if low is None else (math.floor(low / step) + 1) * step
        below = None if high is None else (math.ceil(high / step) - 1) * step
        found = [v for v in (above, below) if v is not None
                 and (low is None or low < v) and (high is None or v < high)]
        if low is None and high is None:
            found = [0]
        elif not found and low is not None and high is not None and self.step is None \
                and not self.whole and low < (low + high) / 2 < high:
            found = [(low + high) / 2]
        return [v for v in found if self.allows(v)]


def numbers_to_try(info: Field, tests: Sequence[FactTest], current: Any) -> list[Any]:
    """The numbers worth trying for a field: every value the tests compare it with, one on
    each side of each (next to it), and the schema's bounds, all within the schema's range;
    nearest to `current` first (without a current number, nearest to what the tests compare
    it with)."""
    allowed = NumberRange.of(info)
    compared = {float(v) for test in tests for v in _operands(test)}
    marks = sorted(compared | {float(b) for b in (allowed.low, allowed.high) if b is not None})
    found = [m for m in marks if allowed.allows(m)]
    edges: list[float | None] = [None, *marks, None]
    for low, high in itertools.pairwise(edges):
        found.extend(allowed.inside(low, high))
    values = sorted({_tidy(v) for v in found})
    near = [current] if _is_number(current) else sorted(compared)
    if near:
        values.sort(key=lambda v: (min(abs(v - m) for m in near), v))
    return values


def _operands(test: FactTest) -> list[Any]:
    """The numbers a test compares its fact with."""
    operand = test.value
    items = operand if isinstance(operand, tuple) else (operand,)
    return [v for v in items if _is_number(v) and test.op not in LIST_OPS]


def _bound(closed: float | None, open_: float | None,
           tighter: Callable[[Iterable[float]], float]) -> tuple[float | None, bool]:
    """The tighter of a closed and an open bound of a field, and whether it is open."""
    bounds = [(value, is_open) for value, is_open in ((closed, False), (open_, True))
              if _is_number(value)]
    if not bounds:
        return None, False
    value = tighter(b for b, _ in bounds)
    return value, any(b == value and is_open for b, is_open in bounds)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _multiple_of(value: float, step: float) -> bool:
    """Whether the value is a multiple of the step, as JSON Schema's validator decides."""
    if isinstance(step, int) and float(value).is_integer():
        return int(value) % step == 0
    quotient = value / step
    return math.isfinite(quotient) and int(quotient) == quotient


def _tidy(value: float) -> int | float:
    """A whole number as an int (``60``, not ``60.0``)."""
    return int(value) if float(value).is_integer() else value


def _toggle(items: list[Any], item: Any, order: list[Any]) -> list[Any]:
    changed = [i for i in items if i != item] if item in items else [*items, item]
    return sorted(changed, key=order.index)


def criteria_up_to(pack: RulePack, level_id: str) -> list[str]:
    """The criteria a level needs: its own and those of the levels below it on its ladder
    (for an overall level of a pack with dimensions, its roll-up criteria among them)."""
    below = {level.id for level in pack.ladder(level_id)[:pack.rank(level_id)]}
    return [c.id for c in pack.criteria if c.level in below]


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
