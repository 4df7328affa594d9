"""The guided interview: the pack's questions, answers checked at once, why each is asked, and
which questions can still matter. Terminal input and output live in the CLI; this module holds
the logic, so that it is tested without a terminal.

Questions come from the pack (``questions:``) and, for any fact without one, from its facts
schema: the description is the question, the enum the numbered choices. Which facts can still
change the level or the recommendations is decided by the engine, on the answers so far.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..analysis.dependencies import tested_paths
from ..errors import BrmError, DocumentError, Issue
from ..inputs.documents import read_document
from ..inputs.facts import made_up_facts
from ..inputs.paths import container_at, value_at
from ..inputs.schema_check import SchemaValidator
from ..packs.conditions import fact_tests, references
from ..packs.model import RulePack, leaf_fields
from ..present.words import did_you_mean, suggest

if TYPE_CHECKING:
    from ..inference.advisor import Advisor

SKIP_WORDS = ("", "skip", "-")
NONE_WORDS = ("none", "[]")
YES = ("y", "yes", "true", "1")
NO = ("n", "no", "false", "0")


class AnswerError(BrmError):
    """An answer the question does not accept; the message says what would be."""


class Question(NamedTuple):
    path: str
    text: str
    help: str | None
    kind: str  # "choice" | "choices" (a list) | "boolean" | "integer" | "number" | "text"
    choices: tuple[str, ...]
    labels: Mapping[str, str]
    required: bool
    schema: Mapping[str, Any]

    def prompt_lines(self) -> list[str]:
        """The question as shown: the text, then numbered choices when there are any."""
        lines = [self.text + ("" if self.required else " (optional)")]
        for number, choice in enumerate(self.choices, start=1):
            label = self.labels.get(choice)
            lines.append(f"  {number}. {choice}" + (f": {label}" if label else ""))
        return lines

    def hint(self) -> str:
        if self.kind == "choices":
            return "numbers or names separated by commas, or none"
        if self.kind == "choice":
            return f"1-{len(self.choices)} or a name"
        if self.kind == "boolean":
            return "yes or no"
        if self.kind in ("integer", "number"):
            low, high = self.schema.get("minimum"), self.schema.get("maximum")
            return f"{low}-{high}" if low is not None and high is not None else "a number"
        return "text"


def questions_for(pack: RulePack) -> list[Question]:
    """Every fact the interview asks: required ones and those the rules test, in the pack's
    question order, then the schema's."""
    fields = leaf_fields(pack.facts_schema)
    required = _required_paths(pack.facts_schema)
    tested = tested_paths(pack)
    wording = {q.fact: q for q in pack.questions}
    wanted = [p for p in fields if p in required or p in tested or p in wording
              or p == "target_level"]
    ordered = [q.fact for q in pack.questions if q.fact in wanted]
    ordered += [p for p in wanted if p not in ordered]
    return [_question(path, fields[path], path in required, wording.get(path))
            for path in ordered]


def _required_paths(schema: Mapping[str, Any], prefix: str = "", parent: bool = True
                    ) -> set[str]:
    found = set()
    needed = set(schema.get("required", ()))
    for name, child in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        is_required = parent and name in needed
        if isinstance(child, Mapping) and child.get("type") == "object" and "properties" in child:
            found |= _required_paths(child, path + ".", is_required)
        elif is_required:
            found.add(path)
    return found


def _question(path: str, schema: Mapping[str, Any], required: bool, wording: Any) -> Question:
    kind = schema.get("type")
    items = schema.get("items", {}) if kind == "array" else {}
    if kind == "array":
        shape, choices = "choices", tuple(map(str, items.get("enum", ())))
    elif "enum" in schema:
        shape, choices = "choice", tuple(map(str, schema["enum"]))
    elif kind in ("boolean", "integer", "number"):
        shape, choices = kind, ()
    else:
        shape, choices = "text", ()
    text = wording.ask if wording else (schema.get("description") or path)
    help_text = wording.help if wording and wording.help else schema.get("description")
    labels = dict(wording.labels) if wording else {}
    return Question(path, text, help_text, shape, choices, labels, required, schema)


def parse_answer(question: Question, raw: str) -> Any:
    """The value an answer stands for (None: skipped); raises `AnswerError` with the reason."""
    text = raw.strip()
    if text.lower() in SKIP_WORDS:
        if question.required and question.kind != "choices":
            raise AnswerError("an answer is needed: this fact is required")
        if question.kind == "choices" and question.required:
            raise AnswerError("answer with numbers or names, or none for an empty list")
        return None
    if question.kind == "choice":
        return _choice(question, text)
    if question.kind == "choices":
        if text.lower() in NONE_WORDS:
            return []
        picked = [_choice(question, part.strip()) for part in re.split(r"[,\s]+", text)
                  if part.strip()]
        duplicates = sorted({p for p in picked if picked.count(p) > 1})
        if duplicates:
            raise AnswerError(f"{', '.join(duplicates)} given twice")
        return sorted(picked, key=question.choices.index)
    if question.kind == "boolean":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise AnswerError(f"{text!r} is not yes or no")
    if question.kind in ("integer", "number"):
        try:
            value: Any = int(text) if question.kind == "integer" else float(text)
        except ValueError:
            kind = "a whole number" if question.kind == "integer" else "a number"
            raise AnswerError(f"{text!r} is not {kind}; allowed: {question.hint()}") from None
        return _checked(question, value)
    return _checked(question, text)


def _choice(question: Question, text: str) -> str:
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


def _checked(question: Question, value: Any) -> Any:
    issues = SchemaValidator(question.schema).issues(value)
    if issues:
        issue = issues[0]
        allowed = f"; allowed: {issue.allowed}" if issue.allowed else ""
        raise AnswerError(f"{issue.message}{allowed}")
    return value


# --- answers and the saved file ---------------------------------------------------------------

def nest(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted answers as a facts document (skipped answers left out)."""
    data: dict[str, Any] = {}
    for path, value in answers.items():
        if value is not None:
            parent, key = container_at(data, path)
            parent[key] = value
    return data


def flatten(data: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The values present in a (partial) facts document, by dotted path."""
    values = {path: value_at(data, path) for path in paths}
    return {path: value for path, value in values.items() if value is not None}


def save(path: Path, answers: Mapping[str, Any], questions: Sequence[Question],
         skipped: Sequence[str], pack: RulePack, not_asked: Sequence[str] = ()) -> None:
    """Write the answers so far as YAML, atomically (a crash leaves the old file or the new,
    never half of one), with a note of what is still open."""
    import yaml

    done = set(skipped) | set(not_asked)
    open_paths = [q.path for q in questions if q.path not in answers and q.path not in done]
    header = [f"# brm interview for pack {pack.id} {pack.version}"]
    if open_paths:
        header.append(f"# still open: {', '.join(open_paths)}")
        header.append(f"# continue with: brm interview --resume {path}")
    else:
        header.append("# complete")
    if skipped:
        header.append(f"# skipped: {', '.join(skipped)}")
    if not_asked:
        header.append(f"# not asked (--quick, cannot change the diagnosis): "
                      f"{', '.join(not_asked)}")
    body = yaml.safe_dump(nest(answers), sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=100)
    text = "\n".join(header) + "\n" + body
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def load(path: Path, questions: Sequence[Question]
         ) -> tuple[dict[str, Any], list[str], list[str]]:
    """Answers, skipped questions and questions not asked, from a file saved by an interview
    (or any facts file)."""
    document = read_document(path)
    if document.data is not None and not isinstance(document.data, Mapping):
        raise DocumentError(str(path), (Issue("$", "holds no answers: it is not a mapping",
                                              allowed="a facts file saved by brm interview",
                                              code="type"),))
    data = document.data or {}
    noted: dict[str, list[str]] = {"# skipped:": [], "# not asked": []}
    for line in document.text.splitlines():
        for prefix in noted:
            if line.startswith(prefix):
                listed = line.split(":", 1)[1] if prefix.endswith(":") else line.split(": ", 1)[1]
                noted[prefix] = [p.strip() for p in listed.split(",") if p.strip()]
    return (flatten(data, [q.path for q in questions]), noted["# skipped:"],
            noted["# not asked"])


# --- why a question is asked, and whether it can still matter ---------------------------------

class Effect(NamedTuple):
    value: Any
    met: tuple[str, ...]  # criteria using this fact that this answer would meet
    unmet: tuple[str, ...]


class Why(NamedTuple):
    path: str
    criteria: tuple[tuple[str, str, str], ...]  # (criterion id, level name, text)
    others: tuple[str, ...]  # other rules that test it: derived facts, findings, recommendations
    effects: tuple[Effect, ...]
    depends_on: tuple[str, ...]  # unanswered facts the effects also depend on


def why(advisor: Advisor, question: Question, answers: Mapping[str, Any]) -> Why:
    """The rules that use this fact, and what each possible answer would change (by the
    engine, on the answers so far; unanswered facts take placeholder values)."""
    pack = advisor.pack
    knowledge = advisor.knowledge
    using = [c for c in pack.criteria if question.path in knowledge.fields[c.id]]
    names = {level.id: level.name for level in pack.levels}
    others = [f"derived {d.id}" for d in pack.derived
              if question.path in {t.path for t in fact_tests(d.when)}]
    others += [f"finding {f.id}" for f in pack.findings
               if question.path in {t.path for t in fact_tests(f.when)}
               or any(r.kind == "derived" and f"derived {r.id}" in others
                      for r in references(f.when))]
    others += [f"recommendation {r.id}" for r in pack.recommendations
               if r.when is not None and question.path in {t.path for t in fact_tests(r.when)}]
    depends = sorted({f for c in using for f in knowledge.fields[c.id]
                      if f != question.path and f not in answers})
    effects = []
    info = pack.fact_paths.get(question.path)
    if using and info is not None:
        base = _placeholder_facts(advisor, answers)
        if base is not None:
            for value in _answers_to_try(knowledge, info, answers.get(question.path)):
                data = dict(base)
                data[question.path] = value
                try:
                    facts = advisor.reader.from_data(nest(data))
                except BrmError:
                    continue
                diagnosis = advisor.assess(facts)
                met = tuple(c.id for c in using if diagnosis.criterion(c.id).met)
                unmet = tuple(c.id for c in using if not diagnosis.criterion(c.id).met)
                effects.append(Effect(value, met, unmet))
    return Why(question.path, tuple((c.id, names[c.level], c.text) for c in using),
               tuple(others), tuple(effects), tuple(depends))


def _answers_to_try(knowledge: Any, info: Any, current: Any) -> list[Any]:
    """Every choice of a single-valued fact; for a list, one answer per class of answers the
    rules treat alike (the empty list first)."""
    if info.kind != "list" and info.choices:
        return list(info.choices)
    values = [current] if current is not None else []
    values += knowledge.alternatives(info, current)
    values = [v for v in values if v is not None]
    return sorted(values, key=lambda v: len(v) if isinstance(v, list) else 0)[:12]


def _placeholder_facts(advisor: Advisor, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answers so far, with the first allowed value for every required fact not yet given."""
    schema = advisor.pack.facts_schema
    data = flatten(made_up_facts(schema), leaf_fields(schema))
    data.update({k: v for k, v in answers.items() if v is not None})
    try:
        advisor.reader.from_data(nest(data))
    except BrmError:
        return None
    return data


def can_matter(advisor: Advisor, question: Question, answers: Mapping[str, Any],
               target: str | None = None) -> bool:
    """Whether the answer can still change the level or the recommendations.

    A fact matters while some criterion or recommendation that uses it belongs to a level that
    can still be next, or is within the target. Levels above a criterion already decided unmet
    (all its facts answered, decided by the engine) cannot be reached, so their facts are not
    asked in quick mode.
    """
    pack = advisor.pack
    if question.required and question.kind != "choices":
        return True  # the facts file needs it whatever the diagnosis
    knowledge = advisor.knowledge
    ranks = {level.id: level.rank for level in pack.levels}
    ceiling = len(pack.levels)
    base = _placeholder_facts(advisor, answers)
    if base is not None:
        diagnosis = advisor.assess(advisor.reader.from_data(nest(base)))
        for criterion in pack.criteria:
            fields = knowledge.fields[criterion.id]
            decided = all(f in answers for f in fields)
            if decided and not diagnosis.criterion(criterion.id).met:
                ceiling = min(ceiling, ranks[criterion.level])
    target_id = target or answers.get("target_level")
    reach = max(ceiling, ranks.get(str(target_id), 0))
    if question.path == "target_level":
        return True
    for criterion in pack.criteria:
        if question.path in knowledge.fields[criterion.id] and ranks[criterion.level] <= reach:
            return True
    for rec in pack.recommendations:
        if rec.when is not None and ranks[rec.level] <= reach and question.path in {
                t.path for t in fact_tests(rec.when)}:
            return True
    return False
