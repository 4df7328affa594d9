"""Evidence: what a consultant saw that supports an answer (the audit trail).

A facts document may say, per field path, what supports the answer: a text, or a mapping with
``text`` and optionally ``source`` and ``date``, or a list of those::

    evidence:
      engagement.mode: Steering committee minutes, October
      measures:
        - {text: Quarterly value report, source: CIO office, date: "2026-10-01"}

An engagement file may attach evidence to a unit as a whole (``evidence: {unit: ...}``) or to
its fields the same way. Evidence never changes a conclusion: it is shown beside every criterion
whose facts it supports, and a diagnosis says which met criteria rest on facts with none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ..present.words import optional_text

UNIT = "unit"
"""The key of evidence about a unit as a whole, rather than one of its answers."""


class Evidence(NamedTuple):
    path: str  # the field path it supports; "unit" for the unit as a whole
    text: str
    source: str | None = None
    date: str | None = None
    given_by: str | None = None  # the respondent whose answers it came with

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"path": self.path, "text": self.text}
        for key in ("source", "date", "given_by"):
            value = getattr(self, key)
            if value is not None:
                found[key] = value
        return found

    def describe(self) -> str:
        """One line: the text, then where it comes from."""
        extra = [part for part in (self.source, self.date) if part]
        by = f" (from {self.given_by})" if self.given_by else ""
        return self.text + (f" [{', '.join(extra)}]" if extra else "") + by


def read_evidence(data: Any, given_by: str | None = None) -> tuple[Evidence, ...]:
    """The evidence of a document's ``evidence`` mapping (already validated, or checked by
    `evidence_problems`), in the order written."""
    if not isinstance(data, Mapping):
        return ()
    found = []
    for path, value in data.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                found.append(Evidence(str(path), item, given_by=given_by))
            elif isinstance(item, Mapping) and isinstance(item.get("text"), str):
                found.append(Evidence(str(path), item["text"], optional_text(item.get("source")),
                                      optional_text(item.get("date")), given_by))
    return tuple(found)


def evidence_problems(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong with an ``evidence`` mapping, as (where inside it, message) pairs."""
    if not isinstance(data, Mapping):
        return [((), "evidence is a mapping of field paths to texts")]
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for path, value in data.items():
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            where: tuple[str | int, ...] = (path, index) if isinstance(value, list) else (path,)
            if isinstance(item, str) and item.strip():
                continue
            if isinstance(item, Mapping) and isinstance(item.get("text"), str) and set(
                    item) <= {"text", "source", "date"}:
                continue
            problems.append((where, "evidence is a text, or {text, source, date}, or a list "
                                    "of those"))
    return problems


def supporting(evidence: Iterable[Evidence], paths: Sequence[str]) -> tuple[Evidence, ...]:
    """The evidence for any of `paths` (a criterion's facts), in the order given."""
    wanted = set(paths)
    return tuple(item for item in evidence if item.path in wanted)
