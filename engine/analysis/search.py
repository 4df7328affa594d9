"""Searching the fewest fact changes that reach a level, and the facts a level rests on.

Every answer here is decided by the engine: a candidate set of changes is applied to a copy of
the facts, validated, and assessed again; only what the engine concludes is reported. The search
explores only values the facts schema allows. To stay small it tries one value per class of
values that the pack's tests treat alike (e.g. for a rating tested only by ``at_least: 3``, one
value below 3 and one at or above), and it splits the goal into groups of criteria that share no
fact, which can be solved one by one. It is bounded: past `MAX_CANDIDATES` assessments in one
question it stops and says that it was cut, instead of growing with the product of the fields'
values.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..errors import EditError, InputError
from ..inference.diagnosis import Diagnosis, LevelRef, PackInfo
from ..inputs.facts import Facts
from ..inputs.paths import value_at
from ..packs.conditions import Condition, FactTest
from ..team.aggregate import brm_changes, seen_facts
from .dependencies import Dependencies, covers_every_class, criteria_up_to
from .edits import Change, changes_between, with_values

if TYPE_CHECKING:
    from ..inference.advisor import Advisor

MAX_SOLUTIONS = 5


class Goal(NamedTuple):
    """One level a search aims at, on its ladder: the overall one (`dimension` "") or a
    dimension's, with the level the organization is at on that ladder."""

    dimension: str  # "" for the overall ladder
    name: str  # the dimension's name ("" for the overall ladder)
    current: LevelRef
    target: LevelRef

    @property
    def reached(self) -> bool:
        return self.current.rank >= self.target.rank

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension or None, "name": self.name or None,
                "current": self.current.to_dict(), "target": self.target.to_dict()}


class Solution(NamedTuple):
    """A set of changes the engine confirmed reaches the target."""

    changes: tuple[Change, ...]
    level: LevelRef
    recommendations: tuple[tuple[str, tuple[str, ...]], ...]  # path -> recommendation ids
    dimensions: tuple[tuple[str, LevelRef], ...] = ()  # each dimension's level it gives

    def to_dict(self) -> dict[str, Any]:
        recs = dict(self.recommendations)
        data = {"changes": [{**c.to_dict(), "recommendations": list(recs.get(c.path, ()))}
                            for c in self.changes],
                "level": self.level.to_dict()}
        if self.dimensions:
            data["dimensions"] = {ident: level.to_dict() for ident, level in self.dimensions}
        return data


class SearchResult(NamedTuple):
    organization: str
    pack: PackInfo
    current: LevelRef  # on the first goal's ladder (the overall one when it is aimed at)
    target: LevelRef
    solutions: tuple[Solution, ...]
    evaluated: int  # candidate fact sets assessed by the engine
    reason: str | None  # why no solution, when there is none
    cut: bool = False  # the budget ran out: a longer search might find more or smaller ways
    goals: tuple[Goal, ...] = ()  # every level aimed at, when one is a dimension's

    @property
    def reachable(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        return {"organization": self.organization,
                "current": self.current.to_dict(), "target": self.target.to_dict(),
                **({"goals": [g.to_dict() for g in self.goals]} if self.goals else {}),
                "reachable": self.reachable, "reason": self.reason,
                "fewest_changes": len(self.solutions[0].changes) if self.solutions else None,
                "solutions": [s.to_dict() for s in self.solutions],
                "candidates_evaluated": self.evaluated,
                **({"search_cut": True} if self.cut else {}),
                "pack": self.pack.to_dict()}


MAX_CANDIDATES = 2000
"""Fact sets the engine assesses to answer one question (a search, an explanation, a lint
check) before the search stops and says it was cut."""


class Budget:
    """How many more fact sets one question may have the engine assess; shared by the
    searches that answer it."""

    def __init__(self, total: int = MAX_CANDIDATES) -> None:
        self.total = total
        self.used = 0

    @property
    def exhausted(self) -> bool:
        return self.used >= self.total

    def spend(self) -> None:
        if self.exhausted:
            raise _OutOfBudget
        self.used += 1


class _OutOfBudget(Exception):
    """The budget is spent: the search stops where it is."""


Memo = dict[str, Diagnosis]
"""Diagnoses of changed facts already assessed, for searches from the same facts (lint asks
several questions of one baseline): a changed fact set is assessed once."""


class _Searcher:
    def __init__(self, advisor: Advisor, facts: Facts, budget: Budget | None = None,
                 memo: Memo | None = None) -> None:
        self.advisor = advisor
        self.facts = facts
        self.dependencies = advisor.dependencies
        self.budget = budget or Budget()
        self.evaluated = 0
        self.memo = memo
        self.seen = seen_facts(facts.data, advisor.pack.team)
        """The facts as the rules see them (practice ratings derived from the BRMs')."""

    def current(self, path: str) -> Any:
        """A fact's value as the rules see it."""
        return value_at(self.seen, path)

    @property
    def cut(self) -> bool:
        """Whether the budget ran out: answers may be missing what a longer search finds."""
        return self.budget.exhausted

    def assess(self, changes: Mapping[str, Any], target: str | None = None,
               targets: Mapping[str, str] | None = None) -> Diagnosis:
        key = repr((sorted(changes.items()), target, sorted((targets or {}).items())))
        if self.memo is not None and key in self.memo:
            return self.memo[key]
        self.budget.spend()
        self.evaluated += 1
        candidate = self.advisor.reader.from_data(
            with_values(self.facts.data, self.realized(changes)), self.facts.source)
        found = self.advisor.assess(candidate, target=target, targets=targets)
        if self.memo is not None:
            self.memo[key] = found
        return found

    def realized(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """`changes` as they take effect: on facts listing BRMs, a practice rating the BRMs'
        ratings derive is changed through the fewest of theirs."""
        team = self.advisor.pack.team
        if team is None or not self.facts.data.get("brms"):
            return dict(changes)
        return brm_changes(self.facts.data, team, changes)

    def changes(self, changes: Mapping[str, Any]) -> tuple[Change, ...]:
        """The changes of the facts a set of changed values makes, as the user would make
        them (a BRM's rating rather than the practice rating derived from it)."""
        real = self.realized(changes)
        return changes_between(self.facts.data, with_values(self.facts.data, real), real)

    def fewest(self, goal: Sequence[str], fields: Sequence[str],
               limit: int = MAX_SOLUTIONS) -> list[dict[str, Any]]:
        """The smallest sets of field values (fewest fields) that meet every criterion of
        `goal`, as the engine decides; [] when no allowed values do."""
        paths = self.advisor.pack.fact_paths
        options = {f: self.dependencies.alternatives(paths[f], self.current(f)) for f in fields}
        for size in range(1, len(fields) + 1):
            found: list[dict[str, Any]] = []
            try:
                for changes in self._candidates(fields, options, size):
                    if self._meets(changes, goal):
                        found.append(changes)
            except _OutOfBudget:
                return self._smallest(found, limit)
            if found:  # the fewest fields; among those, the smallest changes of value
                return self._smallest(found, limit)
        return []

    @staticmethod
    def _candidates(fields: Sequence[str], options: Mapping[str, Sequence[Any]], size: int
                    ) -> Iterator[dict[str, Any]]:
        """Every way to change `size` of the fields, lazily (there may be very many)."""
        for chosen in itertools.combinations(fields, size):
            for values in itertools.product(*(options[f] for f in chosen)):
                yield dict(zip(chosen, values, strict=True))

    def _meets(self, changes: Mapping[str, Any], goal: Sequence[str]) -> bool:
        diagnosis = self.assess(changes)
        return all(diagnosis.criterion(c).met for c in goal)

    def _smallest(self, found: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
        found.sort(key=self._distance)
        least = self._distance(found[0]) if found else 0
        return [c for c in found if self._distance(c) == least][:limit]

    def _distance(self, changes: Mapping[str, Any]) -> int:
        total = 0
        for path, value in changes.items():
            current = self.current(path)
            if isinstance(value, list) or isinstance(current, list):
                total += len(set(value or []) ^ set(current or []))
            else:
                total += 1
        return total


def search(advisor: Advisor, facts: Facts, target_id: str | None = None,
           budget: Budget | None = None, targets: Mapping[str, str] | None = None,
           memo: Memo | None = None) -> SearchResult:
    """The smallest sets of fact changes that make the diagnosis reach `target_id` (a level
    of any ladder) and, for a pack with dimensions, each dimension's level in `targets`
    (dimension id -> level id): every level named, at once."""
    searcher = _Searcher(advisor, facts, budget, memo)
    pack = advisor.pack
    overall, per_dimension = _split_targets(advisor, target_id, targets)
    before = searcher.assess({}, target=overall, targets=per_dimension)
    goals = _goals(advisor, before, overall, per_dimension)
    first = goals[0]
    shown = goals if any(g.dimension for g in goals) else ()
    if all(g.reached for g in goals):
        return SearchResult(facts.organization, advisor.pack_info, first.current, first.target,
                            (_solution(before, (), ()),), searcher.evaluated, None,
                            goals=shown)
    required = list(dict.fromkeys(c for goal in goals
                                  for c in criteria_up_to(pack, goal.target.id)))
    per_group, reason = _options_per_group(searcher, before, required)
    solutions = [] if reason else _confirmed(searcher, before, goals, per_group,
                                             (overall, per_dimension))
    if not solutions and reason is None:
        reason = "no combination reached the target"
    if not solutions and searcher.cut:
        reason = (f"the search was cut after {searcher.evaluated} candidate fact sets, "
                  f"before it found a way ({reason})")
    return SearchResult(facts.organization, advisor.pack_info, first.current, first.target,
                        tuple(solutions), searcher.evaluated, None if solutions else reason,
                        searcher.cut, shown)


def _split_targets(advisor: Advisor, target_id: str | None,
                   targets: Mapping[str, str] | None) -> tuple[str | None, dict[str, str]]:
    """The overall target and the dimensions' targets (a dimension level given as
    `target_id` is that dimension's target); unknown levels raise `UnknownLevelError`."""
    per_dimension = dict(targets or {})
    overall = target_id
    if target_id is not None:
        advisor.level_ref(target_id)
        dimension = advisor.pack.level(target_id).dimension
        if dimension:
            per_dimension.setdefault(dimension, target_id)
            overall = None
    if overall is None and not per_dimension:
        raise ValueError("a search needs a target level")
    advisor.dimension_targets(None, per_dimension)  # unknown ones: UnknownLevelError
    return overall, per_dimension


def _goals(advisor: Advisor, diagnosis: Diagnosis, overall: str | None,
           per_dimension: Mapping[str, str]) -> tuple[Goal, ...]:
    """The levels aimed at, the overall one first, each with where the diagnosis stands."""
    goals = []
    if overall is not None:
        goals.append(Goal("", "", diagnosis.level, advisor.level_ref(overall)))
    for dimension in advisor.pack.dimensions:
        if dimension.id in per_dimension:
            goals.append(Goal(dimension.id, dimension.name,
                              diagnosis.dimension(dimension.id).level,
                              advisor.level_ref(per_dimension[dimension.id])))
    return tuple(goals)


def _reaches(diagnosis: Diagnosis, goals: Sequence[Goal]) -> bool:
    return all(diagnosis.level_on(goal.dimension).rank >= goal.target.rank for goal in goals)


def _solution(after: Diagnosis, changes: tuple[Change, ...],
              recommendations: tuple[tuple[str, tuple[str, ...]], ...]) -> Solution:
    return Solution(changes, after.level, recommendations,
                    tuple((d.id, d.level) for d in after.dimensions))


def _options_per_group(searcher: _Searcher, before: Diagnosis, required: Sequence[str]
                       ) -> tuple[list[list[dict[str, Any]]], str | None]:
    """For each group of the required criteria that share facts (and hold some unmet
    one), the fewest changes that meet the whole group; or why a group cannot be met."""
    unmet = {c.id for c in before.criteria if not c.met}
    per_group: list[list[dict[str, Any]]] = []
    for criteria, fields in _groups(required, searcher.dependencies.fields):
        if not unmet & set(criteria):
            continue
        options = searcher.fewest(criteria, fields)
        if not options:
            names = ", ".join(c for c in criteria if c in unmet)
            return per_group, (f"no values the facts schema allows for "
                               f"{', '.join(fields) or 'any field'} meet {names}")
        per_group.append(options)
    return per_group, None


def _confirmed(searcher: _Searcher, before: Diagnosis, goals: Sequence[Goal],
               per_group: list[list[dict[str, Any]]],
               aims: tuple[str | None, Mapping[str, str]]) -> list[Solution]:
    """The groups' options combined, each confirmed by the engine to reach every goal."""
    solutions: list[Solution] = []
    for combo in _combinations(per_group, MAX_SOLUTIONS):
        changes: dict[str, Any] = {}
        for part in combo:
            changes.update(part)
        try:
            after = searcher.assess(changes, target=aims[0], targets=aims[1])
        except _OutOfBudget:
            break
        if not _reaches(after, goals):  # pragma: no cover - groups are independent
            continue
        change_list = searcher.changes(changes)
        solutions.append(_solution(after, change_list,
                                   _recommendations_for(before, after, change_list,
                                                        searcher.dependencies)))
    solutions.sort(key=lambda s: (len(s.changes), s.level.rank))
    return solutions


def _groups(criteria: Sequence[str], fields: Mapping[str, Sequence[str]]
            ) -> list[tuple[list[str], list[str]]]:
    """Criteria grouped so that no two groups share a field (each group is solved alone)."""
    groups: list[tuple[list[str], list[str]]] = []
    for criterion in criteria:
        mine = list(fields[criterion])
        touching = [g for g in groups if set(g[1]) & set(mine)]
        merged_criteria = [c for g in touching for c in g[0]] + [criterion]
        merged_fields = list(dict.fromkeys([f for g in touching for f in g[1]] + mine))
        groups = [g for g in groups if g not in touching] + [(merged_criteria, merged_fields)]
    return groups


def _combinations(per_group: list[list[dict[str, Any]]], limit: int
                  ) -> list[tuple[dict[str, Any], ...]]:
    """The first option of every group, then variations of one group at a time."""
    if not per_group:
        return []
    first = tuple(options[0] for options in per_group)
    out = [first]
    for index, options in enumerate(per_group):
        for option in options[1:]:
            if len(out) >= limit:
                return out
            out.append(first[:index] + (option,) + first[index + 1:])
    return out


def _recommendations_for(before: Diagnosis, after: Diagnosis, changes: Sequence[Change],
                         deps: Dependencies) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For each change, the recommendations of the diagnosis whose criteria it closes."""
    now_met = {c.id for c in after.criteria if c.met} - {c.id for c in before.criteria if c.met}
    result = []
    for change in changes:
        closed = {c for c in now_met if change.path in deps.fields[c]}
        result.append((change.path, tuple(r.id for r in before.recommendations
                                          if set(r.criteria) & closed)))
    return tuple(result)


# --- single-fact sensitivity ------------------------------------------------------------------

class Sensitivity(NamedTuple):
    """A fact the level rests on: values of it alone that would lower the level."""

    path: str
    value: Any
    drops: tuple[tuple[Any, LevelRef], ...]  # (other value, the level it would give)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "value": self.value,
                "drops": [{"value": v, "level": level.to_dict()} for v, level in self.drops]}


def sensitivity(advisor: Advisor, facts: Facts, diagnosis: Diagnosis,
                budget: Budget | None = None, dimension: str = ""
                ) -> tuple[tuple[Sensitivity, ...], int]:
    """Which single facts, if they were otherwise, would drop the current level (on the
    ladder of `dimension`; "": the overall level); and how many candidate fact sets the
    engine assessed to find out (fewer facts when the budget ran out: `budget.exhausted`
    says so)."""
    searcher = _Searcher(advisor, facts, budget)
    current = diagnosis.level_on(dimension)
    held = criteria_up_to(advisor.pack, current.id)
    fields = list(dict.fromkeys(f for c in held for f in searcher.dependencies.fields[c]))
    found = []
    try:
        for path in fields:
            drops = _drops(searcher, path, current.rank, dimension)
            if drops:
                found.append(Sensitivity(path, searcher.current(path), drops))
    except _OutOfBudget:
        pass
    return tuple(found), searcher.evaluated


def _drops(searcher: _Searcher, path: str, rank: int, dimension: str = ""
           ) -> tuple[tuple[Any, LevelRef], ...]:
    info = searcher.advisor.pack.fact_paths[path]
    drops = []
    for value in searcher.dependencies.alternatives(info, searcher.current(path)):
        after = searcher.assess({path: value})
        level = after.level_on(dimension)
        if level.rank < rank:
            drops.append((value, level))
    return tuple(drops)


def meetable(advisor: Advisor, facts: Facts, criterion_id: str,
             budget: Budget | None = None, memo: Memo | None = None) -> bool | None:
    """Whether some values the schema allows for its facts meet the criterion (by the
    engine), whatever that does to other criteria; None when the budget ran out first."""
    searcher = _Searcher(advisor, facts, budget, memo)
    found = searcher.fewest([criterion_id], searcher.dependencies.fields[criterion_id], limit=1)
    if not found and searcher.cut:
        return None
    return bool(found)


def conflicting_criteria(advisor: Advisor, facts: Facts, level_id: str,
                         budget: Budget | None = None) -> tuple[str, ...] | None:
    """Why a level cannot be reached: a smallest set of the criteria it needs (its own and
    every lower level's) that no values the schema allows meet together, by the engine; every
    part of the set can be met without the others (a single criterion: one no values meet).
    None when the criteria can all be met together, or the budget ran out first."""
    searcher = _Searcher(advisor, facts, budget)
    required = criteria_up_to(advisor.pack, level_id)
    try:
        for criteria, _ in _groups(required, searcher.dependencies.fields):
            if not _together(searcher, criteria):
                return _smallest_conflict(searcher, criteria)
    except _OutOfBudget:
        return None
    return None


def _smallest_conflict(searcher: _Searcher, criteria: Sequence[str]) -> tuple[str, ...]:
    """The criteria (that cannot be met together) less each one that the rest do not need
    to conflict: what is left cannot be met together, but any part of it can."""
    kept = list(criteria)
    for criterion in criteria:
        rest = [c for c in kept if c != criterion]
        if rest and not _together(searcher, rest):
            kept = rest
    return tuple(kept)


def _together(searcher: _Searcher, criteria: Sequence[str]) -> bool:
    """Whether some values the schema allows meet all the criteria, by the engine (raises
    `_OutOfBudget` when the budget ran out before it was decided)."""
    if searcher._meets({}, criteria):
        return True
    fields = list(dict.fromkeys(f for c in criteria for f in searcher.dependencies.fields[c]))
    found = searcher.fewest(criteria, fields, limit=1)
    if not found and searcher.cut:
        raise _OutOfBudget
    return bool(found)


FiringVerdict = Literal["fires", "never", "too-many", "undecided"]


def finding_can_fire(advisor: Advisor, facts: Facts, finding_id: str,
                     budget: Budget | None = None) -> FiringVerdict:
    """Whether some values the schema allows make a finding fire, by the engine: one value
    of every class of values of the facts its condition rests on (through derived facts,
    criteria and levels), in every combination, from `facts`. "never" only when every class
    was tried and the finding never fired; "too-many" when the combinations exceed what is
    left of the budget; "undecided" when the values tried cannot cover every class (free
    text, long lists, values that do not go together).

    When every combination is too many and the condition refers to the levels of ladders
    that rest on facts of their own (a dimension's), the facts are split into groups that
    share no ladder, each group's values are tried alone and one is kept per outcome that
    matters (the levels of its ladders, the classes of the facts the condition tests
    directly), and only those are combined."""
    searcher = _Searcher(advisor, facts, budget)
    finding = next(f for f in advisor.pack.findings if f.id == finding_id)
    options, decisive = _finding_options(searcher, finding.when)
    tried = _finding_candidates(searcher, finding.when, options)
    if tried is None:
        return "too-many"
    candidates, complete = tried
    decisive = decisive and complete
    for changes in candidates:
        try:
            diagnosis = searcher.assess(changes)
        except (InputError, EditError):  # values that do not go together: not all tried
            decisive = False
            continue
        if any(f.id == finding_id for f in diagnosis.findings):
            return "fires"
    return "never" if decisive else "undecided"


def _finding_options(searcher: _Searcher, condition: Condition
                     ) -> tuple[dict[str, list[Any]], bool]:
    """One value of every class of values of each fact `condition` rests on (in the order
    its tests name them), and whether those values cover every class."""
    deps = searcher.dependencies
    tests = deps.tests_behind(condition)
    options: dict[str, list[Any]] = {}
    decisive = True
    for path in dict.fromkeys(t.path for t in tests):
        info, mine = searcher.advisor.pack.fact_paths[path], [t for t in tests if t.path == path]
        options[path] = deps.representatives(info, searcher.current(path), mine)
        decisive = decisive and covers_every_class(info, mine, searcher.current(path))
    return options, decisive


def _finding_candidates(searcher: _Searcher, condition: Condition,
                        options: Mapping[str, list[Any]]
                        ) -> tuple[list[dict[str, Any]], bool] | None:
    """The fact sets to try: every combination of `options` when the budget allows, else the
    combinations of the groups' witnesses (`_grouped_options`); with whether they cover
    every combination of classes. None when even the groups take too many."""
    fields = list(options)
    if math.prod(len(o) for o in options.values()) <= searcher.budget.total - searcher.budget.used:
        return ([dict(zip(fields, values, strict=True))
                 for values in itertools.product(*options.values())], True)
    grouped = _grouped_options(searcher, condition, fields, options)
    if grouped is None:
        return None
    return ([{k: v for part in combo for k, v in part.items()}
             for combo in itertools.product(*grouped.witnesses)], grouped.decisive)


class _Grouped(NamedTuple):
    witnesses: list[list[dict[str, Any]]]  # per group: one set of values per outcome
    decisive: bool  # every combination of every group was tried


def _grouped_options(searcher: _Searcher, condition: Condition, fields: Sequence[str],
                     options: Mapping[str, Sequence[Any]]) -> _Grouped | None:
    """The facts behind a condition split into groups that share no ladder it refers to,
    each with one set of values per outcome of the group (see `finding_can_fire`); None when
    the condition refers to no ladder, or the groups still take more fact sets than the
    budget has left."""
    deps = searcher.dependencies
    ladders = deps.ladders_behind(condition)
    if not ladders:
        return None
    groups = _ladder_groups(deps, ladders, fields)
    sizes = [math.prod(len(options[f]) for f in group) for group, _ in groups]
    if sum(sizes) > searcher.budget.total - searcher.budget.used:
        return None
    direct = deps.direct_tests(condition)
    witnesses = []
    decisive = True
    for group, group_ladders in groups:
        found, complete = _witnesses(searcher, [f for f in fields if f in group],
                                     [t for t in direct if t.path in group], group_ladders,
                                     options)
        witnesses.append(found)
        decisive = decisive and complete
    if math.prod(len(w) for w in witnesses) > searcher.budget.total - searcher.budget.used:
        return None
    return _Grouped(witnesses, decisive)


def _ladder_groups(deps: Dependencies, ladders: Sequence[str], fields: Sequence[str]
                   ) -> list[tuple[set[str], list[str]]]:
    """`fields` in groups that share no ladder: each field alone at first, then every group
    holding a field a ladder rests on merged, with the ladder's name."""
    groups: list[tuple[set[str], list[str]]] = [({path}, []) for path in fields]
    for ladder in ladders:
        behind = set(deps.ladder_fields(ladder)) & set(fields)
        touching = [g for g in groups if g[0] & behind]
        merged = (set().union(behind, *(g[0] for g in touching)),
                  [name for g in touching for name in g[1]] + [ladder])
        groups = [g for g in groups if g not in touching] + [merged]
    return groups


def _witnesses(searcher: _Searcher, ordered: Sequence[str], mine: Sequence[FactTest],
               group_ladders: Sequence[str], options: Mapping[str, Sequence[Any]]
               ) -> tuple[list[dict[str, Any]], bool]:
    """One set of values of a group's fields (`ordered`) per outcome of the group (the
    classes of the tests `mine` of its fields, the levels of its ladders), and whether every
    combination tried could be assessed: the facts as they are, then the values farthest
    from them first (where the other levels lie), until every outcome is seen or every
    combination was tried."""
    pack = searcher.advisor.pack
    outcomes = 2 ** len(mine) * math.prod(len(dict(pack.ladders)[name])
                                           for name in group_ladders)
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    decisive = True
    firsts = [[options[f][0] for f in ordered]]
    farthest = itertools.product(*(options[f][::-1] for f in ordered))
    for values in itertools.chain(firsts, farthest):
        if len(found) == outcomes:
            break
        changes = dict(zip(ordered, values, strict=True))
        try:
            diagnosis = searcher.assess(changes)
        except (InputError, EditError):
            decisive = False
            continue
        key = (tuple(t.admits(changes[t.path]) for t in mine),
               tuple(diagnosis.level_on(ladder).rank for ladder in group_ladders))
        found.setdefault(key, changes)
    return list(found.values()), decisive


def satisfying_changes(advisor: Advisor, facts: Facts, diagnosis: Diagnosis, criterion_id: str,
                       budget: Budget | None = None
                       ) -> tuple[tuple[tuple[Change, ...], ...], int]:
    """The smallest changes that would make one criterion of `diagnosis` (of `facts`) met, by
    the engine, while keeping what already holds on the same facts; and how many fact sets
    the engine assessed."""
    searcher = _Searcher(advisor, facts, budget)
    fields = searcher.dependencies.fields[criterion_id]
    keep = [c.id for c in diagnosis.criteria  # what already holds on these fields stays so
            if c.met and set(searcher.dependencies.fields[c.id]) & set(fields)]
    options = (searcher.fewest([criterion_id, *keep], fields, limit=MAX_SOLUTIONS)
               or searcher.fewest([criterion_id], fields, limit=MAX_SOLUTIONS))
    found = tuple(searcher.changes(option) for option in options)
    return found, searcher.evaluated
