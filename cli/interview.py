"""`brm interview`: the terminal side of the guided interview. What to ask next, the answers
and the saved file are the library's (`engine.interview.Interview`); this module prompts and
prints."""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click

from brm_advisor.cli.common import EXIT_USAGE, fail, handle_errors, pack_option
from brm_advisor.engine import Advisor, render_text, resolve_pack

if TYPE_CHECKING:
    from brm_advisor.engine import Interview, InterviewQuestion, SavedFile, Why

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
              help="Ask only what can still change the level or the recommendations.")
@click.option("--force", is_flag=True,
              help="Write without asking: over an existing output file, or into a resumed "
                   "facts file that brm interview did not write.")
@pack_option
@handle_errors
def interview(output: Path | None, resume: Path | None, quick: bool, force: bool,
              pack_ref: str | None) -> None:
    """Collect the facts by answering questions, then get the diagnosis.

    Each answer is checked at once. Type ? (or why) to see why a question is asked and what
    each answer would change, help for more about it. The answers are saved after every
    one, so an interruption loses nothing: continue with --resume FILE. Answers can be
    piped on standard input.

    The saved file is a facts file that brm assess reads, with an `interview:` section
    naming the pack and the questions skipped or not asked. --resume also completes a
    facts file that brm interview did not write: the questions it answers are not asked
    again and every field it holds is kept, but not its comments or layout, so brm asks
    before writing into it; -o NEW saves the answers in another file and leaves it as it is.
    """
    from brm_advisor.engine import (
        Interview,
        OtherPackError,
        SaveError,
        check_can_save,
        load_saved,
    )

    _lenient_stdin()
    pack = resolve_pack(pack_ref)
    path = output or resume or DEFAULT_OUTPUT
    into_resumed = resume is not None and path.resolve() == resume.resolve()
    saved = load_saved(resume) if resume is not None else None
    with Advisor(pack) as advisor:
        try:
            session = Interview(advisor, quick=quick, resumed=saved, save_to=path)
            check_can_save(path)  # before asking anything, not after
        except OtherPackError as error:
            fail(f"error: {error}; continue it with --pack {error.record.pack}", EXIT_USAGE)
        except SaveError as error:
            hint = ("make it writable, or save the answers in another file with -o FILE"
                    if error.read_only else "choose another file with -o FILE")
            fail(f"error: {error}: {hint}", EXIT_USAGE)
        _confirm_writing(path, saved if into_resumed else None, force)
        if saved is not None:
            _resuming(saved, session)
        _run(session, path)
        facts = session.facts()
        click.echo(f"\n{session.asked} questions asked; answers saved in {path}.\n")
        click.echo(render_text(advisor.assess(facts), pack), nl=False)
        pack_arg = f" --pack {pack_ref}" if pack_ref else ""
        click.echo(f"\nReproduce with: brm assess {path}{pack_arg}")


def _lenient_stdin() -> None:
    """Let bytes typed or piped that are not UTF-8 reach the interview as lone surrogates
    (then refused as "not valid text" and asked again) instead of an exception that ends the
    interview and, on a pipe, loses the lines read with them. Python does this by itself in
    the C locale; in others, standard input is strict."""
    stream = sys.stdin
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        with contextlib.suppress(ValueError, OSError):  # a closed or detached stream
            stream.reconfigure(errors="surrogateescape")


def _confirm_writing(path: Path, resumed: SavedFile | None, force: bool) -> None:
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
        fail(f"error: {path} left as it was; choose another file with -o, or --force",
             EXIT_USAGE)


def _resuming(saved: SavedFile, session: Interview) -> None:
    click.echo(f"Resuming {saved.source}: {len(session.answers)} answers so far.")
    record, pack = saved.record, session.pack
    if record is not None and record.version != pack.version:
        click.echo(f"note: {saved.source} was saved with {pack.id} {record.version}; "
                   f"continuing with {pack.version}", err=True)


def _run(session: Interview, path: Path) -> None:
    """Ask every pending question; on Ctrl-C or end of input, save and say how to go on."""
    try:
        for number, question in session.pending():
            _ask(session, question, number)
    except (KeyboardInterrupt, click.Abort):
        session.save()
        click.echo(f"\nInterrupted: {len(session.answers)} answers saved in {path}; continue "
                   f"with: brm interview --resume {path}", err=True)
        sys.exit(130)


MAX_REJECTED = 25
"""Answers not accepted in a row after which the interview stops (the answers so far kept)."""


def _ask(session: Interview, question: InterviewQuestion, number: int) -> None:
    """Ask one question until the answer is accepted; ? explains, help helps."""
    from brm_advisor.engine import AnswerError

    click.echo("")
    lines = question.prompt_lines()
    click.echo(f"[{number}/{session.total}] {lines[0]}")
    for line in lines[1:]:
        click.echo(line)
    rejected = 0
    while rejected < MAX_REJECTED:  # a script feeding answers that never fit: stop, saved
        raw = click.prompt(f"({question.hint()}; ? for why)", default="", show_default=False,
                           prompt_suffix="> ")
        word = raw.strip().lower()
        if word in ("?", "why"):
            click.echo(_why_text(session.why(question)))
        elif word == "help":
            click.echo(textwrap.fill(question.help or "No more help for this question.",
                                     width=80, initial_indent="  ", subsequent_indent="  "))
        else:
            try:
                session.answer(question, raw)
                return
            except AnswerError as error:
                rejected += 1
                click.echo(f"  not accepted: {error}", err=True)
    raise click.Abort()


def _why_text(why: Why) -> str:
    lines = []
    if why.criteria:
        lines.append(f"  {why.path} is used by these criteria:")
        for ident, level, text in why.criteria:
            lines += textwrap.wrap(f"- {ident} ({level}): {text}", width=80,
                                   initial_indent="    ", subsequent_indent="      ")
    else:
        lines.append(f"  No criterion uses {why.path}; it shapes the result's wording or "
                     "scope.")
    if why.others:
        lines += textwrap.wrap("Also used by: " + ", ".join(why.others), width=80,
                               initial_indent="  ", subsequent_indent="    ")
    if why.effects:
        lines += _effects_text(why)
    return "\n".join(lines)


def _effects_text(why: Why) -> list[str]:
    lines = ["  What each answer would do (the engine, on your answers so far):"]
    for effect in why.effects:
        shown = ", ".join(effect.value) if isinstance(effect.value, list) else effect.value
        met = ", ".join(effect.met) or "no criterion"
        text = f"- {shown or 'none'}: meets {met}"
        if effect.unmet:
            text += f"; leaves unmet {', '.join(effect.unmet)}"
        lines += textwrap.wrap(text, width=80, initial_indent="    ", subsequent_indent="      ")
    if why.depends_on:
        lines += textwrap.wrap("(these criteria also depend on facts not answered yet: "
                               + ", ".join(why.depends_on) + ")", width=80,
                               initial_indent="    ", subsequent_indent="     ")
    return lines
