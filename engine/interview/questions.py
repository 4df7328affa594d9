"""What the interview asks: one question per fact that is required or that the rules test, in
the pack's question order, then the schema's.

The wording comes from the pack (``questions:``); for a fact without one, from its facts schema:
the description is the question, the enum the numbered choices. (Not to be confused with the
pack's `QuestionWording`, which is only the wording this module starts from.)

A pack that rates several dimensions groups its questions by dimension: a question's
dimension is the one its wording names (``dimension:``) or, when it names none, the one whose
criteria use the fact, when exactly one dimension's do; the questions of no dimension come
first, then each dimension's, in the pack's order of dimensions.

The target level is a question of its own kind: asked after the facts, it offers only the
levels above the one they reach (`target_question`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..analysis.dependencies import Dependencies, tested_paths
from ..packs.fields import Field
from ..packs.model import QuestionWording, RulePack

KINDS = ("choice", "choices", "boolean", "integer", "number", "text")
"""How an answer is typed: one of numbered choices, several of them (a list), yes or no, a
number, or free text."""

TARGET = "target_level"
"""The fact that names the level aimed for: asked last, about the levels above the diagnosis."""

TARGET_AFTER_DIAGNOSIS = "You are at {level}. Where should you be?"
"""The target question once the facts are in (the seed's own closing question)."""

ENGAGEMENT = ("business_unit", "assessed_on", "assessor", "respondent.name", "respondent.role")
"""Who and what an assessment is about, asked right after the organization when the pack's facts
schema has these fields: the business unit, the date, the assessor, the respondent and their
side. They identify one file of an engagement (a folder of such files, one per unit and
respondent, that `brm assess FOLDER` reads as one organization)."""

IDENTITY = ("business_unit", "respondent.name", "respondent.role")
"""The engagement questions asked even in quick mode: they say which file of an engagement the
answers are (the date and the assessor may be left unasked)."""

NEEDS = {"respondent.role": "respondent.name"}
"""A question asked only once another is answered (a respondent's role needs their name)."""

ENGAGEMENT_WORDING = {
    "business_unit": QuestionWording(
        "business_unit", "Which business unit is assessed?",
        help="The unit's name, e.g. Retail Banking. Press Enter to skip: the answers are then "
             "the whole organization's.",
        why="An organization is assessed unit by unit: the name keeps this unit's answers "
            "apart from the other units' and sets them side by side in the organization's "
            "roll-up."),
    "assessed_on": QuestionWording(
        "assessed_on", "On which date is this assessment made?",
        help="The date printed on the report, as YYYY-MM-DD. Press Enter for the date shown, "
             "or type skip.", form="YYYY-MM-DD",
        why="The report is dated with it, so that a later assessment can be set beside it."),
    "assessor": QuestionWording(
        "assessor", "Who is making this assessment (the assessor)?",
        help="Your name, as the consultant or facilitator. Press Enter to skip.",
        why="The report says who made the assessment, for anyone who reads it later."),
    "respondent.name": QuestionWording(
        "respondent.name", "Who is answering these questions (the respondent)?",
        help="The name of the person across the table, e.g. Dana Reyes. Press Enter to skip.",
        why="Several people may answer for one unit: their answers are combined, and where "
            "they disagree the diagnosis says who said what."),
    "respondent.role": QuestionWording(
        "respondent.role", "On which side does the respondent sit?",
        labels=(("business", "the business (a customer of IT)"),
                ("it", "IT, the provider"),
                ("brm", "business relationship management"),
                ("other", "another side")),
        synonyms=(("the business", "business"), ("business side", "business"),
                  ("customer", "business"), ("information technology", "it"),
                  ("the provider", "it"), ("provider", "it"), ("tech", "it"),
                  ("business relationship manager", "brm"), ("relationship manager", "brm"),
                  ("neither", "other")),
        why="The business and the provider often see the relationship differently: each "
            "side's answers are kept apart so that the difference shows."),
}
"""How the engagement questions are asked when the pack words them not."""

FORMS = {"date": "YYYY-MM-DD", "date-time": "YYYY-MM-DDThh:mm:ssZ", "time": "hh:mm:ss",
         "email": "name@example.org", "uri": "https://example.org/page"}
"""The form a text answer takes, by the facts schema's `format`, when the pack names none."""


def normal(word: str) -> str:
    """A word as answers are compared (see `QuestionWording.normal`)."""
    return QuestionWording.normal(word)


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
    reason: str | None = None  # why the question matters, in the client's words (pack `why`)
    form: str | None = None  # the form a text answer takes, e.g. "YYYY-MM-DD"
    synonyms: Mapping[str, str] = {}  # a word's normal form -> the choice it stands for
    not_offered: Mapping[str, str] = {}  # a word's normal form -> why it is not a choice here
    dimension: str | None = None  # the dimension it belongs to (a dimensioned pack), or none
    default: str | None = None  # what an empty answer stands for (shown), e.g. today's date
    minimum: float | None = None  # a number's bounds (the field's), when it has them
    maximum: float | None = None

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
            low, high = self.minimum, self.maximum
            return f"{low}-{high}" if low is not None and high is not None else "a number"
        if self.kind == "choice":
            return f"1-{len(self.choices)} or a name"
        if self.kind == "text" and self.form:
            return self.form + (f", Enter: {self.default}" if self.default else "")
        return _HINTS[self.kind]

    def choice_for(self, word: str) -> str | None:
        """The choice a word names: the choice itself or one of its synonyms, in any case,
        with spaces, hyphens or underscores alike."""
        key = normal(word)
        for choice in self.choices:
            if normal(choice) == key:
                return choice
        return self.synonyms.get(key)


_HINTS = {"choices": "numbers or names separated by commas, or none", "boolean": "yes or no",
          "text": "text"}


def questions_for(pack: RulePack, *, engagement: bool = False) -> list[InterviewQuestion]:
    """Every fact the interview asks: required ones and those the rules test, in the pack's
    question order, then the schema's; for one file of an engagement, also the business unit,
    the date, the assessor and the respondent (those the facts schema has), right after the
    organization."""
    fields = pack.fields
    identity = [p for p in ENGAGEMENT if p in fields] if engagement else []
    wording = {**{p: ENGAGEMENT_WORDING[p] for p in identity},
               **{q.fact: q for q in pack.questions}}
    wanted = _wanted(pack, set(wording))
    ordered = [q.fact for q in pack.questions if q.fact in wanted]
    ordered += [p for p in wanted if p not in ordered]
    if identity:
        ordered = _engagement_first(ordered, identity)
    asked = [_question(fields[path], wording.get(path)) for path in ordered]
    if not pack.dimensions:
        return asked
    dimensions = question_dimensions(pack, [q.path for q in asked])
    place = {d.id: index for index, d in enumerate(pack.dimensions, start=1)}
    grouped = [q._replace(dimension=dimensions.get(q.path)) for q in asked]
    return sorted(grouped, key=lambda q: place.get(q.dimension or "", 0))


def _engagement_first(ordered: list[str], engagement: list[str]) -> list[str]:
    """The engagement questions right after the organization (first, without one)."""
    rest = [p for p in ordered if p not in engagement]
    at = rest.index("organization") + 1 if "organization" in rest else 0
    return rest[:at] + engagement + rest[at:]


def question_dimensions(pack: RulePack, paths: list[str]) -> dict[str, str]:
    """The dimension of each fact that has one: the wording's ``dimension``, else the one
    dimension whose criteria use the fact (through derived facts), when exactly one does."""
    named = {q.fact: q.dimension for q in pack.questions if q.dimension}
    deps = Dependencies(pack)
    using: dict[str, set[str]] = {}
    for criterion in pack.criteria:
        dimension = pack.level(criterion.level).dimension
        if dimension and not criterion.rollup:
            for path in deps.fields[criterion.id]:
                using.setdefault(path, set()).add(dimension)
    found = {}
    for path in paths:
        if path in named:
            found[path] = named[path]
        elif len(using.get(path, ())) == 1:
            found[path] = next(iter(using[path]))
    return found


def _wanted(pack: RulePack, worded: set[str]) -> list[str]:
    """The facts asked about, in the schema's order."""
    tested = tested_paths(pack) | worded | {TARGET}
    return [path for path, field in pack.fields.items() if field.required or path in tested]


def _question(field: Field, wording: QuestionWording | None) -> InterviewQuestion:
    """The question about `field`: its kind, choices and bounds as the fact-field table has
    them, in the pack's words when it words it (else the field's description)."""
    kind, choices = _shape(field)
    description = field.description
    text = wording.ask if wording else (description or field.path)
    help_text = wording.help if wording and wording.help else description
    labels = dict(wording.labels) if wording else {}
    synonyms = {normal(word): value for word, value in wording.synonyms} if wording else {}
    form = (wording.form if wording else None) or FORMS.get(str(field.schema.get("format")))
    return InterviewQuestion(field.path, text, help_text, kind, choices, labels,
                             field.required, field.schema, wording.why if wording else None,
                             form, synonyms, minimum=field.minimum, maximum=field.maximum)


def _shape(field: Field) -> tuple[str, tuple[str, ...]]:
    """The kind of answer a fact takes, and its choices (as text)."""
    if field.kind == "list":
        return "choices", tuple(map(str, field.choices))
    if field.choices:
        return "choice", tuple(map(str, field.choices))
    if field.kind in ("boolean", "integer", "number"):
        return field.kind, ()
    return "text", ()


def target_question(question: InterviewQuestion, pack: RulePack, above: int,
                    diagnosed: str | None = None) -> InterviewQuestion:
    """The target question offering only the levels ranked above `above`: the level the facts
    reach, named in the question (`diagnosed`), or the floor when it is asked before the facts
    (a target at the floor is no target). The levels' names are understood as answers; a level
    not offered is refused with the reason."""
    offered = [level for level in pack.levels
               if level.rank > above and level.id in question.choices]
    left = [level for level in pack.levels if level.rank <= above]
    choices = tuple(level.id for level in offered)
    labels = {level.id: question.labels.get(level.id, level.name) for level in offered}
    synonyms = {normal(level.name): level.id for level in offered}
    synonyms.update({word: value for word, value in question.synonyms.items()
                     if value in choices})
    refusals = {}
    for level in left:
        reason = _not_offered(level.name, level.rank == above, diagnosed, pack.levels[0].name)
        words = [level.id, level.name, *(w for w, v in question.synonyms.items()
                                         if v == level.id)]
        refusals.update({normal(word): reason for word in words})
    text = TARGET_AFTER_DIAGNOSIS.format(level=diagnosed) if diagnosed else question.text
    return question._replace(text=text, choices=choices, labels=labels, synonyms=synonyms,
                             not_offered=refusals)


def _not_offered(name: str, current: bool, diagnosed: str | None, floor: str) -> str:
    """Why a level is not offered as a target."""
    if diagnosed is None:
        return (f"{floor} is the floor of the model, where every organization starts: a "
                "target is a level above it")
    where = "is where" if current else f"is below {diagnosed}, where"
    return f"{name} {where} the organization is now: a target is a level above it"


def field_question(pack: RulePack, path: str) -> InterviewQuestion:
    """The question about one fact of the pack's facts schema, in the pack's words when it
    words it (whether or not the interview asks it)."""
    wording = {q.fact: q for q in pack.questions}.get(path)
    return _question(pack.fields[path], wording)
