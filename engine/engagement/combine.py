"""Combining several respondents' answers for one business unit into one set of facts.

Maturity self-assessments are optimistic, and the business and IT rarely see the relationship
alike; the BRM Institute's assessments ask both. When several respondents answer for one unit,
each field is combined by a conservative policy, and every disagreement is kept, naming who said
what:

- an enumerated value: the least mature answer, the facts schema listing a field's values from
  the least to the most mature (as every shipped schema does);
- yes/no: yes only when every respondent says yes;
- a list: the items a majority of the respondents named (more than half);
- an integer (a rating): the lower median; a number: the median;
- free text (dates, names, notes): the first respondent's answer, in the order given.

A field only some respondents answered is combined over those who did. How each answer (not
free text) was combined is recorded; a roll-up reports as disagreements only those the rules
test.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..inputs.paths import container_at, value_at
from ..packs.fields import Field, FieldTable

RULES = {
    "enum": "the least mature answer",
    "boolean": "yes only when everyone says yes",
    "list": "what a majority named",
    "integer": "the lower median",
    "number": "the median",
    "text": "the first answer given",
}
"""How each kind of field is combined, in words (results and explanations quote them)."""


class Answer(NamedTuple):
    respondent: str
    role: str | None
    value: Any


class Combined(NamedTuple):
    """How one field was combined: each respondent's answer, the rule, the value kept."""

    path: str
    answers: tuple[Answer, ...]
    rule: str
    value: Any

    @property
    def disagreement(self) -> bool:
        return len({repr(_canonical(answer.value)) for answer in self.answers}) > 1

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "value": self.value,
                "answers": [{"respondent": a.respondent, "role": a.role, "value": a.value}
                            for a in self.answers]}


class Respondent(NamedTuple):
    name: str
    role: str | None
    source: str  # the file (or the engagement file's entry) the answers came from
    data: Mapping[str, Any]  # the answers, validated against the facts schema


def combine(respondents: Sequence[Respondent], fields: FieldTable
            ) -> tuple[dict[str, Any], tuple[Combined, ...]]:
    """The unit's facts from its respondents' answers, and how each tested field was combined
    (when more than one respondent answered it)."""
    if len(respondents) == 1:
        return _copy(respondents[0].data), ()
    data = _copy(respondents[0].data)
    record: list[Combined] = []
    for path, info in fields.items():
        answers = tuple(Answer(r.name, r.role, value) for r in respondents
                        for value in [value_at(r.data, path)] if value is not None)
        if not answers or not _is_leaf(info):
            continue
        rule, value = _combined(info, [answer.value for answer in answers])
        parent, key = container_at(data, tuple(path.split(".")))
        parent[key] = value
        if len(answers) > 1 and rule != "text":  # answers, not names, dates or notes
            record.append(Combined(path, answers, RULES[rule], value))
    return data, tuple(record)


def _is_leaf(info: Field) -> bool:
    return info.kind in ("string", "boolean", "integer", "number", "list")


def _combined(info: Field, values: list[Any]) -> tuple[str, Any]:
    if info.kind == "list":
        counts: dict[str, int] = {}
        for items in values:
            for item in dict.fromkeys(map(repr, items)):
                counts[item] = counts.get(item, 0) + 1
        order = list(info.choices) or [item for items in values for item in items]
        kept = [item for item in dict.fromkeys(order) if counts.get(repr(item), 0) * 2
                > len(values)]
        return "list", kept
    if info.choices and info.kind == "string":
        return "enum", min(values, key=lambda value: _position(info.choices, value))
    if info.kind == "boolean":
        return "boolean", all(values)
    if info.kind == "integer":
        return "integer", statistics.median_low(values)
    if info.kind == "number":
        return "number", statistics.median(values)
    return "text", values[0]


def _position(choices: Sequence[Any], value: Any) -> int:
    return list(choices).index(value) if value in choices else len(choices)


def _canonical(value: Any) -> Any:
    return sorted(map(repr, value)) if isinstance(value, list) else value


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: (_copy(value) if isinstance(value, Mapping) else
                  list(value) if isinstance(value, list) else value)
            for key, value in data.items()}
