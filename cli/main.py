"""The `brm` command. A thin layer: parse options, call the library, print, set the exit status.

Exit status: 0 success; 1 the input (facts or pack) is invalid; 2 usage error (bad option,
missing file, unknown pack or level); 3 the engine failed. Library errors become messages here,
never tracebacks.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from brm_advisor.engine import (
    Advisor,
    BrmError,
    EditError,
    EngineError,
    HistoryError,
    InputError,
    PackError,
    PackNotFoundError,
    UnknownLevelError,
    load_pack,
    resolve_pack,
)
from brm_advisor.engine.render import (
    levels_dict,
    render_comparison,
    render_explanation,
    render_json,
    render_levels,
    render_search,
    render_text,
)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_ENGINE = 3


def _fail(message: str, status: int) -> None:
    click.echo(message, err=True)
    sys.exit(status)


def handle_errors(command: F) -> F:
    """Turn the library's errors into messages and exit statuses."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            count = len(error.issues)
            header = f"error: {error.source} is not valid ({count} problem{'s' * (count != 1)}):"
            _fail(header + "\n" + "\n".join("  " + i.describe(error.source)
                                            for i in error.issues), EXIT_INVALID)
        except PackError as error:
            count = len(error.issues)
            header = (f"error: the rule pack {error.source} is not valid "
                      f"({count} problem{'s' * (count != 1)}):")
            _fail(header + "\n" + "\n".join("  " + i.describe(error.source)
                                            for i in error.issues), EXIT_INVALID)
        except (PackNotFoundError, UnknownLevelError, EditError) as error:
            _fail(f"error: {error}", EXIT_USAGE)
        except HistoryError as error:
            _fail(f"error: {error}", EXIT_INVALID)
        except EngineError as error:
            _fail(f"error: the inference engine failed: {error}", EXIT_ENGINE)
        except BrmError as error:  # pragma: no cover - every subclass is handled above
            _fail(f"error: {error}", EXIT_INVALID)
        return None

    return wrapper  # type: ignore[return-value]


def pack_option(command: F) -> F:
    return click.option(
        "--pack", "pack_ref", metavar="PATH|ID", default=None,
        help="Rule pack: a folder holding pack.yaml, or the id of a shipped pack "
             "(default: merlyn-brm).")(command)


def format_option(*choices: str) -> Callable[[F], F]:
    return click.option("--format", "output_format", type=click.Choice(choices),
                        default=choices[0], show_default=True, help="Output format.")


def db_option(command: F) -> F:
    return click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="History database (default: history.sqlite in the user's data "
                             "directory).")(command)


def facts_argument(command: F) -> F:
    return click.argument("facts_file", metavar="FILE",
                          type=click.Path(exists=True, dir_okay=False, allow_dash=True))(command)


def _read(advisor: Advisor, facts_file: str) -> Any:
    if facts_file == "-":
        return advisor.read(sys.stdin.buffer, name="<stdin>")
    return advisor.read(facts_file)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="brm-advisor", prog_name="brm")
def cli() -> None:
    """Diagnose the maturity of a Business Relationship Management (BRM) practice.

    Write down what you observed about an organization in a YAML or JSON facts file
    (see `brm schema`), then run `brm assess FILE`.
    """


@cli.command()
@facts_argument
@format_option("text", "json", "markdown", "html")
@click.option("--target", metavar="LEVEL", default=None,
              help="Level to aim for (overrides target_level in the file); recommendations "
                   "then cover every level up to it.")
@click.option("--explain", "with_explanation", is_flag=True,
              help="Append the explanation (as `brm explain` gives it).")
@click.option("--save", is_flag=True, help="Save the assessment in the history database.")
@db_option
@pack_option
@handle_errors
def assess(facts_file: str, output_format: str, target: str | None, with_explanation: bool,
           save: bool, db: Path | None, pack_ref: str | None) -> None:
    """Diagnose the organization described in FILE ('-' reads standard input).

    Prints the level, why it was reached and why the next one was not, the gaps,
    the recommendations in order and the findings.
    """
    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        if target is not None:
            advisor.level_ref(target)  # an unknown level is a usage error, before reading
        facts = _read(advisor, facts_file)
        diagnosis = advisor.assess(facts, target=target)
        if save:
            from brm_advisor.engine.history import History

            with History(db) as history:
                saved = history.save(facts.data, diagnosis, facts.source)
            click.echo(f"saved as #{saved} in {history.path}", err=True)
        if output_format in ("markdown", "html"):
            click.echo(_report_text(advisor, facts, diagnosis, output_format), nl=False)
            return
        explanation = None
        if with_explanation:
            from brm_advisor.engine.explain import explain

            explanation = explain(advisor, facts, diagnosis)
        if output_format == "json":
            click.echo(render_json(diagnosis, explanation), nl=False)
        else:
            click.echo(render_text(diagnosis, pack), nl=False)
            if explanation is not None:
                click.echo("\n" + render_explanation(explanation, pack), nl=False)


def _report_text(advisor: Advisor, facts: Any, diagnosis: Any, report_format: str) -> str:
    from brm_advisor.engine.explain import explain
    from brm_advisor.engine.report import render_report, report_context

    context = report_context(advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    return render_report(context, report_format)


@cli.command()
@facts_argument
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The report file: .html or .md (or say --format).")
@click.option("--format", "report_format", type=click.Choice(["html", "markdown"]),
              default=None, help="html or markdown (default: from the file's extension).")
@click.option("--target", metavar="LEVEL", default=None,
              help="Level to aim for (overrides target_level in the file).")
@click.option("--pdf", is_flag=True,
              help="Also write a PDF beside the HTML, through a headless Chromium.")
@click.option("--force", is_flag=True, help="Overwrite existing files without asking.")
@pack_option
@handle_errors
def report(facts_file: str, output: Path, report_format: str | None, target: str | None,
           pdf: bool, force: bool, pack_ref: str | None) -> None:
    """Write a report to hand over: summary, maturity ladder, competency radar, criteria,
    roadmap, findings and the explanation, as self-contained HTML or as Markdown."""
    from brm_advisor.engine.browser import BrowserError, print_pdf

    if report_format is None:
        suffix = output.suffix.lower()
        if suffix not in (".html", ".htm", ".md", ".markdown"):
            raise click.UsageError(f"cannot tell the format from {output.name!r}: name it "
                                   ".html or .md, or give --format")
        report_format = "html" if suffix in (".html", ".htm") else "markdown"
    if pdf and report_format != "html":
        raise click.UsageError("--pdf prints the HTML report: use an .html output")
    pdf_path = output.with_suffix(".pdf")
    for path in [output] + ([pdf_path] if pdf else []):
        if path.exists() and not force and not click.confirm(
                f"{path} exists. Overwrite it?", default=False, err=True):
            _fail(f"error: {path} left as it was; choose another name, or --force", EXIT_USAGE)
    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        if target is not None:
            advisor.level_ref(target)
        facts = _read(advisor, facts_file)
        diagnosis = advisor.assess(facts, target=target)
        output.write_text(_report_text(advisor, facts, diagnosis, report_format),
                          encoding="utf-8")
    click.echo(f"wrote {output} ({report_format})")
    if pdf:
        try:
            print_pdf(output, pdf_path)
        except BrowserError as error:
            _fail(f"error: no PDF written: {error}", EXIT_INVALID)
        click.echo(f"wrote {pdf_path}")


@cli.command("explain")
@facts_argument
@format_option("text", "json")
@click.option("--level", metavar="LEVEL", default=None,
              help="Explain why this level is not attained (default: the next level).")
@pack_option
@handle_errors
def explain_command(facts_file: str, output_format: str, level: str | None,
                    pack_ref: str | None) -> None:
    """Explain the diagnosis of FILE: why this level, why not the next, what it rests on.

    The proof goes from the level through the criteria and derived facts down to the input
    facts, each step naming the rule that concluded it and its source. For each unmet
    criterion it shows the smallest changes that would meet it, and it lists the facts
    whose change alone would lower the level; both are checked by re-running the engine.
    """
    from brm_advisor.engine.explain import explain

    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        if level is not None:
            advisor.level_ref(level)
        facts = _read(advisor, facts_file)
        explanation = explain(advisor, facts, advisor.assess(facts), level=level)
        if output_format == "json":
            click.echo(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
        else:
            click.echo(render_explanation(explanation, pack), nl=False)


@cli.command()
@facts_argument
@click.option("--target", metavar="LEVEL", default=None,
              help="Find the fewest fact changes that reach this level.")
@click.option("--set", "edits", metavar="EDIT", multiple=True,
              help="Change a fact and compare: PATH=VALUE, PATH+=ITEM, PATH-=ITEM, "
                   "PATH=null (repeatable).")
@format_option("text", "json")
@pack_option
@handle_errors
def whatif(facts_file: str, target: str | None, edits: tuple[str, ...], output_format: str,
           pack_ref: str | None) -> None:
    """What would change the diagnosis of FILE? The file itself is never modified.

    With --target: the smallest sets of fact changes (fewest fields) that reach the level,
    each confirmed by re-running the engine. With --set: the diagnosis before and after
    the edits, side by side.
    """
    from brm_advisor.engine.whatif import compare, parse_edit, search

    if not target and not edits:
        raise click.UsageError("give --target LEVEL, or one or more --set EDIT")
    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        if target is not None:
            advisor.level_ref(target)
        parsed = [parse_edit(text, pack.facts_schema) for text in edits]
        facts = _read(advisor, facts_file)
        if parsed:
            comparison = compare(advisor, facts, parsed, target=target)
            if output_format == "json":
                click.echo(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
            else:
                click.echo(render_comparison(comparison), nl=False)
            return
        assert target is not None
        result = search(advisor, facts, target)
        if output_format == "json":
            data = {"organization": facts.organization, **result.to_dict(),
                    "pack": advisor.assess(facts).pack.to_dict()}
            click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            click.echo(render_search(result, facts.organization), nl=False)


@cli.command()
@facts_argument
@pack_option
@handle_errors
def validate(facts_file: str, pack_ref: str | None) -> None:
    """Check FILE against the facts schema, reporting every problem at once."""
    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        facts = _read(advisor, facts_file)
    click.echo(f"{facts.source}: valid facts for {pack.id} {pack.version}")


@cli.command()
@pack_option
@handle_errors
def schema(pack_ref: str | None) -> None:
    """Print the facts schema (JSON Schema, draft 2020-12)."""
    pack = resolve_pack(pack_ref)
    click.echo(json.dumps(pack.facts_schema, indent=2, ensure_ascii=False))


@cli.command()
@format_option("text", "json")
@pack_option
@handle_errors
def levels(output_format: str, pack_ref: str | None) -> None:
    """List the pack's maturity levels and the criteria of each."""
    pack = resolve_pack(pack_ref)
    if output_format == "json":
        click.echo(json.dumps(levels_dict(pack), indent=2, ensure_ascii=False))
    else:
        click.echo(render_levels(pack), nl=False)


@cli.command()
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
    from brm_advisor.engine import interview as iv

    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        questions = iv.questions_for(pack)
        answers: dict[str, Any] = {}
        skipped: list[str] = []
        not_asked: list[str] = []
        path = resume or output or Path("brm-interview.yaml")
        if resume is not None:
            answers, skipped, not_asked = iv.load(resume, questions)
            click.echo(f"Resuming {resume}: {len(answers)} answers so far.")
        elif path.exists() and not force and not click.confirm(
                f"{path} exists. Overwrite it?", default=False, err=True):
            _fail(f"error: {path} left as it was; choose another file with -o, or --force",
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


def _ask(advisor: Advisor, iv: Any, question: Any, number: int, total: int,
         answers: dict[str, Any]) -> Any:
    """Ask one question until the answer is accepted; ? explains, help helps."""
    click.echo("")
    lines = question.prompt_lines()
    click.echo(f"[{number}/{total}] {lines[0]}")
    for line in lines[1:]:
        click.echo(line)
    while True:
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


@cli.command()
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write results here: .jsonl (default: standard output) or .csv.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (each compiles the pack once); the output is the same.")
@click.option("--save", is_flag=True, help="Save every valid assessment in the history.")
@click.option("--force", is_flag=True, help="Overwrite the output file without asking.")
@db_option
@pack_option
@handle_errors
def batch(inputs: tuple[str, ...], output: Path | None, workers: int, save: bool,
          force: bool, db: Path | None, pack_ref: str | None) -> None:
    """Assess many organizations: INPUT is a folder of YAML/JSON facts files, a JSONL file
    (one organization a line), a CSV file (columns named by field path, lists split on ';'),
    or '-' for JSONL on standard input.

    Results come out in input order, one JSON object a line (or a CSV row). Invalid records
    are reported and counted, never stop the batch, and make the exit status 1.
    """
    import csv as csv_module

    from brm_advisor.engine import batch as b

    pack = resolve_pack(pack_ref)
    for name in inputs:
        if name != "-" and not Path(name).exists():
            raise click.BadParameter(f"{name!r} does not exist", param_hint="INPUT")
    if output is not None and output.exists() and not force and not click.confirm(
            f"{output} exists. Overwrite it?", default=False, err=True):
        _fail(f"error: {output} left as it was; choose another name, or --force", EXIT_USAGE)
    as_csv = output is not None and output.suffix.lower() == ".csv"
    stream = output.open("w", encoding="utf-8", newline="") if output else None
    sink: Any = stream or sys.stdout
    writer = csv_module.writer(sink, lineterminator="\n") if as_csv else None
    if writer is not None:
        writer.writerow(b.CSV_COLUMNS)
    summary = b.Summary()
    progress = sys.stderr.isatty()
    records = b.read_records(inputs, pack.facts_schema, sys.stdin.buffer)
    history = None
    pending: list[tuple[Any, Any, str]] = []
    try:
        if save:
            from brm_advisor.engine.history import History

            history = History(db)
        # with workers, each worker compiles the pack; the parent only reads and writes
        with contextlib.ExitStack() as stack:
            advisor = stack.enter_context(Advisor(pack)) if workers == 1 else None
            outcomes = b.assess_all(pack, records, workers, advisor=advisor, keep=save)
            for outcome in outcomes:
                summary.add(outcome)
                if writer is not None:
                    writer.writerow(b.csv_row(outcome))
                else:
                    sink.write(outcome.line + "\n")
                if outcome.error:
                    click.echo(outcome.error, err=True)
                if history is not None and outcome.facts is not None:
                    pending.append((outcome.facts, outcome.result, outcome.source))
                    if len(pending) >= 500:
                        history.save_many(pending, batch=_batch_id(inputs))
                        pending = []
                if progress and summary.total % 1000 == 0:
                    click.echo(f"\r{summary.total} records", err=True, nl=False)
            if history is not None and pending:
                history.save_many(pending, batch=_batch_id(inputs))
    finally:
        if stream is not None:
            stream.close()
        if history is not None:
            history.close()
    if progress:
        click.echo("\r", err=True, nl=False)
    _batch_summary(summary, pack)
    if summary.invalid:
        sys.exit(EXIT_INVALID)


def _batch_id(inputs: tuple[str, ...]) -> str:
    return " ".join(inputs)


def _batch_summary(summary: Any, pack: Any) -> None:
    data = summary.to_dict(pack)
    click.echo(f"{data['records']} records: {data['valid']} assessed, {data['invalid']} invalid",
               err=True)
    names = {level.id: level.name for level in pack.levels}
    for level_id, count in data["levels"].items():
        click.echo(f"  {names[level_id]}: {count}", err=True)
    if data["most_common_gaps"]:
        click.echo("  most common unmet criteria: " + ", ".join(
            f"{ident} ({count})" for ident, count in data["most_common_gaps"]), err=True)


@cli.group()
def history() -> None:
    """Saved assessments: list them, and show an organization's levels over time."""


@history.command("list")
@click.argument("organization", required=False)
@format_option("text", "json")
@db_option
@handle_errors
def history_list(organization: str | None, output_format: str, db: Path | None) -> None:
    """List saved assessments (of ORGANIZATION, or all)."""
    from brm_advisor.engine.history import History

    with History(db) as store:
        saved = store.assessments(organization)
    if output_format == "json":
        click.echo(json.dumps([s.summary() for s in saved], indent=2, ensure_ascii=False))
        return
    for item in saved:
        click.echo(f"#{item.id}  {item.saved_at[:19]}  {item.organization}: "
                   f"{item.result['level']['name']}  ({item.pack_id} {item.pack_version}, "
                   f"{item.source})")
    if not saved:
        click.echo("no saved assessments" + (f" of {organization}" if organization else ""))


@history.command("show")
@click.argument("organization")
@format_option("text", "json")
@db_option
@handle_errors
def history_show(organization: str, output_format: str, db: Path | None) -> None:
    """An organization's levels over time, with the trend."""
    from brm_advisor.engine.history import History, trend

    with History(db) as store:
        saved = store.assessments(organization)
        known = store.organizations()
    if not saved:
        from brm_advisor.engine.validation import suggest

        guess = suggest(organization, known)
        hint = f" (did you mean {guess!r}?)" if guess else ""
        raise HistoryError(f"no saved assessment of {organization!r}{hint}")
    direction = trend(saved)
    if output_format == "json":
        click.echo(json.dumps({"organization": organization, "trend": direction,
                               "assessments": [s.summary() for s in saved]},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"{organization}: {len(saved)} assessments, trend {direction}")
    for item in saved:
        level = item.result["level"]
        bar = "#" * level["rank"]
        click.echo(f"  {item.saved_at[:10]}  #{item.id:<5} {bar:<6} {level['name']}  "
                   f"({item.pack_id} {item.pack_version})")


@cli.command("compare")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@format_option("text", "json")
@db_option
@pack_option
@handle_errors
def compare_command(first: str, second: str, output_format: str, db: Path | None,
                    pack_ref: str | None) -> None:
    """Compare two assessments: A and B are saved ones (#ID) or facts files.

    Shows the facts that changed, the criteria that flipped and the level before and after.
    When the pack differs, it separates what changed because of the rules (A's facts re-run
    on the current pack) from what changed because of the facts.
    """
    from brm_advisor.engine.compare import compare

    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        a = _snapshot(advisor, first, db)
        b = _snapshot(advisor, second, db)
        report = compare(advisor, a, b)
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{a.label} -> {b.label}: {report.overall.level_before['name']} -> "
               f"{report.overall.level_after['name']}")
    click.echo("Facts that changed")
    for path, x, y in report.facts_changed:
        click.echo(f"  {path}: {_shown(x)} -> {_shown(y)}")
    if not report.facts_changed:
        click.echo("  none")
    sections = [("Overall", report.overall)]
    if report.because_of_rules is not None and report.because_of_facts is not None:
        click.echo(f"The pack changed: {a.pack_id} {a.pack_version} -> {b.pack_id} "
                   f"{b.pack_version}")
        sections += [("Because of the rules (A's facts on the new pack)",
                      report.because_of_rules),
                     ("Because of the facts", report.because_of_facts)]
    for title, d in sections:
        click.echo(f"{title}: {d.level_before['name']} -> {d.level_after['name']}")
        for ident, before, after in d.flipped:
            click.echo(f"  {ident}: {_met(before)} -> {_met(after)}")


def _shown(value: Any) -> str:
    if value is None:
        return "(not given)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _met(value: bool | None) -> str:
    return "absent" if value is None else "met" if value else "unmet"


def _snapshot(advisor: Advisor, reference: str, db: Path | None) -> Any:
    from brm_advisor.engine.compare import Snapshot

    if Path(reference).is_file() or reference == "-":
        facts = _read(advisor, reference)
        diagnosis = advisor.assess(facts)
        return Snapshot(reference, facts.data, diagnosis.to_dict(), diagnosis.pack.id,
                        diagnosis.pack.version, diagnosis.pack.content_hash)
    number = reference.lstrip("#")
    if not number.isdigit():
        raise click.BadParameter(f"{reference!r} is neither a facts file nor a saved "
                                 "assessment (#ID)")
    from brm_advisor.engine.history import History

    with History(db) as store:
        saved = store.get(int(number))
    return Snapshot(f"#{saved.id}", saved.facts, saved.result, saved.pack_id,
                    saved.pack_version, saved.pack_hash)


@cli.group()
def packs() -> None:
    """Rule packs: list, show, create, lint and test the frameworks brm-advisor runs."""


@packs.command("list")
@format_option("text", "json")
@click.option("--pack", "paths", metavar="PATH", multiple=True,
              help="Also list the pack in this folder (repeatable).")
@handle_errors
def packs_list(output_format: str, paths: tuple[str, ...]) -> None:
    """List the packs: shipped with brm-advisor, installed by other distributions, and the
    folders given with --pack."""
    from brm_advisor.engine.packs import available_packs, find_pack

    rows = []
    for ref in [*available_packs(), *(find_pack(path) for path in paths)]:
        try:
            pack = load_pack(ref.location)
            rows.append({"id": pack.id, "version": pack.version, "name": pack.name,
                         "origin": ref.origin, "location": str(ref.location),
                         "distribution": ref.distribution, "valid": True})
        except PackError:
            rows.append({"id": ref.id, "version": None, "name": None, "origin": ref.origin,
                         "location": str(ref.location), "distribution": ref.distribution,
                         "valid": False})
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        state = "" if row["valid"] else "  (does not load: run brm packs lint)"
        click.echo(f"{row['id']} {row['version'] or '?'}  [{row['origin']}]  "
                   f"{row['name'] or ''}{state}")
        click.echo(f"    {row['location']}")
    click.echo("Use --pack PATH for a pack in a folder of your own.")


@packs.command("show")
@click.argument("pack_ref", metavar="PACK")
@format_option("text", "json")
@handle_errors
def packs_show(pack_ref: str, output_format: str) -> None:
    """Show a pack (id or folder): its levels, criteria and the facts it asks for."""
    pack = resolve_pack(pack_ref)
    data = levels_dict(pack)
    from brm_advisor.engine.lint import tested_paths

    tested = tested_paths(pack)
    data["facts"] = [{"path": info.path, "kind": info.kind, "required": info.required,
                      "choices": list(info.choices), "tested_by_rules": info.path in tested}
                     for info in pack.fact_paths.values()]
    data["counts"] = {"derived": len(pack.derived), "criteria": len(pack.criteria),
                      "recommendations": len(pack.recommendations),
                      "findings": len(pack.findings)}
    data["sources"] = [s._asdict() for s in pack.sources]
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(render_levels(pack), nl=False)
    click.echo("\nFacts its rules test")
    for fact in data["facts"]:
        if not fact["tested_by_rules"]:
            continue
        need = "required" if fact["required"] else "optional"
        click.echo(f"  {fact['path']} ({fact['kind']}, {need})")
        if fact["choices"]:
            click.echo(textwrap.fill(", ".join(map(str, fact["choices"])), width=80,
                                     initial_indent="      ", subsequent_indent="      "))
    others = [f["path"] for f in data["facts"] if not f["tested_by_rules"]]
    if others:
        click.echo(textwrap.fill("Also in its facts schema: " + ", ".join(others), width=80,
                                 initial_indent="  ", subsequent_indent="  "))
    counts = data["counts"]
    click.echo(f"\n{counts['derived']} derived facts, {counts['criteria']} criteria, "
               f"{counts['recommendations']} recommendations, {counts['findings']} findings")


@packs.command("new")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--id", "pack_id", default=None, help="Pack id (default: from the folder name).")
@click.option("--name", default=None, help="Pack name (default: from the folder name).")
@click.option("--force", is_flag=True, help="Overwrite an existing pack.yaml and tests.")
@handle_errors
def packs_new(folder: Path, pack_id: str | None, name: str | None, force: bool) -> None:
    """Create a working pack in FOLDER to start from: it passes its own lint and tests."""
    from brm_advisor.engine.packs import ScaffoldError, scaffold

    stem = folder.resolve().name
    pack_id = pack_id or re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-") or "my-pack"
    if not pack_id[0].isalpha():
        pack_id = "pack-" + pack_id
    try:
        written = scaffold(folder, pack_id, name or stem.replace("-", " ").replace("_", " "),
                           force=force)
    except ScaffoldError as error:
        _fail(f"error: {error}", EXIT_USAGE)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: brm packs lint {folder} && brm packs test {folder}")


@packs.command("lint")
@click.argument("pack_ref", metavar="PACK")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@format_option("text", "json")
@handle_errors
def packs_lint(pack_ref: str, strict: bool, output_format: str) -> None:
    """Check a pack (folder or id) for every problem at once; exit 1 on errors."""
    from brm_advisor.engine.lint import lint_pack
    from brm_advisor.engine.packs import find_pack

    report = lint_pack(find_pack(pack_ref).location)
    if output_format == "json":
        click.echo(json.dumps({"pack": report.source, "problems": [
            {"severity": p.severity, "subject": p.subject, **p.issue.to_dict()}
            for p in report.problems]}, indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            click.echo(problem.describe(report.source), err=problem.severity == "error")
        click.echo(f"{report.source}: {len(report.errors)} errors, "
                   f"{len(report.warnings)} warnings")
    if report.errors or (strict and report.warnings):
        sys.exit(EXIT_INVALID)


@packs.command("test")
@click.argument("pack_ref", metavar="PACK")
@format_option("text", "json")
@handle_errors
def packs_test(pack_ref: str, output_format: str) -> None:
    """Run the cases in the pack's tests/ folder; exit 1 if any fails."""
    from brm_advisor.engine.pack_tests import run_cases

    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        results = list(run_cases(advisor, Path(pack.location) / "tests"))
    failed = [r for r in results if not r.passed]
    if output_format == "json":
        click.echo(json.dumps({"pack": {"id": pack.id, "version": pack.version},
                               "passed": len(results) - len(failed), "failed": len(failed),
                               "cases": [{"case": r.case.case_id, "passed": r.passed,
                                          "failures": list(r.failures)} for r in results]},
                              indent=2, ensure_ascii=False))
    else:
        for result in results:
            click.echo(f"{'PASS' if result.passed else 'FAIL'}  {result.case.case_id}")
            for failure in result.failures:
                click.echo(f"      {failure}")
        click.echo(f"{pack.id} {pack.version}: {len(results) - len(failed)} passed, "
                   f"{len(failed)} failed")
    if failed or not results:
        sys.exit(EXIT_INVALID)


def main() -> None:
    """Entry point of the `brm` console script."""
    try:
        cli.main(prog_name="brm")
    except BrokenPipeError:  # `brm assess x | head`: the reader left; not an error of ours
        sys.stderr.close()
        sys.exit(0)
