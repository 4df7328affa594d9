"""One interview in progress: which question comes next (in quick mode, only those whose answer
can still change the diagnosis), the answers, skips and questions not asked, and the file they
are saved in after every answer. Terminal input and output live in the CLI: this object is the
whole interview without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrmError, DocumentError, Issue
from ..inputs.facts import Facts
from ..inputs.paths import json_path, value_at
from .advice import Why, can_matter, why
from .answers import flatten, nest, parse_answer
from .questions import InterviewQuestion, questions_for
from .savefile import InterviewRecord, SavedFile
from .savefile import save as save_file

if TYPE_CHECKING:
    from ..inference.advisor import Advisor


class OtherPackError(BrmError):
    """A saved interview made with another pack than the one in use: continuing it would mix
    two packs' facts in one file."""

    def __init__(self, source: str, record: InterviewRecord, pack_id: str) -> None:
        self.source = source
        self.record = record
        self.pack_id = pack_id
        super().__init__(f"{source} holds an interview for the pack {record.pack} "
                         f"{record.version}, not for {pack_id}; it was left as it was")


class Interview:
    """The questions of one pack, asked in order, with the answers so far.

    Started afresh, or from a `SavedFile` (`resumed`): every field that file holds is kept in
    what is saved, whether the interview asks about it or not; the answers it already gives
    are not asked again, nor the questions it lists as skipped or not asked. With `save_to`,
    the answers are saved after each one (`answer`, `record`) and on demand (`save`).
    """

    def __init__(self, advisor: Advisor, *, quick: bool = False,
                 resumed: SavedFile | None = None, save_to: Path | None = None) -> None:
        self.advisor = advisor
        self.pack = advisor.pack
        self.quick = quick
        self.save_to = save_to
        self.questions: tuple[InterviewQuestion, ...] = tuple(questions_for(self.pack))
        start = resumed if resumed is not None else SavedFile("<new interview>", {}, None)
        _check_resumable(start, self.pack.id, self.questions)
        self._document: Mapping[str, Any] = start.facts
        self.answers: dict[str, Any] = flatten(start.facts, (q.path for q in self.questions))
        record = start.record or InterviewRecord(self.pack.id, self.pack.version)
        self.skipped: list[str] = [p for p in record.skipped if p not in self.answers]
        self.not_asked: list[str] = [p for p in record.not_asked
                                     if p not in self.skipped]  # with [] for a required list
        self.asked = 0
        """Questions answered (or skipped) in this session."""

    # --- the questions ------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.questions)

    def settled(self, path: str) -> bool:
        """Whether the fact needs no question: answered, skipped, or left out as not mattering."""
        return path in self.answers or path in self.skipped or path in self.not_asked

    @property
    def still_open(self) -> list[str]:
        return [q.path for q in self.questions if not self.settled(q.path)]

    def pending(self) -> Iterator[tuple[int, InterviewQuestion]]:
        """The questions to ask, each with its number (1-based, among all the questions), one
        at a time: in quick mode, whether a question can still matter is decided when its turn
        comes, on the answers given by then; those that cannot are noted as not asked (a
        required list is then taken as empty) and passed over. When no question is left, the
        answers are saved (with the questions not asked since the last answer)."""
        for number, question in enumerate(self.questions, start=1):
            if self.settled(question.path):
                continue
            if self.quick and not can_matter(self.advisor, question, self.answers):
                self._leave_out(question)
                continue
            yield number, question
        self.save()

    def _leave_out(self, question: InterviewQuestion) -> None:
        if question.kind == "choices" and question.required:
            self.answers[question.path] = []
        self.not_asked.append(question.path)

    def why(self, question: InterviewQuestion) -> Why:
        """Why the question is asked, and what each answer would change."""
        return why(self.advisor, question, self.answers)

    # --- the answers --------------------------------------------------------------------------

    def answer(self, question: InterviewQuestion, raw: str) -> Any:
        """Take a typed answer: checked (`AnswerError` with the reason when refused), then
        recorded and saved. Returns the value it stands for (None: skipped)."""
        value = parse_answer(question, raw)
        self.record(question, value)
        return value

    def record(self, question: InterviewQuestion, value: Any) -> None:
        """Record an accepted value (None: skipped) and save."""
        if value is None:
            self.skipped.append(question.path)
        else:
            self.answers[question.path] = value
        self.asked += 1
        self.save()

    # --- the document -------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The facts document: the resumed file's fields, with the answers placed in it."""
        return nest(self.answers, into=self._document)

    def interview_record(self) -> InterviewRecord:
        return InterviewRecord(self.pack.id, self.pack.version, tuple(self.skipped),
                               tuple(self.not_asked))

    def save(self) -> None:
        """Save the answers so far (nothing without `save_to`); raises `OSError` when the
        file cannot be written (a read-only file is refused, and left as it was)."""
        if self.save_to is not None:
            save_file(self.save_to, self.document(), self.interview_record(),
                          self.still_open)

    def facts(self) -> Facts:
        """The answers as validated facts (`InputError` when the resumed file held fields the
        facts schema refuses)."""
        source = str(self.save_to) if self.save_to is not None else "<interview>"
        return self.advisor.reader.from_data(self.document(), source)


def _check_resumable(resumed: SavedFile, pack_id: str,
                     questions: tuple[InterviewQuestion, ...]) -> None:
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
