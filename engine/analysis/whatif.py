"""What-if: edit the facts and compare, or search the fewest fact changes that reach a level.

Every answer here is decided by the engine: a candidate set of changes is applied to a copy of
the facts, validated, and assessed again; only what the engine concludes is reported. The search
explores only values the facts schema allows. To stay small it tries one value per class of
values that the pack's tests treat alike (e.g. for a rating tested only by ``at_least: 3``, one
value below 3 and one at or above), and it splits the goal into groups of criteria that share no
fact, which can be solved one by one.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import EditError, InputError
from ..inference.diagnosis import Diagnosis, LevelRef
from ..inputs.facts import Facts
from ..inputs.paths import container_at, value_at
from ..packs.model import leaf_fields
from ..present.words import show_value, suggest
from .dependencies import Knowledge

if TYPE_CHECKING:
    from ..inference.advisor import Advisor

MAX_SOLUTIONS = 5


class Edit(NamedTuple):
    """One change to the facts: ``path=value``, ``path+=item``, ``path-=item``, ``path=null``."""

    path: str
    op: str  # "set" | "add" | "remove" | "unset"
    value: Any
    text: str


class Change(NamedTuple):
    path: str
    before: Any
    after: Any

    def describe(self) -> str:
        return f"{self.path}: {show_value(self.before)} -> {show_value(self.after)}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "from": self.before, "to": self.after}


class Solution(NamedTuple):
    """A set of changes the engine confirmed reaches the target."""

    changes: tuple[Change, ...]
    level: LevelRef
    recommendations: tuple[tuple[str, tuple[str, ...]], ...]  # path -> recommendation ids

    def to_dict(self) -> dict[str, Any]:
        recs = dict(self.recommendations)
        return {"changes": [{**c.to_dict(), "recommendations": list(recs.get(c.path, ()))}
                            for c in self.changes],
                "level": self.level.to_dict()}


class SearchResult(NamedTuple):
    current: LevelRef
    target: LevelRef
    solutions: tuple[Solution, ...]
    evaluated: int  # candidate fact sets assessed by the engine
    reason: str | None  # why no solution, when there is none

    @property
    def reachable(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        return {"current": self.current.to_dict(), "target": self.target.to_dict(),
                "reachable": self.reachable, "reason": self.reason,
                "fewest_changes": len(self.solutions[0].changes) if self.solutions else None,
                "solutions": [s.to_dict() for s in self.solutions],
                "candidates_evaluated": self.evaluated}


class Comparison(NamedTuple):
    edits: tuple[Edit, ...]
    changes: tuple[Change, ...]
    before: Diagnosis
    after: Diagnosis

    @property
    def flipped(self) -> tuple[tuple[str, bool, bool], ...]:
        after = {c.id: c.met for c in self.after.criteria}
        return tuple((c.id, c.met, after[c.id]) for c in self.before.criteria
                     if after[c.id] != c.met)

    @property
    def recommendations_removed(self) -> tuple[str, ...]:
        kept = {r.id for r in self.after.recommendations}
        return tuple(r.id for r in self.before.recommendations if r.id not in kept)

    @property
    def recommendations_added(self) -> tuple[str, ...]:
        earlier = {r.id for r in self.before.recommendations}
        return tuple(r.id for r in self.after.recommendations if r.id not in earlier)

    def to_dict(self) -> dict[str, Any]:
        return {
            "edits": [e.text for e in self.edits],
            "changes": [c.to_dict() for c in self.changes],
            "before": {"level": self.before.level.to_dict(), "gaps": list(self.before.gaps)},
            "after": {"level": self.after.level.to_dict(), "gaps": list(self.after.gaps)},
            "criteria_flipped": [{"id": i, "before": b, "after": a} for i, b, a in self.flipped],
            "recommendations_removed": list(self.recommendations_removed),
            "recommendations_added": list(self.recommendations_added),
            "pack": self.after.pack.to_dict(),
        }


# --- edits ------------------------------------------------------------------------------------

def parse_edit(text: str, schema: Mapping[str, Any]) -> Edit:
    """``engagement.mode=advisory``, ``measures+=business_value``, ``measures-=agility``,
    ``competencies.communication=null``; values are read as YAML scalars (true, 3, text)."""
    import yaml

    marker = next((m for m in ("+=", "-=", "=") if m in text), None)
    if marker is None:
        raise EditError(text, "an edit is PATH=VALUE, PATH+=ITEM or PATH-=ITEM")
    op = {"+=": "add", "-=": "remove", "=": "set"}[marker]
    path, raw = text.split(marker, 1)
    path = path.strip()
    fields = leaf_fields(schema)
    if path not in fields:
        raise EditError(text, f"unknown field {path!r}", ", ".join(fields),
                        suggest(path, list(fields)))
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    if isinstance(value, (dict, list)) and op != "set":
        raise EditError(text, "adds and removes take one item")
    is_list = fields[path].get("type") == "array"
    if op in ("add", "remove") and not is_list:
        raise EditError(text, f"{path} is not a list; use {path}=VALUE")
    if op == "set" and value is None:
        op = "unset"
    return Edit(path, op, value, text)


def apply_edits(data: Mapping[str, Any], edits: Sequence[Edit]) -> dict[str, Any]:
    """A changed deep copy of `data`; the input is never modified."""
    result: dict[str, Any] = copy.deepcopy(dict(data))
    for edit in edits:
        target, leaf = container_at(result, edit.path)
        if edit.op == "unset":
            target.pop(leaf, None)
        elif edit.op == "set":
            target[leaf] = edit.value
        else:
            items = list(target.get(leaf) or [])
            if edit.op == "add" and edit.value not in items:
                items.append(edit.value)
            elif edit.op == "remove" and edit.value in items:
                items.remove(edit.value)
            target[leaf] = items
    return result


def _changes(before: Mapping[str, Any], after: Mapping[str, Any], paths: Iterable[str]
             ) -> tuple[Change, ...]:
    out = []
    for path in dict.fromkeys(paths):
        old, new = value_at(before, path), value_at(after, path)
        if old != new:
            out.append(Change(path, old, new))
    return tuple(out)


def compare(advisor: Advisor, facts: Facts, edits: Sequence[Edit],
            target: str | None = None) -> Comparison:
    """The diagnosis before and after the edits (validated like any facts)."""
    changed = apply_edits(facts.data, edits)
    try:
        after_facts = advisor.reader.from_data(changed, facts.source)
    except InputError as error:
        issue = error.issues[0]
        edit = next((e for e in edits if issue.path.startswith("$." + e.path)), edits[-1])
        raise EditError(edit.text, issue.message, issue.allowed, issue.suggestion) from None
    before = advisor.assess(facts, target=target)
    after = advisor.assess(after_facts, target=target)
    return Comparison(tuple(edits), _changes(facts.data, changed, [e.path for e in edits]),
                      before, after)


# --- the search -------------------------------------------------------------------------------

def _with(data: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    edits = [Edit(path, "unset" if value is None else "set", value, "") for path, value
             in changes.items()]
    return apply_edits(data, edits)


class _Searcher:
    def __init__(self, advisor: Advisor, facts: Facts) -> None:
        self.advisor = advisor
        self.facts = facts
        self.knowledge = advisor.knowledge
        self.evaluated = 0

    def assess(self, changes: Mapping[str, Any], target: str | None = None) -> Diagnosis:
        self.evaluated += 1
        candidate = self.advisor.reader.from_data(_with(self.facts.data, changes),
                                                  self.facts.source)
        return self.advisor.assess(candidate, target=target)

    def fewest(self, goal: Sequence[str], fields: Sequence[str],
               limit: int = MAX_SOLUTIONS) -> list[dict[str, Any]]:
        """The smallest sets of field values (fewest fields) that meet every criterion of
        `goal`, as the engine decides; [] when no allowed values do."""
        paths = self.advisor.pack.fact_paths
        options = {f: self.knowledge.alternatives(paths[f], self.facts.get(f)) for f in fields}
        found: list[dict[str, Any]] = []
        for size in range(1, len(fields) + 1):
            for chosen in itertools.combinations(fields, size):
                for values in itertools.product(*(options[f] for f in chosen)):
                    changes = dict(zip(chosen, values, strict=True))
                    diagnosis = self.assess(changes)
                    if all(diagnosis.criterion(c).met for c in goal):
                        found.append(changes)
            if found:  # the fewest fields; among those, the smallest changes of value
                found.sort(key=self._distance)
                least = self._distance(found[0])
                return [c for c in found if self._distance(c) == least][:limit]
        return []

    def _distance(self, changes: Mapping[str, Any]) -> int:
        total = 0
        for path, value in changes.items():
            current = self.facts.get(path)
            if isinstance(value, list) or isinstance(current, list):
                total += len(set(value or []) ^ set(current or []))
            else:
                total += 1
        return total


def search(advisor: Advisor, facts: Facts, target_id: str) -> SearchResult:
    """The smallest sets of fact changes that make the diagnosis reach `target_id`."""
    searcher = _Searcher(advisor, facts)
    pack = advisor.pack
    target = advisor.level_ref(target_id)
    before = advisor.assess(facts, target=target_id)
    searcher.evaluated += 1
    if before.level.rank >= target.rank:
        return SearchResult(before.level, target, (Solution((), before.level, ()),),
                            searcher.evaluated, None)
    required = [c.id for c in pack.criteria if pack.rank(c.level) <= target.rank]
    unmet = {c.id for c in before.criteria if not c.met}
    groups = _groups(required, searcher.knowledge.fields)
    per_group: list[list[dict[str, Any]]] = []
    for criteria, fields in groups:
        if not unmet & set(criteria):
            continue
        options = searcher.fewest(criteria, fields)
        if not options:
            names = ", ".join(c for c in criteria if c in unmet)
            return SearchResult(before.level, target, (), searcher.evaluated,
                                f"no values the facts schema allows for "
                                f"{', '.join(fields) or 'any field'} meet {names}")
        per_group.append(options)
    solutions: list[Solution] = []
    for combo in _combinations(per_group, MAX_SOLUTIONS):
        changes: dict[str, Any] = {}
        for part in combo:
            changes.update(part)
        after = searcher.assess(changes, target=target_id)
        if after.level.rank < target.rank:  # pragma: no cover - groups are independent
            continue
        change_list = _changes(facts.data, _with(facts.data, changes), changes)
        solutions.append(Solution(change_list, after.level,
                                  _recommendations_for(before, after, change_list,
                                                       searcher.knowledge)))
    solutions.sort(key=lambda s: (len(s.changes), s.level.rank))
    return SearchResult(before.level, target, tuple(solutions), searcher.evaluated,
                        None if solutions else "no combination reached the target")


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
                         knowledge: Knowledge) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For each change, the recommendations of the diagnosis whose criteria it closes."""
    now_met = {c.id for c in after.criteria if c.met} - {c.id for c in before.criteria if c.met}
    result = []
    for change in changes:
        closed = {c for c in now_met if change.path in knowledge.fields[c]}
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


def sensitivity(advisor: Advisor, facts: Facts, diagnosis: Diagnosis
                ) -> tuple[tuple[Sensitivity, ...], int]:
    """Which single facts, if they were otherwise, would drop the current level; and how many
    candidate fact sets the engine assessed to find out."""
    searcher = _Searcher(advisor, facts)
    held = [c.id for c in advisor.pack.criteria
            if advisor.pack.rank(c.level) <= diagnosis.level.rank]
    fields = list(dict.fromkeys(f for c in held for f in searcher.knowledge.fields[c]))
    found = []
    for path in fields:
        info = advisor.pack.fact_paths[path]
        drops = []
        for value in searcher.knowledge.alternatives(info, facts.get(path)):
            after = searcher.assess({path: value})
            if after.level.rank < diagnosis.level.rank:
                drops.append((value, after.level))
        if drops:
            found.append(Sensitivity(path, facts.get(path), tuple(drops)))
    return tuple(found), searcher.evaluated


def meetable(advisor: Advisor, facts: Facts, criterion_id: str) -> bool:
    """Whether some values the schema allows for its facts meet the criterion (by the
    engine), whatever that does to other criteria."""
    searcher = _Searcher(advisor, facts)
    return bool(searcher.fewest([criterion_id], searcher.knowledge.fields[criterion_id],
                                limit=1))


def satisfying_changes(advisor: Advisor, facts: Facts, diagnosis: Diagnosis, criterion_id: str
                       ) -> tuple[tuple[tuple[Change, ...], ...], int]:
    """The smallest changes that would make one criterion of `diagnosis` (of `facts`) met, by
    the engine, while keeping what already holds on the same facts; and how many fact sets
    the engine assessed."""
    searcher = _Searcher(advisor, facts)
    fields = searcher.knowledge.fields[criterion_id]
    keep = [c.id for c in diagnosis.criteria  # what already holds on these fields stays so
            if c.met and set(searcher.knowledge.fields[c.id]) & set(fields)]
    options = (searcher.fewest([criterion_id, *keep], fields, limit=MAX_SOLUTIONS)
               or searcher.fewest([criterion_id], fields, limit=MAX_SOLUTIONS))
    found = tuple(_changes(facts.data, _with(facts.data, option), option) for option in options)
    return found, searcher.evaluated


__all__ = ["Change", "Comparison", "Edit", "EditError", "SearchResult", "Sensitivity",
           "Solution", "apply_edits", "compare", "parse_edit", "satisfying_changes", "search",
           "sensitivity"]
