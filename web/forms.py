"""A unit's facts as a form, generated from the pack: one control per field of its fact-field
table, worded by the interview's questions (the pack's wording, choices with labels, help,
why), grouped by dimension; and the answers posted back, read and checked with the same
messages as the command line's interview (or, for a field the interview never asks, such as
a list of BRMs, the facts validator's).

Nothing here knows HTML: the templates render `FormField`; the pages call `read_answer`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from brm_advisor.engine import (
    Advisor,
    AnswerError,
    Interview,
    InterviewQuestion,
    IssuesError,
    SavedFile,
    value_at,
    with_answer,
)

IDENTITY = ("organization", "business_unit")
"""A unit's identity: shown, never answered on its page (the store keeps them)."""
NONE = "__none__"
"""The checkbox that answers a list with no item ("none of these")."""
BASE = "_base:"
"""Prefix of the hidden field holding, as JSON, the value the page showed for a path."""
VERSION = "_version:"
"""Prefix of the hidden field holding the unit's version when the page showed a path's value
(each field its own: another field saved meanwhile does not make this one stale)."""
KEEP = "_keep"
"""The button that keeps one's own answer over another browser's (its value: the path)."""
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


class Option(NamedTuple):
    value: str
    label: str
    selected: bool


class FormField(NamedTuple):
    """One control of a unit's form."""

    path: str  # the input's name
    html_id: str
    label: str
    control: str  # select, checkboxes, text, number, textarea, readonly
    required: bool
    help: str | None
    reason: str | None
    options: tuple[Option, ...]
    value: str  # the text shown (a select's or checkboxes' value is in options)
    base: str  # JSON of the value saved, as the page shows it (the `base` of a save)
    group: str | None  # the dimension's name, when the pack rates several
    asked: bool  # whether the interview has a question for it (its `??` can be shown)
    answered: bool
    version: int  # the unit's version when the page showed this value
    error: str | None = None  # why the answer posted was refused
    conflict: Conflict | None = None  # another browser's answer saved meanwhile
    saved: bool = False  # just saved (said beside it)


class Conflict(NamedTuple):
    """Two answers to one question: this browser's, and the one saved meanwhile."""

    yours: str
    theirs: str


class Kept(NamedTuple):
    """A field shown as it was posted (refused, or in conflict): the text typed, and the
    value and version it was based on, so that nothing typed is lost and nothing saved
    meanwhile is overwritten unseen."""

    raw: str
    base: str  # JSON
    version: int
    error: str | None = None
    conflict: Conflict | None = None


class Answer(NamedTuple):
    """An answer read from a post: the value it stands for (None: removed) or the reason it
    was refused."""

    path: str
    raw: str
    value: Any
    error: str | None


def questions(advisor: Advisor) -> dict[str, InterviewQuestion]:
    """A question for every field of the pack's facts: the interview's (engagement questions
    included), else one made from the field's schema, in the interview's order then the
    schema's."""
    interview = Interview(advisor, engagement=True)
    found = {q.path: q._replace(default=None) for q in interview.questions}
    for path, field in advisor.pack.fields.items():
        if path not in found:
            found[path] = _question(path, field)
    return found


def _question(path: str, field: Any) -> InterviewQuestion:
    kind = {"list": "choices", "boolean": "boolean", "integer": "integer",
            "number": "number"}.get(field.kind, "text" if field.kind == "string" else "other")
    if kind == "text" and field.choices:
        kind = "choice"
    return InterviewQuestion(path, field.label, field.description, kind,
                             tuple(str(c) for c in field.choices), {}, field.required,
                             field.schema)


def form_fields(advisor: Advisor, facts: Mapping[str, Any], version: int,
                kept: Mapping[str, Kept] | None = None) -> list[FormField]:
    """The form of a unit whose answers so far are `facts` at `version` (`kept`: fields shown
    as posted, with the reason they were refused or the answer saved meanwhile)."""
    groups = {d.id: d.name for d in advisor.pack.dimensions}
    used: set[str] = set()
    asked = asked_paths(advisor)
    return [_form_field(question, facts, version, unique_id(path, used),
                        groups.get(question.dimension or ""), (kept or {}).get(path),
                        path in asked)
            for path, question in questions(advisor).items()]


def form_field(advisor: Advisor, path: str, facts: Mapping[str, Any], version: int,
               kept: Kept | None = None) -> FormField:
    """One field of the form (as `form_fields` makes it)."""
    return next(f for f in form_fields(advisor, facts, version, {path: kept} if kept else None)
                if f.path == path)


def _form_field(question: InterviewQuestion, facts: Mapping[str, Any], version: int,
                html_id: str, group: str | None, kept: Kept | None, asked: bool
                ) -> FormField:
    path = question.path
    value = value_at(facts, path)
    typed = kept.raw if kept is not None else None
    return FormField(
        path, html_id, question.text, _control(path, question), question.required,
        question.help, question.reason, _options(question, value, typed),
        typed if typed is not None else shown(value),
        kept.base if kept is not None else json.dumps(value, ensure_ascii=False,
                                                      sort_keys=True),
        group, question.kind != "other" and asked, value is not None,
        kept.version if kept is not None else version,
        kept.error if kept is not None else None, kept.conflict if kept is not None else None)


def asked_paths(advisor: Advisor) -> frozenset[str]:
    """The facts the interview asks about (their ``??`` can be shown)."""
    return frozenset(q.path for q in Interview(advisor, engagement=True).questions)


def unique_id(path: str, used: set[str]) -> str:
    """The control's id: ``f-`` and the path with dots as hyphens (``f-engagement-mode``)."""
    base = "f-" + _UNSAFE_ID.sub("-", path.replace(".", "-"))
    ident, number = base, 2
    while ident in used:
        ident, number = f"{base}-{number}", number + 1
    used.add(ident)
    return ident


def _control(path: str, question: InterviewQuestion) -> str:
    if path in IDENTITY:
        return "readonly"
    if question.kind == "choices":
        return "checkboxes"
    if question.kind in ("choice", "boolean") or question.choices:
        return "select"
    if question.kind in ("integer", "number"):
        return "number"
    return "textarea" if question.kind == "other" else "text"


def _options(question: InterviewQuestion, value: Any, typed: str | None) -> tuple[Option, ...]:
    if question.kind == "boolean":
        pairs = [("yes", "yes"), ("no", "no")]
    else:
        pairs = [(c, question.labels.get(c, "")) for c in question.choices]
    chosen = _chosen(value) if typed is None else {t.strip() for t in typed.split(",")}
    if "none" in chosen and question.kind == "choices":
        chosen.add(NONE)
    options = [Option(v, f"{v}: {label}" if label and label != v else v, v in chosen)
               for v, label in pairs]
    if question.kind == "choices":
        options.append(Option(NONE, "none of these", NONE in chosen))
    return tuple(options)


def _chosen(value: Any) -> set[str]:
    if isinstance(value, bool):
        return {"yes" if value else "no"}
    if isinstance(value, list):
        return {str(v) for v in value} if value else {NONE}
    return {str(value)} if value is not None else set()


def shown(value: Any) -> str:
    """A saved value as the form shows it (and as it is typed back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "none"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


def posted_raw(question: InterviewQuestion, form: Any) -> str:
    """What a post says for a question, as one typed line (checkboxes joined by commas,
    ``none`` for "none of these")."""
    if question.kind != "choices":
        value = form.get(question.path, "")
        return value if isinstance(value, str) else ""
    items = [v for v in form.getlist(question.path) if isinstance(v, str)]
    if NONE in items:
        return "none" if len(items) == 1 else "none, " + ", ".join(i for i in items if i != NONE)
    return ", ".join(items)


def read_answer(advisor: Advisor, question: InterviewQuestion, raw: str,
                facts: Mapping[str, Any]) -> Answer:
    """The value a posted answer stands for, checked as the interview checks a typed one (an
    empty answer removes it); a field the interview does not ask (a list of records) is JSON
    checked by the facts validator in the unit's facts."""
    path = question.path
    if not raw.strip():
        return Answer(path, raw, None, None)
    if question.kind == "choices" and raw.startswith("none, "):
        return Answer(path, raw, None, "'none of these' cannot be ticked with an answer")
    if question.kind == "other":
        return _document_answer(advisor, path, raw, facts)
    interview = Interview(advisor)
    try:
        if interview.evidence_in(question, raw) is not None:
            raise AnswerError("evidence is not taken in this form: give the answer without "
                              "' # ' and the note")
        return Answer(path, raw, interview.answer(question, raw), None)
    except AnswerError as error:
        return Answer(path, raw, None, str(error))


def _document_answer(advisor: Advisor, path: str, raw: str,
                     facts: Mapping[str, Any]) -> Answer:
    try:
        value = json.loads(raw)
    except ValueError as error:
        return Answer(path, raw, None, f"not JSON: {error}")
    try:
        advisor.reader.from_data(unit_facts(advisor, with_answer(facts, path, value)),
                                 "<answer>")
    except IssuesError as error:
        mine = [i for i in error.issues if i.path == f"$.{path}"
                or i.path.startswith((f"$.{path}.", f"$.{path}["))]
        if mine:
            return Answer(path, raw, None, "; ".join(i.describe() for i in mine))
    return Answer(path, raw, value, None)


def unit_facts(advisor: Advisor, data: Mapping[str, Any]) -> dict[str, Any]:
    """A unit's answers as facts of its pack: the unit's name (which the workshop keeps with
    every unit) left out when the pack's facts have no such field."""
    return {key: value for key, value in data.items()
            if key != "business_unit" or key in advisor.pack.fields}


def changed(question: InterviewQuestion, raw: str, base: Any) -> bool:
    """Whether a posted line says something else than the value the page showed."""
    if question.kind == "choices":
        return _items(raw) != _items(shown(base))
    return raw.strip() != shown(base).strip()


def _items(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def base_of(form: Any, path: str) -> Any:
    """The value the page showed at `path` (None when the post does not say)."""
    text = form.get(BASE + path)
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def version_of(form: Any, path: str) -> int:
    """The unit's version when the page showed the value at `path` (0 when the post does not
    say: then any change made meanwhile at that path is a conflict, never overwritten)."""
    text = form.get(VERSION + path)
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 10 else 0


def missing(advisor: Advisor, facts: Mapping[str, Any]) -> list[FormField]:
    """The required answers not given yet (the facts are not complete without them)."""
    return [f for f in form_fields(advisor, facts, 0) if f.required and not f.answered]


def resumed(facts: Mapping[str, Any]) -> SavedFile:
    return SavedFile("<unit>", facts, None)
