"""Edits of the facts (``PATH=VALUE``, ``PATH+=ITEM``, ``PATH-=ITEM``, ``PATH=null``) and what
they do to the diagnosis. The edited facts are validated like any facts and assessed by the
engine; the input is never modified."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import EditError, InputError
from ..inference.diagnosis import Diagnosis
from ..inputs.facts import Facts
from ..inputs.paths import container_at, value_at
from ..packs.fields import FieldTable
from ..present.words import show_value, suggest
from .diff import DiagnosisDiff, diff

if TYPE_CHECKING:
    from ..inference.advisor import Advisor


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


class WhatIf(NamedTuple):
    """The diagnosis before and after some edits of the facts."""

    edits: tuple[Edit, ...]
    changes: tuple[Change, ...]
    diff: DiagnosisDiff

    @property
    def before(self) -> Diagnosis:
        return self.diff.before

    @property
    def after(self) -> Diagnosis:
        return self.diff.after

    def to_dict(self) -> dict[str, Any]:
        d = self.diff
        return {
            "edits": [e.text for e in self.edits],
            "changes": [c.to_dict() for c in self.changes],
            "before": _side(self.before),
            "after": _side(self.after),
            "criteria_flipped": d.flipped_dicts(),
            "recommendations_removed": list(d.recommendations_removed),
            "recommendations_added": list(d.recommendations_added),
            "pack": self.after.pack.to_dict(),
        }


def _side(diagnosis: Diagnosis) -> dict[str, Any]:
    """One side of a comparison: the level, each dimension's (when the pack rates several)
    and the gaps."""
    side: dict[str, Any] = {"level": diagnosis.level.to_dict()}
    if diagnosis.dimensions:
        side["dimensions"] = {d.id: d.level.to_dict() for d in diagnosis.dimensions}
    side["gaps"] = list(diagnosis.gaps)
    return side


def parse_edit(text: str, fields: FieldTable) -> Edit:
    """``engagement.mode=advisory``, ``measures+=business_value``, ``measures-=agility``,
    ``competencies.communication=null``; values are read as YAML (true, 3, text, [a, b])."""
    marker = next((m for m in ("+=", "-=", "=") if m in text), None)
    if marker is None:
        raise EditError(text, "an edit is PATH=VALUE, PATH+=ITEM or PATH-=ITEM")
    op = {"+=": "add", "-=": "remove", "=": "set"}[marker]
    path, raw = text.split(marker, 1)
    path = path.strip()
    member = team_member(path)
    if member is not None:
        path = _member_path(text, member, fields)
        field_path = f"{RATINGS}.{path.rsplit('.', 1)[1]}"
    elif path not in fields:
        raise EditError(text, f"unknown field {path!r}", ", ".join(fields),
                        suggest(path, list(fields)))
    else:
        field_path = path
    value = edit_value(raw) if raw.strip() else None
    if isinstance(value, (dict, list)) and op != "set":
        raise EditError(text, "adds and removes take one item")
    is_list = fields[field_path].kind == "list"
    if op in ("add", "remove") and not is_list:
        raise EditError(text, f"{path} is not a list; use {path}=VALUE")
    if op == "set" and value is None:
        op = "unset"
    return Edit(path, op, value, text)


RATINGS = "competencies"
"""The ratings group a BRM's edit changes (``brms[Dana].communication`` is short for
``brms[Dana].competencies.communication``)."""
_MEMBER = re.compile(r"brms\[(?P<name>.+)\]\.(?P<rest>[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*)",
                     re.S)
"""A BRM's field: the name is everything up to the last ``].`` before a field path, so that
a name holding brackets is still one BRM's."""


def team_member(path: str) -> tuple[str, str] | None:
    """``brms[NAME].REST`` -> (NAME, REST): an edit of one BRM of the team."""
    found = _MEMBER.fullmatch(path)
    return (found["name"].strip(), found["rest"]) if found else None


def _member_path(text: str, member: tuple[str, str], fields: FieldTable) -> str:
    """The canonical path of a BRM's rating (``brms[Dana].competencies.communication``)."""
    name, rest = member
    ratings = [path.split(".", 1)[1] for path in fields if path.startswith(f"{RATINGS}.")]
    competency = rest.split(".", 1)[1] if rest.startswith(f"{RATINGS}.") else rest
    if competency not in ratings:
        raise EditError(text, f"unknown competency {competency!r} of a BRM",
                        ", ".join(ratings), suggest(competency, ratings))
    return f"brms[{name}].{RATINGS}.{competency}"


MAX_EDIT_VALUE = 10_000
"""Characters of an edit's value; what is longer is taken as text (the schema then says what
is allowed)."""


def edit_value(raw: str) -> Any:
    """The value an edit gives, read as YAML: a scalar, or a flow list of scalars. What YAML
    cannot read as plain data (bad syntax, a tag of the wrong kind such as ``!!int x``, a
    number too long for Python, aliases, nesting) is taken as the text it is, which the facts
    schema then judges like any other answer."""
    import yaml

    if len(raw) > MAX_EDIT_VALUE or "&" in raw or "*" in raw:
        return raw
    try:
        value = yaml.safe_load(raw)
    except Exception:  # noqa: BLE001 - PyYAML's constructors raise anything on hostile tags
        return raw
    if isinstance(value, list) and all(_scalar(item) for item in value) or _scalar(value):
        return value
    return raw


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def apply_edits(data: Mapping[str, Any], edits: Sequence[Edit]) -> dict[str, Any]:
    """A changed deep copy of `data`; the input is never modified."""
    result: dict[str, Any] = copy.deepcopy(dict(data))
    for edit in edits:
        target, leaf = _container(result, edit)
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


def _container(data: dict[str, Any], edit: Edit) -> tuple[dict[str, Any], str]:
    """Where an edit's value goes: the mapping and its key (a BRM's ratings for a team
    member's edit; `EditError` when the facts list no BRM of that name)."""
    member = team_member(edit.path)
    if member is None:
        return container_at(data, edit.path)
    name, rest = member
    listed = data.get("brms")
    brms: list[Any] = listed if isinstance(listed, list) else []
    names = [str(item.get("name")) for item in brms if isinstance(item, dict)]
    for item in brms:
        if isinstance(item, dict) and item.get("name") == name:
            return container_at(item, rest)
    raise EditError(edit.text, f"the facts list no BRM named {name!r}",
                    ", ".join(names) or "no BRMs listed", suggest(name, names))


def edited_value(data: Mapping[str, Any], path: str) -> Any:
    """The value at an edit's path (a team member's too), or None."""
    member = team_member(path)
    if member is None:
        return value_at(data, path)
    name, rest = member
    for item in data.get("brms") or ():
        if isinstance(item, Mapping) and item.get("name") == name:
            return value_at(item, rest)
    return None


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any], paths: Iterable[str]
                    ) -> tuple[Change, ...]:
    """The changes of value at `paths` (each once, in order) from `before` to `after`."""
    out = []
    for path in dict.fromkeys(paths):
        old, new = edited_value(before, path), edited_value(after, path)
        if old != new:
            out.append(Change(path, old, new))
    return tuple(out)


def what_if(advisor: Advisor, facts: Facts, edits: Sequence[Edit],
            target: str | None = None, targets: Mapping[str, str] | None = None) -> WhatIf:
    """The diagnosis before and after the edits (validated like any facts); `target` and
    `targets` (a level per dimension) as `Advisor.assess` takes them."""
    changed = apply_edits(facts.data, edits)
    try:
        after_facts = advisor.reader.from_data(changed, facts.source)
    except InputError as error:
        issue = error.issues[0]
        edit = next((e for e in edits if issue.path.startswith("$." + e.path)), edits[-1])
        raise EditError(edit.text, issue.message, issue.allowed, issue.suggestion) from None
    before = advisor.assess(facts, target=target, targets=targets)
    after = advisor.assess(after_facts, target=target, targets=targets)
    return WhatIf(tuple(edits), changes_between(facts.data, changed, [e.path for e in edits]),
                  diff(before, after))


def with_values(data: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `data` with each path set to its value (None: removed)."""
    return apply_edits(data, [Edit(path, "unset" if value is None else "set", value, "")
                              for path, value in values.items()])
