"""One path through the house: read -> validate -> compile (once) -> infer -> result.

`Advisor` holds one compiled pack, its ruleset in the engine and its facts validator, and
assesses any number of organizations with them. Two advisors (the same pack twice, or two
packs) live side by side in one process: nothing here is global.

An assessment asserts the one input fact in the engine's kept session, follows the chain of
conclusions as the engine fires them (`DurableRuleset.infer`), and reads the result off tables
worked out once per pack (`runtime.Tables`); the trace is built when it is first read.
``reference.assess_reference`` computes the same result the plain way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import EngineError, UnknownLevelError
from ..inputs.facts import Facts, FactsReader
from ..packs.conditions import Ref
from ..packs.model import Criterion, RulePack, TeamPolicy
from ..team.aggregate import aggregates, aggregation_steps, derived_facts
from ..team.analysis import Bar, analyse
from ..team.privacy import without_profiles
from ..team.result import Aggregate
from ..team.roster import Brm, listed, roster
from .compiler import TARGET_SLOT, CompiledPack, compile_pack
from .diagnosis import (
    CriterionResult,
    Diagnosis,
    DimensionResult,
    FindingResult,
    LevelRef,
    PackInfo,
    Trace,
)
from .durable_adapter import DurableRuleset
from .runtime import Tables

if TYPE_CHECKING:
    from ..analysis.dependencies import Dependencies


class Advisor:
    """Assesses organizations against one rule pack."""

    def __init__(self, pack: RulePack, *, max_firings: int | None = None,
                 compiled: CompiledPack | None = None) -> None:
        self.pack = pack
        self.compiled: CompiledPack = compiled if compiled is not None else compile_pack(pack)
        self.reader = FactsReader(pack.facts_schema)
        self.max_firings = max_firings or 10 * len(self.compiled.rules) + 100
        self._ruleset = DurableRuleset(f"brm-{pack.id}-{pack.content_hash[:16]}",
                                       self.compiled.text or self.compiled.definition)
        self._tables = Tables(self.compiled)
        self.pack_info = PackInfo(pack.id, pack.version, pack.name, pack.content_hash)
        """The pack's id, version, name and content hash, as results carry them."""
        self._dependencies: Dependencies | None = None

    @property
    def dependencies(self) -> Dependencies:
        """What the pack's criteria rest on; built once, on first use (searches, interviews,
        reports need it; plain assessments do not)."""
        if self._dependencies is None:
            from ..analysis.dependencies import Dependencies

            self._dependencies = Dependencies(self.pack)
        return self._dependencies

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
        """A level of the pack as results name it; `UnknownLevelError` for an unknown id."""
        found = self._tables.levels.get(level_id)
        if found is None:
            raise UnknownLevelError(level_id, tuple(self.pack.ranks))
        return found

    def assess(self, facts: Facts, target: str | None = None,
               targets: Mapping[str, str] | None = None) -> Diagnosis:
        """Run the rules on validated facts; `target` overrides the facts' target level, and
        `targets` names a target level per dimension (dimension id -> level id; by default
        what the overall target needs of each under the pack's roll-up)."""
        target_id = target or facts.target_level
        target_ref = self.level_ref(target_id) if target_id else None
        dimension_targets = self.dimension_targets(target_ref, targets)
        tables = self._tables
        team = self.pack.team
        listed_team = team is not None and listed(facts.data)
        data = facts.data
        if listed_team:
            assert team is not None
            brms = roster(data, team)
            found = aggregates(brms, team, data.get(team.ratings) or {})
            data = derived_facts(data, team, found)
        text, values = tables.encode(data, target_ref.rank if target_ref else 0,
                                     {key: ref.rank for key, ref in dimension_targets.items()})
        try:
            fired = self._ruleset.infer(text, tables.chain, max_firings=self.max_firings)
        except EngineError:
            # a pack's rules that run away or conclude both ways: the error as the reference
            # path names it (the rules it names depend on the order they fired in)
            from .reference import assess_reference

            assess_reference(self, facts, target, targets)
            raise
        diagnosis = self._diagnosis(facts, fired, values, target_ref, dimension_targets)
        if listed_team:
            assert team is not None
            return self._with_team(diagnosis, facts, brms, team, found)
        return diagnosis

    def for_history(self, facts: Facts, diagnosis: Diagnosis, keep_profiles: bool = False,
                    target: str | None = None, targets: Mapping[str, str] | None = None
                    ) -> tuple[Facts, Diagnosis]:
        """What the history keeps of an assessment: without the BRMs' individual profiles
        unless `keep_profiles` (the practice ratings derived from them decide the same, so the
        facts kept are assessed again, toward the same targets)."""
        if keep_profiles or diagnosis.team is None:
            return facts, diagnosis
        kept = Facts(facts.source, without_profiles(facts.data, self.pack.team))
        if targets:
            return kept, self.assess(kept, target=target, targets=targets)
        return kept, self.assess(kept, target=target)

    def _with_team(self, diagnosis: Diagnosis, facts: Facts, brms: Sequence[Brm],
                   team: TeamPolicy,
                   found: Sequence[Aggregate]) -> Diagnosis:
        """The diagnosis with the team's profiles, findings and plan, and the derivation of
        each practice rating from the BRMs' first in its trace."""
        unit = facts.get("business_unit")
        result, findings = analyse(brms, team, found, self._bar(diagnosis, team),
                                   unit if isinstance(unit, str) else None)
        trace = diagnosis.trace
        return diagnosis._replace(
            team=result, findings=diagnosis.findings + findings,
            trace=Trace(lambda: aggregation_steps(team, found) + tuple(
                step._replace(step=step.step + len(found)) for step in trace)))

    def _bar(self, diagnosis: Diagnosis, team: TeamPolicy) -> Bar:
        """What the next level, the target and the level attained need of each competency."""
        from ..analysis.thresholds import thresholds

        prefix = f"{team.ratings}."

        def needs(level: LevelRef | None) -> dict[str, int]:
            if level is None:
                return {}
            found = thresholds(self.pack, self.dependencies, level.rank)
            return {name: found[prefix + name] for name, _ in team.competencies
                    if prefix + name in found}
        return Bar(diagnosis.next_level, diagnosis.target, needs(diagnosis.next_level),
                   needs(diagnosis.target), needs(diagnosis.level))

    def dimension_targets(self, target: LevelRef | None,
                          targets: Mapping[str, str] | None = None) -> dict[str, LevelRef]:
        """The target level of each dimension: as `targets` names it, or what the overall
        `target` needs of the dimension under the pack's roll-up (none when neither says).
        An unknown dimension or level raises `UnknownLevelError`."""
        pack = self.pack
        found: dict[str, LevelRef] = {}
        if target is not None:
            for criterion in pack.criteria:
                if criterion.rollup and pack.rank(criterion.level) <= target.rank:
                    needed = self.level_ref(_needed_level(criterion))
                    dimension = pack.level(needed.id).dimension
                    current = found.get(dimension)
                    if current is None or needed.rank > current.rank:
                        found[dimension] = needed
        for dimension_id, level_id in (targets or {}).items():
            known = [d.id for d in pack.dimensions]
            if dimension_id not in known:
                raise UnknownLevelError(dimension_id, tuple(known), kind="dimension")
            ladder = pack.dimension(dimension_id).levels
            ref = self._tables.levels.get(level_id)
            if ref is None or level_id not in {level.id for level in ladder}:
                raise UnknownLevelError(level_id, tuple(level.id for level in ladder),
                                        kind=f"level of the dimension {dimension_id}")
            found[dimension_id] = ref
        return {d.id: found[d.id] for d in pack.dimensions if d.id in found}

    # building the result -----------------------------------------------------------------

    def _diagnosis(self, facts: Facts, fired: list[int], values: dict[str, Any],
                   target: LevelRef | None, dimension_targets: Mapping[str, LevelRef]
                   ) -> Diagnosis:
        tables = self._tables
        decided = dict(zip(map(tables.chain.conclusion.__getitem__, fired), fired, strict=True))
        # each conclusion decided once (no second way to it): the rules in the order they
        # fired, which puts every rule after those it joins; otherwise the engine's order
        firsts = fired if len(decided) == len(fired) else tables.firsts(fired)
        if firsts is not fired:
            decided = dict(zip(map(tables.chain.conclusion.__getitem__, firsts), firsts,
                               strict=True))
        level = tables.levels[self._concluded_level(fired, decided, tables.diagnoses)]
        next_level = tables.next_levels[level.id]
        dimensions = tuple(
            DimensionResult(dimension.id, dimension.name, found, tables.next_levels[found.id],
                            dimension_targets.get(dimension.id))
            for dimension, keys in tables.dimension_diagnoses
            for found in [tables.levels[self._concluded_level(fired, decided, keys)]])
        masks = tables.behind(firsts)
        criteria = tables.criteria_results(decided, masks, values)
        unmet = {c.id for c in criteria if not c.met}
        rules = tables.rules
        return Diagnosis(
            facts.organization, level, next_level, target, criteria,
            tuple(zip(tables.derived_ids, [rules[decided[key]].value
                                           for key in tables.derived_keys], strict=True)),
            gaps(self.pack, criteria, [(next_level, target)] + [
                (d.next_level, d.target) for d in dimensions]),
            tables.recommendation_results(decided, unmet),
            tuple(FindingResult(f.id, f.severity, f.message, f.source,
                                tables.facts(masks[key], values))
                  for key, f in tables.findings if key in decided),
            Trace(lambda: tables.trace(tables.firsts(fired), values)), self.pack_info,
            dimensions)

    def _concluded_level(self, fired: list[int], decided: dict[int, int],
                         keys: Sequence[int]) -> str:
        """The one level the engine concluded on a ladder (`keys`: its diagnoses); an
        `EngineError` when anything was left undecided or more than one level was concluded
        (the pack's invariants broken)."""
        tables = self._tables
        diagnosed = [key for key in keys if key in decided]
        if len(diagnosed) == 1 and tables.required_keys <= decided.keys():
            return tables.rules[decided[diagnosed[0]]].key[1]
        firsts = tables.firsts(fired)
        named = [tables.rules[number].key[1] for number in firsts
                 if tables.rules[number].key[0] == "diagnosis"]
        missing = [f"{kind} {ident}" for kind, ident, key in tables.required
                   if key not in decided]
        raise EngineError("the engine left the assessment undecided "
                          f"(undecided: {', '.join(missing) or 'none'}; "
                          f"levels concluded: {', '.join(named) or 'none'})")


def gaps(pack: RulePack, criteria: Sequence[CriterionResult],
         ladders: Sequence[tuple[LevelRef | None, LevelRef | None]]) -> tuple[str, ...]:
    """Unmet criteria of the next level and of every level up to the target, on each ladder
    (`ladders`: its next level and target; the overall one first), in the pack's order."""
    scopes = []
    for next_level, target in ladders:
        if next_level is not None:
            ladder = {level.id for level in pack.ladder(next_level.id)}
            top = max(next_level.rank, target.rank if target else 0)
            scopes.append((ladder, next_level.rank, top))
    ranks = pack.ranks
    return tuple(c.id for c in criteria if not c.met and any(
        c.level in ladder and low <= ranks[c.level] <= top for ladder, low, top in scopes))


def _needed_level(criterion: Criterion) -> str:
    """The dimension level a roll-up criterion needs (its condition is that reference)."""
    assert isinstance(criterion.when, Ref)
    return criterion.when.id


__all__ = ["Advisor", "TARGET_SLOT", "gaps"]
