"""Dimensions of a rule pack and the roll-up that computes the overall level from theirs.

A pack may rate several dimensions (business demand and IT supply; the business's view and the
provider's), each on a staged ladder of its own. The overall ladder (`levels`) is then computed
by the declared roll-up, which the loader writes as criteria of the overall levels, one per
dimension a level needs (``rollup.LEVEL.DIMENSION``: "Business demand is at least Defined").
They are decided, traced, explained and shown as gaps like every criterion, so the answer to
"why not the next overall level" names the dimensions that hold it back.

- ``rollup: lowest`` (the default, as ITIL's "lowest of its components"): the overall level of
  rank r needs every dimension at its level of rank r; every ladder has as many levels as the
  overall one.
- ``rollup: {table: [{level: OVERALL, requires: {DIMENSION: LEVEL, ...}}, ...]}``: each overall
  level above the floor names the level each dimension needs (at least). A dimension a row does
  not name is not needed for that level.
- ``rollup: none``: no overall level; each dimension is reported on its own ladder. The pack
  leaves `levels` out, and the overall ladder is one level that says so (`NO_OVERALL_LEVEL`),
  so every result still names an overall level, which never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..present.words import suggest
from .conditions import Ref
from .model import Criterion, Dimension, Level

Problem = Callable[..., None]
"""``problem(where, message, allowed=..., suggestion=..., code=...)`` records one issue."""


def read_dimensions(data: Mapping[str, Any], problem: Problem) -> tuple[Dimension, ...]:
    """The pack's dimensions, each with its ladder (ranks from 1), duplicates noted."""
    found: list[Dimension] = []
    for index, item in enumerate(data.get("dimensions", [])):
        if any(d.id == item["id"] for d in found):
            problem(("dimensions", index, "id"), f"the dimension id {item['id']!r} is used "
                    "twice", code="duplicate-id")
        levels = tuple(_level(level, rank, item["id"])
                       for rank, level in enumerate(item["levels"], start=1))
        found.append(Dimension(item["id"], item["name"], item["summary"], item["source"],
                               levels))
    return tuple(found)


def _level(item: Mapping[str, Any], rank: int, dimension: str = "") -> Level:
    return Level(item["id"], rank, item["name"], item["summary"], item["source"],
                 item.get("engagement"), item.get("measures_of_success"), dimension)


NO_OVERALL_LEVEL = "no_overall_level"
"""The id of the one overall level of a pack whose roll-up is ``none``."""


def read_levels(data: Mapping[str, Any], problem: Problem) -> tuple[Level, ...]:
    """The overall ladder: the pack's `levels`, or with ``rollup: none`` one level saying that
    there is no overall level."""
    none = data.get("rollup") == "none" and bool(data.get("dimensions"))
    if none:
        if len(data.get("levels", ())) > 1:
            problem(("levels",), "with 'rollup: none' the pack computes no overall level, so "
                    "it has no overall ladder", allowed="no `levels`, or a roll-up (lowest, "
                    "a table)", code="rollup")
        source = data["pack"]["sources"][0]["id"]
        return (Level(NO_OVERALL_LEVEL, 1, "No overall level",
                      "This framework rates each dimension on its own ladder and computes no "
                      "overall level.", source),)
    if "levels" not in data:
        problem((), "missing required field 'levels'", allowed="the overall ladder: a list "
                "of levels, floor first (only 'rollup: none' leaves it out)", code="required")
        return ()
    return tuple(_level(item, rank) for rank, item in enumerate(data["levels"], start=1))


def rollup_criteria(data: Mapping[str, Any], levels: Sequence[Level],
                    dimensions: Sequence[Dimension], problem: Problem
                    ) -> tuple[str, tuple[Criterion, ...]]:
    """The roll-up's method and the criteria it writes for the overall levels; problems noted
    (a roll-up without dimensions, ladders of the wrong length, unknown names in a table)."""
    declared = data.get("rollup")
    if not dimensions:
        if declared is not None:
            problem(("rollup",), "a roll-up computes the overall level from dimensions, but "
                    "the pack declares none", allowed="a `dimensions:` list, or no roll-up",
                    code="unknown-reference")
        return "", ()
    if declared == "none":
        return "none", ()
    if declared is None or declared == "lowest":
        return "lowest", _lowest(levels, dimensions, problem)
    return "table", _table(declared["table"], levels, dimensions, problem)


def _lowest(levels: Sequence[Level], dimensions: Sequence[Dimension], problem: Problem
            ) -> tuple[Criterion, ...]:
    for index, dimension in enumerate(dimensions):
        if len(dimension.levels) != len(levels):
            problem(("dimensions", index, "levels"),
                    f"the dimension {dimension.id!r} has {len(dimension.levels)} levels; the "
                    f"roll-up 'lowest' needs as many as the overall ladder ({len(levels)})",
                    allowed="as many levels as `levels`, or a roll-up table",
                    code="rollup")
    return tuple(_needs(level, dimension, dimension.levels[level.rank - 1])
                 for level in levels[1:] for dimension in dimensions
                 if level.rank <= len(dimension.levels))


def _table(rows: Sequence[Mapping[str, Any]], levels: Sequence[Level],
           dimensions: Sequence[Dimension], problem: Problem) -> tuple[Criterion, ...]:
    overall = {level.id: level for level in levels}
    by_id = {dimension.id: dimension for dimension in dimensions}
    seen: dict[str, int] = {}
    found: list[Criterion] = []
    for index, row in enumerate(rows):
        where = ("rollup", "table", index)
        level = overall.get(row["level"])
        if level is None:
            problem((*where, "level"), f"unknown overall level {row['level']!r}",
                    allowed=", ".join(overall), suggestion=suggest(row["level"], list(overall)),
                    code="unknown-reference")
            continue
        if level.id in seen:
            problem((*where, "level"), f"the overall level {level.id!r} has two rows (first "
                    f"at rollup.table[{seen[level.id]}])", code="duplicate-id")
            continue
        seen[level.id] = index
        if level.rank == 1:
            problem((*where, "level"), f"{level.id!r} is the floor, which every organization "
                    "attains: it needs no row", allowed=", ".join(list(overall)[1:]),
                    code="floor-criterion")
            continue
        found.extend(_row(row["requires"], level, by_id, (*where, "requires"), problem))
    missing = [level.id for level in levels[1:] if level.id not in seen]
    if missing:
        problem(("rollup", "table"), "the roll-up table has no row for " + ", ".join(missing)
                + ": every overall level above the floor needs one", code="rollup")
    order = {level.id: level.rank for level in levels}
    return tuple(sorted(found, key=lambda criterion: order[criterion.level]))


def _row(requires: Mapping[str, Any], level: Level, by_id: Mapping[str, Dimension],
         where: tuple[str | int, ...], problem: Problem) -> list[Criterion]:
    found = []
    for name, needed in requires.items():
        dimension = by_id.get(name)
        if dimension is None:
            problem((*where, name), f"unknown dimension {name!r}", allowed=", ".join(by_id),
                    suggestion=suggest(name, list(by_id)), code="unknown-reference")
            continue
        ladder = {item.id: item for item in dimension.levels}
        if needed not in ladder:
            problem((*where, name), f"{needed!r} is not a level of the dimension {name!r}",
                    allowed=", ".join(ladder), suggestion=suggest(needed, list(ladder)),
                    code="unknown-reference")
            continue
        if ladder[needed].rank > 1:
            found.append(_needs(level, dimension, ladder[needed]))
    return found


def _needs(level: Level, dimension: Dimension, needed: Level) -> Criterion:
    """The criterion of an overall level that one dimension is at least at `needed`."""
    return Criterion(f"rollup.{level.id}.{dimension.id}", level.id,
                     f"{dimension.name} is at least {needed.name}.",
                     Ref("level", needed.id), dimension.source, rollup=True)
