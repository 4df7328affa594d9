"""Rule packs: the knowledge as typed, immutable objects (`packs.loader` builds them).

A pack is one framework: its levels (a staged ladder), derived facts, criteria,
recommendations, findings and interview wording, each with a stable id and the source it rests
on, and the facts schema its rules read (as a `FieldTable`).

A pack may rate several dimensions, each on a staged ladder of its own (demand and supply; the
business's view and the provider's), with the overall ladder (`levels`) computed from them by a
declared roll-up. A pack without dimensions is one implicit dimension: its overall ladder.
Level ids are unique across every ladder of a pack, so a level id says which ladder it is on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .conditions import Condition
from .fields import Field, FieldTable

PACK_FILE = "pack.yaml"

IMPACT_ORDER = {"high": 3, "medium": 2, "low": 1}
"""Recommendations of one level come out by impact, highest first."""
SEVERITY_ORDER = {"critical": 3, "warning": 2, "info": 1}
"""Findings come out by severity, most severe first (then in the pack's order)."""


class Source(NamedTuple):
    id: str
    title: str
    author: str | None = None
    date: str | None = None
    note: str | None = None


class Level(NamedTuple):
    id: str
    rank: int  # its place on its own ladder, 1 for the floor
    name: str
    summary: str
    source: str
    engagement: str | None = None
    measures_of_success: str | None = None
    dimension: str = ""  # the dimension whose ladder it is on; "" for the overall ladder


class Dimension(NamedTuple):
    """One dimension a pack rates on a staged ladder of its own."""

    id: str
    name: str
    summary: str
    source: str
    levels: tuple[Level, ...]


ROLLUPS = ("lowest", "table", "none")
"""How the overall level is computed from the dimensions' levels: the lowest of them (each
overall level needs every dimension at the level of the same rank), a table that names, for
each overall level, the level each dimension needs, or not at all (the overall ladder is then
one level saying so)."""


class DerivedFact(NamedTuple):
    id: str
    text: str
    when: Condition
    source: str


class Criterion(NamedTuple):
    id: str
    level: str
    text: str
    when: Condition
    source: str
    quote: str | None = None
    rollup: bool = False  # written by the loader from the pack's roll-up, not by its author


class Recommendation(NamedTuple):
    id: str
    level: str
    addresses: tuple[str, ...]
    action: str
    impact: str
    source: str
    rationale: str | None = None
    when: Condition | None = None


class Finding(NamedTuple):
    id: str
    severity: str
    message: str
    when: Condition
    source: str


class QuestionWording(NamedTuple):
    """How the interview asks for one fact (the pack's wording; defaults come from the schema):
    the question, help on how to answer, why it matters in the client's words, the form a text
    answer takes, a label per allowed value, and other words an allowed value may be given in.
    """

    fact: str
    ask: str
    help: str | None = None
    labels: tuple[tuple[str, str], ...] = ()  # (allowed value, label)
    why: str | None = None  # why the question matters, for the client
    form: str | None = None  # the form of a text answer, e.g. "YYYY-MM-DD"
    synonyms: tuple[tuple[str, str], ...] = ()  # (word, the allowed value it stands for)
    dimension: str | None = None  # the dimension it belongs to, for grouping questions

    @staticmethod
    def commands() -> dict[str, str]:
        """Words the interview reads as commands at any question, never as answers (compared
        in lower case, spaces collapsed), and what each does."""
        return {"?": "why", "why": "why", "??": "why more", "why more": "why more",
                "help": "help", "back": "back", "q": "quit", "quit": "quit", "exit": "quit",
                "skip": "skip", "-": "skip"}

    @staticmethod
    def empty_list_words() -> tuple[str, ...]:
        """Words a question whose answer is a list reads as the empty list."""
        return ("none", "[]")

    @staticmethod
    def normal(word: str) -> str:
        """A word as answers and synonyms are compared: lower case, with spaces, hyphens and
        underscores alike (``Service-Levels`` and ``service_levels`` are one word)."""
        return " ".join(word.lower().replace("_", " ").replace("-", " ").split())

    @staticmethod
    def synonym_problem(word: str, value: str, values: Mapping[str, str],
                        taken: Mapping[str, str], *, is_list: bool) -> str | None:
        """Why `word` cannot stand for `value` (None when it can): it has nothing to type, it
        would be read as a choice's number or as a command, holds the comma that separates
        answers, is itself another allowed value, or already stands for another one.
        `values` and `taken` map the normal form of the allowed values and of the synonyms
        accepted so far to the value each stands for."""
        key = QuestionWording.normal(word)
        commands = set(QuestionWording.commands())
        commands |= set(QuestionWording.empty_list_words()) if is_list else set()
        problems = (
            (not key, "has no letter or digit to type"),
            (key.isdigit(), "would be read as the number of a choice"),
            ("," in word, "holds a comma, which separates the answers to a list"),
            (key in commands or word.strip().lower() in commands,
             "is a word the interview reads as a command"),
            (values.get(key, value) != value,
             f"is itself the allowed value {values.get(key)!r}, so it cannot also stand for "
             f"{value!r}"),
            (taken.get(key, value) != value,
             f"is given for both {taken.get(key)!r} and {value!r}: a synonym stands for one "
             "value only"),
        )
        return next((f"{word!r} {reason}" for refused, reason in problems if refused), None)


class DevelopmentStep(NamedTuple):
    """What takes a BRM's rating of one competency up to `to` from the step below."""

    competency: str  # the rating's field name in the ratings group (e.g. communication)
    to: int
    action: str
    source: str


class TeamPolicy(NamedTuple):
    """How a pack reads a team of BRMs (its `team:` section): the practice's rating of each
    competency follows from the BRMs' own by `aggregation`; a BRM holds a competency from the
    rating `holds`; one BRM serves at most `span` business units well."""

    ratings: str  # the facts group of competency ratings (practice and each BRM)
    competencies: tuple[tuple[str, str], ...]  # (field name, label), in the schema's order
    aggregation: str  # one of AGGREGATIONS
    holds: int
    span: int | None
    scale: tuple[str, ...]  # the rating steps' names from 0 up (may be empty)
    source: str
    development: tuple[DevelopmentStep, ...] = ()

    def step_name(self, rating: int) -> str:
        """A rating with its step's name: "3 (application)"."""
        if 0 <= rating < len(self.scale):
            return f"{rating} ({self.scale[rating]})"
        return str(rating)

    def label(self, competency: str) -> str:
        for name, label in self.competencies:
            if name == competency:
                return label
        return competency

    def actions(self, competency: str, current: int, needed: int) -> tuple[DevelopmentStep, ...]:
        """The development steps from a rating of `current` up to `needed`, in order."""
        return tuple(sorted((step for step in self.development
                             if step.competency == competency and current < step.to <= needed),
                            key=lambda step: step.to))


AGGREGATIONS = ("median", "lowest", "highest")


class RulePack(NamedTuple):
    """One framework's knowledge, loaded and checked."""

    id: str
    name: str
    version: str
    description: str
    sources: tuple[Source, ...]
    levels: tuple[Level, ...]
    attainment: str
    derived: tuple[DerivedFact, ...]
    criteria: tuple[Criterion, ...]
    recommendations: tuple[Recommendation, ...]
    findings: tuple[Finding, ...]
    fields: FieldTable
    ranks: Mapping[str, int]  # level id -> rank: the one level index
    location: str = ""
    content_hash: str = ""
    questions: tuple[QuestionWording, ...] = ()
    dimensions: tuple[Dimension, ...] = ()
    rollup: str = ""  # one of ROLLUPS when the pack has dimensions
    unit_rollup: str = "lowest"  # how an organization's level follows from its units'
    team: TeamPolicy | None = None  # how the BRMs listed in the facts are read, if at all

    @property
    def facts_schema(self) -> Mapping[str, Any]:
        """The JSON Schema facts are validated against."""
        return self.fields.schema

    @property
    def fact_paths(self) -> Mapping[str, Field]:
        """The fields a rule may test, by dotted path."""
        return self.fields.testable

    def level(self, level_id: str) -> Level:
        """A level of any ladder by id (KeyError when the pack has none of that id)."""
        return self.ladder(level_id)[self.ranks[level_id] - 1]

    def rank(self, level_id: str) -> int:
        """A level's place on its ladder, 1 for the floor (KeyError for an unknown id)."""
        return self.ranks[level_id]

    @property
    def ladders(self) -> tuple[tuple[str, tuple[Level, ...]], ...]:
        """Every ladder: the overall one ("") first, then each dimension's, as declared."""
        return (("", self.levels), *((d.id, d.levels) for d in self.dimensions))

    @property
    def all_levels(self) -> tuple[Level, ...]:
        """The levels of every ladder, the overall one first."""
        return tuple(level for _, levels in self.ladders for level in levels)

    def ladder(self, level_id: str) -> tuple[Level, ...]:
        """The ladder a level is on (KeyError for an unknown id)."""
        rank = self.ranks[level_id]
        for _, levels in self.ladders:
            if rank <= len(levels) and levels[rank - 1].id == level_id:
                return levels
        raise KeyError(level_id)

    def dimension(self, dimension_id: str) -> Dimension:
        """A dimension by id (KeyError when the pack has none of that id)."""
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def criteria_of(self, level_id: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.level == level_id)

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)
