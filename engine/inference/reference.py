"""The reference path: one assessment run and its result built the plain way.

A fresh engine session per assessment (`DurableRuleset.run`), a callback per activation that
records each conclusion and its trace step as it fires, and the result built from those records
by walking the pack. What `Advisor.assess` computes faster from precomputed tables
(``engine/inference/runtime.py``) and a kept session; the tests hold the two equal, result for
result and error for error (tests/test_speed_inference.py). Not used on any command's path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import EngineError
from ..inputs.facts import Facts
from ..packs.model import IMPACT_ORDER, SEVERITY_ORDER, Level, RulePack
from .compiler import CompiledPack, EngineRule
from .diagnosis import (
    CriterionResult,
    Diagnosis,
    DimensionResult,
    FindingResult,
    LevelRef,
    Matched,
    RecommendationResult,
    TraceStep,
)
from .durable_adapter import Activation

if TYPE_CHECKING:
    from .advisor import Advisor


def assess_reference(advisor: Advisor, facts: Facts, target: str | None = None,
                     targets: Mapping[str, str] | None = None) -> Diagnosis:
    """What `advisor.assess(facts, target, targets)` gives, computed the plain way."""
    target_id = target or facts.target_level
    target_ref = advisor.level_ref(target_id) if target_id else None
    dimension_targets = advisor.dimension_targets(target_ref, targets)
    compiled = advisor.compiled
    encoded = compiled.encode(facts.data, target_ref.rank if target_ref else 0,
                              {key: ref.rank for key, ref in dimension_targets.items()})
    run = _Run(compiled, compiled.decode_all(encoded))
    advisor._ruleset.run(encoded, run.on_fire, max_firings=advisor.max_firings)
    return _Result(advisor).diagnosis(facts, run, target_ref, dimension_targets)


class _Result:
    def __init__(self, advisor: Advisor) -> None:
        self.pack = advisor.pack
        self.pack_info = advisor.pack_info
        self.level_ref = advisor.level_ref

    def diagnosis(self, facts: Facts, run: _Run, target: LevelRef | None,
                  dimension_targets: Mapping[str, LevelRef]) -> Diagnosis:
        level = self.level_ref(run.concluded_level(self.pack, self.pack.levels))
        next_level = self._next(self.pack.levels, level)
        dimensions = tuple(
            DimensionResult(dimension.id, dimension.name, found,
                            self._next(dimension.levels, found),
                            dimension_targets.get(dimension.id))
            for dimension in self.pack.dimensions
            for found in [self.level_ref(run.concluded_level(self.pack, dimension.levels))])
        criteria = tuple(
            CriterionResult(c.id, c.level, run.decided[("criterion", c.id)], c.text, c.source,
                            run.facts_behind(("criterion", c.id)),
                            run.steps[("criterion", c.id)].rule)
            for c in self.pack.criteria)
        return Diagnosis(
            organization=facts.organization, level=level, next_level=next_level,
            target=target, criteria=criteria,
            derived=tuple((d.id, run.decided[("derived", d.id)]) for d in self.pack.derived),
            gaps=self._gaps(criteria, [(next_level, target)] + [
                (d.next_level, d.target) for d in dimensions]),
            recommendations=self._recommendations(run, criteria),
            findings=self._findings(run), trace=tuple(run.trace), pack=self.pack_info,
            dimensions=dimensions)

    def _next(self, ladder: Sequence[Level], level: LevelRef) -> LevelRef | None:
        return self.level_ref(ladder[level.rank].id) if level.rank < len(ladder) else None

    def _gaps(self, criteria: Sequence[CriterionResult],
              ladders: Sequence[tuple[LevelRef | None, LevelRef | None]]) -> tuple[str, ...]:
        """Unmet criteria of the next level and of every level up to the target, on each
        ladder (the overall one first), in the pack's order."""
        found = []
        for criterion in criteria:
            for next_level, target in ladders:
                if next_level is None or criterion.met:
                    continue
                same_ladder = criterion.level in {
                    level.id for level in self.pack.ladder(next_level.id)}
                top = max(next_level.rank, target.rank if target else 0)
                if same_ladder and next_level.rank <= self.pack.rank(criterion.level) <= top:
                    found.append(criterion.id)
                    break
        return tuple(found)

    def _recommendations(self, run: _Run, criteria: Iterable[CriterionResult]
                         ) -> tuple[RecommendationResult, ...]:
        """The recommendations that fired: lower levels first, then by impact, then as the
        pack lists them; each naming the unmet criteria it closes."""
        ranks = self.pack.ranks
        fired = [(index, rec) for index, rec in enumerate(self.pack.recommendations)
                 if ("recommendation", rec.id) in run.decided]
        fired.sort(key=lambda item: (ranks[item[1].level], -IMPACT_ORDER[item[1].impact],
                                     item[0]))
        unmet = {c.id for c in criteria if not c.met}
        return tuple(
            RecommendationResult(order, rec.id, rec.level, rec.action,
                                 tuple(c for c in rec.addresses if c in unmet), rec.impact,
                                 rec.source, rec.rationale)
            for order, (_, rec) in enumerate(fired, start=1))

    def _findings(self, run: _Run) -> tuple[FindingResult, ...]:
        """The findings that hold, most severe first, then as the pack lists them."""
        held = [(index, f) for index, f in enumerate(self.pack.findings)
                if ("finding", f.id) in run.decided]
        held.sort(key=lambda item: (-SEVERITY_ORDER[item[1].severity], item[0]))
        return tuple(FindingResult(f.id, f.severity, f.message, f.source,
                                   run.facts_behind(("finding", f.id))) for _, f in held)



class _Run:
    """What one assessment concluded, collected as the engine fires (also the trace)."""

    def __init__(self, compiled: CompiledPack, inputs: Mapping[str, Any]) -> None:
        self.inputs = inputs  # the one input fact, decoded: every facts leg matches it
        self._facts_matches: dict[tuple[str, ...], Matched] = {}
        self.rules = compiled.rules
        self.conclusions = compiled.conclusions
        self.decided: dict[tuple[str, str], bool] = {}
        self.steps: dict[tuple[str, str], TraceStep] = {}
        self.trace: list[TraceStep] = []

    def concluded_level(self, pack: RulePack, ladder: Sequence[Level]) -> str:
        """The one level the engine concluded on a ladder; an `EngineError` when anything
        was left undecided or more than one level was concluded (the pack's invariants
        broken)."""
        missing = [f"{kind} {ident}" for kind, items in (
            ("derived", [d.id for d in pack.derived]), ("criterion", [c.id for c in pack.criteria]),
            ("level", [level.id for _, levels in pack.ladders for level in levels[1:]]))
            for ident in items if (kind, ident) not in self.decided]
        on_ladder = {level.id for level in ladder}
        diagnosed = [ident for (kind, ident) in self.decided
                     if kind == "diagnosis" and ident in on_ladder]
        if missing or len(diagnosed) != 1:
            raise EngineError("the engine left the assessment undecided "
                              f"(undecided: {', '.join(missing) or 'none'}; "
                              f"levels concluded: {', '.join(diagnosed) or 'none'})")
        return diagnosed[0]

    def on_fire(self, activation: Activation) -> Iterable[str]:
        rule = self.rules[activation.rule]
        key = (rule.kind, rule.target)
        earlier = self.decided.get(key)
        if earlier is not None:
            if earlier != rule.value:
                raise EngineError(f"{rule.kind} {rule.target} was concluded both ways",
                                  (self.steps[key].rule, rule.rule_id))
            return ()  # a second way to the same conclusion: the first one stands
        self.decided[key] = rule.value
        step = TraceStep(len(self.trace) + 1, rule.rule_id, rule.name, rule.kind, rule.target,
                         rule.value, self._matched(rule))
        self.steps[key] = step
        self.trace.append(step)
        if rule.asserts:
            return (self.conclusions[activation.rule],)
        return ()

    def _matched(self, rule: EngineRule) -> tuple[Matched, ...]:
        """What a rule matched: the session holds one input fact, so a facts leg matched it;
        a conclusion leg matched the conclusion it names (the engine joined on its value)."""
        result = []
        for leg in rule.legs:
            if leg.ref is not None:
                result.append(Matched(leg.ref.kind, leg.ref.id, leg.ref.value))
                continue
            matched = self._facts_matches.get(leg.paths)
            if matched is None:
                matched = Matched("facts", values=tuple((p, self.inputs[p]) for p in leg.paths))
                self._facts_matches[leg.paths] = matched
            result.append(matched)
        return tuple(result)

    def facts_behind(self, key: tuple[str, str]) -> tuple[tuple[str, Any], ...]:
        """The input facts a conclusion rests on, through the conclusions it used."""
        found: dict[str, Any] = {}
        pending = [key]
        seen = set()
        while pending:
            current = pending.pop(0)
            if current in seen or current not in self.steps:
                continue
            seen.add(current)
            for matched in self.steps[current].matched:
                if matched.kind == "facts":
                    for path, value in matched.values:
                        found.setdefault(path, value)
                elif matched.id is not None:
                    pending.append((matched.kind, matched.id))
        return tuple(sorted(found.items()))
