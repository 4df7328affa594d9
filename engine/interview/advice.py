"""Why a question is asked, and whether its answer can still matter.

Two registers, on purpose. `reason` is for the client across the table: why the question
matters, in the pack's words, and the criteria it feeds in plain words; it never says which
answer scores better. `why` is for the consultant: the rules that use the fact and what each
answer would change, worked out by the engine on the answers so far (facts not answered yet
take placeholder values). Whether a question can still matter (`can_matter`, `still_matter`)
is decided by the engine too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..analysis.dependencies import Dependencies, NumberRange, numbers_to_try
from ..errors import BrmError
from ..packs.conditions import Condition, fact_tests, references
from ..packs.fields import Field
from ..packs.model import Criterion, RulePack
from .answers import flatten, nest
from .questions import TARGET, InterviewQuestion

if TYPE_CHECKING:
    from ..inference.advisor import Advisor

MAX_ANSWERS_TRIED = 12
"""Answers whose effect `why` shows, at most (one per class of answers the rules treat alike;
for a list, whose classes can be many, one per outcome)."""


class Effect(NamedTuple):
    value: Any
    met: tuple[str, ...]  # criteria using this fact that this answer would meet
    unmet: tuple[str, ...]


class Reason(NamedTuple):
    """Why a question matters, for the client: the pack's words (or, for a fact the pack says
    nothing about, what the rules do with it), and the criteria it feeds in plain words, in the
    pack's order, never ranked by answer."""

    text: str
    feeds: tuple[str, ...]


def reason(pack: RulePack, deps: Dependencies, question: InterviewQuestion) -> Reason:
    """Why the question matters, in the client's language: every question has one."""
    using = [c for c in pack.criteria if question.path in deps.fields[c.id]]
    feeds = tuple(dict.fromkeys(c.text.strip() for c in using))
    return Reason(question.reason or _default_reason(pack, question, bool(using)), feeds)


ORGANIZATION_REASON = ("Its name heads the report, and keeps this assessment beside the "
                       "earlier and later ones of the same organization, so that progress can "
                       "be followed over time.")
"""Why the organization is asked, when the pack does not say (every pack's facts name it)."""


def _default_reason(pack: RulePack, question: InterviewQuestion, criteria: bool) -> str:
    """A reason for a question the pack gives none for, from what the rules do with it."""
    if criteria:
        return "The level is decided on answers like this one."
    if question.path == TARGET:
        return "The recommendations then cover every level up to the one aimed for."
    if question.path == "organization":
        return ORGANIZATION_REASON
    if _other_rules(pack, question.path):
        return "It shapes the recommendations and the points to watch in the report."
    return "It is kept with the assessment and shown in the report."


class Why(NamedTuple):
    path: str
    criteria: tuple[tuple[str, str, str], ...]  # (criterion id, level name, text)
    others: tuple[str, ...]  # other rules that test it: derived facts, findings, recommendations
    effects: tuple[Effect, ...]
    depends_on: tuple[str, ...]  # unanswered facts the effects also depend on


def why(advisor: Advisor, question: InterviewQuestion, answers: Mapping[str, Any]) -> Why:
    """The rules that use this fact, and what each possible answer would change (by the
    engine, on the answers so far; unanswered facts take placeholder values)."""
    pack, deps, path = advisor.pack, advisor.dependencies, question.path
    using = [c for c in pack.criteria if path in deps.fields[c.id]]
    names = {level.id: level_name(pack, level.id) for level in pack.all_levels}
    depends = sorted({f for c in using for f in deps.fields[c.id]
                      if f != path and f not in answers})
    return Why(path, tuple((c.id, names[c.level], c.text) for c in using),
               tuple(_other_rules(pack, path)), tuple(_effects(advisor, path, using, answers)),
               tuple(depends))


def level_name(pack: RulePack, level_id: str) -> str:
    """A level's name; a dimension's level with its dimension's ("Business demand: Managed")."""
    level = pack.level(level_id)
    return f"{pack.dimension(level.dimension).name}: {level.name}" if level.dimension \
        else level.name


def _tests(condition: Condition, path: str) -> bool:
    return path in {t.path for t in fact_tests(condition)}


def _other_rules(pack: RulePack, path: str) -> list[str]:
    """The rules other than criteria that test the fact: derived facts, findings (directly or
    through a derived fact that does), recommendations."""
    others = [f"derived {d.id}" for d in pack.derived if _tests(d.when, path)]
    others += [f"finding {f.id}" for f in pack.findings
               if _tests(f.when, path)
               or any(r.kind == "derived" and f"derived {r.id}" in others
                      for r in references(f.when))]
    others += [f"recommendation {r.id}" for r in pack.recommendations
               if r.when is not None and _tests(r.when, path)]
    return others


def _effects(advisor: Advisor, path: str, using: list[Criterion],
             answers: Mapping[str, Any]) -> list[Effect]:
    """For each class of answers, the criteria using the fact it would meet and leave unmet."""
    info = advisor.pack.fact_paths.get(path)
    base = _placeholder_facts(advisor, answers) if using and info is not None else None
    if base is None or info is None:
        return []
    effects: list[Effect] = []
    outcomes = set()
    for value in _answers_to_try(advisor.dependencies, info, answers.get(path)):
        try:
            facts = advisor.reader.from_data(nest({**base, path: value}))
        except BrmError:
            continue
        diagnosis = advisor.assess(facts)
        met = tuple(c.id for c in using if diagnosis.criterion(c.id).met)
        unmet = tuple(c.id for c in using if not diagnosis.criterion(c.id).met)
        if info.kind == "list" and (met, unmet) in outcomes:
            continue  # a list's answers are many: one per outcome, the shortest
        outcomes.add((met, unmet))
        effects.append(Effect(value, met, unmet))
        if len(effects) == MAX_ANSWERS_TRIED:
            break
    return effects


def _answers_to_try(deps: Dependencies, info: Field, current: Any) -> list[Any]:
    """Every choice of a single-valued fact; for a number, one answer per class of answers the
    rules treat alike (the current answer's too), in ascending order; for yes or no and for a
    list, one answer per class of answers the rules treat alike (the current answer first,
    then the shortest: the empty list, before any answer is given, is one of them)."""
    if info.kind != "list" and info.choices:
        return list(info.choices)
    if info.kind in ("integer", "number"):
        values = [v for v in deps.representatives(info, current) if v is not None]
        return sorted(values)[:MAX_ANSWERS_TRIED]
    if current is None:  # every class: "no" and "none" too, which an unanswered fact is like
        values = deps.representatives(info, current)
    else:
        values = [current, *deps.alternatives(info, current)]
    values = [v for v in values if v is not None]
    first = values[:1] if current is not None else []
    return first + sorted(values[len(first):],
                          key=lambda v: len(v) if isinstance(v, list) else 0)


def _placeholder_facts(advisor: Advisor, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answers so far, with the first allowed value for every required fact not yet given
    (None when even that is not a valid facts document)."""
    fields = advisor.pack.fields
    data = flatten(fields.placeholder_document(), fields)
    for path, value in data.items():  # a number's placeholder may be out of an open range
        info = fields[path]
        if info.kind in ("integer", "number") and not NumberRange.of(info).allows(value):
            data[path] = next(iter(numbers_to_try(info, (), None)), value)
    data.update({k: v for k, v in answers.items() if v is not None})
    try:
        advisor.reader.from_data(nest(data))
    except BrmError:
        return None
    return data


def can_matter(advisor: Advisor, question: InterviewQuestion, answers: Mapping[str, Any],
               target: str | None = None) -> bool:
    """Whether the answer can still change the level or the recommendations (see
    `still_matter`)."""
    return question.path in still_matter(advisor, (question,), answers, target)


def still_matter(advisor: Advisor, questions: Iterable[InterviewQuestion],
                 answers: Mapping[str, Any], target: str | None = None) -> set[str]:
    """The paths of the questions whose answer can still change the level or the
    recommendations.

    A required fact always matters: the facts are not complete without it (a required list
    too: an empty list is an answer the client gives, never one made up). The target sets the
    reach. Any other fact matters while some criterion or recommendation that uses it belongs
    to a level that can still be next, or is within the target. Levels above a criterion
    already decided unmet (all its facts answered, decided by the engine) cannot be reached, so
    their facts are not asked in quick mode. A pack that rates several dimensions has a reach
    on each ladder: a side held back does not stop the other's questions. The reach is worked
    out once for all the questions.
    """
    wanted = set()
    reach: dict[str, int] | None = None
    for question in questions:
        if question.required or question.path == TARGET:
            wanted.add(question.path)
            continue
        if reach is None:
            reach = _reach(advisor, answers, target)
        if _used_within(advisor.pack, advisor.dependencies, question.path, reach):
            wanted.add(question.path)
    return wanted


def _reach(advisor: Advisor, answers: Mapping[str, Any], target: str | None
           ) -> dict[str, int]:
    """The highest rank still within reach on each ladder ("" the overall one, else a
    dimension's): below the first level with a criterion decided unmet, or the target's
    (a dimension's: what the overall target needs of it), whichever is higher."""
    pack = advisor.pack
    ceiling = {ladder: len(levels) for ladder, levels in pack.ladders}
    base = _placeholder_facts(advisor, answers)
    if base is not None:
        diagnosis = advisor.assess(advisor.reader.from_data(nest(base)))
        for criterion in pack.criteria:
            decided = all(f in answers for f in advisor.dependencies.fields[criterion.id])
            if decided and not diagnosis.criterion(criterion.id).met:
                ladder = pack.level(criterion.level).dimension
                ceiling[ladder] = min(ceiling[ladder], pack.rank(criterion.level))
    target_id = str(target or answers.get("target_level"))
    if target_id in pack.ranks and not pack.level(target_id).dimension:
        ceiling[""] = max(ceiling[""], pack.rank(target_id))
        if pack.dimensions:
            needed = advisor.dimension_targets(advisor.level_ref(target_id))
            for dimension, level in needed.items():
                ceiling[dimension] = max(ceiling[dimension], level.rank)
    return ceiling


def _within(pack: RulePack, level_id: str, reach: Mapping[str, int]) -> bool:
    return pack.rank(level_id) <= reach[pack.level(level_id).dimension]


def _used_within(pack: RulePack, deps: Dependencies, path: str, reach: Mapping[str, int]
                 ) -> bool:
    """Whether a criterion or a recommendation of a level within reach uses the fact."""
    if any(path in deps.fields[c.id] and _within(pack, c.level, reach) for c in pack.criteria):
        return True
    return any(rec.when is not None and _within(pack, rec.level, reach)
               and _tests(rec.when, path) for rec in pack.recommendations)
