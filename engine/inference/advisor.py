"""One path through the house: read -> validate -> compile (once) -> infer -> result.

`Advisor` holds one compiled pack, its ruleset in the engine and its facts validator, and
assesses any number of organizations with them. Two advisors (the same pack twice, or two
packs) live side by side in one process: nothing here is global.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from ..analysis.dependencies import Knowledge
from ..errors import EngineError, UnknownLevelError
from ..inputs.facts import Facts, FactsReader
from ..packs.model import IMPACT_ORDER, RulePack
from .compiler import TARGET_SLOT, CompiledPack, EngineRule, compile_pack
from .diagnosis import (
    CriterionResult,
    Diagnosis,
    FindingResult,
    LevelRef,
    Matched,
    PackInfo,
    RecommendationResult,
    TraceStep,
)
from .durable_adapter import Activation, DurableRuleset


class Advisor:
    """Assesses organizations against one rule pack."""

    def __init__(self, pack: RulePack, *, max_firings: int | None = None) -> None:
        self.pack = pack
        self.compiled: CompiledPack = compile_pack(pack)
        self.reader = FactsReader(pack.facts_schema)
        self.max_firings = max_firings or 10 * len(self.compiled.rules) + 100
        self._ruleset = DurableRuleset(f"brm-{pack.id}-{pack.content_hash[:16]}",
                                       self.compiled.definition)
        self._levels = {level.id: level for level in pack.levels}
        self.pack_info = PackInfo(pack.id, pack.version, pack.name, pack.content_hash)
        """The pack's id, version, name and content hash, as results carry them."""
        self._knowledge: Knowledge | None = None

    @property
    def knowledge(self) -> Knowledge:
        """What the pack's criteria rest on; built once, on first use (searches, interviews,
        reports need it; plain assessments do not)."""
        if self._knowledge is None:
            self._knowledge = Knowledge(self.pack)
        return self._knowledge

    def close(self) -> None:
        """Free the engine's ruleset (also done when the advisor is collected)."""
        self._ruleset.close()

    def __enter__(self) -> Advisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the public path ---------------------------------------------------------------------

    def read(self, origin: str | Path | IO[bytes], *, name: str | None = None) -> Facts:
        """Read and validate a facts file or stream; raises `InputError` subclasses."""
        return self.reader.read(origin, name=name)

    def level_ref(self, level_id: str) -> LevelRef:
        level = self._levels.get(level_id)
        if level is None:
            raise UnknownLevelError(level_id, tuple(self._levels))
        return LevelRef(level.id, level.rank, level.name)

    def assess(self, facts: Facts, target: str | None = None) -> Diagnosis:
        """Run the rules on validated facts; `target` overrides the facts' target level."""
        target_id = target or facts.target_level
        target_ref = self.level_ref(target_id) if target_id else None
        encoded = self.compiled.encode(facts.data, target_ref.rank if target_ref else 0)
        run = _Run(self.compiled, self.compiled.decode_all(encoded))
        self._ruleset.run(encoded, run.on_fire, max_firings=self.max_firings)
        return self._diagnosis(facts, run, target_ref)

    # building the result -----------------------------------------------------------------

    def _diagnosis(self, facts: Facts, run: _Run, target: LevelRef | None) -> Diagnosis:
        pack = self.pack
        missing = [f"{kind} {ident}" for kind, items in (
            ("derived", [d.id for d in pack.derived]), ("criterion", [c.id for c in pack.criteria]),
            ("level", [level.id for level in pack.levels[1:]]))
            for ident in items if (kind, ident) not in run.decided]
        diagnosed = [ident for (kind, ident) in run.decided if kind == "diagnosis"]
        if missing or len(diagnosed) != 1:
            raise EngineError("the engine left the assessment undecided "
                              f"(undecided: {', '.join(missing) or 'none'}; "
                              f"levels concluded: {', '.join(diagnosed) or 'none'})")
        level = self.level_ref(diagnosed[0])
        next_level = (self.level_ref(pack.levels[level.rank].id)
                      if level.rank < len(pack.levels) else None)

        criteria = tuple(
            CriterionResult(c.id, c.level, run.decided[("criterion", c.id)], c.text, c.source,
                            run.facts_behind(("criterion", c.id)),
                            run.steps[("criterion", c.id)].rule)
            for c in pack.criteria)
        top_rank = max(next_level.rank if next_level else 0, target.rank if target else 0)
        ranks = {lv.id: lv.rank for lv in pack.levels}
        gaps = tuple(c.id for c in criteria
                     if not c.met and next_level is not None
                     and next_level.rank <= ranks[c.level] <= top_rank)

        fired_recs = [(index, rec) for index, rec in enumerate(pack.recommendations)
                      if ("recommendation", rec.id) in run.decided]
        fired_recs.sort(key=lambda item: (ranks[item[1].level], -IMPACT_ORDER[item[1].impact],
                                          item[0]))
        unmet = {c.id for c in criteria if not c.met}
        recommendations = tuple(
            RecommendationResult(order, rec.id, rec.level, rec.action,
                                 tuple(c for c in rec.addresses if c in unmet), rec.impact,
                                 rec.source, rec.rationale)
            for order, (_, rec) in enumerate(fired_recs, start=1))
        findings = tuple(
            FindingResult(f.id, f.severity, f.message, f.source,
                          run.facts_behind(("finding", f.id)))
            for f in sorted((f for f in pack.findings if ("finding", f.id) in run.decided),
                            key=lambda f: (-_SEVERITY_ORDER[f.severity],
                                           pack.findings.index(f))))
        derived = tuple((d.id, run.decided[("derived", d.id)]) for d in pack.derived)
        return Diagnosis(
            organization=facts.organization, level=level, next_level=next_level,
            target=target, criteria=criteria, derived=derived, gaps=gaps,
            recommendations=recommendations, findings=findings, trace=tuple(run.trace),
            pack=self.pack_info)


_SEVERITY_ORDER = {"critical": 3, "warning": 2, "info": 1}


class _Run:
    """What one assessment concluded, collected as the engine fires (also the trace)."""

    def __init__(self, compiled: CompiledPack, inputs: Mapping[str, Any]) -> None:
        self.inputs = inputs  # the one input fact, decoded: every facts leg matches it
        self._facts_matches: dict[tuple[str, ...], Matched] = {}
        self.compiled = compiled
        self.rules = compiled.rules
        self.conclusions = compiled.conclusions
        self.decided: dict[tuple[str, str], bool] = {}
        self.steps: dict[tuple[str, str], TraceStep] = {}
        self.trace: list[TraceStep] = []

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


__all__ = ["Advisor", "TARGET_SLOT"]
