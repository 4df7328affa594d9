"""Explanations: why this level, why not the next, and what the level rests on.

Built from what the engine fired (the trace the adapter recorded), as MYCIN answered WHY and
HOW from its rules: each node of the proof is a trace step, naming the rule that concluded it
and the source the rule rests on, down to the input facts it matched. What would satisfy an
unmet criterion, and which facts the level rests on, are found by re-running the engine on
changed facts (``whatif``), never by evaluating the rules a second way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..inference.diagnosis import Diagnosis, FindingResult, LevelRef, TraceStep
from ..inputs.facts import Facts
from ..packs.conditions import Ref
from ..packs.model import RulePack
from ..team.analysis import DEFAULT_SOURCE
from .edits import Change
from .search import Budget, Sensitivity, satisfying_changes, sensitivity

if TYPE_CHECKING:
    from ..engagement.combine import Combined
    from ..inference.advisor import Advisor


class ProofNode(NamedTuple):
    """One conclusion and what it rests on. A practice rating derived from the BRMs' ratings
    is a child of the input facts node that holds it (kind "aggregation", `id` its path, `text`
    how it was derived), down to the BRMs' ratings it rests on."""

    kind: str  # "level" | "criterion" | "derived" | "facts" | "aggregation"
    id: str | None
    value: bool | None
    text: str  # what is concluded about (its truth is `value`)
    rule: str | None  # the pack rule that concluded it (None for input facts)
    source: str | None
    facts: tuple[tuple[str, Any], ...] = ()  # input facts: (field path, value)
    children: tuple[ProofNode, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "id": self.id, "value": self.value,
                                "text": self.text, "rule": self.rule, "source": self.source}
        if self.kind == "facts":
            data["facts"] = [{"path": p, "value": v} for p, v in self.facts]
        data["children"] = [child.to_dict() for child in self.children]
        return data

    def derivation(self, path: str) -> ProofNode | None:
        """Of an input facts node: how the fact at `path` was derived (an aggregation node),
        if it was."""
        return next((child for child in self.children
                     if child.kind == "aggregation" and child.id == path), None)

    def walk(self) -> list[ProofNode]:
        """This node and every node below it, depth first."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


class Need(NamedTuple):
    """What a roll-up criterion needs: a dimension at a level, and where it stands."""

    dimension: str
    name: str  # the dimension's name
    level: LevelRef  # the level the criterion needs
    current: LevelRef  # the level the dimension is at

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "name": self.name, "level": self.level.to_dict(),
                "current": self.current.to_dict()}


class UnmetCriterion(NamedTuple):
    id: str
    level: str
    text: str
    source: str
    proof: ProofNode  # why it is unmet: the facts that fail it
    satisfy: tuple[tuple[Change, ...], ...]  # smallest changes that would meet it
    needs: Need | None = None  # for a roll-up criterion: the dimension level it needs

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "level": self.level, "text": self.text, "source": self.source,
                "proof": self.proof.to_dict(),
                "would_be_met_by": [[c.to_dict() for c in option] for option in self.satisfy]}
        if self.needs is not None:
            data["needs"] = self.needs.to_dict()
        return data


class DimensionExplanation(NamedTuple):
    """Why a dimension is at its level (the criteria that decided it) and why not higher."""

    id: str
    name: str
    level: LevelRef
    why: ProofNode
    why_not_level: LevelRef | None  # None at the dimension's top level
    why_not: tuple[UnmetCriterion, ...]
    robustness: tuple[Sensitivity, ...] = ()  # single facts whose change lowers its level

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "level": self.level.to_dict(),
                "why": self.why.to_dict(),
                "why_not": _why_not_dict(self.why_not_level, self.why_not),
                "robustness": [s.to_dict() for s in self.robustness]}


def _why_not_dict(level: LevelRef | None, unmet: Sequence[UnmetCriterion]
                  ) -> dict[str, Any] | None:
    """Why a level is not attained, as JSON: the level and its unmet criteria (None at the
    top of a ladder)."""
    if level is None:
        return None
    return {"level": level.to_dict(), "unmet": [u.to_dict() for u in unmet]}


class Explanation(NamedTuple):
    diagnosis: Diagnosis
    why: ProofNode
    why_not_level: LevelRef | None  # the level explained as not attained (None at the top)
    why_not: tuple[UnmetCriterion, ...]
    findings: tuple[FindingResult, ...]
    robustness: tuple[Sensitivity, ...]
    evaluated: int  # fact sets the engine assessed for `satisfy` and `robustness`
    cut: bool = False  # the search budget ran out: `satisfy` and `robustness` may be partial
    dimensions: tuple[DimensionExplanation, ...] = ()  # each dimension's, when rated

    def to_dict(self, unit: str | None = None,
                combined: Sequence[Combined] = ()) -> dict[str, Any]:
        """The JSON form; for a business unit of an engagement (`unit`), also the unit's name
        and how its respondents' answers were `combined` (``business_unit``, ``combined``)."""
        d = self.diagnosis
        return {
            "organization": d.organization,
            "level": d.level.to_dict(),
            "why": self.why.to_dict(),
            "why_not": _why_not_dict(self.why_not_level, self.why_not),
            "findings": [f.to_dict() for f in self.findings],
            "robustness": [s.to_dict() for s in self.robustness],
            **({"dimensions": [e.to_dict() for e in self.dimensions]}
               if self.dimensions else {}),
            "candidates_evaluated": self.evaluated,
            **({"search_cut": True} if self.cut else {}),
            "pack": d.pack.to_dict(),
            **({"business_unit": unit, "combined": [item.to_dict() for item in combined]}
               if unit is not None else {}),
        }


def explain(advisor: Advisor, facts: Facts, diagnosis: Diagnosis,
            level: str | None = None) -> Explanation:
    """Explain `diagnosis` (of `facts`); `level` asks why not that level instead of the next
    (a dimension's level: why that dimension is not at it). For a pack with dimensions, each
    dimension's level is explained too."""
    pack = advisor.pack
    steps = {(step.kind, step.concludes): step for step in diagnosis.trace}
    why = _why(pack, steps, diagnosis.level.id)
    asked_level = advisor.level_ref(level) if level else None
    on_dimension = asked_level is not None and bool(pack.level(asked_level.id).dimension)
    asked = diagnosis.next_level if asked_level is None or on_dimension else asked_level
    if asked is not None and asked.rank <= diagnosis.level.rank:
        asked = None
    budget = Budget()
    unmet, evaluated = _why_not(advisor, facts, diagnosis, steps, diagnosis.level, asked,
                                budget)
    dimensions = []
    for result in diagnosis.dimensions:
        wanted = result.next_level
        if asked_level is not None and pack.level(asked_level.id).dimension == result.id:
            wanted = asked_level
        if wanted is not None and wanted.rank <= result.level.rank:
            wanted = None
        found, counted = _why_not(advisor, facts, diagnosis, steps, result.level, wanted,
                                  budget)
        rests, more = sensitivity(advisor, facts, diagnosis, budget, result.id)
        evaluated += counted + more
        dimensions.append(DimensionExplanation(result.id, result.name, result.level,
                                               _why(pack, steps, result.level.id), wanted,
                                               found, rests))
    robustness, counted = sensitivity(advisor, facts, diagnosis, budget)
    explanation = Explanation(diagnosis, why, asked, unmet, diagnosis.findings, robustness,
                              evaluated + counted, budget.exhausted, tuple(dimensions))
    derivations = _derivations(pack, diagnosis, steps)
    return _with_derivations(explanation, derivations) if derivations else explanation


def _derivations(pack: RulePack, diagnosis: Diagnosis,
                 steps: dict[tuple[str, str], TraceStep]) -> dict[str, ProofNode]:
    """Each practice rating derived from the BRMs' (when the facts list them), by path: how
    it was derived and the BRMs' ratings it rests on."""
    policy, team = pack.team, diagnosis.team
    if policy is None or team is None:
        return {}
    found = {}
    for item in team.aggregates:
        path = f"{policy.ratings}.{item.competency}"
        step = steps.get(("aggregation", path))
        rests_on = (step.matched[0].values if step is not None and step.matched else
                    tuple((f"brms[{name}].{path}", rating) for name, rating in item.ratings))
        found[path] = ProofNode(
            "aggregation", path, None, item.describe(policy),
            step.rule if step is not None else f"team:{item.method}/{item.competency}",
            policy.source or DEFAULT_SOURCE,
            children=(ProofNode("facts", None, None, "input facts", None, None, rests_on),))
    return found


def _with_derivations(e: Explanation, derivations: dict[str, ProofNode]) -> Explanation:
    """The explanation with each derived practice rating's derivation under the input facts
    nodes that hold it."""
    def unmet(items: Sequence[UnmetCriterion]) -> tuple[UnmetCriterion, ...]:
        return tuple(u._replace(proof=_tie(u.proof, derivations)) for u in items)
    return e._replace(
        why=_tie(e.why, derivations), why_not=unmet(e.why_not),
        dimensions=tuple(d._replace(why=_tie(d.why, derivations), why_not=unmet(d.why_not))
                         for d in e.dimensions))


def _tie(node: ProofNode, derivations: dict[str, ProofNode]) -> ProofNode:
    """`node` with the derivation of every derived fact an input facts node below it holds."""
    if node.kind == "facts":
        return node._replace(children=tuple(derivations[path] for path, _ in node.facts
                                            if path in derivations))
    return node._replace(children=tuple(_tie(child, derivations) for child in node.children))


def _why_not(advisor: Advisor, facts: Facts, diagnosis: Diagnosis,
             steps: dict[tuple[str, str], TraceStep], current: LevelRef,
             asked: LevelRef | None, budget: Budget
             ) -> tuple[tuple[UnmetCriterion, ...], int]:
    """Each unmet criterion above the `current` level of a ladder, up to the asked level on
    it: the facts that fail it and the smallest changes that would meet it."""
    if asked is None:
        return (), 0
    pack = advisor.pack
    ladder = {level.id for level in pack.ladder(asked.id)}
    unmet: list[UnmetCriterion] = []
    evaluated = 0
    for result in diagnosis.criteria:
        if result.met or result.level not in ladder \
                or not current.rank < pack.rank(result.level) <= asked.rank:
            continue
        options, counted = satisfying_changes(advisor, facts, diagnosis, result.id, budget)
        evaluated += counted
        unmet.append(UnmetCriterion(result.id, result.level, result.text, result.source,
                                    _node(pack, steps, ("criterion", result.id)), options,
                                    _needs(advisor, diagnosis, result.id)))
    return tuple(unmet), evaluated


def _needs(advisor: Advisor, diagnosis: Diagnosis, criterion_id: str) -> Need | None:
    """The dimension level a roll-up criterion needs, and where that dimension stands."""
    pack = advisor.pack
    criterion = next(c for c in pack.criteria if c.id == criterion_id)
    if not criterion.rollup or not isinstance(criterion.when, Ref):
        return None
    needed = pack.level(criterion.when.id)
    standing = diagnosis.dimension(needed.dimension)
    return Need(needed.dimension, standing.name, advisor.level_ref(needed.id), standing.level)


def _why(pack: RulePack, steps: dict[tuple[str, str], TraceStep],
         level_id: str) -> ProofNode:
    level = pack.level(level_id)
    if level.rank == 1:
        where = (f"the floor of {pack.dimension(level.dimension).name}" if level.dimension
                 else "the floor of the model")
        return ProofNode("level", level.id, True,
                         f"{level.name} is {where}: every organization "
                         "attains it", steps[("diagnosis", level.id)].rule, level.source)
    return _node(pack, steps, ("level", level.id))


def _node(pack: RulePack, steps: dict[tuple[str, str], TraceStep],
          key: tuple[str, str]) -> ProofNode:
    step = steps[key]
    children = []
    for matched in step.matched:
        if matched.kind == "facts":
            children.append(ProofNode("facts", None, None, "input facts", None, None,
                                      matched.values))
        elif matched.id is not None:
            children.append(_node(pack, steps, (matched.kind, matched.id)))
    text, source = _statement(pack, step)
    return ProofNode(step.kind, step.concludes, step.value, text, step.rule, source,
                     children=tuple(children))


def _statement(pack: RulePack, step: TraceStep) -> tuple[str, str]:
    if step.kind == "level":
        level = pack.level(step.concludes)
        if level.dimension:  # a dimension's level, named with its dimension
            return f"{pack.dimension(level.dimension).name}: {level.name}", level.source
        return level.name, level.source
    if step.kind == "criterion":
        criterion = next(c for c in pack.criteria if c.id == step.concludes)
        return criterion.text, criterion.source
    fact = next(d for d in pack.derived if d.id == step.concludes)
    return fact.text, fact.source
