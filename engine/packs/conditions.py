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

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Issue
from ..inputs.paths import json_path
from ..present.words import plain, suggest
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
        op, operand = self.op, self.value
        if op == "present":
            return value is not None
        if op in LIST_OPS:
            items = value or ()
            if op == "includes":
                return bool(operand in items)
            if op == "includes_any":
                return any(item in items for item in operand)
            if op == "includes_all":
                return all(item in items for item in operand)
            if op == "empty":
                return not items
            return bool(len(items) >= operand)
        if value is None:
            return self.if_absent
        if op == "equals":
            return bool(value == operand)
        if op == "in":
            return bool(value in operand)
        return bool({"at_least": value >= operand, "at_most": value <= operand,
                     "above": value > operand, "below": value < operand}[op])

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
        verb = {"derived": ("holds", "does not hold"), "criterion": ("is met", "is not met"),
                "level": ("is attained", "is not attained")}[self.kind]
        return f"{self.kind} {self.id} {verb[0] if self.value else verb[1]}"


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


Condition = FactTest | Ref | All | AnyOf | Not | Const


# --- parsing ----------------------------------------------------------------------------------

class ParseContext:
    """What a condition may refer to, and where problems are collected."""

    def __init__(self, fact_paths: Mapping[str, Field], ids: Mapping[str, Sequence[str]],
                 line_of: Any = None) -> None:
        self.fact_paths = fact_paths
        self.ids = ids  # kind -> known ids
        self.line_of = line_of  # callable(path parts) -> line, or None
        self.issues: list[Issue] = []

    def problem(self, where: tuple[str | int, ...], message: str, *, allowed: str | None = None,
                suggestion: str | None = None, code: str = "condition") -> None:
        line = self.line_of(list(where)) if self.line_of else None
        self.issues.append(Issue(json_path(where), message, allowed=allowed,
                                 suggestion=suggestion, line=line, code=code))


_CONNECTIVES = ("all", "any", "not", "at_least")


def parse_condition(data: Any, where: tuple[str | int, ...], ctx: ParseContext) -> Condition:
    """Parse one condition; problems go to `ctx.issues` and yield ``Const(False)``."""
    if isinstance(data, bool):
        return Const(data)
    if not isinstance(data, Mapping) or not data:
        ctx.problem(where, "a condition must be a mapping such as {fact: PATH, equals: VALUE}, "
                           "{all: [...]}, {any: [...]}, {not: ...} or {derived: ID}",
                    code="condition-shape")
        return Const(False)
    keys = set(data)
    if "all" in keys or "any" in keys:
        word = "all" if "all" in keys else "any"
        if keys != {word}:
            ctx.problem(where, f"'{word}' cannot be combined with {sorted(keys - {word})}",
                        code="condition-shape")
        items = data[word]
        if not isinstance(items, list) or not items:
            ctx.problem((*where, word), f"'{word}' takes a non-empty list of conditions",
                        code="condition-shape")
            return Const(False)
        parsed = tuple(parse_condition(item, (*where, word, index), ctx)
                       for index, item in enumerate(items))
        return All(parsed) if word == "all" else AnyOf(parsed)
    if "not" in keys:
        if keys != {"not"}:
            ctx.problem(where, f"'not' cannot be combined with {sorted(keys - {'not'})}",
                        code="condition-shape")
        return Not(parse_condition(data["not"], (*where, "not"), ctx))
    if "of" in keys:
        return _parse_counting(data, where, ctx)
    ref_kinds = [kind for kind in REF_KINDS if kind in keys]
    if ref_kinds:
        return _parse_ref(data, ref_kinds, where, ctx)
    if "fact" in keys:
        return _parse_fact_test(data, where, ctx)
    known = ["fact", *REF_KINDS, "all", "any", "not", "of"]
    first = sorted(keys)[0]
    ctx.problem((*where, first), f"unknown condition key {first!r}", allowed=", ".join(known),
                suggestion=suggest(first, known), code="unknown-field")
    return Const(False)


def _parse_counting(data: Mapping[str, Any], where: tuple[str | int, ...],
                    ctx: ParseContext) -> Condition:
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
    combos = list(itertools.combinations(parsed, count))
    if len(combos) > 64:
        ctx.problem(where, f"'at_least {count} of {len(items)}' expands to {len(combos)} "
                           "combinations, more than the 64 allowed", code="too-complex")
        return Const(False)
    return AnyOf(tuple(All(combo) for combo in combos))


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
    return Ref(kind, ident, truth)


def _parse_fact_test(data: Mapping[str, Any], where: tuple[str | int, ...],
                     ctx: ParseContext) -> Condition:
    path = data["fact"]
    ops = [key for key in data if key in FACT_OPS]
    extra = [key for key in data if key not in FACT_OPS and key not in ("fact", "if_absent")]
    for key in extra:
        ctx.problem((*where, key), f"unknown test {key!r}", allowed=", ".join(FACT_OPS),
                    suggestion=suggest(key, FACT_OPS), code="unknown-field")
    if len(ops) != 1:
        ctx.problem(where, "a fact test takes exactly one test" +
                    (f", not {len(ops)} ({', '.join(ops)})" if ops else ""),
                    allowed=", ".join(FACT_OPS), code="condition-shape")
        return Const(False)
    op = ops[0]
    known = list(ctx.fact_paths)
    if not isinstance(path, str) or path not in ctx.fact_paths:
        ctx.problem((*where, "fact"), f"unknown fact {path!r}", allowed=", ".join(known),
                    suggestion=suggest(path, known) if isinstance(path, str) else None,
                    code="unknown-reference")
        return Const(False)
    info = ctx.fact_paths[path]
    if_absent = data.get("if_absent", False)
    if not isinstance(if_absent, bool):
        ctx.problem((*where, "if_absent"), f"{if_absent!r} is not allowed",
                    allowed="true or false", code="condition-shape")
        if_absent = False
    value = data[op]
    checked = _check_operand(info, op, value, (*where, op), ctx)
    if checked is None:
        return Const(False)
    if op == "present":
        return FactTest(path, op, None, False, negated=not checked)
    if op == "empty":
        return FactTest(path, op, None, False, negated=not checked)
    return FactTest(path, op, checked, if_absent)


def _check_operand(info: Field, op: str, value: Any, where: tuple[str | int, ...],
                   ctx: ParseContext) -> Any:
    """The operand in its canonical form (tuples for lists), or None after reporting a problem."""
    is_list = info.kind == "list"
    if op in LIST_OPS and not is_list:
        ctx.problem(where, f"'{op}' tests a list, but {info.path} is a {info.kind}",
                    allowed=", ".join(o for o in SCALAR_OPS + ("present",)),
                    code="operator-type")
        return None
    if op in SCALAR_OPS and is_list:
        ctx.problem(where, f"'{op}' tests a single value, but {info.path} is a list",
                    allowed=", ".join(LIST_OPS), code="operator-type")
        return None
    if op in ("present", "empty"):
        if not isinstance(value, bool):
            ctx.problem(where, f"{value!r} is not allowed", allowed="true or false",
                        code="condition-shape")
            return None
        if op == "present" and is_list:
            ctx.problem(where, "'present' tests a single value; use 'empty' for a list",
                        code="operator-type")
            return None
        return value
    if op in ("at_least", "at_most", "above", "below", "count_at_least"):
        numeric = info.kind in ("integer", "number") or op == "count_at_least"
        if not numeric:
            ctx.problem(where, f"'{op}' compares numbers, but {info.path} is a {info.kind}",
                        allowed="equals, in, present", code="operator-type")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            ctx.problem(where, f"{value!r} is not a number", allowed="a number",
                        code="condition-shape")
            return None
        return value
    values = list(value) if isinstance(value, list) else None
    if op in ("in", "includes_any", "includes_all"):
        if values is None or not values:
            ctx.problem(where, f"'{op}' takes a non-empty list of values", code="condition-shape")
            return None
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
    return tuple(values) if op in ("in", "includes_any", "includes_all") else values[0]


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
    if isinstance(condition, All):
        return AnyOf(items) if negate else All(items)
    return All(items) if negate else AnyOf(items)


def _leaves(condition: Condition) -> Iterator[Condition]:
    """The tests, references and constants of a condition, in order."""
    if isinstance(condition, Not):
        yield from _leaves(condition.item)
    elif isinstance(condition, (All, AnyOf)):
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
    if not isinstance(condition, (All, AnyOf)):
        return condition
    is_all = isinstance(condition, All)
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
    if not flat:
        return Const(is_all)
    if len(flat) == 1:
        return flat[0]
    return All(tuple(flat)) if is_all else AnyOf(tuple(flat))


def exclusive(condition: Condition) -> Condition:
    """The same condition (in negation normal form) with every `any` made exclusive.

    ``any(a, b, c)`` becomes ``any(a, all(not a, b), all(not a, not b, c))``: equivalent,
    but at most one alternative holds at a time. The engine fires a rule once per alternative
    that holds, so exclusive alternatives mean one activation per conclusion instead of one per
    reason, which is most of the cost of a redundant rule firing.
    """
    if isinstance(condition, All):
        return All(tuple(exclusive(item) for item in condition.items))
    if not isinstance(condition, AnyOf):
        return condition
    items = [exclusive(item) for item in condition.items]
    alternatives: list[Condition] = []
    for index, item in enumerate(items):
        earlier = [negation_normal_form(other, negate=True) for other in condition.items[:index]]
        alternatives.append(simplify(All(tuple([*map(exclusive, earlier), item])))
                            if earlier else item)
    return AnyOf(tuple(alternatives))


class Branch(NamedTuple):
    """One way a condition can hold: a test on the input facts (or None) and references."""

    test: Condition | None
    refs: tuple[Ref, ...]


class TooComplex(Exception):
    """A condition expands into more branches than the engine should carry."""


def branches(condition: Condition, limit: int = 64) -> tuple[Branch, ...]:
    """The condition (in negation normal form) as alternative branches.

    Tests on the input facts stay whole inside a branch (they run as one durable-rules
    expression); only references to other rules' conclusions are spread into alternatives,
    since each of those is a separate fact to join. A branch whose references contradict each
    other is dropped. Raises `TooComplex` past `limit` branches.
    """
    condition = simplify(condition)
    result = _branches(condition, limit)
    unique: list[Branch] = []
    for branch in result:
        if branch not in unique:
            unique.append(branch)
    return tuple(unique)


def _pure(condition: Condition) -> bool:
    return next(references(condition), None) is None


def _branches(condition: Condition, limit: int) -> list[Branch]:
    if isinstance(condition, Const):
        return [Branch(None, ())] if condition.value else []
    if isinstance(condition, Ref):
        return [Branch(None, (condition,))]
    if _pure(condition):
        return [Branch(condition, ())]
    if isinstance(condition, AnyOf):
        result = [branch for item in condition.items for branch in _branches(item, limit)]
        if len(result) > limit:
            raise TooComplex(len(result))
        return result
    if isinstance(condition, All):
        pure = [item for item in condition.items if _pure(item)]
        test = simplify(All(tuple(pure))) if pure else None
        partial = [Branch(test, ())]
        for item in condition.items:
            if _pure(item):
                continue
            combined = []
            for left in partial:
                for right in _branches(item, limit):
                    merged = _merge(left, right)
                    if merged is not None:
                        combined.append(merged)
                    if len(combined) > limit:
                        raise TooComplex(len(combined))
            partial = combined
        return partial
    raise TypeError(f"not in negation normal form: {condition!r}")


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
    return Branch(test, tuple(refs))
