"""`brm interview`: the terminal side of the guided interview (the logic is in the library)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import click

from brm_advisor.cli.common import EXIT_USAGE, fail, handle_errors, pack_option
from brm_advisor.engine import Advisor, resolve_pack
from brm_advisor.engine.present.text import render_text


@click.command()
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to save the answers (default: brm-interview.yaml).")
@click.option("--resume", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Continue an interview saved in this file.")
@click.option("--quick", is_flag=True,
              help="Ask only what can still change the level or the recommendations.")
@click.option("--force", is_flag=True, help="Overwrite the output file without asking.")
@pack_option
@handle_errors
def interview(output: Path | None, resume: Path | None, quick: bool, force: bool,
              pack_ref: str | None) -> None:
    """Collect the facts by answering questions, then get the diagnosis.

    Each answer is checked at once. Type ? (or why) to see why a question is asked and what
    each answer would change, help for more about it. The answers are saved after every
    one, so an interruption loses nothing: continue with --resume FILE. Answers can be
    piped on standard input.
    """
    from brm_advisor.engine.interview import session as iv

    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        questions = iv.questions_for(pack)
        answers: dict[str, Any] = {}
        skipped: list[str] = []
        not_asked: list[str] = []
        path = resume or output or Path("brm-interview.yaml")
        if not path.resolve().parent.is_dir():  # before asking anything, not after
            fail(f"error: {path.parent}: No such file or directory; the answers could not be "
                 "saved there", EXIT_USAGE)
        if resume is not None:
            answers, skipped, not_asked = iv.load(resume, questions)
            click.echo(f"Resuming {resume}: {len(answers)} answers so far.")
        elif path.exists() and not force and not click.confirm(
                f"{path} exists. Overwrite it?", default=False, err=True):
            fail(f"error: {path} left as it was; choose another file with -o, or --force",
                  EXIT_USAGE)
        asked = 0
        try:
            for number, question in enumerate(questions, start=1):
                if question.path in answers or question.path in skipped + not_asked:
                    continue
                if quick and not iv.can_matter(advisor, question, answers):
                    if question.kind == "choices" and question.required:
                        answers[question.path] = []
                    not_asked.append(question.path)
                    continue
                asked += 1
                value = _ask(advisor, iv, question, number, len(questions), answers)
                if value is None:
                    skipped.append(question.path)
                else:
                    answers[question.path] = value
                iv.save(path, answers, questions, skipped, pack, not_asked)
        except (KeyboardInterrupt, click.Abort):
            iv.save(path, answers, questions, skipped, pack, not_asked)
            click.echo(f"\nInterrupted: {len(answers)} answers saved in {path}; continue with: "
                       f"brm interview --resume {path}", err=True)
            sys.exit(130)
        iv.save(path, answers, questions, skipped, pack, not_asked)
        facts = advisor.reader.from_data(iv.nest(answers), str(path))
        click.echo(f"\n{asked} questions asked; answers saved in {path}.\n")
        click.echo(render_text(advisor.assess(facts), pack), nl=False)
        pack_arg = f" --pack {pack_ref}" if pack_ref else ""
        click.echo(f"\nReproduce with: brm assess {path}{pack_arg}")


MAX_REJECTED = 25
"""Answers not accepted in a row after which the interview stops (the answers so far kept)."""


def _ask(advisor: Advisor, iv: Any, question: Any, number: int, total: int,
         answers: dict[str, Any]) -> Any:
    """Ask one question until the answer is accepted; ? explains, help helps."""
    click.echo("")
    lines = question.prompt_lines()
    click.echo(f"[{number}/{total}] {lines[0]}")
    for line in lines[1:]:
        click.echo(line)
    rejected = 0
    while True:
        if rejected >= MAX_REJECTED:  # a script feeding answers that never fit: stop, saved
            raise click.Abort()
        raw = click.prompt(f"({question.hint()}; ? for why)", default="", show_default=False,
                           prompt_suffix="> ")
        word = raw.strip().lower()
        if word in ("?", "why"):
            click.echo(_why_text(iv.why(advisor, question, answers)))
            continue
        if word == "help":
            click.echo(textwrap.fill(question.help or "No more help for this question.",
                                     width=80, initial_indent="  ", subsequent_indent="  "))
            continue
        try:
            return iv.parse_answer(question, raw)
        except iv.AnswerError as error:
            rejected += 1
            click.echo(f"  not accepted: {error}", err=True)


def _why_text(why: Any) -> str:
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
        lines.append("  What each answer would do (the engine, on your answers so far):")
        for effect in why.effects:
            shown = ", ".join(effect.value) if isinstance(effect.value, list) else effect.value
            met = ", ".join(effect.met) or "no criterion"
            text = f"- {shown or 'none'}: meets {met}"
            if effect.unmet:
                text += f"; leaves unmet {', '.join(effect.unmet)}"
            lines += textwrap.wrap(text, width=80, initial_indent="    ",
                                   subsequent_indent="      ")
        if why.depends_on:
            lines += textwrap.wrap("(these criteria also depend on facts not answered yet: "
                                   + ", ".join(why.depends_on) + ")", width=80,
                                   initial_indent="    ", subsequent_indent="     ")
    return "\n".join(lines)
