"""The BRMs of the practice, asked one by one (``brm interview --team``): each BRM's name (or an
anonymous label), the business units served, a role, then a rating of each competency; an empty
name (or ``done``) ends the list. The practice's competency ratings then follow from the BRMs'
by the pack's team aggregation, so the practice-level rating questions are not asked.

A BRM's questions are about the fact paths ``brms[0].name``, ``brms[0].units``, ``brms[0].role``
and ``brms[0].competencies.communication`` (the BRM's place in the list, from 0: a name can
change when the user goes back to it); ``brms[N].name`` past the last BRM is the question that
adds one or ends the list. What is answered is the facts' ``brms`` list itself; the questions
skipped are kept in the interview's record with the others, and where the BRMs' questions
stopped (the question to ask next, or ``done``) in its ``team`` field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import BrmError
from ..inputs.schema_check import SchemaValidator
from ..packs.model import RulePack, TeamPolicy
from ..present.words import plural
from ..team.roster import TEAM_LIST, team_issues
from .answers import SKIP_WORDS, AnswerError, free_text, parse_answer
from .questions import InterviewQuestion, field_question

DONE = "done"
"""The record's `team` when the list of BRMs is complete, and the word that completes it."""

END_WORDS = ("", DONE, "no more")
"""Answers to a new BRM's name that end the list."""

HEADING = "The BRMs"
"""The heading the BRMs' questions are asked under."""

_PATH = re.compile(rf"{TEAM_LIST}\[(?P<index>[0-9]+)\]\.(?P<field>.+)")

AGGREGATION_WORDS = {"median": "the middle one of the BRMs' ratings",
                     "lowest": "the lowest of the BRMs' ratings",
                     "highest": "the highest of the BRMs' ratings"}


class NoTeamError(BrmError):
    """The BRMs were asked for with a pack whose facts cannot list them (it has no team)."""

    def __init__(self, pack_id: str) -> None:
        self.pack_id = pack_id
        super().__init__(f"the facts of the pack {pack_id} cannot list BRMs (it reads no team)")


def team_path(path: str) -> bool:
    """Whether a question's path is one of a BRM's (``brms[0].role``)."""
    return _PATH.fullmatch(path) is not None


def _parts(path: str) -> tuple[int, str]:
    match = _PATH.fullmatch(path)
    if match is None:  # pragma: no cover - only the team's own paths come here
        raise ValueError(path)
    return int(match["index"]), match["field"]


def _path(index: int, field: str) -> str:
    return f"{TEAM_LIST}[{index}].{field}"


class TeamInterview:
    """The BRMs answered so far and the question to ask next about them.

    Like the interview's own questions, a BRM's question is settled once answered or skipped,
    unless the user went back to it (`reopen`); the next question is the one gone back to, else
    the first not settled, in the list's order. `unit` (one file of an engagement) is the unit
    every BRM asked about serves: their units are not asked then."""

    def __init__(self, pack: RulePack, policy: TeamPolicy,
                 practice: Mapping[str, InterviewQuestion], listed: Any = None,
                 skipped: Iterable[str] = (), position: str | None = None) -> None:
        self.pack = pack
        self.policy = policy
        self._practice = practice  # the practice-level competency questions, by competency
        items = listed if isinstance(listed, list) else []
        self.entries: list[dict[str, Any]] = [dict(item) for item in items
                                              if isinstance(item, Mapping)]
        self.skipped: list[str] = [p for p in skipped if team_path(p)]
        self.done = position == DONE
        self.reopened: set[str] = set()
        self.unit: str | None = None
        if position is not None and position != DONE and team_path(position) \
                and self.value(position) is not None:
            self.reopened.add(position)  # stopped while changing this answer: asked again
        item_schema = pack.fields[TEAM_LIST].schema.get("items", {})
        self._schemas: Mapping[str, Any] = item_schema.get("properties", {})

    # --- the questions ------------------------------------------------------------------------

    def fields(self, index: int) -> list[str]:
        """A BRM's questions, in the order asked (the units not asked when `unit` is known)."""
        ratings = [f"{self.policy.ratings}.{name}" for name, _ in self.policy.competencies]
        units = [] if self.unit else ["units"]
        return ["name", *units, "role", *ratings]

    def sequence(self) -> list[str]:
        """Every BRM question: each listed BRM's, then the next BRM's name (or the end)."""
        paths = [_path(i, field) for i in range(len(self.entries)) for field in self.fields(i)]
        return [*paths, self.end_path]

    @property
    def end_path(self) -> str:
        return _path(len(self.entries), "name")

    def value(self, path: str) -> Any:
        """The answer given to a BRM question (None: none, or skipped)."""
        index, field = _parts(path)
        if index >= len(self.entries):
            return None
        entry: Any = self.entries[index]
        for part in field.split("."):
            entry = entry.get(part) if isinstance(entry, Mapping) else None
        return entry

    def settled(self, path: str) -> bool:
        if path in self.reopened:
            return False
        if path == self.end_path:
            return self.done
        return self.value(path) is not None or path in self.skipped

    def next_path(self) -> str | None:
        """The BRM question to ask now; None when the list is complete."""
        order = self.sequence()
        again = [p for p in order if p in self.reopened]
        if again:
            return again[0]
        return next((p for p in order if not self.settled(p)), None)

    def answered(self) -> int:
        """BRM questions answered or skipped (the end of the list included), not reopened."""
        return sum(1 for p in self.sequence() if p not in self.reopened and self.settled(p))

    def remaining(self) -> int:
        """BRM questions still to ask that are known now: the current BRM's, and a name."""
        return sum(1 for p in self.sequence() if not self.settled(p))

    def position(self) -> str | None:
        """What the record keeps: the question to ask next, or `DONE`."""
        return self.next_path() or DONE

    def question(self, path: str) -> InterviewQuestion:
        index, field = _parts(path)
        if field == "name":
            return self._name_question(path, index, index < len(self.entries))
        name = self.name(index)
        if field == "units":
            return self._text_question(
                path, f"Which business units does {name} serve?", "units",
                "The units' names, separated by commas (Retail, Online). Press Enter to skip.")
        if field == "role":
            return self._text_question(
                path, f"What is {name}'s role or title?", "role",
                "For example senior BRM, or BRM. Press Enter to skip.")
        return self._rating_question(path, field, name)

    def name(self, index: int) -> str:
        """A listed BRM's name (a label by place when the file gives none yet)."""
        name = self.entries[index].get("name")
        return name if isinstance(name, str) and name else f"BRM {index + 1}"

    def _name_question(self, path: str, index: int, listed: bool) -> InterviewQuestion:
        serving = f" serving {self.unit}" if self.unit else ""
        which = "the first" if index == 0 else "the next"
        text = (f"Who is {which} BRM{serving}? A name, or a label such as BRM {index + 1}"
                + ("" if listed else "; Enter or done when there is no other"))
        help_text = (f"The BRM's name, or a label (BRM {index + 1}) when people should stay "
                     "anonymous. The units they serve, their role and their rating of each "
                     "competency are asked next. "
                     + ("Enter keeps the name." if listed
                        else "Press Enter or type done when every BRM is listed."))
        schema = self._schemas.get("name", {"type": "string"})
        return InterviewQuestion(path, text, help_text, "text", (), {}, True, schema,
                                 self.reason_text(), None)

    def _text_question(self, path: str, text: str, key: str, help_text: str
                       ) -> InterviewQuestion:
        schema = self._schemas.get(key, {})
        return InterviewQuestion(path, text, help_text, "text", (), {}, False, schema,
                                 self.reason_text(key), None)

    def _rating_question(self, path: str, field: str, name: str) -> InterviewQuestion:
        competency = field.rpartition(".")[2]
        practice = self._practice.get(competency) or field_question(
            self.pack, f"{self.policy.ratings}.{competency}")
        wording = practice.text.partition(": ")[2] if ": " in practice.text \
            else self.policy.label(competency)
        scale = ", ".join(f"{rating} {step}" for rating, step in enumerate(self.policy.scale))
        help_text = (f"{scale}. Press Enter to skip." if scale else practice.help)
        return practice._replace(path=path, text=f"{name}'s rating: {wording}",
                                 help=help_text, required=False, dimension=None,
                                 reason=self.reason_text(competency, practice.reason))

    def reason_text(self, about: str | None = None, pack_why: str | None = None) -> str:
        """Why a BRM's profile is asked, for the client: from the pack's team section (how the
        practice's ratings follow from the BRMs', from which step a BRM holds a competency,
        the span of units one BRM serves well, the development steps)."""
        policy = self.policy
        steps = policy.scale
        holds = (f"{steps[policy.holds]} ({policy.holds})" if 0 <= policy.holds < len(steps)
                 else f"a rating of {policy.holds}")
        profiles = ("Rating each BRM on their own shows who holds what: the practice's rating "
                    f"is {AGGREGATION_WORDS.get(policy.aggregation, policy.aggregation)}, "
                    f"a competency that only one BRM holds (from {holds}) is at risk if they "
                    "leave, and each BRM gets what to develop first"
                    + (" with the steps that take them there." if policy.development else "."))
        if about == "units":
            span = (f" One BRM serves at most {plural(policy.span, 'unit')} well."
                    if policy.span else "")
            return ("A unit whose BRMs are all below what the next level needs is held back "
                    f"however strong the others are.{span} " + profiles)
        if about == "role":
            return "The role is shown beside the BRM's profile in the report. " + profiles
        if about is not None and pack_why:
            return f"{pack_why.strip()} {profiles}"
        return ("A team of one brilliant communicator and three newcomers can read the same "
                "as four solid all-rounders when the practice is rated as a whole. " + profiles)

    def practice_path(self, path: str) -> str | None:
        """The practice's rating a BRM's rating counts towards (None for name, units, role)."""
        field = _parts(path)[1]
        return field if field.startswith(f"{self.policy.ratings}.") else None

    # --- the answers --------------------------------------------------------------------------

    def parse(self, question: InterviewQuestion, raw: str) -> Any:
        """The value an answer to a BRM question stands for (None: skipped, or the end of the
        list for a new BRM's name); `AnswerError` with the reason when refused. Asked again
        after `back`, an empty answer keeps the one given before."""
        path = question.path
        if not raw.strip() and path in self.reopened:
            return DONE if path == self.end_path else self.value(path)
        if not free_text(question) and "#" in raw:
            raise AnswerError("no evidence is kept for a BRM's answers: give the answer "
                              "without # and the note")
        index, field = _parts(path)
        if field == "name":
            return self._name(question, index, raw)
        if field == "units":
            return self._units(question, raw)
        return parse_answer(question, raw)

    def _name(self, question: InterviewQuestion, index: int, raw: str) -> str:
        text = raw.strip()
        if text.lower() in END_WORDS:
            if index >= len(self.entries):
                return DONE
            raise AnswerError(f"{self.name(index)} stays in the list: give a name or a label "
                              "(Enter keeps the name)")
        value = str(parse_answer(question, text))
        others = [{"name": self.name(i)} for i in range(len(self.entries)) if i != index]
        probe = {TEAM_LIST: [*others[:index], {"name": value}, *others[index:]]}
        issues = team_issues(probe)
        if issues:
            issue = issues[0]
            raise AnswerError(issue.message + (f"; allowed: {issue.allowed}"
                                               if issue.allowed else ""))
        return value

    def _units(self, question: InterviewQuestion, raw: str) -> list[str] | None:
        if raw.strip().lower() in SKIP_WORDS:
            return None
        units = [part.strip() for part in raw.split(",") if part.strip()]
        twice = sorted({u for u in units if units.count(u) > 1})
        if twice:
            raise AnswerError(f"{', '.join(twice)} given twice")
        issues = SchemaValidator(question.schema).issues(units)
        if issues:
            issue = issues[0]
            raise AnswerError(issue.message + (f"; allowed: {issue.allowed}"
                                               if issue.allowed else ""))
        return units

    def record(self, path: str, value: Any) -> None:
        """Keep an accepted answer (None: skipped; `DONE`: the list is complete)."""
        self.reopened.discard(path)
        index, field = _parts(path)
        if path == self.end_path:
            if value == DONE:
                self.done = True
                return
            self.entries.append({"name": value, **({"units": [self.unit]} if self.unit
                                                   else {})})
            self.done = False
            return
        entry = self.entries[index]
        *groups, key = field.split(".")
        for group in groups:
            entry = entry.setdefault(group, {})
        if value is None:
            entry.pop(key, None)
            if path not in self.skipped:
                self.skipped.append(path)
        else:
            entry[key] = value
            if path in self.skipped:
                self.skipped.remove(path)

    def reopen(self, path: str) -> None:
        self.reopened.add(path)

    def previous(self, path: str) -> str | None:
        """The BRM question settled last before `path` (None: it is the first one)."""
        order = self.sequence()
        before = order[:order.index(path)] if path in order else order
        return next((p for p in reversed(before) if self.settled(p)), None)

    # --- the document -------------------------------------------------------------------------

    def listed(self) -> list[dict[str, Any]]:
        """The facts' `brms` list: each BRM's name, role, units and ratings, in that order."""
        ratings = self.policy.ratings
        found = []
        for entry in self.entries:
            item: dict[str, Any] = {key: entry[key] for key in ("name", "role", "units")
                                    if key in entry}
            item.update((k, v) for k, v in entry.items() if k not in (*item, ratings))
            given = entry.get(ratings)
            if isinstance(given, Mapping) and given:
                item[ratings] = {name: given[name] for name, _ in self.policy.competencies
                                 if name in given}
                item[ratings].update((k, v) for k, v in given.items() if k not in item[ratings])
            found.append(item)
        return found
