"""Targets as people write them, read against a pack: a level of the overall ladder
(``advisor``), a level of a dimension's ladder by its id (``demand.managed``: that dimension's
target), or ``DIMENSION=LEVEL`` with the dimension by id or name and the level by id, rank or
name, in any case (``demand=2``, ``Business demand=Managed``).

Every front end reads the targets it is given here, so that they all understand the same
words and refuse the same mistakes with the same message (what is allowed, "did you mean").
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import BrmError
from ..packs.model import Dimension, RulePack
from ..present.words import allowed_and_hint, suggest


class TargetError(BrmError):
    """A target that names no dimension of the pack, no level of a dimension, or a second
    overall target; the message names what is allowed."""


def parse_targets(pack: RulePack, texts: Iterable[str]) -> tuple[str | None, dict[str, str]]:
    """The overall target (as written: `Advisor.level_ref` checks it) and each dimension's
    (dimension id -> level id) that `texts` name; a `TargetError` for a dimension the pack
    lacks, a level not on that dimension's ladder, or two overall targets."""
    overall: str | None = None
    per_dimension: dict[str, str] = {}
    for text in texts:
        if "=" not in text:
            level = pack.level(text) if text in pack.ranks else None
            if level is not None and level.dimension:
                per_dimension[level.dimension] = level.id
                continue
            if overall is not None and overall != text:
                raise TargetError(f"two overall targets, {overall!r} and {text!r}: give one "
                                  "(and DIMENSION=LEVEL for each dimension)")
            overall = text
            continue
        key, _, value = text.partition("=")
        dimension = _dimension(pack, key.strip(), text)
        per_dimension[dimension.id] = _dimension_level(dimension, value.strip(), text)
    return overall, per_dimension


def _dimension(pack: RulePack, key: str, text: str) -> Dimension:
    """The dimension `key` names, by id or name in any case."""
    if not pack.dimensions:
        raise TargetError(f"{text!r}: the pack {pack.id} rates no dimensions, so a target is "
                          "one of its levels: " + ", ".join(level.id for level in pack.levels))
    for dimension in pack.dimensions:
        if key.lower() in (dimension.id.lower(), dimension.name.lower()):
            return dimension
    known = [d.id for d in pack.dimensions]
    raise TargetError(f"unknown dimension {key!r} in {text!r}"
                      + allowed_and_hint(", ".join(known), suggest(key, known)))


def _dimension_level(dimension: Dimension, value: str, text: str) -> str:
    """A level of the dimension's ladder given by its id, its rank or its name (any case)."""
    for level in dimension.levels:
        if value.lower() in (level.id.lower(), str(level.rank), level.name.lower()):
            return level.id
    ids = [level.id for level in dimension.levels]
    names = [level.name for level in dimension.levels]
    allowed = (", ".join(ids) + f" (or the rank, 1 to {len(ids)}, or the name: "
               + ", ".join(names) + ")")
    raise TargetError(f"{dimension.name} ({dimension.id}) has no level {value!r} in {text!r}"
                      + allowed_and_hint(allowed, suggest(value, ids + names)))
