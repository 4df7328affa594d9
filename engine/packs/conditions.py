"""The condition language of rule packs: a closed, declarative set of tests, parsed into data.

A condition is YAML like ``{fact: engagement.mode, in: [advisory, partnership]}`` or
``{all: [...]}``; it is parsed into the immutable node types below; the engine evaluates it.
The compiler turns conditions into durable-rules conditions; this module only knows their
shape and their logic (negation, the references they make, the facts they read).

Semantics, as documented for pack authors:

- comparison tests (``equals``, ``in``, ``at_least``, ``at_most``, ``above``, ``below``) on a
  fact that is absent are false, unless the test says ``if_absent: true``;
- list tests (``includes``, ``includes_any``, ``includes_all``, ``empty``, ``count_at_least``)
  treat an absent list as empty;
- ``present: true|false`` tests whether a fact was given at all;
- ``derived: ID`` is true when that derived fact holds, ``criterion: ID`` when that criterion is
  met, ``level: ID`` when that level is attained (``is: false`` reverses each);
- ``all``, ``any``, ``not`` combine; ``{at_least: N, of: [...]}`` holds when N of them hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Issue
from ..inputs.paths import json_path
from ..present.words import plain, status, suggest
from .fields import Field

SCALAR_OPS = ("equals", "in", "at_least", "at_most", "above", "below")
LIST_OPS = ("includes", "includes_any", "includes_all", "empty", "count_at_least")
FACT_OPS = SCALAR_OPS + LIST_OPS + ("present",)
REF_KINDS = ("derived", "criterion", "level")

_NEGATED_WORDS = {
    "equals": "is not", "in": "is not one of", "at_least": "is below", "at_most": "is above",
    "above": "is at most", "below": "is at least", "includes": "does not include",
    "includes_any": "includes none of", "includes_all": "lacks one of", "empty": "is not empty",
    "count_at_least": "has fewer items than", "present": "is absent",
}
_WORDS = {
    "equals": "is", "in": "is one of", "at_least": "is at least", "at_most": "is at most",
    "above": "is above", "below": "is below", "includes": "includes",
    "includes_any": "includes any of", "includes_all": "includes all of", "empty": "is empty",
    "count_at_least": "has at least", "present": "is given",
}


_SCALAR_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda value, operand: bool(value == operand),
    "in": lambda value, operand: bool(value in operand),
    "at_least": lambda value, operand: bool(value >= operand),
    "at_most": lambda value, operand: bool(value <= operand),
    "above": lambda value, operand: bool(value > operand),
    "below": lambda value, operand: bool(value < operand),
}


class FactTest(NamedTuple):
    """A test on one input fact, addressed by its dotted path."""

    path: str
    op: str
    value: Any = None
    if_absent: bool = False
    negated: bool = False
    tag: str = "fact"

    def negate(self) -> FactTest:
        return FactTest(self.path, self.op, self.value, self.if_absent, not self.negated)

    def admits(self, value: Any) -> bool:
        """Whether this test holds for a hypothetical value of its fact (None: absent).

        Used to sort candidate values into classes that every test treats alike, so that a
        what-if search tries one value per class; whether an organization meets a criterion
        is only ever decided by the engine.
        """
        return self._positive(value) != self.negated

    def _positive(self, value: Any) -> bool:
        if self.op == "present":
            return value is not None
        if self.op in LIST_OPS:
            return self._list_holds(value or ())
        if value is None:
            return self.if_absent
        return _SCALAR_TESTS[self.op](value, self.value)

    def _list_holds(self, items: Any) -> bool:
        op, operand = self.op, self.value
        if op == "includes":
            return bool(operand in items)
        if op == "includes_any":
            return any(item in items for item in operand)
        if op == "includes_all":
            return all(item in items for item in operand)
        if op == "empty":
            return not items
        return bool(len(items) >= operand)

    def describe(self) -> str:
        words = (_NEGATED_WORDS if self.negated else _WORDS)[self.op]
        if self.op in ("empty", "present"):
            return f"{self.path} {words}"
        value = self.value
        if isinstance(value, tuple):
            shown = ", ".join(plain(item) for item in value)
        else:
            shown = plain(value)
        suffix = " items" if self.op == "count_at_least" else ""
        return f"{self.path} {words} {shown}{suffix}"


class Ref(NamedTuple):
    """A reference to a conclusion of another rule: a derived fact, a criterion or a level."""

    kind: str  # "derived" | "criterion" | "level"
    id: str
    value: bool = True
    tag: str = "ref"

    def negate(self) -> Ref:
        return Ref(self.kind, self.id, not self.value)

    def describe(self) -> str:
        verb = status(self.kind, self.value, prose=True)
        return f"{self.kind} {self.id} {verb if self.kind == 'derived' else 'is ' + verb}"


class All(NamedTuple):
    items: tuple[Condition, ...]
    tag: str = "all"  # nodes are tuples: the tag keeps all(x) and any(x) apart


class AnyOf(NamedTuple):
    items: tuple[Condition, ...]
    tag: str = "any"


class Not(NamedTuple):
    item: Condition
    tag: str = "not"


class Const(NamedTuple):
    value: bool
    tag: str = "const"


class AtLeast(NamedTuple):
    """``{at_least: N, of: [...]}``: at least `least` of the items hold.

    Kept as one node rather than expanded into its combinations: its negation is again a
    count (at least n - N + 1 of the negated items), where the negation of the expanded
    combinations would be a product of alternatives that the engine matches once per way
    it holds. `branches` writes it out for the compiler, as exclusive alternatives.
    """

    least: int
    items: tuple[Condition, ...]
    tag: str = "at_least"


Condition = FactTest | Ref | All | AnyOf | Not | Const | AtLeast


# --- parsing ----------------------------------------------------------------------------------

class ParseContext:
    """What a condition may refer to, and where problems are collected."""

    def __init__(self, fact_paths: Mapping[str, Field], ids: Mapping[str, Sequence[str]],
                 line_of: Callable[[list[str | int]], int | None] | None = None,
                 dimensions: Mapping[str, Sequence[str]] | None = None,
                 floors: Sequence[str] = ()) -> None:
        self.fact_paths = fact_paths
        self.ids = ids  # kind -> known ids
        self.dimensions = dimensions or {}  # dimension id -> its level ids, floor first
        self.floors = frozenset(floors)  # the floor of each ladder: attained by everyone
        self.line_of = line_of  # callable(path parts) -> line, or None
        self.issues: list[Issue] = []

    def problem(self, where: tuple[str | int, ...], message: str, *, allowed: str | None = None,
                suggestion: str | None = None, code: str = "condition") -> None:
        line = self.line_of(list(where)) if self.line_of else None
        self.issues.append(Issue(json_path(where), message, allowed=allowed,
                                 suggestion=suggestion, line=line, code=code))


MAX_COMBINATIONS = 128
"""An ``{at_least: N, of: [...]}`` compiles into one alternative per combination of the items
that make it hold (C(n, N)), and its negation into C(n, N - 1): at most this many each (every
count of up to 9 items fits)."""
MAX_CONDITION_NODES = 2000
"""A condition may expand (``at_least`` inside ``at_least``...) to at most this many tests and
connectives: every later step (negation, compiling, lint) walks the expanded condition."""

_SHAPE = ("a condition must be a mapping such as {fact: PATH, equals: VALUE}, {all: [...]}, "
          "{any: [...]}, {not: ...} or {derived: ID}")


def parse_condition(data: Any, where: tuple[str | int, ...], ctx: ParseContext) -> Condition:
    """Parse one condition; problems go to `ctx.issues` and yield ``Const(False)``."""
    if isinstance(data, bool):
        return Const(data)
    if not isinstance(data, Mapping) or not data:
        ctx.problem(where, _SHAPE, code="condition-shape")
        return Const(False)
    keys = set(data)
    if "all" in keys or "any" in keys:
        return _parse_connective("all" if "all" in keys else "any", data, where, ctx)
    if "not" in keys:
        _only(keys, "not", where, ctx)
        return Not(parse_condition(data["not"], (*where, "not"), ctx))
    if "of" in keys:
        return _parse_counting(data, where, ctx)
    return _parse_test(data, where, ctx)


def _parse_test(data: Mapping[str, Any], where: tuple[str | int, ...],
                ctx: ParseContext) -> Condition:
    """A reference to a conclusion or a test on a fact, or an unknown key reported."""
    keys = set(data)
    if "dimension" in keys:
        return _parse_dimension(data, where, ctx)
    ref_kinds = [kind for kind in REF_KINDS if kind in keys]
    if ref_kinds:
        return _parse_ref(data, ref_kinds, where, ctx)
    if "fact" in keys:
        return _parse_fact_test(data, where, ctx)
    known = ["fact", *REF_KINDS, "dimension", "all", "any", "not", "of"]
    first = sorted(keys)[0]
    ctx.problem((*where, first), f"unknown condition key {first!r}", allowed=", ".join(known),
                suggestion=suggest(first, known), code="unknown-field")
    return Const(False)


def _only(keys: set[str], word: str, where: tuple[str | int, ...], ctx: ParseContext) -> None:
    if keys != {word}:
        ctx.problem(where, f"'{word}' cannot be combined with {sorted(keys - {word})}",
                    code="condition-shape")


def _parse_connective(word: str, data: Mapping[str, Any], where: tuple[str | int, ...],
                      ctx: ParseContext) -> Condition:
    _only(set(data), word, where, ctx)
    items = data[word]
    if not isinstance(items, list) or not items:
        ctx.problem((*where, word), f"'{word}' takes a non-empty list of conditions",
                    code="condition-shape")
        return Const(False)
    parsed = tuple(parse_condition(item, (*where, word, index), ctx)
                   for index, item in enumerate(items))
    return All(parsed) if word == "all" else AnyOf(parsed)


def _parse_counting(data: Mapping[str, Any], where: tuple[str | int, ...],
                    ctx: ParseContext) -> Condition:
    """``{at_least: N, of: [...]}``: any of the combinations of N items, all of each.

    The size of the expansion is computed before anything is expanded: C(n, N) alternatives,
    each item appearing in C(n-1, N-1) of them."""
    keys = set(data)
    if keys != {"at_least", "of"}:
        ctx.problem(where, "a counting condition is {at_least: N, of: [conditions]}",
                    code="condition-shape")
        return Const(False)
    count, items = data["at_least"], data["of"]
    if not isinstance(items, list) or not items:
        ctx.problem((*where, "of"), "'of' takes a non-empty list of conditions",
                    code="condition-shape")
        return Const(False)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(items):
        ctx.problem((*where, "at_least"), f"{count!r} is not a usable count",
                    allowed=f"a whole number from 1 to {len(items)}", code="condition-shape")
        return Const(False)
    parsed = tuple(parse_condition(item, (*where, "of", index), ctx)
                   for index, item in enumerate(items))
    combinations = max(math.comb(len(items), count), math.comb(len(items), count - 1))
    if combinations > MAX_COMBINATIONS:
        ctx.problem(where, f"'at_least {count} of {len(items)}' compiles to {combinations} "
                           f"alternatives, more than the {MAX_COMBINATIONS} allowed; name "
                           "groups of its parts as derived facts", code="too-complex")
        return Const(False)
    node = AtLeast(count, parsed)
    nodes = expanded_size(node)
    if nodes > MAX_CONDITION_NODES:
        ctx.problem(where, f"'at_least {count} of {len(items)}' expands to {nodes} tests and "
                           f"connectives, more than the {MAX_CONDITION_NODES} allowed; name "
                           "its parts as derived facts", code="too-complex")
        return Const(False)
    return node


def expanded_size(condition: Condition, memo: dict[int, int] | None = None) -> int:
    """How many tests, references, constants and connectives the condition holds once written
    out for the engine (a count as its alternatives, the larger of it and its negation, each
    item in each), counting a part shared by several alternatives once per use; parts are
    counted once (`memo`, by id), so the cost is the size of the parsed condition, not of its
    expansion."""
    memo = {} if memo is None else memo
    known = memo.get(id(condition))
    if known is not None:
        return known
    if isinstance(condition, Not):
        size = 1 + expanded_size(condition.item, memo)
    elif isinstance(condition, AtLeast):
        total, count = len(condition.items), condition.least
        alternatives = max(math.comb(total, count), math.comb(total, count - 1))
        size = 1 + alternatives * (1 + sum(expanded_size(item, memo)
                                           for item in condition.items))
    elif isinstance(condition, (All, AnyOf)):
        size = 1 + sum(expanded_size(item, memo) for item in condition.items)
    else:
        size = 1
    memo[id(condition)] = size
    return size


LEVEL_TESTS = ("at_least", "at_most", "above", "below", "equals")
"""What a dimension's level is compared with: one of its levels."""
DIMENSION_TESTS = ("ahead_of", "apart_from")
"""What a dimension's level is compared with: another dimension's, by a number of levels."""


def _parse_dimension(data: Mapping[str, Any], where: tuple[str | int, ...],
                     ctx: ParseContext) -> Condition:
    """``{dimension: D, at_least: LEVEL}`` or ``{dimension: D, ahead_of: E, by: N}``, written
    as references to the levels attained (a staged level is attained with all below it), so
    they are decided, traced and explained as every other conclusion."""
    ladder = _dimension_ladder(data["dimension"], (*where, "dimension"), ctx)
    tests = [key for key in data if key in LEVEL_TESTS + DIMENSION_TESTS]
    extra = sorted(set(data) - {"dimension", "by", *tests})
    allowed = ", ".join(LEVEL_TESTS + DIMENSION_TESTS)
    for key in extra:
        ctx.problem((*where, key), f"unknown test {key!r} of a dimension", allowed=allowed,
                    suggestion=suggest(key, LEVEL_TESTS + DIMENSION_TESTS), code="unknown-field")
    if len(tests) != 1:
        ctx.problem(where, "a dimension test takes exactly one test" +
                    (f", not {len(tests)} ({', '.join(tests)})" if tests else ""),
                    allowed=allowed, code="condition-shape")
        return Const(False)
    op = tests[0]
    if op in LEVEL_TESTS:
        if "by" in data:
            ctx.problem((*where, "by"), f"'by' goes with ahead_of or apart_from, not {op}",
                        code="condition-shape")
        return _level_test(ladder, op, data[op], (*where, op), ctx) if ladder else Const(False)
    other = _dimension_ladder(data[op], (*where, op), ctx)
    by = data.get("by", 1)
    if isinstance(by, bool) or not isinstance(by, int) or by < 1:
        ctx.problem((*where, "by"), f"{by!r} is not a number of levels",
                    allowed="a whole number from 1", code="condition-shape")
        return Const(False)
    if not ladder or not other:
        return Const(False)
    ahead = _ahead(ladder, other, by)
    return ahead if op == "ahead_of" else AnyOf((ahead, _ahead(other, ladder, by)))


def _dimension_ladder(ident: Any, where: tuple[str | int, ...], ctx: ParseContext
                      ) -> Sequence[str]:
    """The level ids of a dimension, floor first; empty (a problem noted) when unknown."""
    known = list(ctx.dimensions)
    if isinstance(ident, str) and ident in ctx.dimensions:
        return ctx.dimensions[ident]
    ctx.problem(where, f"unknown dimension {ident!r}",
                allowed=", ".join(known) or "the pack declares no dimensions",
                suggestion=suggest(ident, known) if isinstance(ident, str) else None,
                code="unknown-reference")
    return ()


def _level_test(ladder: Sequence[str], op: str, level: Any, where: tuple[str | int, ...],
                ctx: ParseContext) -> Condition:
    if not isinstance(level, str) or level not in ladder:
        ctx.problem(where, f"{level!r} is not a level of this dimension",
                    allowed=", ".join(ladder),
                    suggestion=suggest(level, list(ladder)) if isinstance(level, str) else None,
                    code="unknown-reference")
        return Const(False)
    rank = ladder.index(level) + 1
    if op == "at_least":
        return _at_least(ladder, rank)
    if op == "above":
        return _at_least(ladder, rank + 1)
    if op == "below":
        return Not(_at_least(ladder, rank))
    if op == "at_most":
        return Not(_at_least(ladder, rank + 1))
    return All((_at_least(ladder, rank), Not(_at_least(ladder, rank + 1))))


def _at_least(ladder: Sequence[str], rank: int) -> Condition:
    """The dimension is at `rank` or above: the level of that rank is attained."""
    if rank <= 1:
        return Const(True)
    if rank > len(ladder):
        return Const(False)
    return Ref("level", ladder[rank - 1])


def _ahead(ladder: Sequence[str], other: Sequence[str], by: int) -> Condition:
    """`ladder`'s rank minus `other`'s is at least `by`: for the one rank `other` is at, the
    first is at least that far above (alternatives of which exactly one can hold)."""
    ways: list[Condition] = []
    for rank in range(1, len(other) + 1):
        exactly = All((_at_least(other, rank), Not(_at_least(other, rank + 1))))
        ways.append(All((exactly, _at_least(ladder, rank + by))))
    return simplify(AnyOf(tuple(ways)))


def _parse_ref(data: Mapping[str, Any], kinds: list[str], where: tuple[str | int, ...],
               ctx: ParseContext) -> Condition:
    kind = kinds[0]
    extra = set(data) - {kind, "is"}
    if len(kinds) > 1 or extra:
        ctx.problem(where, f"a '{kind}' reference takes only an id and an optional 'is'",
                    code="condition-shape")
    ident = data[kind]
    truth = data.get("is", True)
    if not isinstance(truth, bool):
        ctx.problem((*where, "is"), f"{truth!r} is not allowed", allowed="true or false",
                    code="condition-shape")
        truth = True
    known = list(ctx.ids.get(kind, ()))
    if not isinstance(ident, str) or ident not in known:
        ctx.problem((*where, kind), f"unknown {kind} {ident!r}",
                    allowed=", ".join(known) or f"no {kind} ids are defined",
                    suggestion=suggest(ident, known) if isinstance(ident, str) else None,
                    code="unknown-reference")
        return Const(False)
    if kind == "level" and ident in ctx.floors:
        return Const(truth)  # every organization attains the floor
    return Ref(kind, ident, truth)


def _parse_fact_test(data: Mapping[str, Any], where: tuple[str | int, ...],
                     ctx: ParseContext) -> Condition:
    op = _single_test(data, where, ctx)
    if op is None:
        return Const(False)
    path = data["fact"]
    if not isinstance(path, str) or path not in ctx.fact_paths:
        known = list(ctx.fact_paths)
        ctx.problem((*where, "fact"), f"unknown fact {path!r}", allowed=", ".join(known),
                    suggestion=suggest(path, known) if isinstance(path, str) else None,
                    code="unknown-reference")
        return Const(False)
    if_absent = data.get("if_absent", False)
    if not isinstance(if_absent, bool):
        ctx.problem((*where, "if_absent"), f"{if_absent!r} is not allowed",
                    allowed="true or false", code="condition-shape")
        if_absent = False
    checked = _check_operand(ctx.fact_paths[path], op, data[op], (*where, op), ctx)
    if checked is None:
        return Const(False)
    if op in ("present", "empty"):
        return FactTest(path, op, None, False, negated=not checked)
    return FactTest(path, op, checked, if_absent)


def _single_test(data: Mapping[str, Any], where: tuple[str | int, ...],
                 ctx: ParseContext) -> str | None:
    """The one test a fact test makes (unknown keys reported), or None after a problem."""
    ops = [key for key in data if key in FACT_OPS]
    extra = [key for key in data if key not in FACT_OPS and key not in ("fact", "if_absent")]
    for key in extra:
        ctx.problem((*where, key), f"unknown test {key!r}", allowed=", ".join(FACT_OPS),
                    suggestion=suggest(key, FACT_OPS), code="unknown-field")
    if len(ops) != 1:
        ctx.problem(where, "a fact test takes exactly one test" +
                    (f", not {len(ops)} ({', '.join(ops)})" if ops else ""),
                    allowed=", ".join(FACT_OPS), code="condition-shape")
        return None
    return ops[0]


_NUMERIC_OPS = ("at_least", "at_most", "above", "below", "count_at_least")
_LIST_OPERAND_OPS = ("in", "includes_any", "includes_all")


def _check_operand(info: Field, op: str, value: Any, where: tuple[str | int, ...],
                   ctx: ParseContext) -> Any:
    """The operand in its canonical form (tuples for lists), or None after reporting a problem."""
    if not _fits_kind(info, op, where, ctx):
        return None
    if op in ("present", "empty"):
        return _check_switch(info, op, value, where, ctx)
    if op in _NUMERIC_OPS:
        return _check_number(info, op, value, where, ctx)
    return _check_values(info, op, value, where, ctx)


def _fits_kind(info: Field, op: str, where: tuple[str | int, ...], ctx: ParseContext) -> bool:
    """Whether the test suits the field: list tests on lists, value tests on single values."""
    is_list = info.kind == "list"
    if op in LIST_OPS and not is_list:
        ctx.problem(where, f"'{op}' tests a list, but {info.path} is a {info.kind}",
                    allowed=", ".join(o for o in SCALAR_OPS + ("present",)),
                    code="operator-type")
        return False
    if op in SCALAR_OPS and is_list:
        ctx.problem(where, f"'{op}' tests a single value, but {info.path} is a list",
                    allowed=", ".join(LIST_OPS), code="operator-type")
        return False
    return True


def _check_switch(info: Field, op: str, value: Any, where: tuple[str | int, ...],
                  ctx: ParseContext) -> bool | None:
    """``present`` and ``empty`` take true or false."""
    if not isinstance(value, bool):
        ctx.problem(where, f"{value!r} is not allowed", allowed="true or false",
                    code="condition-shape")
        return None
    if op == "present" and info.kind == "list":
        ctx.problem(where, "'present' tests a single value; use 'empty' for a list",
                    code="operator-type")
        return None
    return value


def _check_number(info: Field, op: str, value: Any, where: tuple[str | int, ...],
                  ctx: ParseContext) -> Any:
    if info.kind not in ("integer", "number") and op != "count_at_least":
        ctx.problem(where, f"'{op}' compares numbers, but {info.path} is a {info.kind}",
                    allowed="equals, in, present", code="operator-type")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        ctx.problem(where, f"{value!r} is not a number", allowed="a number",
                    code="condition-shape")
        return None
    return value


def _check_values(info: Field, op: str, value: Any, where: tuple[str | int, ...],
                  ctx: ParseContext) -> Any:
    """``equals`` and ``includes`` take one value, ``in`` and ``includes_any|all`` a list."""
    if op in _LIST_OPERAND_OPS:
        if not isinstance(value, list) or not value:
            ctx.problem(where, f"'{op}' takes a non-empty list of values", code="condition-shape")
            return None
        values = list(value)
    else:
        values = [value]
    for item in values:
        if not _fits(info, item):
            allowed = ", ".join(plain(choice) for choice in info.choices) or info.kind
            ctx.problem(where, f"{item!r} is not a value {info.path} can take", allowed=allowed,
                        suggestion=suggest(item, [str(c) for c in info.choices])
                        if isinstance(item, str) else None,
                        code="unknown-value")
            return None
    if len(set(map(repr, values))) != len(values):
        ctx.problem(where, "lists a value more than once", code="condition-shape")
        return None
    return tuple(values) if op in _LIST_OPERAND_OPS else values[0]


def _fits(info: Field, value: Any) -> bool:
    if info.choices:
        return any(type(value) is type(choice) and value == choice for choice in info.choices)
    if info.kind == "boolean":
        return isinstance(value, bool)
    if info.kind in ("integer", "number"):
        return not isinstance(value, bool) and isinstance(value, (int, float))
    if info.kind == "string":
        return isinstance(value, str)
    return False


# --- logic ------------------------------------------------------------------------------------

def negation_normal_form(condition: Condition, negate: bool = False) -> Condition:
    """The same condition with every `Not` pushed down onto tests and references."""
    if isinstance(condition, Not):
        return negation_normal_form(condition.item, not negate)
    if isinstance(condition, (FactTest, Ref)):
        return condition.negate() if negate else condition
    if isinstance(condition, Const):
        return Const(condition.value != negate)
    items = tuple(negation_normal_form(item, negate) for item in condition.items)
    if isinstance(condition, AtLeast):
        # fewer than N of n hold: at least n - N + 1 of them do not
        return AtLeast(len(items) - condition.least + 1 if negate else condition.least, items)
    if isinstance(condition, All):
        return AnyOf(items) if negate else All(items)
    return All(items) if negate else AnyOf(items)


def _leaves(condition: Condition) -> Iterator[Condition]:
    """The tests, references and constants of a condition, in order."""
    if isinstance(condition, Not):
        yield from _leaves(condition.item)
    elif isinstance(condition, (All, AnyOf, AtLeast)):
        for item in condition.items:
            yield from _leaves(item)
    else:
        yield condition


def references(condition: Condition) -> Iterator[Ref]:
    """Every reference a condition makes, in order."""
    return (leaf for leaf in _leaves(condition) if isinstance(leaf, Ref))


def fact_tests(condition: Condition) -> Iterator[FactTest]:
    """Every fact test a condition makes, in order."""
    return (leaf for leaf in _leaves(condition) if isinstance(leaf, FactTest))


def simplify(condition: Condition) -> Condition:
    """Fold constants, flatten nested connectives of the same kind (input in NNF or not)."""
    if isinstance(condition, Not):
        inner = simplify(condition.item)
        return Const(not inner.value) if isinstance(inner, Const) else Not(inner)
    if isinstance(condition, AtLeast):
        return _simplified_count(condition)
    if not isinstance(condition, (All, AnyOf)):
        return condition
    is_all = isinstance(condition, All)
    flat = _flattened(condition, is_all)
    if isinstance(flat, Const):
        return flat
    if not flat:
        return Const(is_all)
    if len(flat) == 1:
        return flat[0]
    return All(tuple(flat)) if is_all else AnyOf(tuple(flat))


def _simplified_count(condition: AtLeast) -> Condition:
    """A count with its constant items folded in; a count of 1 is `any`, of all is `all`."""
    count, items = condition.least, []
    for item in (simplify(item) for item in condition.items):
        if isinstance(item, Const):
            count -= 1 if item.value else 0
        else:
            items.append(item)
    if count <= 0:
        return Const(True)
    if count > len(items):
        return Const(False)
    if count == 1:
        return simplify(AnyOf(tuple(items)))
    if count == len(items):
        return simplify(All(tuple(items)))
    return AtLeast(count, tuple(items))


def _flattened(condition: All | AnyOf, is_all: bool) -> list[Condition] | Const:
    """The simplified items of a connective, those of the same kind spliced in, repeats
    dropped; or the constant that decides the whole."""
    flat: list[Condition] = []
    for item in (simplify(item) for item in condition.items):
        if isinstance(item, Const):
            if item.value != is_all:  # False in all, True in any: decides the whole
                return Const(item.value)
            continue
        if isinstance(item, type(condition)):
            flat.extend(item.items)
        elif item not in flat:
            flat.append(item)
    return flat


def exclusive(condition: Condition) -> Condition:
    """The same condition (in negation normal form) with every `any` made exclusive.

    ``any(a, b, c)`` becomes ``any(a, all(not a, b), all(not a, not b, c))``: equivalent,
    but at most one alternative holds at a time. The engine fires a rule once per alternative
    that holds, so exclusive alternatives mean one activation per conclusion instead of one per
    reason, which is most of the cost of a redundant rule firing. The result can be far larger
    than the condition: `exclusive_size` tells how large before it is built.
    """
    if isinstance(condition, All):
        return All(tuple(exclusive(item) for item in condition.items))
    if isinstance(condition, AtLeast):  # written out exclusively where it is compiled
        return AtLeast(condition.least, tuple(exclusive(item) for item in condition.items))
    if not isinstance(condition, AnyOf):
        return condition
    items = [exclusive(item) for item in condition.items]
    alternatives: list[Condition] = []
    for index, item in enumerate(items):
        earlier = [negation_normal_form(other, negate=True) for other in condition.items[:index]]
        alternatives.append(simplify(All(tuple([*map(exclusive, earlier), item])))
                            if earlier else item)
    return AnyOf(tuple(alternatives))


def exclusive_size(condition: Condition) -> int:
    """At most how many nodes `exclusive(condition)` has (condition in negation normal form),
    computed from the condition's shape without building anything.

    Exclusive alternatives repeat the negation of every earlier one, recursively: the size
    can grow exponentially with the nesting of all/any, which is why it is computed first.
    """
    return _exclusive_sizes(condition, {})[0]


def _exclusive_sizes(condition: Condition, memo: dict[int, tuple[int, int]]
                     ) -> tuple[int, int]:
    """(size of exclusive(c), size of exclusive(negation of c)), both upper bounds."""
    known = memo.get(id(condition))
    if known is not None:
        return known
    if isinstance(condition, (All, AnyOf)):
        sizes = [_exclusive_sizes(item, memo) for item in condition.items]
        plain = [size for size, _ in sizes]
        negated = [size for _, size in sizes]
        if isinstance(condition, All):
            result = (1 + sum(plain), _alternatives_size(negated, plain))
        else:
            result = (_alternatives_size(plain, negated), 1 + sum(negated))
    elif isinstance(condition, AtLeast):
        sizes = [_exclusive_sizes(item, memo) for item in condition.items]
        widest = 1 + sum(max(size) for size in sizes)  # one alternative, at most
        count, total = condition.least, len(sizes)
        alternatives = max(math.comb(total, count), math.comb(total, count - 1))
        result = (1 + alternatives * widest, 1 + alternatives * widest)
    else:
        size = expanded_size(condition)
        result = (size, size)
    memo[id(condition)] = result
    return result


def _alternatives_size(items: Sequence[int], negations: Sequence[int]) -> int:
    """The size of ``any(x0, all(not x0, x1), all(not x0, not x1, x2)...)``."""
    total, earlier = 1, 0
    for item, negation in zip(items, negations, strict=True):
        total += 1 + earlier + item
        earlier += negation
    return total


class Branch(NamedTuple):
    """One way a condition can hold: a test on the input facts (or None) and references."""

    test: Condition | None
    refs: tuple[Ref, ...]


class TooComplex(Exception):
    """A condition expands into more branches than the engine should carry."""


Form = Callable[[Condition], Condition]
"""How the parts of a count are written when it is expanded: as they are, or `exclusive`."""


def branches(condition: Condition, limit: int = 64, form: Form | None = None
             ) -> tuple[Branch, ...]:
    """The condition (in negation normal form) as alternative branches.

    Tests on the input facts stay whole inside a branch (they run as one durable-rules
    expression); only references to other rules' conclusions are spread into alternatives,
    since each of those is a separate fact to join. A branch whose references contradict each
    other is dropped. Raises `TooComplex` past `limit` branches, as soon as they are counted:
    the work is bounded by the limit, whatever the condition would expand to. A count is
    spread only over its parts that refer to conclusions (one alternative per way those can
    fall); its tests on the input facts stay one count, written out with `form`.
    """
    condition = simplify(condition)
    result = _branches(condition, limit, form)
    unique: list[Branch] = []
    for branch in result:
        if branch not in unique:
            unique.append(branch)
    return tuple(unique)


def _pure(condition: Condition) -> bool:
    """Whether the condition is one test of the input facts: no reference to a conclusion, and
    no count (which is spread into alternatives: the engine carries few and/or in one test)."""
    return all(isinstance(leaf, (FactTest, Const)) for leaf in _leaves(condition)) and not any(
        isinstance(node, AtLeast) for node in _nodes(condition))


def _nodes(condition: Condition) -> Iterator[Condition]:
    yield condition
    if isinstance(condition, Not):
        yield from _nodes(condition.item)
    elif isinstance(condition, (All, AnyOf, AtLeast)):
        for item in condition.items:
            yield from _nodes(item)


def _branches(condition: Condition, limit: int, form: Form | None = None) -> list[Branch]:
    if isinstance(condition, Const):
        return [Branch(None, ())] if condition.value else []
    if isinstance(condition, Ref):
        return [Branch(None, (condition,))]
    if _pure(condition):
        return [Branch(condition, ())]
    if isinstance(condition, AnyOf):
        result = [branch for item in condition.items
                  for branch in _branches(item, limit, form)]
        if len(result) > limit:
            raise TooComplex(len(result))
        return result
    if isinstance(condition, All):
        return _all_branches(condition, limit, form)
    if isinstance(condition, AtLeast):
        return _count_branches(condition, limit, form)
    raise TypeError(f"not in negation normal form: {condition!r}")


def _all_branches(condition: All, limit: int, form: Form | None) -> list[Branch]:
    """Every way to hold all the items: the pure tests together, times each item's branches."""
    pure = [item for item in condition.items if _pure(item)]
    partial = [Branch(simplify(All(tuple(pure))) if pure else None, ())]
    for item in condition.items:
        if not partial:
            break
        if not _pure(item):
            partial = _product(partial, _branches(item, limit, form), limit)
    return partial


def _count_branches(condition: AtLeast, limit: int, form: Form | None) -> list[Branch]:
    """Every way a count holds, as alternatives of which at most one holds: its parts are
    decided in order, each holding or not, until as many as it needs hold (``a, b`` /
    ``a, not b, c`` / ``not a, b, c``...): C(n, N) alternatives, each a plain ``all``, that
    differ in some part taken both ways. `form` writes each part and each negated part."""
    items = condition.items
    shown = form or (lambda item: item)
    found: list[Branch] = []

    def walk(index: int, need: int, partial: list[Branch]) -> None:
        if not partial:
            return
        if need <= 0:
            found.extend(partial)
            if len(found) > limit:
                raise TooComplex(len(found))
        elif len(items) - index >= need:
            item = items[index]
            walk(index + 1, need - 1,
                 _product(partial, _branches(shown(item), limit, form), limit))
            negated = shown(negation_normal_form(item, negate=True))
            walk(index + 1, need, _product(partial, _branches(negated, limit, form), limit))

    walk(0, condition.least, [Branch(None, ())])
    return found


def _product(partial: list[Branch], choices: list[Branch], limit: int) -> list[Branch]:
    combined = []
    for left in partial:
        for right in choices:
            merged = _merge(left, right)
            if merged is not None:
                combined.append(merged)
            if len(combined) > limit:
                raise TooComplex(len(combined))
    return combined


def _merge(left: Branch, right: Branch) -> Branch | None:
    refs = list(left.refs)
    for ref in right.refs:
        if ref.negate() in refs:
            return None
        if ref not in refs:
            refs.append(ref)
    if left.test is None:
        test = right.test
    elif right.test is None:
        test = left.test
    else:
        test = simplify(All((left.test, right.test)))
        if _contradictory(test):
            return None  # a test and its negation together: a way that can never hold
    return Branch(test, tuple(refs))


def _contradictory(test: Condition) -> bool:
    """Whether an `all` of tests holds a test and its very negation (a count of repeated
    parts writes such ways out: "a, then not a")."""
    if not isinstance(test, All):
        return False
    tests = {item for item in test.items if isinstance(item, FactTest)}
    return any(item.negate() in tests for item in tests)
