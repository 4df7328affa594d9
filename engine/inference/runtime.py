"""What one assessment needs from a compiled pack, worked out once per pack.

The engine decides; this module only prepares, per engine rule, what a firing means, so that an
assessment does no more than it must:

- the `Chain` the adapter follows (which conclusion each rule decides, which fact it asserts);
- the `Encoder` that turns validated facts into the one input fact (its JSON text) and the
  values the engine saw (for the explanations), in one pass;
- per rule, what the result takes from its firing: the conclusion, the pack-level rule id, the
  trace step's matched facts (static for a conclusion leg, paths for the input facts), and the
  paths and conclusions that the facts behind a conclusion are gathered from.

The result is then a handful of lookups per criterion, and the trace is only built when someone
reads it (`Trace`). ``engine/inference/reference.py`` builds the same result the plain way;
tests hold the two equal.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..packs.model import IMPACT_ORDER, SEVERITY_ORDER, RulePack
from . import engine_json
from .compiler import (
    COUNT_SLOT,
    PRIORITY,
    TARGET_SLOT,
    CompiledPack,
    EngineRule,
    Slot,
    target_slot,
)
from .diagnosis import CriterionResult, LevelRef, Matched, RecommendationResult, TraceStep
from .durable_adapter import Chain

Key = tuple[str, str]
"""A conclusion: (kind, id), e.g. ("criterion", "advisor.sought_out")."""


class RuleInfo(NamedTuple):
    """One engine rule, as an assessment's result reads its firing."""

    key: Key
    value: bool
    rule_id: str
    name: str
    trace_legs: tuple[Matched | tuple[str, ...], ...]
    """Per leg: the conclusion matched (static), or the input paths a facts leg tested."""
    paths: tuple[str, ...]
    """The input paths its facts legs tested, each once."""
    refs: tuple[Key, ...]
    """The conclusions its legs matched."""


class Encoder:
    """Validated facts -> the input fact's JSON text and the values the engine saw in it.

    The same fact `CompiledPack.encode` builds (key for key, in the same order), and the same
    values `CompiledPack.decode` reads back from it, without building either twice."""

    def __init__(self, slots: Sequence[Slot], dimensions: Sequence[str] = ()) -> None:
        self._steps = tuple((slot.path[:-1], slot.path[-1], slot.is_list, dict(slot.flags),
                             slot.counted, ".".join(slot.path)) for slot in slots)
        self._dimensions = tuple((dimension, target_slot(dimension)) for dimension in dimensions)

    def __call__(self, facts: Mapping[str, Any], target_rank: int,
                 dimension_targets: Mapping[str, int] | None = None
                 ) -> tuple[str, dict[str, Any]]:
        encoded: dict[str, Any] = {"t": "facts", TARGET_SLOT: target_rank}
        for dimension, slot in self._dimensions:
            encoded[slot] = (dimension_targets or {}).get(dimension, 0)
        seen: dict[str, Any] = {}
        sources: dict[tuple[str, ...], Any] = {(): facts}  # the mapping holding each slot
        targets: dict[tuple[str, ...], dict[str, Any]] = {(): encoded}
        for parents, leaf, is_list, flags, counted, dotted in self._steps:
            source = sources.get(parents, _UNSEEN)
            if source is _UNSEEN:
                source = sources[parents] = _value_at(facts, parents)
            value = (source.get(leaf) if type(source) is dict or isinstance(source, Mapping)
                     else None)
            if is_list:
                items = value if isinstance(value, list) else []
                present = {flags[item]: 1 for item in items if item in flags}
                _target(targets, encoded, parents)[leaf] = present
                if counted:
                    _container(encoded, (COUNT_SLOT, *parents))[leaf] = len(items)
                seen[dotted] = [item for item, key in flags.items() if key in present]
            elif value is not None:
                _target(targets, encoded, parents)[leaf] = value
                seen[dotted] = value
            else:
                seen[dotted] = None
        return engine_json.dumps(encoded), seen


_UNSEEN = object()


def _target(targets: dict[tuple[str, ...], dict[str, Any]], encoded: dict[str, Any],
            parents: tuple[str, ...]) -> dict[str, Any]:
    found = targets.get(parents)
    if found is None:
        found = targets[parents] = _container(encoded, parents)
    return found


def _value_at(data: Any, path: tuple[str, ...]) -> Any:
    value = data
    for part in path:
        if type(value) is not dict and not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _container(data: dict[str, Any], parents: tuple[str, ...]) -> dict[str, Any]:
    for part in parents:
        data = data.setdefault(part, {})
    return data


class Tables:
    """Everything an assessment with one compiled pack looks up, built once."""

    def __init__(self, compiled: CompiledPack) -> None:
        pack = compiled.pack
        self.encode = Encoder(compiled.slots, [d.id for d in pack.dimensions])
        rules = list(compiled.rules.values())
        keys = list(dict.fromkeys((rule.kind, rule.target) for rule in rules))
        self.number = {key: index for index, key in enumerate(keys)}
        self._rule_tables(compiled, rules)
        self._conclusion_tables(pack, keys)
        self._level_tables(pack)
        self._advice_tables(pack)

    def _rule_tables(self, compiled: CompiledPack, rules: Sequence[EngineRule]) -> None:
        """Per engine rule: what it concludes and asserts (the chain), its place in the
        engine's order, the conclusions it joins and the input slots it reads."""
        number = self.number
        self.rules = tuple(_rule_info(rule) for rule in rules)
        self.chain = Chain(
            numbers={rule.name: index for index, rule in enumerate(rules)},
            names=tuple(rule.name for rule in rules),
            conclusion=tuple(number[(rule.kind, rule.target)] for rule in rules),
            value=tuple(rule.value for rule in rules),
            asserts=tuple((rule.kind, rule.fragment) if rule.asserts else None
                          for rule in rules))
        # the engine's order of rules: by priority, then as the ruleset's text lists them
        by_name = sorted(range(len(rules)), key=lambda index: rules[index].name)
        ordered = sorted(by_name, key=lambda index: PRIORITY[rules[index].kind])
        position = [0] * len(rules)
        for place, index in enumerate(ordered):
            position[index] = place
        self.index = tuple(position)
        self.refs = tuple(tuple(dict.fromkeys(number[ref] for ref in info.refs))
                          for info in self.rules)
        bits = {path: 1 << bit for bit, path in enumerate(compiled.slot_by_path)}
        self.own = tuple(sum(bits[path] for path in info.paths) for info in self.rules)
        self._paths = tuple(compiled.slot_by_path)
        self._mask_paths: dict[int, tuple[str, ...]] = {}

    def _conclusion_tables(self, pack: RulePack, keys: Sequence[tuple[str, str]]) -> None:
        """The conclusions every assessment must decide, and the keys of the diagnoses,
        criteria and derived facts a result reads."""
        number = self.number
        self.required = tuple((kind, ident, number.get((kind, ident), -1)) for kind, ident in (
            [("derived", d.id) for d in pack.derived]
            + [("criterion", c.id) for c in pack.criteria]
            + [("level", level.id) for _, levels in pack.ladders for level in levels[1:]]))
        self.required_keys = frozenset(key for _, _, key in self.required)
        overall = {level.id for level in pack.levels}
        self.diagnoses = tuple(number[key] for key in keys
                               if key[0] == "diagnosis" and key[1] in overall)
        self.dimension_diagnoses = tuple(
            (dimension, tuple(number.get(("diagnosis", level.id), -1)
                              for level in dimension.levels))
            for dimension in pack.dimensions)
        """Each dimension, and the keys of the conclusions naming its level."""
        self.criteria = tuple((number.get(("criterion", c.id), -1), c.id, c.level, c.text,
                               c.source) for c in pack.criteria)
        self.derived_keys = tuple(number.get(("derived", d.id), -1) for d in pack.derived)
        self.derived_ids = tuple(d.id for d in pack.derived)

    def _level_tables(self, pack: RulePack) -> None:
        """Every level as a result names it, the next on its ladder, and its rank."""
        self.levels = LevelRef.by_id(pack.all_levels)
        self.next_levels = {level.id: (self.levels[ladder[level.rank].id]
                                       if level.rank < len(ladder) else None)
                            for _, ladder in pack.ladders for level in ladder}
        self.ranks = pack.ranks

    def _advice_tables(self, pack: RulePack) -> None:
        """The recommendations (by level, impact, then as declared) and the findings (by
        severity, then as declared), each with the key of its conclusion."""
        number = self.number
        ordered_recs = sorted(enumerate(pack.recommendations), key=lambda item: (
            pack.ranks[item[1].level], -IMPACT_ORDER[item[1].impact], item[0]))
        self.recommendations = tuple((number.get(("recommendation", rec.id), -1), rec)
                                     for _, rec in ordered_recs)
        self._recommended: dict[tuple[int, int, tuple[str, ...]], RecommendationResult] = {}
        ordered_findings = sorted(enumerate(pack.findings), key=lambda item: (
            -SEVERITY_ORDER[item[1].severity], item[0]))
        self.findings = tuple((number.get(("finding", f.id), -1), f)
                              for _, f in ordered_findings)

    # the order the rules fired in ----------------------------------------------------------

    def firsts(self, fired: Sequence[int]) -> list[int]:
        """The rules that decided each conclusion, in the order the engine fires them when
        each conclusion is asserted alone as soon as it is decided (`DurableRuleset.run`):
        what the trace shows, whichever way the engine was driven (`DurableRuleset.infer`).

        The engine runs the waiting activation whose rule comes first in its order (priority,
        then the ruleset's text). When every rule that fired comes after the rules that decided
        what it joins, that is simply the rules that fired in the engine's order; otherwise
        the engine's choices are replayed one by one."""
        index, refs, conclusion = self.index, self.refs, self.chain.conclusion
        decided: set[int] = set()
        firsts: list[int] = []
        for rule in sorted(fired, key=index.__getitem__):
            for ref in refs[rule]:
                if ref not in decided:
                    return self._replayed(fired)
            key = conclusion[rule]
            if key not in decided:
                decided.add(key)
                firsts.append(rule)
        return firsts

    def _replayed(self, fired: Sequence[int]) -> list[int]:
        index, conclusion = self.index, self.chain.conclusion
        waiting: dict[int, list[int]] = {}
        missing: list[int] = []
        ready: list[tuple[int, int]] = []
        for position, rule in enumerate(fired):
            refs = self.refs[rule]
            missing.append(len(refs))
            for ref in refs:
                waiting.setdefault(ref, []).append(position)
            if not refs:
                heapq.heappush(ready, (index[rule], position))
        decided: set[int] = set()
        firsts: list[int] = []
        while ready:
            rule = fired[heapq.heappop(ready)[1]]
            key = conclusion[rule]
            if key in decided:
                continue
            decided.add(key)
            firsts.append(rule)
            for position in waiting.pop(key, ()):
                missing[position] -= 1
                if not missing[position]:
                    heapq.heappush(ready, (index[fired[position]], position))
        return firsts

    # what the result reads ----------------------------------------------------------------

    def behind(self, firsts: Sequence[int]) -> dict[int, int]:
        """For each conclusion decided: the input paths (as bits) it rests on, through the
        conclusions it used."""
        own, refs, conclusion = self.own, self.refs, self.chain.conclusion
        masks: dict[int, int] = {}
        for rule in firsts:
            mask = own[rule]
            for ref in refs[rule]:
                mask |= masks[ref]
            masks[conclusion[rule]] = mask
        return masks

    def facts(self, mask: int, values: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
        """The input facts of a mask of paths, sorted by path, with the values seen."""
        paths = self._mask_paths.get(mask)
        if paths is None:
            paths = tuple(sorted(path for bit, path in enumerate(self._paths)
                                 if mask >> bit & 1))
            if len(self._mask_paths) < MAX_MASKS:
                self._mask_paths[mask] = paths
        return tuple(zip(paths, map(values.__getitem__, paths), strict=True))

    def criteria_results(self, decided: Mapping[int, int], masks: Mapping[int, int],
                         values: Mapping[str, Any]) -> tuple[CriterionResult, ...]:
        """Every criterion, met or not, with the input facts it rests on."""
        rules, facts, new = self.rules, self.facts, tuple.__new__
        return tuple([new(CriterionResult, (ident, level, rules[decided[key]].value, text,
                                            source, facts(masks[key], values),
                                            rules[decided[key]].rule_id))
                      for key, ident, level, text, source in self.criteria])

    def recommendation_results(self, decided: Mapping[int, int], unmet: set[str]
                               ) -> tuple[RecommendationResult, ...]:
        """The recommendations that fired, in order, each naming the unmet criteria it closes
        (immutable, made of the pack's own values: each made once)."""
        found = []
        known = self._recommended
        for order, (_, rec) in enumerate(
                (item for item in self.recommendations if item[0] in decided), start=1):
            closes = tuple([c for c in rec.addresses if c in unmet])
            key = (order, id(rec), closes)
            result = known.get(key)
            if result is None:
                result = RecommendationResult(order, rec.id, rec.level, rec.action, closes,
                                              rec.impact, rec.source, rec.rationale)
                if len(known) < MAX_MASKS:
                    known[key] = result
            found.append(result)
        return tuple(found)

    def trace(self, firsts: Sequence[int], values: Mapping[str, Any]) -> tuple[TraceStep, ...]:
        """The trace: one step per rule that decided a conclusion, in firing order."""
        steps = []
        facts_matched: dict[tuple[str, ...], Matched] = {}
        rules = self.rules
        for step, number in enumerate(firsts, start=1):
            info = rules[number]
            matched: list[Matched] = []
            for leg in info.trace_legs:
                if isinstance(leg, Matched):
                    matched.append(leg)
                    continue
                found = facts_matched.get(leg)
                if found is None:
                    found = facts_matched[leg] = Matched(
                        "facts", values=tuple((path, values[path]) for path in leg))
                matched.append(found)
            steps.append(TraceStep(step, info.rule_id, info.name, info.key[0], info.key[1],
                                   info.value, tuple(matched)))
        return tuple(steps)


MAX_MASKS = 4096
"""Sets of input paths whose sorted order is kept (the ones facts rest on: a few dozen)."""


def _rule_info(rule: Any) -> RuleInfo:
    legs: list[Matched | tuple[str, ...]] = []
    refs: list[Key] = []
    paths: dict[str, None] = {}
    for leg in rule.legs:
        if leg.ref is None:
            legs.append(tuple(leg.paths))
            paths.update(dict.fromkeys(leg.paths))
        else:
            legs.append(Matched(leg.ref.kind, leg.ref.id, leg.ref.value))
            refs.append((leg.ref.kind, leg.ref.id))
    return RuleInfo((rule.kind, rule.target), rule.value, rule.rule_id, rule.name,
                    tuple(legs), tuple(paths), tuple(refs))


