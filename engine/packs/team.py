"""A pack's `team:` section: how the BRMs listed in the facts are read.

When the facts list the BRMs (``brms``: each with a name, the units served and ratings of the
competencies), the practice's rating of each competency that the criteria test is derived from
theirs by the pack's declared aggregation (``median`` by default, the lower of the two middle
ratings for an even count; or ``lowest``, ``highest``). The section also says from which rating a
BRM holds a competency (``holds``, default 3), how many units one BRM serves well (``span``),
the rating steps' names (``scale``) and development actions per competency and step
(``development``). A pack whose facts schema has a ``brms`` list and a ratings group reads teams
with the defaults even without the section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..present.words import suggest
from ..team.roster import TEAM_LIST
from .fields import FieldTable
from .model import DevelopmentStep, TeamPolicy

Problem = Callable[..., None]

DEFAULT_RATINGS = "competencies"
DEFAULT_HOLDS = 3


def read_team(data: Mapping[str, Any], fields: FieldTable, source_ids: Sequence[str],
              problem: Problem) -> TeamPolicy | None:
    """The pack's team policy (None when its facts cannot list BRMs), problems noted."""
    section: Mapping[str, Any] | None = data.get("team")
    ratings = (section or {}).get("ratings", DEFAULT_RATINGS)
    competencies = tuple((path.split(".", 1)[1], field.label) for path, field in fields.items()
                         if path.startswith(f"{ratings}.") and field.kind == "integer"
                         and path.count(".") == 1)
    has_list = TEAM_LIST in fields and fields[TEAM_LIST].schema.get("type") == "array"
    if section is None:
        if not (has_list and competencies):
            return None
        return TeamPolicy(ratings, competencies, "median", DEFAULT_HOLDS, None, (), "")
    if not has_list:
        problem(("team",), f"the facts schema has no `{TEAM_LIST}` list of BRMs for a team "
                "to be read from", allowed=f"a facts schema with a `{TEAM_LIST}` array "
                "(builtin:facts-v1 has one)", code="no-team-list")
    if not competencies:
        problem(("team", "ratings") if "ratings" in section else ("team",),
                f"the facts schema has no group {ratings!r} of whole-number ratings",
                allowed="a facts group of integer fields (competencies)", code="no-ratings")
    if section["source"] not in source_ids:
        problem(("team", "source"), f"unknown source {section['source']!r}",
                allowed=", ".join(source_ids), suggestion=suggest(section["source"], source_ids),
                code="unknown-source")
    top = max((fields[f"{ratings}.{name}"].maximum or 0 for name, _ in competencies),
              default=0)
    holds = section.get("holds", DEFAULT_HOLDS)
    if competencies and holds > top:
        problem(("team", "holds"), f"no rating reaches {holds}: the ratings go up to {top}",
                allowed=f"1 to {top}", code="out-of-range")
    return TeamPolicy(ratings, competencies, section.get("aggregation", "median"), holds,
                      section.get("span"), tuple(section.get("scale", ())), section["source"],
                      _development(section, [name for name, _ in competencies], int(top),
                                   source_ids, problem))


def _development(section: Mapping[str, Any], names: Sequence[str], top: int,
                 source_ids: Sequence[str], problem: Problem) -> tuple[DevelopmentStep, ...]:
    found: list[DevelopmentStep] = []
    seen: set[tuple[str, int]] = set()
    for index, item in enumerate(section.get("development", [])):
        where = ("team", "development", index)
        competency, to = item["competency"], item["to"]
        if competency not in names:
            problem((*where, "competency"), f"unknown competency {competency!r}",
                    allowed=", ".join(names), suggestion=suggest(competency, names),
                    code="unknown-competency")
        if names and to > top:
            problem((*where, "to"), f"no rating reaches {to}: the ratings go up to {top}",
                    allowed=f"1 to {top}", code="out-of-range")
        if (competency, to) in seen:
            problem((*where, "to"), f"a second development step to {to} for {competency!r}",
                    code="duplicate-id")
        seen.add((competency, to))
        source = item.get("source", section["source"])
        if source not in source_ids:
            problem((*where, "source"), f"unknown source {source!r}",
                    allowed=", ".join(source_ids), suggestion=suggest(source, source_ids),
                    code="unknown-source")
        found.append(DevelopmentStep(competency, to, item["action"], source))
    return tuple(found)
