"""`brm interview`: the terminal side of the guided interview. What to ask next, the answers
and the saved file are the library's (`engine.interview.Interview`); this module prompts and
prints."""

from __future__ import annotations

import contextlib
import io
import shlex
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from brm_advisor.cli.common import EXIT_INVALID, EXIT_USAGE, fail, handle_errors, pack_option
from brm_advisor.engine import Advisor, resolve_pack, words

if TYPE_CHECKING:
    from brm_advisor.engine import Diagnosis, Interview, InterviewQuestion, SavedFile, Why

DEFAULT_OUTPUT = Path("brm-interview.yaml")


@click.command()
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to save the answers (default: brm-interview.yaml; "
                                 "with --resume, the resumed file).")
@click.option("--resume", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Continue an interview saved in this file, or complete a "
                                 "facts file (asks before writing into a file that brm "
                                 "interview did not write).")
@click.option("--quick", is_flag=True,
              help="Ask the required facts, and the others only while their answer can "
                   "still change the level or the recommendations; the target comes first.")
@click.option("--force", is_flag=True,
              help="Write without asking: over an existing output file, or into a resumed "
                   "facts file that brm interview did not write.")
@click.option("--engagement", is_flag=True,
              help="Interview one respondent of one business unit, for an engagement: also "
                   "asks the unit, the date (Enter: today), the assessor and the respondent "
                   "(implied by --unit, --respondent or --role).")
@click.option("--unit", "unit", default=None, metavar="NAME",
              help="The business unit assessed (not asked then); the default file name "
                   "includes it.")
@click.option("--respondent", "respondent", default=None, metavar="NAME",
              help="Who answers (not asked then); the default file name includes it.")
@click.option("--role", "role", default=None, metavar="ROLE",
              help="The respondent's side: business, it, brm or other (with --respondent).")
@click.option("--team", is_flag=True,
              help="Also ask for the BRMs one by one (name or label, units served, role, "
                   "a rating of each competency); the practice's ratings then follow from "
                   "theirs. For packs whose facts list BRMs.")
@pack_option
@handle_errors
def interview(output: Path | None, resume: Path | None, quick: bool, force: bool,
              engagement: bool, unit: str | None, respondent: str | None, role: str | None,
              team: bool, pack_ref: str | None) -> None:
    """Collect the facts by answering questions, then get the diagnosis.

    Each answer is checked at once. At any question: ? (or why) tells why it matters, in
    the client's words; ?? (or why more) shows the rules behind it and what each answer
    would change, for the consultant; help says how to answer; back changes the previous
    answer; q (quit, exit) stops. The answers are saved after every one, so stopping or an
    interruption (Ctrl-C, Ctrl-D) loses nothing: continue with --resume FILE. Answers can
    be piped on standard input. To give a command word itself as an answer, quote it: 'q'.

    Without --quick, the target level is asked last, once the facts show where the
    organization is, and offers only the levels above. The end shows the level and the
    first actions; brm explain, assess and report FILE give the rest.

    With --engagement (or --unit, --respondent, --role, or resuming a file that names its
    unit or respondent), after the organization come the business unit, the date (Enter
    takes today's), the assessor and the respondent with their side, for packs whose facts
    have them (--quick still asks the unit and the respondent: they say whose answers the
    file holds). --unit, --respondent and --role give them beforehand, e.g. to interview
    several people of one unit; the answers are then saved, by default, in a file named
    after the organization, the unit and the respondent
    (first-national-bank-retail-dana-reyes.yaml). A folder of such files, one per unit and
    respondent, is an engagement: brm assess FOLDER.

    With --team, after the organization's facts (before the target) come the BRMs, one by
    one: a name or an anonymous label (Enter or done ends the list), the business units
    served (with --engagement: the unit assessed, not asked), a role, then each competency
    rated 0-4 (Enter skips one). The practice's own ratings are then not asked: they follow
    from the BRMs' by the pack's team aggregation. Each BRM is saved as it is answered, in
    the facts' brms list; back and --resume work within a BRM's questions.

    Evidence: after an answer with choices, yes or no, a number or a date, type # (a space
    on each side) and a note: "advisory # seen in 3 BU minutes" saves the answer, and the
    note as evidence for it (given again for the same fact, it is added to a list). A #
    without spaces is part of the answer, and free text (names) keeps every # as typed.
    A pack whose facts keep no evidence refuses it.

    The saved file is a facts file that brm assess reads, with an `interview:` section
    naming the pack and the questions skipped or not asked (--quick leaves those that
    cannot change the diagnosis unanswered: --resume without --quick asks them). --resume
    also completes a facts file that brm interview did not write: the questions it answers
    are not asked again and every field it holds is kept, but not its comments or layout,
    so brm asks before writing into it; -o NEW saves the answers in another file and leaves
    it as it is.
    """
    from brm_advisor.engine import (
        Interview,
        OtherPackError,
        SaveError,
        check_can_save,
        load_saved,
    )

    _lenient_stdin()
    if role is not None and respondent is None:
        fail("error: --role needs --respondent NAME (the role is the respondent's)",
             EXIT_USAGE)
    pack = resolve_pack(pack_ref)
    if team and pack.team is None:
        _no_team(pack.id)
    named = output is None and resume is None and (unit or respondent) is not None
    path = output or resume or (None if named else DEFAULT_OUTPUT)
    into_resumed = resume is not None and path is not None and (
        path.resolve() == resume.resolve())
    saved = load_saved(resume) if resume is not None else None
    with Advisor(pack) as advisor:
        try:
            session = Interview(advisor, quick=quick, resumed=saved, save_to=path,
                                engagement=engagement or any(
                                    given is not None for given in (unit, respondent, role)),
                                team=team, continue_with=_resume_command(pack.id))
            if path is not None:
                check_can_save(path)  # before asking anything, not after
        except OtherPackError as error:
            fail(f"error: {error}; continue it with --pack {error.record.pack}", EXIT_USAGE)
        except SaveError as error:
            _cannot_save(error)
        _preset(session, {"business_unit": ("--unit", unit),
                          "respondent.name": ("--respondent", respondent),
                          "respondent.role": ("--role", role)})
        if path is not None:
            _confirm_writing(path, saved if into_resumed else None, force,
                             (pack_ref, pack.id))
        if saved is not None:
            _resuming(saved, session)
        run = _Run(session, pack_ref, quick, force)
        run.ask_all()
        _end(session, advisor, run.path, pack_ref, run.again)


def _no_team(pack_id: str) -> None:
    """--team with a pack whose facts list no BRMs: a usage error naming the packs that can."""
    from brm_advisor.engine import BrmError, available_packs

    able = []
    for ref in available_packs():
        try:
            if resolve_pack(ref.location).team is not None:
                able.append(ref.id)
        except BrmError:
            continue
    packs = (f"packs whose facts can: {', '.join(able)} (--pack ID)" if able
             else "no available pack's facts can")
    fail(f"error: --team: the facts of the pack {pack_id} cannot list BRMs; {packs}",
         EXIT_USAGE)


def _cannot_save(error: Exception) -> None:
    hint = ("make it writable, or save the answers in another file with -o FILE"
            if getattr(error, "read_only", False) else "choose another file with -o FILE")
    fail(f"error: {error}: {hint}", EXIT_USAGE)


def _preset(session: Interview, given: dict[str, tuple[str, str | None]]) -> None:
    """The answers given as options (--unit, --respondent, --role), checked as typed ones."""
    from brm_advisor.engine import AnswerError

    for path, (option, value) in given.items():
        if value is None:
            continue
        if not session.asks(path):
            fail(f"error: {option}: the facts of the pack {session.pack.id} have no {path}",
                 EXIT_USAGE)
        try:
            session.preset(path, value)
        except AnswerError as error:
            fail(f"error: {option} {value}: {error}", EXIT_USAGE)


def _lenient_stdin() -> None:
    """Let bytes typed or piped that are not UTF-8 reach the interview as lone surrogates
    (then refused as "not valid text" and asked again) instead of an exception that ends the
    interview and, on a pipe, loses the lines read with them. Python does this by itself in
    the C locale; in others, standard input is strict."""
    stream = sys.stdin
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        with contextlib.suppress(ValueError, OSError):  # a closed or detached stream
            stream.reconfigure(errors="surrogateescape")


def _confirm_writing(path: Path, resumed: SavedFile | None, force: bool,
                     pack: tuple[str | None, str]) -> None:
    """Ask before writing over a file an interview did not write (unless --force)."""
    if force or (resumed is not None and resumed.by_interview):
        return
    if resumed is not None:
        if not click.confirm(f"{path} was not written by brm interview. Save the answers "
                             "into it? Every field it holds is kept, but not its comments "
                             "or layout.", default=False, err=True):
            fail(f"error: {path} left as it was; to save the answers in another file: "
                 f"brm interview --resume {path} -o NEW", EXIT_USAGE)
    elif path.exists() and not click.confirm(f"{path} exists. Overwrite it?", default=False,
                                             err=True):
        fail(f"error: {path} left as it was; {_instead(path, *pack)}choose another file "
             "with -o, or --force", EXIT_USAGE)


def _instead(path: Path, pack_ref: str | None, pack_id: str) -> str:
    """For a file an interview saved (started again after stopping, most often): how to
    continue it, with its own pack."""
    from brm_advisor.engine import BrmError, load_saved

    try:
        record = load_saved(path).record
    except (BrmError, OSError, ValueError):
        return ""
    if record is None:
        return ""
    ref = pack_ref if record.pack == pack_id else record.pack
    return ("to continue the interview saved in it: "
            f"{_command('interview --resume', path, ref)}; or ")


def _resuming(saved: SavedFile, session: Interview) -> None:
    click.echo(f"Resuming {saved.source}: {_answers(session)} so far.")
    record, pack = saved.record, session.pack
    if record is not None and record.version != pack.version:
        click.echo(f"note: {saved.source} was saved with {pack.id} {record.version}; "
                   f"continuing with {pack.version}", err=True)


def _answers(session: Interview) -> str:
    """The answers so far, in a few words: "6 answers", "6 answers and 2 BRMs"."""
    answers = words.plural(len(session.answers), "answer")
    brms = len(session.team.entries) if session.team is not None else 0
    return answers + (f" and {words.plural(brms, 'BRM')}" if brms else "")


def _resume_command(pack_id: str) -> Callable[[Path], str]:
    """What the saved file's header says to continue it: this command on the file, naming
    the pack unless it is the default one."""
    from brm_advisor.engine import DEFAULT_PACK

    ref = None if pack_id == DEFAULT_PACK else pack_id
    return lambda path: _command("interview --resume", path, ref)


def _command(name: str, path: Path, pack_ref: str | None) -> str:
    """A brm command line about the file, as the user would type it."""
    pack_arg = f" --pack {shlex.quote(pack_ref)}" if pack_ref else ""
    return f"brm {name} {shlex.quote(str(path))}{pack_arg}"


class _Stop(Exception):
    """The user asked to stop (q, quit, exit)."""


INTRO = ("Type each answer and press Enter. At any question, type ? to hear why it matters, "
         "help for how to answer, back to change the previous answer, or q to stop (the "
         "answers are saved: continue later with --resume).")
INTRO_EVIDENCE = (" After an answer, add # and a note to record evidence (advisory # seen in "
                  "3 BU minutes).")
EVIDENCE_HELP = ("To record evidence, add # and a note after the answer (a space on each side "
                 "of #): advisory # seen in 3 BU minutes.")
FREE_TEXT_HELP = "A # in this answer is part of it: no evidence is read in free text."


class _Run:
    """The questions asked one by one, saved as they are answered; the file named, when no
    -o was given and the unit or respondent were, once the organization is known."""

    def __init__(self, session: Interview, pack_ref: str | None, quick: bool,
                 force: bool) -> None:
        self.session = session
        self.pack_ref = pack_ref
        self.quick = quick
        self.force = force

    @property
    def path(self) -> Path:
        return self.session.save_to or DEFAULT_OUTPUT

    @property
    def again(self) -> str:
        return (_command("interview --resume", self.path, self.pack_ref)
                + (" --quick" if self.quick else ""))

    def ask_all(self) -> None:
        """Ask every pending question; on q, Ctrl-C or end of input, save and say how to go
        on."""
        session = self.session
        intro = INTRO + (INTRO_EVIDENCE if session.keeps_evidence and session.engagement
                         else "")
        intro = textwrap.fill(intro, width=80)  # on the first prompt, once
        try:
            for turn in session.pending():
                if intro:
                    click.echo("\n" + intro)
                    intro = ""
                _ask(session, turn)
                if session.save_to is None:
                    self._name_the_file()
        except _Stop:
            self._stopping("Stopped")
            sys.exit(0)
        except (KeyboardInterrupt, click.Abort):
            self._stopping("Interrupted")
            sys.exit(130)

    def _name_the_file(self) -> None:
        """Once the organization is known: the file named after it, the unit and the
        respondent; an existing file is overwritten only if the user says so (or --force),
        else the next free name is taken."""
        from brm_advisor.engine import SaveError, check_can_save

        name = self.session.file_name()
        if name is None:
            return
        path = Path(name)
        if path.exists() and not self.force and not click.confirm(
                f"{path} exists. Overwrite it?", default=False, err=True):
            path = _free(path)
            click.echo(f"  The answers are saved in {path}.")
        try:
            check_can_save(path)
        except SaveError as error:
            _cannot_save(error)
        self.session.save_to = path
        self.session.save()

    def _stopping(self, how: str) -> None:
        session = self.session
        if session.save_to is None:
            click.echo(f"\n{how}: nothing saved yet (the file is named once the organization "
                       "is answered).", err=True)
            return
        session.save()
        saved = _answers(session)
        click.echo(f"\n{how}: {saved} saved in {self.path}; continue with: {self.again}",
                   err=True)


def _free(path: Path) -> Path:
    """The first name beside `path` that no file has: name-2.yaml, name-3.yaml..."""
    number = 2
    while (candidate := path.with_name(f"{path.stem}-{number}{path.suffix}")).exists():
        number += 1
    return candidate


MAX_REJECTED = 25
"""Answers not accepted in a row after which the interview stops (the answers so far kept)."""


def _ask(session: Interview, turn: Interview.Turn) -> None:
    """Ask one question until the answer is accepted (or the user goes back or stops); ?, ??
    and help explain, and ask again."""
    question = turn.question
    _show(turn)
    rejected = 0
    while rejected < MAX_REJECTED:  # a script feeding answers that never fit: stop, saved
        raw = click.prompt(f"({question.hint()}; ? why, back, q quit)", default="",
                           show_default=False, prompt_suffix="> ")
        action = session.command(raw)
        if action == "quit":
            raise _Stop
        if action == "back":
            if session.back(question) is not None:
                return
            click.echo("  There is no earlier answer to go back to.")
        elif action is not None:
            click.echo(_EXPLAIN[action](session, question))
        elif _answered(session, question, raw):
            return
        else:
            rejected += 1
    raise click.Abort()


def _show(turn: Interview.Turn) -> None:
    if turn.heading:
        click.echo(f"\n--- {turn.heading} ---")
    if turn.before:
        click.echo("\n" + textwrap.fill(turn.before, width=80))
    lines = turn.question.prompt_lines()
    click.echo(f"\n[{turn.number}/{turn.total}] {lines[0]}")
    for line in lines[1:]:  # a choice: "  2. order_taking: label", wrapped under its label
        click.echo("\n".join(_fill(line.strip(), "  ", " " * (line.index(". ") + 2))))
    if turn.again:
        click.echo(f"  Your answer was: {_shown(turn.current)} (Enter keeps it)")


def _shown(value: Any) -> str:
    return "skipped" if value is None else words.prose_value(value)


def _answered(session: Interview, question: InterviewQuestion, raw: str) -> bool:
    """Whether the answer was accepted (if not, the reason is said)."""
    from brm_advisor.engine import AnswerError

    try:
        value = session.answer(question, raw)
    except AnswerError as error:
        click.echo("\n".join(_fill(f"not accepted: {error}", "  ", "    ")), err=True)
        return False
    evidence = session.evidence_in(question, raw)
    taken = session.taken_as(question, raw.partition(" # ")[0] if evidence else raw, value)
    if taken is not None:
        click.echo(f"  taken as: {taken}")
    if evidence is not None:
        click.echo("\n".join(_fill(f"evidence kept for {question.path}: {evidence}", "  ",
                                    "    ")))
    return True


def _fill(text: str, indent: str = "  ", more: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=80, initial_indent=indent,
                         subsequent_indent=more if more is not None else indent,
                         break_on_hyphens=False, break_long_words=False)


def _reason_text(session: Interview, question: InterviewQuestion) -> str:
    """? : why the question matters, for the client (never which answer scores better)."""
    reason = session.reason(question)
    lines = _fill(f"Why it matters: {reason.text}")
    if reason.feeds:
        lines.append("  Your answer helps decide whether:")
        for text in reason.feeds:
            lines += _fill(f"- {text}", "    ", "      ")
    lines.append("  (?? shows the rules behind it, for the consultant)")
    return "\n".join(lines)


def _help_text(session: Interview, question: InterviewQuestion) -> str:
    lines = _fill(question.help or "No more help for this question.")
    if session.takes_evidence(question):
        lines += _fill(EVIDENCE_HELP)
    elif session.keeps_evidence and session.free_text(question):
        lines += _fill(FREE_TEXT_HELP)
    return "\n".join(lines)


def _why_text(session: Interview, question: InterviewQuestion) -> str:
    """?? : the rules behind the question and what each answer would change."""
    why: Why = session.why(question)
    lines = []
    if why.criteria:
        lines.append(f"  For the consultant: {why.path} is used by these criteria:")
        for ident, level, text in why.criteria:
            lines += _fill(f"- {ident} ({level}): {text}", "    ", "      ")
    else:
        lines.append(f"  For the consultant: no criterion uses {why.path}.")
    if why.others:
        lines += _fill("Also used by: " + ", ".join(why.others), "  ", "    ")
    if why.effects:
        lines += _effects_text(why)
    return "\n".join(lines)


_EXPLAIN = {"why": _reason_text, "why more": _why_text, "help": _help_text}


def _effects_text(why: Why) -> list[str]:
    lines = ["  What each answer would do (the engine, on your answers so far):"]
    for effect in why.effects:
        met = ", ".join(effect.met) or "no criterion"
        text = f"- {words.prose_value(effect.value)}: meets {met}"
        if effect.unmet:
            text += f"; leaves unmet {', '.join(effect.unmet)}"
        lines += _fill(text, "    ", "      ")
    if why.depends_on:
        lines += _fill("(these criteria also depend on facts not answered yet: "
                       + ", ".join(why.depends_on) + ")", "    ", "     ")
    return lines


def _end(session: Interview, advisor: Advisor, path: Path, pack_ref: str | None,
         again: str) -> None:
    """The end: one screen (the level, the target, the first actions, and the commands for
    the rest); or, while required questions are open, which ones, and no diagnosis."""
    click.echo(f"\n{words.plural(session.asked, 'question')} asked; answers saved in {path}.")
    still = session.open_required()
    if still:
        listed = "; ".join(f"{q.path} ({q.text})" for q in still)
        fail(f"\nNot assessed: the facts are not complete until these required questions "
             f"are answered: {listed}. Continue with: {again}", EXIT_INVALID)
    diagnosis = advisor.assess(session.facts())
    click.echo("\n".join(_closing_lines(session, diagnosis, path, pack_ref)))


def _closing_lines(session: Interview, diagnosis: Diagnosis, path: Path,
                   pack_ref: str | None) -> list[str]:
    end = session.summary(diagnosis)
    target = f" Target: {end.target}." if end.target else ""
    unit = f", {end.business_unit}" if end.business_unit else ""
    lines = [""] + _fill(f"{end.organization}{unit}: {end.level} (level {end.rank} of "
                         f"{end.levels}).{target}", "")
    if end.respondent:
        lines += _fill(f"Answered by {end.respondent}.", "")
    for side in end.dimensions:
        aim = f" Target: {side.target}." if side.target else ""
        lines += _fill(f"{side.name}: {side.level} (level {side.rank} of {side.levels})."
                       f"{aim}", "  ", "    ")
    if end.actions:
        shown = len(end.actions)
        lines += ["", f"First actions ({shown} of {shown + end.more_actions}):"]
        for number, (level, action) in enumerate(end.actions, start=1):
            lines += _fill(f"{number}. [{level}] {action}", "  ", "     ")
    elif end.top:
        lines += ["", f"{end.level} is the top level: no action is needed to go further."]
    else:
        lines += ["", "No recommendation applies: the full diagnosis shows the gaps."]
    if end.findings:  # right under the actions: a row less, the level kept on the screen
        team = f" ({end.team_findings} about the BRM team)" if end.team_findings else ""
        lines += _fill(f"{words.plural(end.findings, 'finding')} to review{team}: the full "
                       "diagnosis lists them.", "")
    report = path.with_name(path.stem + ("-report" if path.suffix == ".html" else "") + ".html")
    lines += ["", "Why this level:        " + _command("explain", path, pack_ref),
              "The full diagnosis:    " + _command("assess", path, pack_ref),
              "A report to hand over: " + _command("report", path, pack_ref)
              + f" -o {shlex.quote(str(report))}"]
    if end.business_unit or end.respondent:  # one file of an engagement: its folder's
        lines.append("The whole engagement:  " + _command("assess", path.parent, pack_ref))
    return lines
