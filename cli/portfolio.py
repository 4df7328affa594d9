"""Portfolio commands: batch, history, compare."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from brm_advisor.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    db_option,
    fail,
    format_option,
    handle_errors,
    pack_option,
    read_facts,
)
from brm_advisor.engine import Advisor, HistoryError, resolve_pack
from brm_advisor.engine.present.words import did_you_mean, met_word, show_value, suggest


@click.command()
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

    from brm_advisor.engine.portfolio import batch as b

    pack = resolve_pack(pack_ref)
    for name in inputs:
        if name != "-" and not Path(name).exists():
            raise click.BadParameter(f"{name!r} does not exist", param_hint="INPUT")
    if output is not None and output.exists() and not force and not click.confirm(
            f"{output} exists. Overwrite it?", default=False, err=True):
        fail(f"error: {output} left as it was; choose another name, or --force", EXIT_USAGE)
    as_csv = output is not None and output.suffix.lower() == ".csv"
    stream = output.open("w", encoding="utf-8", newline="") if output else None
    sink: Any = stream or sys.stdout
    writer = csv_module.writer(sink, lineterminator="\n") if as_csv else None
    if writer is not None:
        writer.writerow(b.CSV_COLUMNS)
    summary = b.Summary()
    progress = _Progress(b.count_records(inputs) if sys.stderr.isatty() else None,
                         sys.stderr.isatty())
    records = b.read_records(inputs, pack.facts_schema, sys.stdin.buffer)
    history = None
    pending: list[tuple[Any, Any, str]] = []
    try:
        if save:
            from brm_advisor.engine.portfolio.history import History

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
                    progress.close()  # the error on a line of its own, the bar redrawn after
                    click.echo(outcome.error, err=True)
                if history is not None and outcome.facts is not None:
                    pending.append((outcome.facts, outcome.result, outcome.source))
                    if len(pending) >= 500:
                        history.save_many(pending, batch=_batch_id(inputs))
                        pending = []
                progress.step(summary.total)
            if history is not None and pending:
                history.save_many(pending, batch=_batch_id(inputs))
    finally:
        if stream is not None:
            stream.close()
        if history is not None:
            history.close()
    progress.close()
    _batch_summary(summary, pack)
    if summary.invalid:
        sys.exit(EXIT_INVALID)


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
    from brm_advisor.engine.portfolio.history import History

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
    from brm_advisor.engine.portfolio.history import History, trend

    with History(db) as store:
        saved = store.assessments(organization)
        known = store.organizations()
    if not saved:
        raise HistoryError(f"no saved assessment of {organization!r}"
                           + did_you_mean(suggest(organization, known)))
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


@click.command("compare")
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
    from brm_advisor.engine.portfolio.compare import compare

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
        click.echo(f"  {path}: {show_value(x)} -> {show_value(y)}")
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
            click.echo(f"  {ident}: {met_word(before)} -> {met_word(after)}")


def _snapshot(advisor: Advisor, reference: str, db: Path | None) -> Any:
    from brm_advisor.engine.portfolio.compare import Snapshot

    if Path(reference).is_file() or reference == "-":
        facts = read_facts(advisor, reference)
        diagnosis = advisor.assess(facts)
        return Snapshot(reference, facts.data, diagnosis.to_dict(), diagnosis.pack.id,
                        diagnosis.pack.version, diagnosis.pack.content_hash)
    number = reference.lstrip("#")
    if not number.isdigit():
        raise click.BadParameter(f"{reference!r} is neither a facts file nor a saved "
                                 "assessment (#ID)")
    from brm_advisor.engine.portfolio.history import History

    with History(db) as store:
        saved = store.get(int(number))
    return Snapshot(f"#{saved.id}", saved.facts, saved.result, saved.pack_id,
                    saved.pack_version, saved.pack_hash)
