"""One interview in progress: which question comes next (in quick mode, only those whose answer
can still change the diagnosis), numbered among those it will ask; the answers, skips and
questions not asked, and the file they are saved in after every answer; going back to change an
answer; the target asked last, about the levels above the one the facts reach. Terminal input
and output live in the CLI: this object is the whole interview without a terminal.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from ..errors import BrmError, DocumentError, Issue
from ..inputs.facts import Facts
from ..inputs.paths import json_path, value_at
from ..inputs.schema_check import SchemaValidator
from ..team.roster import TEAM_LIST
from .advice import Effect, Reason, Why, reason, still_matter, why
from .answers import (
    AnswerError,
    command,
    flatten,
    free_text,
    misplaced_mark,
    nest,
    parse_answer,
    split_evidence,
    taken_as,
    without,
)
from .closing import Closing, closing
from .questions import (
    IDENTITY,
    NEEDS,
    TARGET,
    InterviewQuestion,
    questions_for,
    target_question,
)
from .savefile import InterviewRecord, SavedFile
from .savefile import save as save_file
from .team import DONE, HEADING, NoTeamError, TeamInterview, team_path

if TYPE_CHECKING:
    from ..inference.advisor import Advisor
    from ..inference.diagnosis import Diagnosis
    from ..packs.model import RulePack


class OtherPackError(BrmError):
    """A saved interview made with another pack than the one in use: continuing it would mix
    two packs' facts in one file."""

    def __init__(self, source: str, record: InterviewRecord, pack_id: str) -> None:
        self.source = source
        self.record = record
        self.pack_id = pack_id
        super().__init__(f"{source} holds an interview for the pack {record.pack} "
                         f"{record.version}, not for {pack_id}; it was left as it was")


class Turn(NamedTuple):
    """The question to ask now.

    `number` counts the questions this interview asks (those answered or skipped, earlier
    sessions included, then this one); `total` is that count plus the questions still to ask,
    worked out again at every turn: in quick mode an answer can make other questions pointless,
    and `back` can make them matter again. So the number goes up one at a time and is never
    above the total."""

    number: int
    total: int
    question: InterviewQuestion
    before: str | None = None  # shown before the question: the diagnosis, before the target
    again: bool = False  # asked again after `back`: an empty answer keeps `current`
    current: Any = None  # the answer given before (None: skipped or none)
    heading: str | None = None  # the group it opens: a dimension's name, or OVERALL after one


OVERALL = "Overall"
"""The heading of questions of no dimension asked after a dimension's (the target, last)."""

EVIDENCE = "evidence"
"""The facts' mapping of evidence by field path (in packs whose facts schema has it)."""

DATED = "assessed_on"
"""The date of the assessment: an empty answer takes today's date (shown as the default)."""


class Interview:
    """The questions of one pack, asked in order, with the answers so far.

    Started afresh, or from a `SavedFile` (`resumed`): every field that file holds is kept in
    what is saved, whether the interview asks about it or not; the answers it already gives
    are not asked again, nor the questions it lists as skipped. Questions an earlier quick
    interview did not ask are asked (in quick mode: if they can matter by now). With `save_to`,
    the answers are saved after each one (`answer`, `record`) and on demand (`save`); while
    questions are open, the file's header says how to continue it in the words of
    `continue_with` (given the file's path: the front end's command, say), if given.

    Without quick mode the target level comes last, once the facts are in, offering only the
    levels above the one they reach (not asked at the top level); in quick mode it comes in the
    pack's order, where it sets what else is asked, and never offers the floor level.
    """

    Turn: TypeAlias = Turn
    Reason: TypeAlias = Reason
    Closing: TypeAlias = Closing
    """The types of what an interview hands out (``Interview.Turn``...), for its callers."""

    def __init__(self, advisor: Advisor, *, quick: bool = False,
                 resumed: SavedFile | None = None, save_to: Path | None = None,
                 today: date | None = None, engagement: bool = False,
                 team: bool = False,
                 continue_with: Callable[[Path], str] | None = None) -> None:
        self.advisor = advisor
        self.pack = advisor.pack
        self.quick = quick
        self.save_to = save_to
        self.continue_with = continue_with  # the saved file's note on how to go on, by path
        self.today = today or date.today()
        # one file of an engagement: asked for (or resumed from a file that names its
        # respondent), it asks the unit, the assessor and the respondent, and the date
        # defaults to today's; otherwise the questions are the facts' as always
        self.engagement = engagement or _names_its_respondent(resumed)
        asked = questions_for(self.pack, engagement=self.engagement)
        if self.engagement:
            asked = [_with_default(q, self.today) for q in asked]
        start = resumed if resumed is not None else SavedFile("<new interview>", {}, None)
        _check_resumable(start, self.pack.id, asked)
        record = start.record or InterviewRecord(self.pack.id, self.pack.version)
        # the BRMs, one by one (asked for, or resumed from an interview that asked for them):
        # the practice's ratings then follow from theirs, and are not asked
        practice: dict[str, InterviewQuestion] = {}
        if team or record.team is not None:
            asked, practice = _without_ratings(asked, self.pack)
        self.questions: tuple[InterviewQuestion, ...] = _asking_order(asked, quick)
        self._by_path = {q.path: q for q in self.questions}
        self._index = {q.path: i for i, q in enumerate(self.questions)}
        made_up = [p for p in record.not_asked if value_at(start.facts, p) == []]
        self._document: Mapping[str, Any] = without(start.facts, made_up)  # see _made_up
        kept = self._document.get(EVIDENCE)
        self.evidence: dict[str, Any] = dict(kept) if isinstance(kept, Mapping) else {}
        self.answers: dict[str, Any] = flatten(self._document, self._by_path)
        required = {q.path for q in self.questions if q.required}
        self.skipped: list[str] = [p for p in record.skipped if p not in self.answers
                                   and p not in required and not team_path(p)]
        self.team: TeamInterview | None = None  # the BRMs' questions (--team)
        if team or record.team is not None:
            assert self.pack.team is not None  # _without_ratings refused a pack without one
            self.team = TeamInterview(self.pack, self.pack.team, practice,
                                      self._document.get(TEAM_LIST), record.skipped,
                                      record.team)
        self._earlier_not_asked = [p for p in record.not_asked if p not in self.answers]
        self._left_out: list[str] = []  # not asked in this session: could not matter
        self._reopened: set[str] = set()  # to ask again (`back`), the answer kept till then
        self._history: list[str] = []  # the questions answered in this session, in order
        self._group: str | None = None  # the dimension of the last question handed out
        self._preset: set[str] = set()  # answered before the interview (options): not counted

    # --- the questions ------------------------------------------------------------------------

    def settled(self, path: str) -> bool:
        """Whether the fact needs no question now: answered, skipped, or left out as not
        mattering in this session (and not reopened by `back`)."""
        if path in self._reopened:
            return False
        return path in self.answers or path in self.skipped or path in self._left_out

    @property
    def not_asked(self) -> list[str]:
        """The questions left unanswered because they could not matter (in this session, or
        in an earlier quick one and not asked since)."""
        return [q.path for q in self.questions
                if q.path not in self.answers and q.path not in self.skipped
                and (q.path in self._left_out or q.path in self._earlier_not_asked)]

    @property
    def still_open(self) -> list[str]:
        """The questions neither answered, skipped nor left out as not mattering."""
        left = set(self.not_asked)
        return [q.path for q in self.questions if q.path not in self.answers
                and q.path not in self.skipped and q.path not in left]

    @property
    def asked(self) -> int:
        """Questions answered (or skipped) in this session."""
        return len(self._history)

    def open_required(self) -> list[InterviewQuestion]:
        """The required questions without an answer: until they have one, the facts are not
        complete and there is no diagnosis (nothing is made up in their place)."""
        return [q for q in self.questions if q.required and q.path not in self.answers]

    def pending(self) -> Iterator[Turn]:
        """The turns to ask, one at a time (`next_turn`), each to be answered (`answer`) or
        gone back from (`back`) before the next is drawn; when no question is left, the
        answers are saved (with the questions not asked since the last answer)."""
        while (turn := self.next_turn()) is not None:
            yield turn
        self.save()

    def next_turn(self) -> Turn | None:
        """The question to ask now, or None when the interview is over.

        In quick mode, whether a question can still matter is decided when its turn comes, on
        the answers given by then; those that cannot are noted as not asked and passed over
        (left unanswered: a required fact always matters, and so does a question gone back
        to). The target, asked last without quick mode, is passed over at the top level."""
        while True:
            waiting = [q for q in self.questions if not self.settled(q.path)]
            blocked = [q.path for q in waiting if q.path in NEEDS and self._blocked(q.path)]
            self._left_out += blocked
            waiting = [q for q in waiting if q.path not in blocked]
            if self.quick and waiting:
                matter = still_matter(self.advisor, waiting, self.answers) | self._reopened
                matter |= set(IDENTITY)  # they say whose answers these are: always asked
                for question in waiting:
                    if question.path in matter:
                        break
                    self._left_out.append(question.path)
                waiting = [q for q in waiting if q.path in matter]
            if self._team_now(waiting):
                return self._team_turn(len(waiting))
            if not waiting:
                return None
            turn = self._turn(waiting[0], len(waiting))
            if turn is not None:
                return turn
            self._left_out.append(waiting[0].path)  # the target, at the top level

    def _blocked(self, path: str) -> bool:
        """Whether a question waits in vain for the one it needs (a respondent's role, for
        their name): that one was skipped or not asked."""
        needed = NEEDS[path]
        return (needed in self._by_path and needed not in self.answers
                and self.settled(needed))

    def _done(self) -> int:
        """The questions answered or skipped (and not gone back to): the BRMs' too."""
        done = sum(1 for q in self.questions if q.path not in self._reopened
                   and q.path not in self._preset
                   and (q.path in self.answers or q.path in self.skipped))
        return done + (self.team.answered() if self.team is not None else 0)

    def _team_now(self, waiting: list[InterviewQuestion]) -> bool:
        """Whether the BRMs are asked about now: after the organization's facts, before the
        target."""
        return (self.team is not None and self.team.next_path() is not None
                and all(q.path == TARGET for q in waiting))

    def _team_turn(self, waiting: int) -> Turn:
        """The next BRM question (a new BRM's name, or one of a BRM's)."""
        team = self.team
        assert team is not None
        unit = self.answers.get("business_unit") if self.engagement else None
        team.unit = unit if isinstance(unit, str) else None
        path = team.next_path()
        assert path is not None
        heading = None
        if self._group != TEAM_LIST:
            self._group = TEAM_LIST
            heading = HEADING
        again = path in team.reopened
        current = (DONE if path == team.end_path else team.value(path)) if again else None
        done = self._done()
        return Turn(done + 1, done + waiting + team.remaining(), team.question(path), None,
                    again, current, heading)

    def _turn(self, question: InterviewQuestion, waiting: int) -> Turn | None:
        done = self._done()
        if self.team is not None:
            waiting += self.team.remaining()
        before = None
        if question.path == TARGET:
            target, before = self._target(question)
            if target is None:
                return None
            question = target
        return Turn(done + 1, done + waiting, question, before,
                    question.path in self._reopened, self.answers.get(question.path),
                    self._heading(question))

    def _heading(self, question: InterviewQuestion) -> str | None:
        """The heading a question opens: its dimension's name when the dimension changes from
        the question handed out before (`OVERALL` back to no dimension); None otherwise."""
        if question.dimension == self._group:
            return None
        self._group = question.dimension
        if question.dimension is None:
            return OVERALL
        return self.pack.dimension(question.dimension).name

    def _target(self, question: InterviewQuestion
                ) -> tuple[InterviewQuestion | None, str | None]:
        """The target question as it is asked now, and the diagnosis to show before it (None
        for the question at the top level: no level is above)."""
        diagnosis = None if self.quick else self._diagnosis()
        if diagnosis is None:  # quick mode, or facts that cannot be assessed (yet)
            return target_question(question, self.pack, above=1), None
        level = diagnosis.level
        if level.rank == len(self.pack.levels):
            return None, None
        sides = "; ".join(f"{d.name}: {d.level.name}" for d in diagnosis.dimensions)
        before = (f"With these answers, {diagnosis.organization} is at {level.name} "
                  f"(level {level.rank} of {len(self.pack.levels)})"
                  + (f"; {sides}." if sides else "."))
        return target_question(question, self.pack, level.rank, level.name), before

    def _diagnosis(self) -> Diagnosis | None:
        try:
            return self.advisor.assess(self.facts())
        except BrmError:  # a resumed file's field the schema refuses: said at the end
            return None

    def back(self, current: InterviewQuestion) -> InterviewQuestion | None:
        """Go back to the question answered before `current`, to change its answer: it is asked
        again next, and its answer is kept until a new one replaces it (an empty answer keeps
        it). Questions after it that quick mode passed over are decided again. None when there
        is no answer before this one to go back to."""
        path = self._history.pop() if self._history else self._previous(current)
        if path is None:
            return None
        if self.team is not None and team_path(path):
            self.team.reopen(path)
            return self.team.question(path)
        self._reopened.add(path)
        index = self._index[path]
        self._left_out = [p for p in self._left_out if self._index[p] < index]
        return self._by_path[path]

    def _previous(self, current: InterviewQuestion) -> str | None:
        """The last question before `current` answered or skipped (in an earlier session)."""
        if self.team is not None and team_path(current.path):
            earlier = self.team.previous(current.path)
            if earlier is not None:
                return earlier
        before = self.questions[:self._index.get(current.path, len(self.questions))]
        return next((q.path for q in reversed(before) if q.path not in self._reopened
                     and (q.path in self.answers or q.path in self.skipped)), None)

    def reason(self, question: InterviewQuestion) -> Reason:
        """Why the question matters, for the client: the pack's words and the criteria it
        feeds, in plain words, never ranking the answers. A BRM's rating feeds what the
        practice's rating of that competency feeds."""
        practice = self._practice_path(question)
        if practice is not None:
            question = question._replace(path=practice)
        return reason(self.pack, self.advisor.dependencies, question)

    def _practice_path(self, question: InterviewQuestion) -> str | None:
        """The practice's rating a BRM's rating counts towards (None: not a BRM's rating)."""
        if self.team is None or not team_path(question.path):
            return None
        return self.team.practice_path(question.path)

    def why(self, question: InterviewQuestion) -> Why:
        """For the consultant: the rules that use the fact, and what each answer would
        change."""
        if self.team is not None and team_path(question.path):
            return self._team_why(question)
        return why(self.advisor, question, self.answers)

    def _team_why(self, question: InterviewQuestion) -> Why:
        """For a BRM's rating: the criteria the practice's rating feeds, and what each rating
        of this BRM would change (the engine, on the BRMs so far); for a name, units or role:
        what the team's analysis does with them."""
        practice = self._practice_path(question)
        if practice is None:
            return Why(question.path, (), ("the team's profiles, findings and development "
                                           "plan",), (), ())
        base = why(self.advisor, question._replace(path=practice), {})
        where = f"{question.path} (through {practice})"
        return base._replace(path=where, effects=tuple(self._rating_effects(question, base)),
                             depends_on=())

    def _rating_effects(self, question: InterviewQuestion, base: Why) -> list[Effect]:
        assert self.team is not None
        using = [ident for ident, _, _ in base.criteria]
        low, high = question.schema.get("minimum", 0), question.schema.get("maximum", 4)
        index = int(question.path.split("[", 1)[1].split("]", 1)[0])
        competency = question.path.rpartition(".")[2]
        effects = []
        for value in range(int(low), int(high) + 1):
            data = copy.deepcopy(self.document())
            brm = data[TEAM_LIST][index]
            brm.setdefault(self.team.policy.ratings, {})[competency] = value
            try:
                diagnosis = self.advisor.assess(self.advisor.reader.from_data(data))
            except BrmError:
                return []  # the facts are not complete yet
            met = tuple(c for c in using if diagnosis.criterion(c).met)
            effects.append(Effect(value, met, tuple(c for c in using if c not in met)))
        return effects

    # --- the answers --------------------------------------------------------------------------

    @staticmethod
    def command(raw: str) -> str | None:
        """What a typed line asks for when it is a command: ``why``, ``why more``, ``help``,
        ``back`` or ``quit``; None when it is an answer."""
        return command(raw)

    def answer(self, question: InterviewQuestion, raw: str) -> Any:
        """Take a typed answer: checked (`AnswerError` with the reason when refused), then
        recorded and saved. Returns the value it stands for (None: skipped). Asked again after
        `back`, an empty answer keeps the one given before; otherwise an empty answer takes
        the question's default (today's date, for the date), and skip skips.

        Evidence may follow the answer after `` # `` (``advisory # seen in 3 BU minutes``):
        kept in the facts' ``evidence`` mapping under the question's path, added to the
        evidence given before (a list). Not read in free text, where `#` is content (see
        `split_evidence`); refused for a pack whose facts keep no evidence, and for a fact
        the evidence mapping does not take. A BRM's answers carry no evidence."""
        if self.team is not None and team_path(question.path):
            value = self.team.parse(question, raw)
            self.record(question, value)
            return value
        text, note = split_evidence(question, raw)
        try:
            value = self._value(question, text)
        except AnswerError as error:
            if note is None and misplaced_mark(question, raw):
                raise AnswerError(f"{error} (to record evidence, put a space on each side of "
                                  "#: advisory # seen in the minutes)") from None
            raise
        if note is not None:
            if value is None:
                raise AnswerError("evidence needs an answer to support: give the answer "
                                  "before # (advisory # seen in the minutes)")
            self.evidence = self._with_evidence(question.path, note)
        self.record(question, value)
        return value

    def _value(self, question: InterviewQuestion, text: str) -> Any:
        if not text.strip():
            if question.path in self._reopened:
                return self.answers.get(question.path)
            if question.default is not None:
                return parse_answer(question, question.default)
        return parse_answer(question, text)

    @staticmethod
    def evidence_in(question: InterviewQuestion, raw: str) -> str | None:
        """The evidence an answer line carries after `` # `` (None: none, or free text)."""
        try:
            return split_evidence(question, raw)[1]
        except AnswerError:
            return None

    def _with_evidence(self, path: str, note: str) -> dict[str, Any]:
        """The evidence mapping with `note` added for `path` (checked against the facts
        schema: `AnswerError` when the pack keeps no evidence, or none for this fact)."""
        field = self.pack.fields.get(EVIDENCE)
        if field is None:
            raise AnswerError("this pack's facts keep no evidence: give the answer without "
                              "' # ' and the note")
        before = self.evidence.get(path)
        if before is None:
            kept: Any = note
        else:
            items = list(before) if isinstance(before, list) else [before]
            texts = [i.get("text") if isinstance(i, Mapping) else i for i in items]
            kept = items if note in texts else [*items, note]
            kept = kept[0] if len(kept) == 1 else kept
        updated = {**self.evidence, path: kept}
        validator = SchemaValidator(field.schema)
        if validator.issues({path: note}):
            raise AnswerError(f"no evidence is kept for {path} (evidence supports the answers "
                              "the diagnosis rests on): give the answer without ' # ' and "
                              "the note")
        issues = validator.issues(updated)
        if issues:
            raise AnswerError(f"the evidence cannot be kept: {issues[0].message}"
                              + (f"; allowed: {issues[0].allowed}" if issues[0].allowed
                                 else ""))
        return updated

    def preset(self, path: str, raw: str) -> Any:
        """Give an answer before the interview starts (``--unit``, ``--respondent``): checked
        as a typed one, then not asked. `AnswerError` when the pack asks no such question, or
        the resumed file already gives another answer."""
        question = self._by_path.get(path)
        if question is None:
            raise AnswerError(f"the pack's facts have no {path}")
        value = parse_answer(question, raw)
        before = self.answers.get(path)
        if value is None:
            raise AnswerError(f"{path} needs a value")
        if before is not None and before != value:
            raise AnswerError(f"the file already gives {path}: {before!r}, not {value!r}")
        self.answers[path] = value
        self._preset.add(path)
        if path in self.skipped:
            self.skipped.remove(path)
        return value

    @property
    def keeps_evidence(self) -> bool:
        """Whether the pack's facts keep evidence (an answer may carry it after `` # ``)."""
        return EVIDENCE in self.pack.fields

    def takes_evidence(self, question: InterviewQuestion) -> bool:
        """Whether evidence may follow this question's answer after `` # `` (the pack's facts
        keep evidence, the answer is not free text, and not one of a BRM's)."""
        return (self.keeps_evidence and not free_text(question)
                and not (self.team is not None and team_path(question.path)))

    @staticmethod
    def free_text(question: InterviewQuestion) -> bool:
        """Whether an answer is free text, which keeps every `#` as typed (no evidence)."""
        return free_text(question)

    def asks(self, path: str) -> bool:
        """Whether the interview has a question about `path` (the pack's facts have it)."""
        return path in self._by_path

    def file_name(self) -> str | None:
        """A file name for the answers, from the organization, the unit and the respondent
        answered so far (``first-national-bank-retail-banking-dana-reyes.yaml``); None before
        the organization is known."""
        parts = [self.answers.get(p) for p in ("organization", "business_unit",
                                                "respondent.name")]
        if not isinstance(parts[0], str):
            return None
        slug = "-".join(_slug(p) for p in parts if isinstance(p, str) and _slug(p))
        return f"{slug or 'brm-interview'}.yaml"

    @staticmethod
    def taken_as(question: InterviewQuestion, raw: str, value: Any) -> str | None:
        """What an answer given in other words (a synonym) was taken as; None otherwise."""
        return taken_as(question, raw, value)

    def record(self, question: InterviewQuestion, value: Any) -> None:
        """Record an accepted value (None: skipped) and save."""
        path = question.path
        if self.team is not None and team_path(path):
            self.team.record(path, value)
            self._history.append(path)
            self.save()
            return
        self._reopened.discard(path)
        if value is None:
            if path in self.answers:  # an answer skipped when asked again: gone
                del self.answers[path]
                self._document = without(self._document, [path])
            if path not in self.skipped:
                self.skipped.append(path)
        else:
            self.answers[path] = value
            if path in self.skipped:
                self.skipped.remove(path)
        self._history.append(path)
        self.save()

    # --- the document -------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The facts document: the resumed file's fields, with the answers placed in it (and
        the evidence given with them)."""
        ordered = {q.path: self.answers[q.path] for q in self.questions
                   if q.path in self.answers}  # the questions' order, whatever came first
        data = nest(ordered, into=self._document)
        if self.team is not None:
            listed = self.team.listed()
            if listed:
                data[TEAM_LIST] = listed
            else:
                data.pop(TEAM_LIST, None)
        if self.evidence:
            data[EVIDENCE] = dict(self.evidence)
        return data

    def interview_record(self) -> InterviewRecord:
        if self.team is None:
            return InterviewRecord(self.pack.id, self.pack.version, tuple(self.skipped),
                                   tuple(self.not_asked))
        return InterviewRecord(self.pack.id, self.pack.version,
                               (*self.skipped, *self.team.skipped), tuple(self.not_asked),
                               self.team.position())

    def save(self) -> None:
        """Save the answers so far (nothing without `save_to`); raises `OSError` when the
        file cannot be written (a read-only file is refused, and left as it was)."""
        if self.save_to is not None:
            still_open = self.still_open
            if self.team is not None and self.team.next_path() is not None:
                still_open = [str(self.team.next_path()), *still_open]
            note = self.continue_with(self.save_to) if self.continue_with else None
            save_file(self.save_to, self.document(), self.interview_record(), still_open,
                      note)

    def facts(self) -> Facts:
        """The answers as validated facts (`InputError` when the resumed file held fields the
        facts schema refuses, or a required question is still open)."""
        source = str(self.save_to) if self.save_to is not None else "<interview>"
        return self.advisor.reader.from_data(self.document(), source)

    def summary(self, diagnosis: Diagnosis) -> Closing:
        """What to show at the end: the level, the target, the first actions; the unit and
        the respondent when answered."""
        name, role = self.answers.get("respondent.name"), self.answers.get("respondent.role")
        respondent = f"{name} ({role})" if name and role else name
        return closing(diagnosis, self.pack, self.answers.get("business_unit"), respondent)


def _without_ratings(asked: list[InterviewQuestion], pack: RulePack
                     ) -> tuple[list[InterviewQuestion], dict[str, InterviewQuestion]]:
    """The questions without the practice's competency ratings (asked of each BRM instead),
    and those questions by competency. `NoTeamError` for a pack whose facts list no BRMs."""
    if pack.team is None:
        raise NoTeamError(pack.id)
    prefix = f"{pack.team.ratings}."
    practice = {q.path[len(prefix):]: q for q in asked if q.path.startswith(prefix)}
    return [q for q in asked if not q.path.startswith(prefix)], practice


def _names_its_respondent(resumed: SavedFile | None) -> bool:
    """Whether a resumed file is one respondent's of an engagement (it names its respondent:
    a unit alone is common in any facts file)."""
    facts = resumed.facts if resumed is not None else {}
    return isinstance(facts, Mapping) and "respondent" in facts


def _with_default(question: InterviewQuestion, today: date) -> InterviewQuestion:
    """The date of the assessment defaults to today's (an empty answer takes it)."""
    if question.path == DATED and question.kind == "text" and question.form == "YYYY-MM-DD":
        return question._replace(default=today.isoformat())
    return question


def _slug(text: str) -> str:
    """A name as a part of a file name: lower case, words joined by hyphens."""
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-")


def _asking_order(questions: list[InterviewQuestion], quick: bool
                  ) -> tuple[InterviewQuestion, ...]:
    """The pack's order; without quick mode, the target last (asked once the facts are in)."""
    if quick:
        return tuple(questions)
    return tuple(sorted(questions, key=lambda q: q.path == TARGET))


def _check_resumable(resumed: SavedFile, pack_id: str,
                     questions: Sequence[InterviewQuestion]) -> None:
    """Refuse, before anything is asked, another pack's interview (`OtherPackError`), and a
    file where an answer could not be placed: a group of facts (``brm``, ``engagement``...)
    that is not a mapping (`DocumentError`)."""
    if resumed.record is not None and resumed.record.pack != pack_id:
        raise OtherPackError(resumed.source, resumed.record, pack_id)
    issues: dict[str, Issue] = {}
    for question in questions:
        parts = question.path.split(".")
        for end in range(1, len(parts)):
            value = value_at(resumed.facts, parts[:end])
            if value is not None and not isinstance(value, Mapping):
                where = json_path(parts[:end])
                issues.setdefault(where, Issue(where, "is not a mapping of facts", code="type",
                                               allowed="a mapping of the facts under it"))
                break
    if issues:
        raise DocumentError(resumed.source, tuple(issues.values()))
