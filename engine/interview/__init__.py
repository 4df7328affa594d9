"""The guided interview: the pack's questions, answers checked at once, why each is asked (for
the client and for the consultant), which questions can still matter, the end of an interview
on one screen, and the file the answers are saved in.

    from brm_advisor.engine.interview import AnswerError, Interview

    session = Interview(advisor, quick=True, save_to=Path("answers.yaml"))
    for turn in session.pending():  # [turn.number/turn.total] turn.question.text
        while True:
            try:
                session.answer(turn.question, input(turn.question.hint() + "> "))
                break
            except AnswerError as error:  # the reason; ask again
                print(error)
    diagnosis = advisor.assess(session.facts())
    print(session.summary(diagnosis))

One module per concept: `questions` (what is asked, the target among the levels above the
diagnosis), `answers` (what an answer stands for: numbers, names, synonyms; the commands),
`advice` (why a question is asked, whether it can still matter), `closing` (the end of an
interview), `savefile` (the saved file), `session` (the interview in progress: turns, back),
`team` (the BRMs asked one by one, with ``Interview(advisor, team=True)``).
"""

from .advice import Effect, Reason, Why, can_matter, reason, still_matter, why
from .answers import (
    EVIDENCE_MARK,
    AnswerError,
    command,
    flatten,
    free_text,
    nest,
    parse_answer,
    split_evidence,
    taken_as,
)
from .closing import Closing, ClosingDimension, closing
from .questions import ENGAGEMENT, IDENTITY, InterviewQuestion, questions_for, target_question
from .savefile import (
    INTERVIEW_KEY,
    InterviewRecord,
    SavedFile,
    SaveError,
    check_can_save,
    facts_part,
)
from .savefile import load as load_saved
from .session import Interview, OtherPackError, Turn
from .team import NoTeamError, TeamInterview, team_path

__all__ = [
    "ENGAGEMENT", "EVIDENCE_MARK", "IDENTITY", "INTERVIEW_KEY", "AnswerError", "Closing",
    "ClosingDimension", "Effect", "Interview", "InterviewQuestion", "InterviewRecord",
    "NoTeamError", "OtherPackError", "Reason", "SaveError", "SavedFile", "TeamInterview", "Turn",
    "Why",
    "can_matter", "check_can_save", "closing", "command", "facts_part", "flatten", "free_text",
    "load_saved", "nest", "parse_answer", "questions_for", "reason", "split_evidence",
    "still_matter", "taken_as", "target_question", "team_path", "why",
]
