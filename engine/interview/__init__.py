"""The guided interview: the pack's questions, answers checked at once, why each is asked,
which questions can still matter, and the file the answers are saved in.

    from brm_advisor.engine.interview import Interview, load_saved

    session = Interview(advisor, quick=True, save_to=Path("answers.yaml"))
    for number, question in session.pending():
        session.answer(question, input(question.text))  # AnswerError: ask again
    diagnosis = advisor.assess(session.facts())

One module per concept: `questions` (what is asked), `answers` (what an answer stands for),
`advice` (why a question is asked, whether it can still matter), `savefile` (the saved file),
`session` (the interview in progress).
"""

from .advice import Effect, Why, can_matter, why
from .answers import AnswerError, flatten, nest, parse_answer
from .questions import InterviewQuestion, questions_for
from .savefile import (
    INTERVIEW_KEY,
    InterviewRecord,
    SavedFile,
    SaveError,
    check_can_save,
    facts_part,
)
from .savefile import load as load_saved
from .session import Interview, OtherPackError

__all__ = [
    "INTERVIEW_KEY", "AnswerError", "Effect", "Interview", "InterviewQuestion",
    "InterviewRecord", "OtherPackError", "SaveError", "SavedFile", "Why", "can_matter",
    "check_can_save", "facts_part", "flatten", "load_saved", "nest", "parse_answer",
    "questions_for", "why",
]
