"""What the interview asks: one question per fact that is required or that the rules test, in
the pack's question order, then the schema's.

The wording comes from the pack (``questions:``); for a fact without one, from its facts schema:
the description is the question, the enum the numbered choices. (Not to be confused with the
pack's `QuestionWording`, which is only the wording this module starts from.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..analysis.dependencies import tested_paths
from ..packs.model import QuestionWording, RulePack

KINDS = ("choice", "choices", "boolean", "integer", "number", "text")
"""How an answer is typed: one of numbered choices, several of them (a list), yes or no, a
number, or free text."""


class InterviewQuestion(NamedTuple):
    """One question of the interview, about the fact at `path`."""

    path: str
    text: str
    help: str | None
    kind: str  # one of KINDS
    choices: tuple[str, ...]
    labels: Mapping[str, str]
    required: bool
    schema: Mapping[str, Any]  # the fact's own JSON Schema: what an answer must satisfy

    def prompt_lines(self) -> list[str]:
        """The question as shown: the text, then numbered choices when there are any."""
        lines = [self.text + ("" if self.required else " (optional)")]
        for number, choice in enumerate(self.choices, start=1):
            label = self.labels.get(choice)
            lines.append(f"  {number}. {choice}" + (f": {label}" if label else ""))
        return lines

    @property
    def needs_answer(self) -> bool:
        """Whether skipping is refused: a required fact (a required list may be empty)."""
        return self.required and self.kind != "choices"

    def hint(self) -> str:
        """What an answer looks like, in a few words."""
        if self.kind in ("integer", "number"):
            low, high = self.schema.get("minimum"), self.schema.get("maximum")
            return f"{low}-{high}" if low is not None and high is not None else "a number"
        if self.kind == "choice":
            return f"1-{len(self.choices)} or a name"
        return _HINTS[self.kind]


_HINTS = {"choices": "numbers or names separated by commas, or none", "boolean": "yes or no",
          "text": "text"}


def questions_for(pack: RulePack) -> list[InterviewQuestion]:
    """Every fact the interview asks: required ones and those the rules test, in the pack's
    question order, then the schema's."""
    fields = pack.fields
    wording = {q.fact: q for q in pack.questions}
    wanted = _wanted(pack, set(wording))
    ordered = [q.fact for q in pack.questions if q.fact in wanted]
    ordered += [p for p in wanted if p not in ordered]
    return [_question(path, fields[path].schema, fields[path].required, wording.get(path))
            for path in ordered]


def _wanted(pack: RulePack, worded: set[str]) -> list[str]:
    """The facts asked about, in the schema's order."""
    tested = tested_paths(pack) | worded | {"target_level"}
    return [path for path, field in pack.fields.items() if field.required or path in tested]


def _question(path: str, schema: Mapping[str, Any], required: bool,
              wording: QuestionWording | None) -> InterviewQuestion:
    kind, choices = _shape(schema)
    description = schema.get("description")
    text = wording.ask if wording else (description or path)
    help_text = wording.help if wording and wording.help else description
    labels = dict(wording.labels) if wording else {}
    return InterviewQuestion(path, text, help_text, kind, choices, labels, required, schema)


def _shape(schema: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The kind of answer a fact takes, and its choices."""
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        return "choices", tuple(map(str, items.get("enum", ()) if isinstance(items, Mapping)
                                    else ()))
    if "enum" in schema:
        return "choice", tuple(map(str, schema["enum"]))
    if kind in ("boolean", "integer", "number"):
        return str(kind), ()
    return "text", ()
