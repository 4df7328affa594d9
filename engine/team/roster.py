"""The BRMs listed in a facts document, read and checked.

Each BRM has a name (or an anonymous label), optionally a role, the business units served and
ratings of the pack's competencies. The facts schema checks each field; what it cannot say is
checked here: a name given twice, and (in an engagement) a unit the engagement does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Issue
from ..packs.fields import Field
from ..packs.model import TeamPolicy
from ..present.words import suggest

TEAM_LIST = "brms"
"""The facts field listing the BRMs."""


class Brm(NamedTuple):
    """One BRM of the team, as the facts list them."""

    name: str
    role: str | None
    units: tuple[str, ...]
    ratings: tuple[tuple[str, int], ...]  # (competency, rating) for those rated, schema order
    position: int  # the BRM's place in the facts' list, from 0 (for field paths)

    def rating(self, competency: str) -> int | None:
        for name, value in self.ratings:
            if name == competency:
                return value
        return None

    def path(self, competency: str | None = None, ratings: str = "competencies") -> str:
        """The BRM's field path as what-if edits and findings name it:
        ``brms[Dana].competencies.communication``."""
        base = f"{TEAM_LIST}[{self.name}]"
        return base if competency is None else f"{base}.{ratings}.{competency}"


def listed(data: Mapping[str, Any]) -> bool:
    """Whether a facts document lists BRMs (a non-empty list)."""
    return bool(data.get(TEAM_LIST))


def roster(data: Mapping[str, Any], policy: TeamPolicy) -> tuple[Brm, ...]:
    """The BRMs of validated facts, with the ratings of the policy's competencies."""
    names = [name for name, _ in policy.competencies]
    found = []
    for index, item in enumerate(data.get(TEAM_LIST) or ()):
        given = item.get(policy.ratings) or {}
        found.append(Brm(str(item["name"]), item.get("role"), tuple(item.get("units", ())),
                         tuple((name, int(given[name])) for name in names if name in given),
                         index))
    return tuple(found)


LineOf = Callable[[list[str | int]], int | None]


def team_issues(data: Any, units: Sequence[str] | None = None,
                line_of: LineOf | None = None) -> list[Issue]:
    """What the facts schema cannot check of a BRM list: names given twice, and, when the
    engagement's `units` are known, units it does not have; with the line of each, when
    `line_of` finds it from a field's path parts."""
    items = data.get(TEAM_LIST) if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        return []
    issues: list[Issue] = []
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        name = item["name"]
        key = name.strip().casefold()
        if key in first:
            issues.append(Issue(f"$.{TEAM_LIST}[{index}].name",
                                f"the BRM {name!r} is listed twice (first as "
                                f"$.{TEAM_LIST}[{first[key]}])",
                                allowed="one entry per BRM; give two people distinct names or "
                                "labels (BRM 1, BRM 2)", code="duplicate-brm",
                                line=line_of([TEAM_LIST, index, "name"]) if line_of else None))
        else:
            first[key] = index
        if units is not None:
            issues.extend(_unknown_units(index, item.get("units") or (), units, line_of))
    return issues


def _unknown_units(index: int, served: Iterable[Any], units: Sequence[str],
                   line_of: LineOf | None) -> list[Issue]:
    return [Issue(f"$.{TEAM_LIST}[{index}].units[{position}]",
                  f"the engagement has no business unit {unit!r}",
                  allowed=", ".join(units) or "no units", suggestion=suggest(unit, units),
                  code="unknown-unit",
                  line=line_of([TEAM_LIST, index, "units", position]) if line_of else None)
            for position, unit in enumerate(served) if isinstance(unit, str)
            and unit not in units]


def table_fields(fields: Mapping[str, Field]) -> dict[str, Field]:
    """The columns a table (CSV, XLSX) may have: the facts' fields and, when the facts list
    BRMs, one BRM's per row: ``brms.name``, ``brms.role``, ``brms.units`` and
    ``brms.competencies.X`` for each rating the facts have."""
    found = dict(fields)
    if TEAM_LIST not in fields:
        return found
    found[f"{TEAM_LIST}.name"] = Field(f"{TEAM_LIST}.name", "string", False,
                                       description="A BRM's name or label (a row per BRM)")
    found[f"{TEAM_LIST}.role"] = Field(f"{TEAM_LIST}.role", "string", False,
                                       description="The BRM's role")
    found[f"{TEAM_LIST}.units"] = Field(f"{TEAM_LIST}.units", "list", False,
                                        description="The business units the BRM serves")
    for path, field in fields.items():
        if path.startswith("competencies.") and field.kind == "integer":
            found[f"{TEAM_LIST}.{path}"] = field._replace(path=f"{TEAM_LIST}.{path}",
                                                          required=False)
    return found
