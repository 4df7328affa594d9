"""Answers: what a typed answer stands for (checked at once, with the reason when refused), and
answers by dotted path as a facts document and back."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import BrmError
from ..inputs.paths import container_at, value_at
from ..inputs.schema_check import SchemaValidator
from ..present.words import did_you_mean, suggest
from .questions import InterviewQuestion

SKIP_WORDS = ("", "skip", "-")
NONE_WORDS = ("none", "[]")
YES = ("y", "yes", "true", "1")
NO = ("n", "no", "false", "0")

_SURROGATE = re.compile("[\ud800-\udfff]")


class AnswerError(BrmError):
    """An answer the question does not accept; the message says what would be."""


def parse_answer(question: InterviewQuestion, raw: str) -> Any:
    """The value an answer stands for (None: skipped); raises `AnswerError` with the reason."""
    if _SURROGATE.search(raw):  # bytes that were not UTF-8, smuggled in by the decoder
        raise AnswerError("not valid text: it holds bytes that are not UTF-8 (is the terminal "
                          "set to another encoding?); type it again")
    text = raw.strip()
    if text.lower() in SKIP_WORDS:
        return _skipped(question)
    return _PARSERS[question.kind](question, text)


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
    lowered = {choice.lower(): choice for choice in question.choices}
    if text.lower() in lowered:
        return lowered[text.lower()]
    raise AnswerError(f"{text!r} is not one of the choices: {', '.join(question.choices)}"
                      + did_you_mean(suggest(text, question.choices)))


def _choices(question: InterviewQuestion, text: str) -> list[str]:
    if text.lower() in NONE_WORDS:
        return []
    picked = [_choice(question, part.strip()) for part in re.split(r"[,\s]+", text)
              if part.strip()]
    duplicates = sorted({p for p in picked if picked.count(p) > 1})
    if duplicates:
        raise AnswerError(f"{', '.join(duplicates)} given twice")
    return sorted(picked, key=question.choices.index)


def _boolean(question: InterviewQuestion, text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise AnswerError(f"{text!r} is not yes or no")


def _number(question: InterviewQuestion, text: str) -> Any:
    try:
        value: int | float = int(text) if question.kind == "integer" else float(text)
    except ValueError:
        kind = "a whole number" if question.kind == "integer" else "a number"
        raise AnswerError(f"{text!r} is not {kind}; allowed: {question.hint()}") from None
    return _checked(question, value)


def _checked(question: InterviewQuestion, value: Any) -> Any:
    issues = SchemaValidator(question.schema).issues(value)
    if issues:
        issue = issues[0]
        allowed = f"; allowed: {issue.allowed}" if issue.allowed else ""
        raise AnswerError(f"{issue.message}{allowed}")
    return value


_PARSERS: dict[str, Callable[[InterviewQuestion, str], Any]] = {
    "choice": _choice, "choices": _choices, "boolean": _boolean, "integer": _number,
    "number": _number, "text": _checked,
}


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
