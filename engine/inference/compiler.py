"""Compiling a rule pack into forward-chaining rules for the engine.

The layers of the knowledge become rules that chain through facts:

    input facts -> derived facts -> criteria met/unmet -> levels attained/not
                -> the diagnosis -> findings and recommendations

Every conclusion is decided both ways by two positive rules (its condition, and the condition's
negation pushed down to the tests), so no rule relies on negation-as-failure, whose timing in
durable-rules depends on the order facts arrive. Each conclusion later rules refer to has a slot
(``c7``); it is asserted as a fact of its kind holding that slot,
``{t: criterion, c7: true|false}``, which later rules join on. The fast path asserts the
conclusions of one kind decided together as one fact (``{t: criterion, c7: true, c9: false}``),
so rules joining several conclusions may match one fact in several legs (``dist: 0``).
Conclusions nothing refers to are recorded but not asserted, so an assessment asserts only the
facts the rules need.

The output is plain data: the durable-rules ruleset definition (JSON-ready) and a table that maps
each engine rule back to the pack's rule it came from. Nothing here runs the engine: what it can
carry comes from the adapter (`ENGINE_LIMITS`); how a pack stays within it is decided here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Issue, PackError
from ..inputs.paths import container_at, value_at
from ..packs.conditions import (
    LIST_OPS,
    All,
    AnyOf,
    Branch,
    Condition,
    Const,
    FactTest,
    Form,
    Not,
    Ref,
    TooComplex,
    branches,
    exclusive,
    exclusive_size,
    fact_tests,
    negation_normal_form,
    references,
    simplify,
)
from ..packs.fields import Field
from ..packs.model import Recommendation, RulePack
from . import engine_json
from .durable_adapter import ENGINE_LIMITS

TARGET_SLOT = "_target"
"""Key of the target level's rank in the asserted facts (0: no target); a dimension's target
is under `target_slot` of its id."""


def target_slot(dimension: str) -> str:
    """Key of a ladder's target rank in the asserted facts ("" for the overall ladder)."""
    return f"{TARGET_SLOT}_{dimension}" if dimension else TARGET_SLOT

COUNT_SLOT = "_n"
"""Key under which list lengths are asserted, when a rule counts items."""
MAX_BRANCHES_PER_RULE = 128
"""A pack rule becomes at most this many engine rules (one per way its condition can hold: a
count of 4 of 8 holds in 70 ways)."""
MAX_EXCLUSIVE_NODES = 5000
"""Exclusive alternatives (one activation per conclusion) are tried only when they stay this
small; otherwise the plain condition is compiled (see `exclusive_size`)."""

PRIORITY = {"derived": 1, "criterion": 2, "level": 3, "diagnosis": 4, "finding": 5,
            "recommendation": 6}
_SAFE_KEY = re.compile(r"[a-z][a-z0-9_]*")


class Leg(NamedTuple):
    """One fact an engine rule joins: the input facts (with the paths tested) or a conclusion."""

    name: str  # "m" or "m_0", "m_1"...: the key of the matched fact in an activation
    ref: Ref | None  # None: the input facts
    paths: tuple[str, ...] = ()


class EngineRule(NamedTuple):
    """One rule as the engine runs it, and what it concludes in the pack's terms."""

    name: str
    kind: str  # derived | criterion | level | diagnosis | finding | recommendation
    target: str  # the id concluded about
    value: bool  # true: holds / met / attained / fires; false: the negative conclusion
    asserts: bool  # whether the conclusion is asserted as a fact for later rules
    legs: tuple[Leg, ...]
    rule_id: str
    """The pack-level name of this rule, e.g. ``criterion:advisor.sought_out/met``."""
    slot: str = ""
    """Where its conclusion is asserted when `asserts`: the key (``c7``) holding its value in a
    fact of type `kind`, which the legs of later rules test."""

    @property
    def conclusion(self) -> str:
        """The fact asserted when this rule fires, alone, as JSON text (the fast path asserts
        the conclusions of one kind decided together as one fact: `fragment`)."""
        return f'{{"t":"{self.kind}","id":"{self.slot}",{self.fragment}}}'

    @property
    def fragment(self) -> str:
        """Its conclusion as a key and value of a fact (JSON text)."""
        return f'"{self.slot}":{"true" if self.value else "false"}'


class Slot(NamedTuple):
    """How one input path is carried into the asserted fact."""

    path: tuple[str, ...]
    is_list: bool
    flags: Mapping[Any, str]  # list item -> key of its flag (lists only)
    counted: bool  # lists: whether the item count is asserted too


class CompiledPack(NamedTuple):
    """A pack ready for the engine: the ruleset definition, its rule table and fact encoding."""

    pack: RulePack
    definition: Mapping[str, Any]
    rules: Mapping[str, EngineRule]
    slots: tuple[Slot, ...]
    slot_by_path: Mapping[str, Slot]
    conclusions: Mapping[str, str]  # engine rule name -> the fact it asserts, as JSON text
    text: str = ""
    """The ruleset definition as the engine reads it (JSON, keys sorted)."""

    def encode(self, facts: Mapping[str, Any], target_rank: int,
               dimension_targets: Mapping[str, int] | None = None) -> dict[str, Any]:
        """The one fact asserted for an assessment: only the inputs the rules test, and the
        target rank of each ladder (0: none)."""
        encoded: dict[str, Any] = {"t": "facts", TARGET_SLOT: target_rank}
        for dimension in self.pack.dimensions:
            encoded[target_slot(dimension.id)] = (dimension_targets or {}).get(dimension.id, 0)
        for slot in self.slots:
            value = value_at(facts, slot.path)
            if slot.is_list:
                items = value if isinstance(value, list) else []
                parent, key = container_at(encoded, slot.path)
                parent[key] = {slot.flags[item]: 1 for item in items if item in slot.flags}
                if slot.counted:
                    parent, key = container_at(encoded, (COUNT_SLOT, *slot.path))
                    parent[key] = len(items)
            elif value is not None:
                parent, key = container_at(encoded, slot.path)
                parent[key] = value
        return encoded


    def decode_all(self, encoded: Mapping[str, Any]) -> dict[str, Any]:
        """Every input value the rules test, as the engine sees them in `encoded`."""
        return {path: self.decode(encoded, path) for path in self.slot_by_path}

    def decode(self, encoded: Mapping[str, Any], path: str) -> Any:
        """The input value at `path` as the engine saw it in `encoded` (None when absent).

        Lists come back from their flags, in the order the facts schema lists their items.
        """
        value = value_at(encoded, path)
        slot = self.slot_by_path.get(path)
        if slot is not None and slot.is_list and isinstance(value, Mapping):
            return [item for item, key in slot.flags.items() if key in value]
        return value


def ruleset_text(definition: Mapping[str, Any]) -> str:
    """A ruleset definition as the engine reads it: JSON with its keys sorted (the engine
    orders rules of one priority as they come, so the same pack always fires in one order)."""
    return engine_json.dumps(definition, ensure_ascii=False, sort_keys=True)


def pack_rule_id(kind: str, ident: str, value: bool) -> str:
    """The pack-level name of a rule: ``criterion:advisor.sought_out/met``."""
    outcome = {"derived": ("true", "false"), "criterion": ("met", "unmet"),
               "level": ("attained", "not_attained")}.get(kind)
    suffix = f"/{outcome[0] if value else outcome[1]}" if outcome else ""
    return f"{kind}:{ident}{suffix}"


def compile_pack(pack: RulePack) -> CompiledPack:
    """Compile `pack`; raises `PackError` when it would exceed what the engine can carry."""
    return _Compiler(pack).run()


class _Compiler:
    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.rules: dict[str, EngineRule] = {}
        self.definition: dict[str, Any] = {}
        self.issues: list[Issue] = []
        self.used_paths: dict[str, Field] = {}
        self.counted: set[str] = set()
        self.flags: dict[str, dict[Any, str]] = {}
        self._names = 0  # counts every engine rule built, kept or not: names stay unique
        self.conclusion_slots: dict[tuple[str, str], str] = {}
        self._form: Form | None = None  # how counts are written out in the rule being built

    # conclusions -------------------------------------------------------------------------

    def run(self) -> CompiledPack:
        pack = self.pack
        logical = self._logical()
        referenced = self._referenced(logical)
        self.conclusion_slots = {(kind, ident): f"c{number}" for number, (kind, ident) in
                                 enumerate(key[:2] for key in logical if key[:2] in referenced)}
        for kind, ident, condition in logical:
            asserts = (kind, ident) in referenced
            self._add(kind, ident, True, condition, asserts)
            self._add(kind, ident, False, Not(condition), asserts)
        for level_id, condition in self._diagnoses():
            self._add("diagnosis", level_id, True, condition, False)
        for finding in pack.findings:
            self._add("finding", finding.id, True, finding.when, False)
        for rec in pack.recommendations:
            self._add("recommendation", rec.id, True, self._recommendation_condition(rec), False)
        self._check_limits()
        if self.issues:
            raise PackError(pack.location, tuple(self.issues))
        slots = self._slots()
        return CompiledPack(pack, self.definition, self.rules, slots,
                            {".".join(slot.path): slot for slot in slots},
                            {name: rule.conclusion for name, rule in self.rules.items()
                             if rule.asserts},
                            ruleset_text(self.definition))

    def _logical(self) -> list[tuple[str, str, Condition]]:
        """The conclusions decided both ways: derived facts, criteria, then levels (each needs
        its criteria and the level below)."""
        pack = self.pack
        logical: list[tuple[str, str, Condition]] = []
        for fact in pack.derived:
            logical.append(("derived", fact.id, fact.when))
        for criterion in pack.criteria:
            logical.append(("criterion", criterion.id, criterion.when))
        for _, levels in pack.ladders:
            for index, level in enumerate(levels[1:], start=1):
                below: list[Condition] = ([Ref("level", levels[index - 1].id)] if index > 1
                                          else [])
                met: list[Condition] = [Ref("criterion", c.id)
                                        for c in pack.criteria_of(level.id)]
                logical.append(("level", level.id, All(tuple(below + met)) if below + met
                                else Const(True)))
        return logical

    def _diagnoses(self) -> list[tuple[str, Condition]]:
        """The level concluded on each ladder: attained, and the next one not."""
        found: list[tuple[str, Condition]] = []
        for _, levels in self.pack.ladders:
            for index, level in enumerate(levels):
                parts: list[Condition] = []
                if index > 0:
                    parts.append(Ref("level", level.id))
                if index + 1 < len(levels):
                    parts.append(Ref("level", levels[index + 1].id, False))
                found.append((level.id, All(tuple(parts)) if parts else Const(True)))
        return found

    def _referenced(self, logical: Sequence[tuple[str, str, Condition]]) -> set[tuple[str, str]]:
        conditions: list[Condition] = [c for _, _, c in logical]
        conditions += [f.when for f in self.pack.findings]
        conditions += [self._recommendation_condition(r) for r in self.pack.recommendations]
        conditions += [Ref("level", level.id) for _, levels in self.pack.ladders
                       for level in levels[1:]]  # the diagnosis rules
        return {(ref.kind, ref.id) for condition in conditions for ref in references(condition)}

    def _recommendation_condition(self, rec: Recommendation) -> Condition:
        """An addressed criterion is unmet, the recommendation's own condition holds, and its
        level is in scope on its own ladder: above the level attained, and either the next
        level or a level up to the ladder's target."""
        pack = self.pack
        rank = pack.rank(rec.level)
        if rank == 1:
            return Const(False)  # the floor is attained by everyone: nothing to recommend
        ladder = pack.ladder(rec.level)
        is_next: Condition = Const(True) if rank == 2 else Ref("level", ladder[rank - 2].id)
        slot = target_slot(ladder[0].dimension)
        parts: list[Condition] = [
            AnyOf(tuple(Ref("criterion", c, False) for c in rec.addresses)),
            Ref("level", rec.level, False),
            AnyOf((is_next, FactTest(slot, "at_least", rank))),
        ]
        if rec.when is not None:
            parts.append(rec.when)
        return All(tuple(parts))

    # engine rules ------------------------------------------------------------------------

    def _add(self, kind: str, ident: str, value: bool, condition: Condition,
             asserts: bool) -> None:
        normal = simplify(negation_normal_form(condition))
        # Exclusive alternatives fire once per conclusion; but they are larger expressions
        # (exponentially so with nesting, hence the size computed first), and the engine
        # refuses a leg with too many nested and/or: keep the plain form then.
        candidates: list[tuple[Condition, Form | None]] = [(normal, None)]
        if exclusive_size(normal) <= MAX_EXCLUSIVE_NODES:
            candidates.insert(0, (exclusive(normal), exclusive))
        problem = ""
        for candidate, form in candidates:
            self._form = form
            problem = self._add_form(kind, ident, value, asserts, candidate)
            if not problem:
                return
        self.issues.append(Issue(f"{kind}:{ident}", problem, code="too-complex"))

    def _add_form(self, kind: str, ident: str, value: bool, asserts: bool,
                  condition: Condition) -> str:
        """Add the engine rules of one form of a condition; what is wrong when it cannot be."""
        try:
            alternatives = branches(condition, MAX_BRANCHES_PER_RULE, self._form)
        except TooComplex as error:
            return (f"the condition expands to more than {error.args[0]} alternative "
                    f"rules; at most {MAX_BRANCHES_PER_RULE} are allowed")
        built = [self._rule(kind, ident, value, asserts, branch) for branch in alternatives]
        joined = max(len(rule["all"]) for _, rule in built) if built else 0
        if joined > ENGINE_LIMITS.facts_per_rule:
            return (f"the condition joins {joined} facts (the input facts and conclusions it "
                    f"refers to) in one engine rule; the engine joins at most "
                    f"{ENGINE_LIMITS.facts_per_rule}: name some of them as derived facts")
        limit = ENGINE_LIMITS.nested_connectives
        if any(_nested_connectives(leg) > limit for _, rule in built for leg in _legs(rule)):
            return (f"the condition nests and/any more than {limit} deep in one test of the "
                    "input facts, which the engine refuses; split it into derived facts")
        for engine_rule, definition in built:
            self.rules[engine_rule.name] = engine_rule
            self.definition[engine_rule.name] = definition
        return ""

    def _rule(self, kind: str, ident: str, value: bool, asserts: bool,
              branch: Branch) -> tuple[EngineRule, dict[str, Any]]:
        name = f"r{self._names}"
        self._names += 1
        legs: list[Leg] = []
        legs_json: list[Any] = []
        multi = branch.test is not None and branch.refs or len(branch.refs) > 1
        if branch.test is not None or not branch.refs:
            leg_name = f"m_{len(legs)}" if multi else "m"
            tests = tuple(fact_tests(branch.test)) if branch.test is not None else ()
            paths = tuple(dict.fromkeys(t.path for t in tests
                                        if not t.path.startswith(TARGET_SLOT)))
            expression: Any = {"t": "facts"}
            if branch.test is not None:
                expression = {"$and": [{"t": "facts"}, self._expression(branch.test)]}
            legs.append(Leg(leg_name, None, paths))
            legs_json.append({leg_name: expression})
        for ref in branch.refs:
            leg_name = f"m_{len(legs)}" if multi else "m"
            legs.append(Leg(leg_name, ref))
            slot = self.conclusion_slots[(ref.kind, ref.id)]
            legs_json.append({leg_name: {"$and": [{"t": ref.kind}, {slot: ref.value}]}})
        definition: dict[str, Any] = {"all": legs_json, "pri": PRIORITY[kind]}
        if len(branch.refs) > 1:  # conclusions decided together arrive in one fact
            definition["dist"] = 0
        return (EngineRule(name, kind, ident, value, asserts, tuple(legs),
                           pack_rule_id(kind, ident, value),
                           self.conclusion_slots.get((kind, ident), "") if asserts else ""),
                definition)

    def _expression(self, condition: Condition) -> Any:
        if isinstance(condition, All):
            return {"$and": [self._expression(item) for item in condition.items]}
        if isinstance(condition, AnyOf):
            return {"$or": [self._expression(item) for item in condition.items]}
        if isinstance(condition, FactTest):
            return self._test(condition)
        raise TypeError(f"not a test on the input facts: {condition!r}")

    def _test(self, test: FactTest) -> Any:
        """One test as a durable-rules expression, with the documented absence semantics."""
        info = self._field(test.path)
        if test.op in LIST_OPS:
            return self._list_test(test)
        if test.op == "present":
            return {"$nex" if test.negated else "$ex": {test.path: 1}}
        expression = _value_expression(test)
        # durable-rules: every comparison on a missing field is false, so the test alone is
        # right whenever absence should make it false; otherwise accept absence explicitly.
        if info.required or test.if_absent == test.negated:
            return expression
        return {"$or": [{"$nex": {test.path: 1}}, expression]}

    def _field(self, path: str) -> Field:
        """The field a test reads (recorded as used), or a target level's slot."""
        if path.startswith(TARGET_SLOT):
            return Field(path, "integer", True)
        info = self.pack.fact_paths[path]
        self.used_paths[path] = info
        return info

    def _list_test(self, test: FactTest) -> Any:
        """A list is asserted as flags (one key per item present) and, when counted, its
        length: list tests are tests of those."""
        if test.op in ("empty", "count_at_least"):
            self.counted.add(test.path)
            for item in self.pack.fact_paths[test.path].choices:
                self._flag(test.path, item)  # carried, so the explanation shows the items
            return _count_expression(test)
        items = (test.value,) if test.op == "includes" else test.value
        keys = [f"{test.path}.{self._flag(test.path, item)}" for item in items]
        return _flags_expression(test.op, keys, test.negated)

    def _flag(self, path: str, item: Any) -> str:
        flags = self.flags.setdefault(path, {})
        if item not in flags:
            info = self.pack.fact_paths[path]
            position = list(info.choices).index(item) if item in info.choices else len(flags)
            flags[item] = (item if isinstance(item, str) and _SAFE_KEY.fullmatch(item)
                           else f"i{position}")
        return flags[item]

    def _slots(self) -> tuple[Slot, ...]:
        slots = []
        for path in sorted(self.used_paths):
            info = self.used_paths[path]
            flags = self.flags.get(path, {})
            ordered = sorted(flags.items(), key=lambda pair: list(info.choices).index(pair[0])
                             if pair[0] in info.choices else len(info.choices))
            slots.append(Slot(tuple(path.split(".")), info.kind == "list", dict(ordered),
                              path in self.counted))
        return tuple(slots)

    def _check_limits(self) -> None:
        limits = ENGINE_LIMITS
        if len(self.rules) > limits.rules:
            self.issues.append(Issue("$", f"the pack compiles to {len(self.rules)} engine rules; "
                                     f"at most {limits.rules} are allowed", code="too-large"))
        keys = sum(len(slot_flags) for slot_flags in self.flags.values()) + len(self.used_paths)
        if keys + len(self.counted) + 2 > limits.fact_keys:
            self.issues.append(Issue("$", f"the rules test {keys} input values; at most "
                                     f"{limits.fact_keys} fit in one engine fact",
                                     code="too-large"))
        for key, count in self._values_per_field():
            if count > limits.tests_per_field:
                self.issues.append(Issue(
                    "$", f"{key!r} is tested for {count} different values; the engine hangs "
                    f"near 512, at most {limits.tests_per_field} are allowed", code="too-large"))
        self._check_network(_Network(self.definition))

    def _check_network(self, network: _Network) -> None:
        """What one test of the engine's network may carry after it."""
        limits = ENGINE_LIMITS
        checks = [
            ({node: len(tests) for node, tests in network.follow.items()},
             limits.tests_per_node, "different tests follow", "the engine hangs near 512"),
            (network.alternatives, limits.alternatives_per_node,
             "absence tests and alternatives follow", "the engine refuses more than 128"),
            (network.rules, limits.rules_per_node, "engine rules end at",
             "the engine refuses more than 256"),
        ]
        for counts, limit, words, engine in checks:
            count, test = network.busiest(counts)
            if count > limit:
                self.issues.append(Issue(
                    "$", f"{count} {words} one same test of the engine's network ({test}); "
                    f"{engine}, at most {limit} are allowed: test fewer different things in "
                    "the same place, or name them as derived facts", code="too-large"))

    def _values_per_field(self) -> list[tuple[str, int]]:
        """How many different values each field is tested for equality with, by field."""
        per_field: dict[str, set[str]] = {}
        for rule in self.definition.values():
            for leg in rule["all"]:
                for key, value in _equality_tests(leg):
                    per_field.setdefault(key, set()).add(value)
        return [(key, len(values)) for key, values in sorted(per_field.items())]


class _Network:
    """The engine's network of tests (its alpha nodes) as durable-rules builds it from a
    ruleset definition, counted: which tests follow each test, and how many rules end there.

    A leg's ``$and`` is a chain (each test follows the previous one); the alternatives of an
    ``$or`` each follow the test before it and end in a node of their own; identical tests
    after the same test are one node. Only the counts the engine limits are kept.
    """

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.follow: dict[int, set[str]] = {}  # node -> the tests after it (hashed)
        self.alternatives: dict[int, int] = {}  # node -> $nex tests and ends of $or after it
        self.rules: dict[int, int] = {}  # node -> legs that end there
        self.label: dict[int, str] = {0: "the start"}  # node -> the test it is, for messages
        self._nodes: dict[tuple[int, str], int] = {}
        for rule in definition.values():
            for leg in rule["all"]:
                for expression in leg.values():
                    end = self._walk(expression, 0)
                    self.rules[end] = self.rules.get(end, 0) + 1

    def _walk(self, expression: Mapping[str, Any], parent: int) -> int:
        if "$and" in expression:
            node = parent
            for item in expression["$and"]:
                node = self._walk(item, node)
            return node
        if "$or" in expression:
            joined = self._new("one of several alternatives")
            for item in expression["$or"]:
                end = self._walk(item, parent)
                self.alternatives[end] = self.alternatives.get(end, 0) + 1
            return joined
        test = json.dumps(expression, sort_keys=True, separators=(",", ":"))
        known = self._nodes.get((parent, test))
        if known is not None:
            return known
        node = self._nodes[(parent, test)] = self._new(test)
        if "$nex" in expression:
            self.alternatives[parent] = self.alternatives.get(parent, 0) + 1
        else:
            self.follow.setdefault(parent, set()).add(test)
        return node

    def _new(self, label: str) -> int:
        node = len(self.label)
        self.label[node] = label
        return node

    def busiest(self, counts: Mapping[int, int]) -> tuple[int, str]:
        """The largest count and the test it follows."""
        node = max(counts, key=lambda key: (counts[key], -key), default=0)
        return counts.get(node, 0), self.label[node]


def _legs(definition: Mapping[str, Any]) -> list[Any]:
    return [expression for leg in definition["all"] for expression in leg.values()]


def _nested_connectives(expression: Any, depth: int = 0) -> int:
    """How many $and/$or nodes sit below the top of one leg's expression."""
    if not isinstance(expression, Mapping):
        return 0
    count = 0
    for key, value in expression.items():
        if key in ("$and", "$or") and isinstance(value, list):
            count += (1 if depth > 0 else 0) + sum(_nested_connectives(item, depth + 1)
                                                    for item in value)
    return count


def _count_expression(test: FactTest) -> Any:
    count_key = f"{COUNT_SLOT}.{test.path}"
    if test.op == "empty":
        return {"$gt": {count_key: 0}} if test.negated else {count_key: 0}
    return {"$lt" if test.negated else "$gte": {count_key: test.value}}


def _flags_expression(op: str, keys: list[str], negated: bool) -> Any:
    if op == "includes":
        return {"$nex" if negated else "$ex": {keys[0]: 1}}
    present = [{"$ex": {k: 1}} for k in keys]
    missing = [{"$nex": {k: 1}} for k in keys]
    if op == "includes_any":
        return _join("$and", missing) if negated else _exclusive_or(present, missing)
    return _exclusive_or(missing, present) if negated else _join("$and", present)


_COMPARISONS = {"at_least": ("$gte", "$lt"), "at_most": ("$lte", "$gt"),
                "above": ("$gt", "$lte"), "below": ("$lt", "$gte")}


def _value_expression(test: FactTest) -> Any:
    """``equals``, ``in`` and the comparisons, as the engine reads them on a present value."""
    key, value, negated = test.path, test.value, test.negated
    if test.op == "equals":
        return {"$neq": {key: value}} if negated else {key: value}
    if test.op == "in":
        return (_join("$and", [{"$neq": {key: v}} for v in value]) if negated
                else _join("$or", [{key: v} for v in value]))
    compare = _COMPARISONS[test.op]
    return {compare[1] if negated else compare[0]: {key: value}}


def _join(operator: str, items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else {operator: items}


def _exclusive_or(tests: list[Any], opposites: list[Any]) -> Any:
    """``tests[0] or tests[1] or ...`` as alternatives of which exactly one can hold:
    the i-th also requires the opposite of every earlier test."""
    return _join("$or", [_join("$and", [*opposites[:index], test])
                         for index, test in enumerate(tests)])


def _equality_tests(expression: Any) -> list[tuple[str, str]]:
    """The (field, value) pairs an expression tests for equality: each is a branch in the
    engine's network."""
    found: list[tuple[str, str]] = []
    if isinstance(expression, Mapping):
        for key, value in expression.items():
            if key in ("$and", "$or") and isinstance(value, list):
                for item in value:
                    found.extend(_equality_tests(item))
            elif key.startswith("$"):
                continue
            elif isinstance(value, Mapping):
                found.extend(_equality_tests(value))
            else:
                found.append((key, repr(value)))
    return found
