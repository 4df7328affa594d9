"""Portfolio commands: batch, history, compare."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from brm_advisor.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    db_option,
    fail,
    format_option,
    handle_errors,
    pack_option,
)
from brm_advisor.engine import (
    Advisor,
    EngineError,
    RulePack,
    count_records,
    input_problems,
    read_records,
    resolve_pack,
    words,
)

if TYPE_CHECKING:
    from brm_advisor.engine import BatchOutput, History, Snapshot, Summary, Timeline

EXIT_INTERRUPTED = 130  # as a shell reports a program stopped by Ctrl-C (128 + SIGINT)


@click.command()
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write results here: .jsonl (default: standard output) or .csv.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (each compiles the pack once); the output is the same.")
@click.option("--save", is_flag=True, help="Save every valid assessment in the history.")
@click.option("--force", is_flag=True, help="Overwrite the output file without asking.")
@click.option("--columns", "columns_path", type=click.Path(exists=True, dir_okay=False),
              default=None, metavar="MAP.yaml",
              help="Map a CSV or XLSX export's own headings (and cell texts) to facts fields.")
@click.option("--sheet", default=None, metavar="NAME",
              help="The sheet of an .xlsx input to read (default: the first).")
@db_option
@pack_option
@handle_errors
def batch(inputs: tuple[str, ...], output: Path | None, workers: int, save: bool,
          force: bool, columns_path: str | None, sheet: str | None, db: Path | None,
          pack_ref: str | None) -> None:
    """Assess many organizations: INPUT is a folder of YAML/JSON facts files, a JSONL file
    (one organization a line), a CSV file or an XLSX sheet (columns named by field path,
    lists split on ';'; or a survey export's own headings with --columns MAP.yaml), or '-'
    for JSONL on standard input.

    Results come out in input order, one JSON object a line (or a CSV row). Invalid records
    are reported and counted, never stop the batch, and make the exit status 1. Ctrl-C stops
    after the record being assessed: what was assessed is written and saved (exit status 130).
    """
    from brm_advisor.engine import BatchOutput, batch_id

    pack = resolve_pack(pack_ref)
    _check_paths(inputs, output, force)
    columns = _columns(columns_path, inputs, pack, sheet)
    tty = sys.stderr.isatty()
    progress = _Progress(count_records(inputs) if tty else None, tty)
    with contextlib.ExitStack() as stack:
        history = stack.enter_context(_history(db)) if save else None
        out = BatchOutput(output or sys.stdout, history, batch_id(inputs),
                          [d.id for d in pack.dimensions])
        try:
            interrupted = _assess_and_write(pack, inputs, workers, out, progress,
                                            (columns, sheet))
        except (KeyboardInterrupt, EngineError) as error:
            _stopped(out, pack, progress, "interrupted" if isinstance(error, KeyboardInterrupt)
                     else "stopped")
            if isinstance(error, EngineError):
                raise
            sys.exit(EXIT_INTERRUPTED)
    if interrupted:
        _stopped(out, pack, progress, "interrupted")
        sys.exit(EXIT_INTERRUPTED)
    progress.close()
    _batch_summary(out.summary, pack)
    if out.summary.invalid:
        sys.exit(EXIT_INVALID)


def _history(db: Path | None) -> History:
    from brm_advisor.engine import History

    return History(db)


def _check_paths(inputs: tuple[str, ...], output: Path | None, force: bool) -> None:
    """Refuse, before anything is read or written: inputs that are missing or not files or
    folders, an output that is one of the inputs, and overwriting without asking."""
    from brm_advisor.engine import overwritten_input

    problems = input_problems(inputs)
    if problems:
        raise click.BadParameter("; ".join(problems), param_hint="INPUT")
    if output is None:
        return
    clash = overwritten_input(output, inputs)
    if clash is not None:
        raise click.BadParameter(f"{output} is one of the inputs ({clash}): the results would "
                                 "replace it; write them to another file",
                                 param_hint="'-o' / '--output'")
    if output.exists() and not force and not click.confirm(
            f"{output} exists. Overwrite it?", default=False, err=True):
        fail(f"error: {output} left as it was; choose another name, or --force", EXIT_USAGE)


def _columns(path: str | None, inputs: tuple[str, ...], pack: RulePack,
             sheet: str | None) -> Any:
    """The column map, checked against the header of every CSV and XLSX input before
    anything is read or written: every problem of every file at once (exit status 1)."""
    if path is None:
        return None
    from brm_advisor.engine import load_column_map, table_errors

    columns = load_column_map(path, pack.fields)
    errors = table_errors(inputs, pack.fields, columns, sheet)
    if errors:
        text = "\n".join(f"error: {e.source} does not fit the column map {columns.source} "
                         f"({words.plural(e.total, 'problem')}):\n"
                         + "\n".join("  " + i.describe(e.source) for i in e.issues)
                         for e in errors)
        fail(text + "\nnothing was assessed or written", EXIT_INVALID)
    return columns


def _assess_and_write(pack: RulePack, inputs: tuple[str, ...], workers: int,
                      out: BatchOutput, progress: _Progress, table: tuple[Any, str | None]
                      ) -> bool:
    """Every record assessed and written (and saved); True when Ctrl-C stopped it early.
    `table`: the column map (or None) and the sheet of XLSX inputs."""
    from brm_advisor.engine import assess_all

    records = read_records(inputs, pack.fields, sys.stdin.buffer, *table)
    with contextlib.ExitStack() as stack:
        ctrl_c = stack.enter_context(_CtrlC())
        stack.enter_context(out)
        # with workers, each worker compiles the pack; the parent only reads and writes
        outcomes = stack.enter_context(contextlib.closing(
            assess_all(pack, records, workers, keep=out.history is not None)))
        # once assessing ends, the workers are stopped and what was assessed is written and
        # saved: Ctrl-C no longer interrupts that
        stack.callback(ctrl_c.finish)
        for outcome in outcomes:
            with ctrl_c.holding():  # a record is written and counted whole
                out.write(outcome)
                if outcome.error and not outcome.quiet:
                    progress.close()  # the error on a line of its own, the bar redrawn after
                    click.echo(outcome.error, err=True)
                progress.step(out.summary.total)
            if ctrl_c.pressed:
                break
    return ctrl_c.pressed


def _stopped(out: BatchOutput, pack: RulePack, progress: _Progress, how: str) -> None:
    """What a batch stopped early did: its summary, and what was written and saved."""
    progress.close()
    _batch_summary(out.summary, pack)
    saved = f", {words.plural(out.saved, 'assessment')} saved in the history" \
        if out.history is not None else ""
    click.echo(f"{how}: {words.plural(out.written, 'record')} assessed and written to "
               f"{out.destination}{saved}; the records after them were not assessed", err=True)


class _CtrlC:
    """While a batch runs, the first Ctrl-C asks it to stop after the record being assessed
    (what was assessed is kept and saved); a second one stops it at once (KeyboardInterrupt),
    but never while a record is being written (`holding`: it stops the batch right after)
    nor once the batch is finishing (`finish`: what was assessed is being written and saved,
    and stopping that would lose it)."""

    def __init__(self) -> None:
        self.pressed = False
        self._holding = False
        self._held = False  # a second Ctrl-C came while holding
        self._finishing = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._press)
            self._installed = True
        return self

    def _press(self, signum: int, frame: Any) -> None:
        if not self.pressed:
            self.pressed = True
        elif self._holding or self._finishing:
            self._held = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """A second Ctrl-C in the block stops the batch when the block ends, not inside it."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._held and not self._finishing:
            raise KeyboardInterrupt

    def finish(self) -> None:
        """From now on, Ctrl-C is ignored: the batch is writing and saving what it did."""
        self._finishing = True

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous if self._previous is not None
                          else signal.default_int_handler)


class _Progress:
    """A bar on stderr when it is a terminal; a running count when the total is unknown."""

    WIDTH = 30

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.shown = False

    def step(self, done: int) -> None:
        if not self.enabled or done % 100:
            return
        self.shown = True
        if self.total:
            filled = min(self.WIDTH, self.WIDTH * done // self.total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            text = f"[{bar}] {100 * done // self.total:3d}% {done}/{self.total} records"
        else:
            text = f"{done} records"
        click.echo("\r" + text, err=True, nl=False)

    def close(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 70 + "\r", err=True, nl=False)
            self.shown = False


def _batch_summary(summary: Summary, pack: RulePack) -> None:
    data = summary.to_dict(pack)
    click.echo(f"{data['records']} records: {data['valid']} assessed, {data['invalid']} invalid",
               err=True)
    for name, count in summary.named_levels(pack):
        click.echo(f"  {name}: {count}", err=True)
    for dimension, levels in summary.named_dimension_levels(pack):
        click.echo(f"  {dimension}: " + ", ".join(f"{name} {count}" for name, count in levels),
                   err=True)
    if data["most_common_gaps"]:
        click.echo("  most common unmet criteria: " + ", ".join(
            f"{ident} ({count})" for ident, count in data["most_common_gaps"]), err=True)


@click.group()
def history() -> None:
    """Saved assessments: list them, and show an organization's levels over time."""


@history.command("list")
@click.argument("organization", required=False)
@format_option("text", "json")
@db_option
@handle_errors
def history_list(organization: str | None, output_format: str, db: Path | None) -> None:
    """List saved assessments (of ORGANIZATION, or all)."""
    from brm_advisor.engine import listing

    with _history(db) as store:
        saved = store.assessments(organization)
    if output_format == "json":
        click.echo(json.dumps(listing(saved), indent=2, ensure_ascii=False))
        return
    for item in saved:
        sides = ", ".join(f"{d.name}: {d.level_name}" for d in item.dimensions)
        click.echo(f"#{item.id}  {item.saved_at[:19]}  {item.organization}: "
                   f"{item.result['level']['name']}" + (f" [{sides}]" if sides else "")
                   + f"  ({item.pack_id} {item.pack_version}, {item.source})")
    if not saved:
        click.echo("no saved assessments" + (f" of {organization}" if organization else ""))


@history.command("show")
@click.argument("organization")
@format_option("text", "json")
@db_option
@handle_errors
def history_show(organization: str, output_format: str, db: Path | None) -> None:
    """An organization's levels over time, with the trend."""
    with _history(db) as store:
        timeline = store.timeline(organization)
    if output_format == "json":
        click.echo(json.dumps(timeline.to_dict(), indent=2, ensure_ascii=False))
        return
    if timeline.units:
        _units_timeline(timeline)
        return
    click.echo(f"{organization}: {len(timeline.assessments)} assessments, trend "
               f"{timeline.trend}")
    for item in timeline.assessments:
        bar = "#" * item.level_rank
        click.echo(f"  {item.date}  #{item.id:<5} {bar:<6} "
                   f"{item.result['level']['name']}  ({item.pack_id} {item.pack_version})")
    for dimension in timeline.dimensions:  # a line per dimension: its levels, its trend
        levels = [d.level_name if d else "-" for d in
                  (item.dimension(dimension.id) for item in timeline.assessments)]
        click.echo(f"  {dimension.name}: {' -> '.join(levels)}  (trend {dimension.trend})")


def _units_timeline(timeline: Timeline) -> None:
    """An organization assessed unit by unit: its level per assessment date (the lowest unit
    that day), then each unit's levels over time with its own trend."""
    dates = len(timeline.dated)
    click.echo(f"{timeline.organization}: {len(timeline.units)} business units assessed on "
               f"{words.plural(dates, 'date')}, trend {timeline.trend}")
    for point in timeline.dated:
        click.echo(f"  {point.date}  {'#' * point.level_rank:<6} {point.level_name}  "
                   f"(the lowest of {words.plural(len(point.units), 'unit')})")
    for unit in timeline.units:
        levels = " -> ".join(f"{item.result['level']['name']} ({item.date}, #{item.id})"
                             for item in unit.assessments)
        click.echo(f"  {unit.name}: {levels}  (trend {unit.trend})")


@click.command("compare")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B", required=False)
@format_option("text", "json")
@db_option
@pack_option
@handle_errors
def compare_command(first: str, second: str | None, output_format: str, db: Path | None,
                    pack_ref: str | None) -> None:
    """Compare two assessments: A and B are saved ones (#ID) or facts files.

    Shows the facts that changed, the criteria that flipped and the level before and after.
    When the pack differs, it separates what changed because of the rules (A's facts re-run
    on the current pack) from what changed because of the facts.

    With A alone, an organization of the history assessed unit by unit: its latest
    engagement against its previous one (the two latest assessment dates), unit by unit.
    """
    from brm_advisor.engine import compare

    if second is None:
        _compare_engagements(first, output_format, db)
        return
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
        click.echo(f"  {path}: {words.show_value(x)} -> {words.show_value(y)}")
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
        for change in d.dimensions:
            click.echo(f"  {change.name}: {_level_name(change.before)} -> "
                       f"{_level_name(change.after)} ({words.MOVED[change.moved]})")
        for ident, before, after in d.flipped:
            click.echo(f"  {ident}: {words.met_word(before)} -> {words.met_word(after)}")


def _compare_engagements(organization: str, output_format: str, db: Path | None) -> None:
    from brm_advisor.engine import compare_engagements

    with _history(db) as store:
        timeline = store.timeline(organization)
    compared = compare_engagements(timeline)
    if compared is None:
        fail(f"error: {organization!r} has been assessed on one date only "
             f"({timeline.assessments[0].date}): give A and B to compare two assessments",
             EXIT_USAGE)
        return
    if output_format == "json":
        click.echo(json.dumps(compared.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{compared.organization}: {compared.before['name']} ({compared.before_date})"
               f" -> {compared.after['name']} ({compared.after_date})")
    for unit in compared.units:
        click.echo(f"  {unit.unit}: {_level_name(unit.before)} -> {_level_name(unit.after)} "
                   f"({words.UNIT_MOVED[unit.moved]})")


def _level_name(level: Mapping[str, Any] | None) -> str:
    return str(level["name"]) if level is not None else "-"


def _snapshot(advisor: Advisor, reference: str, db: Path | None) -> Snapshot:
    from brm_advisor.engine import load_snapshot

    snapshot = load_snapshot(advisor, reference, db, sys.stdin.buffer)
    if snapshot is None:
        raise click.BadParameter(f"{reference!r} is neither a facts file nor a saved "
                                 "assessment (#ID)")
    return snapshot
