"""Answers: what a typed answer stands for (checked at once, with the reason when refused), and
answers by dotted path as a facts document and back."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from ..errors import BrmError
from ..inputs.paths import container_at, value_at
from ..inputs.schema_check import SchemaValidator
from ..packs.model import QuestionWording
from ..present.words import describe_value, did_you_mean, suggest
from .questions import FORMS, InterviewQuestion, normal

COMMANDS = QuestionWording.commands()
"""Words read as commands at any question (``?``, ``back``, ``q``...), and what each does."""
SKIP_WORDS = ("", *(word for word, action in COMMANDS.items() if action == "skip"))
NONE_WORDS = QuestionWording.empty_list_words()
YES = ("y", "yes", "true", "1")
NO = ("n", "no", "false", "0")

_SURROGATE = re.compile("[\ud800-\udfff]")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_FORM = FORMS["date"]
"""The form of a date answer (YYYY-MM-DD): checked against the calendar too."""
_QUOTES = ("'", '"')


class AnswerError(BrmError):
    """An answer the question does not accept; the message says what would be."""


def command(raw: str) -> str | None:
    """What a typed line asks the interview to do, when it is a command rather than an answer:
    ``why``, ``why more``, ``help``, ``back`` or ``quit`` (None for an answer, a skip included).
    A command word in quotes is an answer: ``'q'``."""
    action = COMMANDS.get(" ".join(raw.lower().split()))
    return action if action != "skip" else None


def _unquoted(text: str) -> str:
    """A command word typed in quotes, as the answer it then is (other text as it is)."""
    if len(text) > 2 and text[0] == text[-1] and text[0] in _QUOTES:
        inner = text[1:-1]
        if " ".join(inner.lower().split()) in COMMANDS:
            return inner
    return text


def parse_answer(question: InterviewQuestion, raw: str) -> Any:
    """The value an answer stands for (None: skipped); raises `AnswerError` with the reason."""
    if _SURROGATE.search(raw):  # bytes that were not UTF-8, smuggled in by the decoder
        raise AnswerError("not valid text: it holds bytes that are not UTF-8 (is the terminal "
                          "set to another encoding?); type it again")
    text = raw.strip()
    if text.lower() in SKIP_WORDS:
        return _skipped(question)
    return _PARSERS[question.kind](question, _unquoted(text))


def _skipped(question: InterviewQuestion) -> None:
    if question.needs_answer:
        raise AnswerError("an answer is needed: this fact is required")
    if question.required:  # a required list: it may be empty, but it must be said
        raise AnswerError("answer with numbers or names, or none for an empty list")
    return None


def _choice(question: InterviewQuestion, text: str) -> str:
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(question.choices):
            return question.choices[number - 1]
        raise AnswerError(f"{number} is not one of the numbers 1-{len(question.choices)}")
    chosen = question.choice_for(text)
    if chosen is not None:
        return chosen
    refusal = question.not_offered.get(normal(text))
    if refusal is not None:
        raise AnswerError(f"{refusal}; allowed: {', '.join(question.choices)}")
    raise AnswerError(f"{describe_value(text)} is not one of the choices: "
                      f"{', '.join(question.choices)}"
                      + did_you_mean(_suggestion(question, text)))


def _suggestion(question: InterviewQuestion, text: str) -> str | None:
    """The choice a mistyped answer most likely means: close to a choice, else to one of the
    words the pack declares for a choice (``SLAz``: service_levels)."""
    close = suggest(text, question.choices)
    if close is not None:
        return close
    word = suggest(normal(text), question.synonyms)
    return question.synonyms[word] if word is not None else None


def _choices(question: InterviewQuestion, text: str) -> list[str]:
    if text.lower() in NONE_WORDS:
        return []
    picked = [value for _typed, value in _pieces(question, text)]
    counts = Counter(picked)
    duplicates = sorted(value for value, count in counts.items() if count > 1)
    if duplicates:
        raise AnswerError(f"{', '.join(duplicates)} given twice")
    return sorted(picked, key=question.choices.index)


def _pieces(question: InterviewQuestion, text: str) -> list[tuple[str, str]]:
    """The answers in a list answer, each as typed and as the choice it names: separated by
    commas, or by spaces where the words name no choice together (``csat service levels`` is
    two answers: the longest run of words that names a choice is one)."""
    longest = max((len(normal(word).split()) for word in (*question.choices,
                                                          *question.synonyms)), default=1)
    pieces = []
    for part in text.split(","):
        words = part.split()
        start = 0
        while start < len(words):
            end = next((end for end in range(min(len(words), start + longest), start, -1)
                        if question.choice_for(" ".join(words[start:end])) is not None),
                       start + 1)
            typed = " ".join(words[start:end])
            pieces.append((typed, _choice(question, typed)))
            if len(pieces) > len(question.choices):  # one is given twice: enough read
                return pieces
            start = end
    return pieces


def _boolean(question: InterviewQuestion, text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise AnswerError(f"{describe_value(text)} is not yes or no")


def _number(question: InterviewQuestion, text: str) -> Any:
    """A number as typed: 150 stays whole where any number is allowed (it is said back as
    150, not 150.0)."""
    try:
        value: int | float = int(text) if question.kind == "integer" or _WHOLE.fullmatch(
            text) else float(text)
    except ValueError:
        kind = "a whole number" if question.kind == "integer" else "a number"
        raise AnswerError(f"{describe_value(text)} is not {kind}; "
                          f"allowed: {question.hint()}") from None
    return _checked(question, value)


def _checked(question: InterviewQuestion, value: Any) -> Any:
    issues = SchemaValidator(question.schema).issues(value)
    if issues:
        issue = issues[0]
        allowed = issue.allowed
        if issue.code == "pattern" and question.form:  # the form, not the description
            allowed = question.form
        raise AnswerError(f"{issue.message}" + (f"; allowed: {allowed}" if allowed else ""))
    if question.form == DATE_FORM and isinstance(value, str) and not _a_day(value):
        raise AnswerError(f"{describe_value(value)} is not a date in the calendar; allowed: "
                          f"{DATE_FORM}")
    return value


def _a_day(text: str) -> bool:
    """Whether a date in the form YYYY-MM-DD is one of the calendar (not 2026-02-30)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return not _DAY.fullmatch(text)  # another form: the schema's to judge, not refused here
    return True


_PARSERS: dict[str, Callable[[InterviewQuestion, str], Any]] = {
    "choice": _choice, "choices": _choices, "boolean": _boolean, "integer": _number,
    "number": _number, "text": _checked,
}


EVIDENCE_MARK = " # "
"""What sets evidence apart from an answer: a hash with a space on each side."""


def free_text(question: InterviewQuestion) -> bool:
    """Whether the answer is free text, where `` # `` is plausible content (an organization's,
    a unit's or a person's name): there, the whole line is the answer and no evidence is read.
    Evidence is read after answers of a given form: choices, yes or no, numbers, dates."""
    return question.kind == "text" and not question.form


def split_evidence(question: InterviewQuestion, raw: str) -> tuple[str, str | None]:
    """An answer line as the answer and the evidence after `` # `` (None when there is none).
    Only the first mark splits: the note may hold more; a `#` without a space on each side
    (``#3``, ``C#``) is part of the answer. A line that starts with ``# `` is evidence alone
    (it keeps an answer given before, after `back`). Free text keeps every `#` as typed."""
    if free_text(question):
        return raw, None
    text = raw.strip()
    if text.startswith("# ") or text == "#":
        answer, note = "", text[1:]
    elif EVIDENCE_MARK in text:
        answer, _, note = text.partition(EVIDENCE_MARK)
    else:
        return raw, None
    note = " ".join(note.split())
    if not note:
        raise AnswerError("no evidence after #: type a note after it (advisory # seen in the "
                          "minutes), or answer without #")
    return answer, note


def misplaced_mark(question: InterviewQuestion, raw: str) -> bool:
    """Whether a refused answer holds a `#` that may have been meant to start evidence."""
    return not free_text(question) and "#" in raw


def taken_as(question: InterviewQuestion, raw: str, value: Any) -> str | None:
    """What an accepted answer was taken as, when it was given in other words than the
    choices' own names or numbers (a synonym, another case or spelling): ``service_levels``
    for ``SLAs``. None when the answer said it in the choices' words."""
    if question.kind not in ("choice", "choices") or value is None or value == []:
        return None
    text = raw.strip()
    typed = [text] if question.kind == "choice" else [t for t, _ in _pieces(question, text)]
    own = {normal(choice) for choice in question.choices}
    if all(t.isdigit() or normal(t) in own for t in typed):  # numbers, names in any case
        return None
    return ", ".join(value) if isinstance(value, list) else str(value)


# --- answers by path, and the facts document they make ----------------------------------------

def nest(answers: Mapping[str, Any], into: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Dotted answers as a facts document (skipped answers, None, left out); placed `into` a
    copy of a document when one is given (its other fields kept, in their order)."""
    data: dict[str, Any] = _copy(into) if into is not None else {}
    for path, value in answers.items():
        if value is not None:
            parent, key = container_at(data, path)
            parent[key] = value
    return data


def flatten(data: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The values present in a (partial) facts document, by dotted path."""
    values = {path: value_at(data, path) for path in paths}
    return {path: value for path, value in values.items() if value is not None}


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy deep enough that placing answers never changes `data` (mappings copied; lists
    and scalars are replaced, never changed in place)."""
    return {key: _copy(value) if isinstance(value, Mapping) else value
            for key, value in data.items()}


def without(data: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A copy of a document without the values at `paths` (the groups holding them kept)."""
    copy = _copy(data)
    for path in paths:
        if value_at(copy, path) is not None:
            parent, key = container_at(copy, path)
            del parent[key]
    return copy
