"""Commands about one organization: assess, validate, schema, levels, explain, whatif, report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from brm_advisor.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    TRACE_HINT,
    anonymize_option,
    broken_units_exit,
    db_option,
    facts_argument,
    facts_or_engagement_argument,
    fail,
    format_option,
    handle_errors,
    pack_option,
    read_facts,
    split_targets,
    target_option,
)
from brm_advisor.engine import (
    Advisor,
    BrowserError,
    Combined,
    Diagnosis,
    EngagementResult,
    Facts,
    UnknownUnitError,
    anonymized_engagement,
    assess_engagement,
    engagement_report_context,
    explain,
    facts_evidence,
    is_engagement,
    levels_dict,
    parse_edit,
    print_pdf,
    read_engagement,
    render_combined,
    render_comparison,
    render_engagement_text,
    render_explanation,
    render_json,
    render_levels,
    render_report,
    render_search,
    render_text,
    report_context,
    resolve_pack,
    search,
    what_if,
    words,
    write_text,
)


@click.command()
@facts_or_engagement_argument
@format_option("text", "json", "markdown", "html")
@target_option("Level to aim for (overrides target_level in the file); recommendations then "
               "cover every level up to it. For a pack with dimensions, also DIMENSION=LEVEL "
               "(the level by id, rank or name, e.g. demand=2), repeatable.")
@click.option("--explain", "with_explanation", is_flag=True,
              help="Append the explanation (as `brm explain` gives it).")
@click.option("--save", is_flag=True, help="Save the assessment in the history database.")
@click.option("--keep-profiles", is_flag=True,
              help="With --save: keep each BRM's own ratings in the history (by default it "
                   "keeps only the practice ratings derived from them).")
@anonymize_option
@db_option
@pack_option
@handle_errors
def assess(facts_file: str, output_format: str, target_texts: tuple[str, ...],
           with_explanation: bool, save: bool, keep_profiles: bool, anonymize: bool,
           db: Path | None, pack_ref: str | None) -> None:
    """Diagnose the organization described in FILE ('-' reads standard input).

    Prints the level, why it was reached and why the next one was not, the gaps,
    the recommendations in order and the findings, with the evidence the facts give.

    An engagement (a FOLDER of business units' facts files, or an engagement.yaml listing
    the units and their respondents) is assessed unit by unit: the organization rolled up
    first, then each unit's diagnosis under its name. Exit status 1 when a unit could not be
    assessed (the others are still reported).
    """
    pack = resolve_pack(pack_ref)
    target, targets = split_targets(pack, target_texts)
    with Advisor(pack) as advisor:
        if target is not None:
            advisor.level_ref(target)  # an unknown level is a usage error, before reading
        if facts_file != "-" and is_engagement(facts_file):
            if with_explanation:
                raise click.UsageError(f"--explain takes one facts file, not an engagement "
                                       f"({facts_file})")
            result = _assess_engagement(advisor, facts_file, target, targets, anonymize)
            if save:
                _save_units(advisor, result, db, keep_profiles, target, targets)
            click.echo(_engagement_output(advisor, result, output_format), nl=False)
            broken_units_exit(result)
            return
        facts = read_facts(advisor, facts_file, anonymize)
        diagnosis = _assess(advisor, facts, target, targets)
        if save:
            from brm_advisor.engine import History

            kept, kept_diagnosis = advisor.for_history(facts, diagnosis, keep_profiles,
                                                       target, targets)
            with History(db) as history:
                saved = history.save(kept.data, kept_diagnosis, facts.source)
            click.echo(f"saved as #{saved} in {history.path}", err=True)
        if output_format in ("markdown", "html"):
            click.echo(_report_text(advisor, facts, diagnosis, output_format), nl=False)
            return
        explanation = None
        if with_explanation:
            explanation = explain(advisor, facts, diagnosis)
        if output_format == "json":
            click.echo(render_json(diagnosis, explanation, facts_evidence(facts)), nl=False)
        else:
            click.echo(render_text(diagnosis, pack, facts_evidence(facts), TRACE_HINT),
                       nl=False)
            if explanation is not None:
                click.echo("\n" + render_explanation(explanation, pack), nl=False)


def _assess(advisor: Advisor, facts: Facts, target: str | None,
            targets: dict[str, str]) -> Diagnosis:
    """The diagnosis toward the targets given (a level per dimension only when some is)."""
    if targets:
        return advisor.assess(facts, target=target, targets=targets)
    return advisor.assess(facts, target=target)


def _save_units(advisor: Advisor, result: EngagementResult, db: Path | None,
                keep_profiles: bool, target: str | None, targets: dict[str, str]) -> None:
    """Each assessed unit saved in the history (its combined facts and its diagnosis, keyed
    by organization and business unit, dated by assessed_on), all in one transaction."""
    from brm_advisor.engine import History

    with History(db) as history:
        ids = history.save_many(result.history_items(advisor, keep_profiles, target, targets))
    if ids:
        click.echo(f"saved {len(ids)} units as #{ids[0]}-#{ids[-1]} in {history.path}",
                   err=True)


def _assess_engagement(advisor: Advisor, path: str, target: str | None,
                       targets: dict[str, str], anonymize: bool = False) -> EngagementResult:
    """Each unit of the engagement at `path` assessed (toward the targets given), then the
    organization rolled up; naming no one when `anonymize`."""
    engagement = read_engagement(path, advisor.reader, advisor.pack.fields)
    if anonymize:
        engagement = anonymized_engagement(engagement)
    return assess_engagement(advisor, engagement, target=target, targets=targets or None)


def _engagement_output(advisor: Advisor, result: EngagementResult, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if output_format in ("markdown", "html"):
        return render_report(engagement_report_context(result, advisor.pack), output_format,
                             "engagement")
    return render_engagement_text(result, advisor.pack, TRACE_HINT)


def _report_text(advisor: Advisor, facts: Facts, diagnosis: Diagnosis,
                 report_format: str) -> str:
    context = report_context(advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    return render_report(context, report_format)


@click.command()
@facts_or_engagement_argument
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The report file: .html or .md (or say --format).")
@click.option("--format", "report_format", type=click.Choice(["html", "markdown"]),
              default=None, help="html or markdown (default: from the file's extension).")
@target_option()
@click.option("--pdf", is_flag=True,
              help="Also write a PDF beside the HTML, through a headless Chromium.")
@click.option("--force", is_flag=True, help="Overwrite existing files without asking.")
@anonymize_option
@pack_option
@handle_errors
def report(facts_file: str, output: Path, report_format: str | None,
           target_texts: tuple[str, ...], pdf: bool, force: bool, anonymize: bool,
           pack_ref: str | None) -> None:
    """Write a report to hand over: summary, maturity ladder, competency radar, criteria,
    roadmap, findings and the explanation, as self-contained HTML or as Markdown.

    For an engagement (a FOLDER of business units' facts files, or an engagement.yaml): one
    report for the organization, with a units heatmap, the roll-up, common gaps, shared
    recommendations and a section per unit. Exit status 1 when a unit could not be assessed
    (the report is written with the others)."""
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
            fail(f"error: {path} left as it was; choose another name, or --force", EXIT_USAGE)
    pack = resolve_pack(pack_ref)
    target, targets = split_targets(pack, target_texts)
    with Advisor(pack) as advisor:
        if target is not None:
            advisor.level_ref(target)
        result: EngagementResult | None = None
        if facts_file != "-" and is_engagement(facts_file):
            result = _assess_engagement(advisor, facts_file, target, targets, anonymize)
            write_text(output, _engagement_output(advisor, result, report_format))
        else:
            facts = read_facts(advisor, facts_file, anonymize)
            diagnosis = _assess(advisor, facts, target, targets)
            write_text(output, _report_text(advisor, facts, diagnosis, report_format))
    click.echo(f"wrote {output} ({report_format})")
    if pdf:
        try:
            print_pdf(output, pdf_path)
        except BrowserError as error:
            fail(f"error: no PDF written: {error}", EXIT_INVALID)
        click.echo(f"wrote {pdf_path}")
    if result is not None:
        broken_units_exit(result)


@click.command("explain")
@facts_or_engagement_argument
@format_option("text", "json")
@click.option("--level", metavar="LEVEL", default=None,
              help="Explain why this level is not attained (default: the next level); for "
                   "a pack with dimensions, also DIMENSION=LEVEL (by id, rank or name).")
@click.option("--unit", metavar="NAME", default=None,
              help="For an engagement (a FOLDER or engagement.yaml): the business unit to "
                   "explain, with each respondent's answers and how they were combined.")
@anonymize_option
@pack_option
@handle_errors
def explain_command(facts_file: str, output_format: str, level: str | None, unit: str | None,
                    anonymize: bool, pack_ref: str | None) -> None:
    """Explain the diagnosis of FILE: why this level, why not the next, what it rests on.

    The proof goes from the level through the criteria and derived facts down to the input
    facts, each step naming the rule that concluded it and its source. For each unmet
    criterion it shows the smallest changes that would meet it, and it lists the facts
    whose change alone would lower the level; both are checked by re-running the engine.
    For a unit of an engagement (--unit), it also shows, for every answer several
    respondents gave, what each said and how the answers were combined.
    """
    pack = resolve_pack(pack_ref)
    if level is not None and "=" in level:  # a dimension's level
        level = next(iter(split_targets(pack, (level,), "--level")[1].values()))
    with Advisor(pack) as advisor:
        if level is not None:
            advisor.level_ref(level)
        facts, combined = _explained_facts(advisor, facts_file, unit, anonymize)
        explanation = explain(advisor, facts, advisor.assess(facts), level=level)
        if output_format == "json":
            click.echo(json.dumps(explanation.to_dict(unit, combined), indent=2,
                                  ensure_ascii=False))
        else:
            click.echo(render_explanation(explanation, pack)
                       + render_combined(unit or "", combined), nl=False)


def _explained_facts(advisor: Advisor, path: str, unit: str | None, anonymize: bool = False
                     ) -> tuple[Facts, tuple[Combined, ...]]:
    """The facts to explain: FILE's, or a unit's of an engagement (with how its respondents'
    answers were combined). A unit not named, or not in the engagement, is a usage error."""
    if path == "-" or not is_engagement(path):
        if unit is not None:
            raise click.UsageError(f"--unit names a business unit of an engagement (a folder "
                                   f"or engagement.yaml), not of {path}")
        return read_facts(advisor, path, anonymize), ()
    engagement = read_engagement(path, advisor.reader, advisor.pack.fields)
    if anonymize:
        engagement = anonymized_engagement(engagement)
    try:
        found = engagement.unit(unit)
    except UnknownUnitError as error:  # no unit of that name (a broken one raises its own)
        said = "name one with --unit" if unit is None else f"no unit {unit!r} in it"
        raise click.UsageError(f"{path} is an engagement: {said}; its units: "
                               f"{', '.join(error.known)}"
                               + words.did_you_mean(error.suggestion)) from error
    return found.facts, found.combined


@click.command()
@facts_argument
@target_option("Find the fewest fact changes that reach this level. For a pack with "
               "dimensions, also DIMENSION=LEVEL (the level by id, rank or name, e.g. "
               "demand=2 or demand=managed), repeatable, with or without an overall level: "
               "every level named is reached.")
@click.option("--set", "edits", metavar="EDIT", multiple=True,
              help="Change a fact and compare: PATH=VALUE, PATH+=ITEM, PATH-=ITEM, "
                   "PATH=null (repeatable).")
@format_option("text", "json")
@anonymize_option
@pack_option
@handle_errors
def whatif(facts_file: str, target_texts: tuple[str, ...], edits: tuple[str, ...],
           output_format: str, anonymize: bool, pack_ref: str | None) -> None:
    """What would change the diagnosis of FILE? The file itself is never modified.

    With --target: the smallest sets of fact changes (fewest fields) that reach the level,
    each confirmed by re-running the engine. With --set: the diagnosis before and after
    the edits, side by side.
    """
    if not target_texts and not edits:
        raise click.UsageError("give --target LEVEL, or one or more --set EDIT")
    pack = resolve_pack(pack_ref)
    target, targets = split_targets(pack, target_texts)
    with Advisor(pack) as advisor:
        if target is not None:
            advisor.level_ref(target)
        parsed = [parse_edit(text, pack.fields) for text in edits]
        facts = read_facts(advisor, facts_file, anonymize)  # edits then name BRMs by label
        if parsed:
            comparison = what_if(advisor, facts, parsed, target=target,
                                 targets=targets or None)
            if output_format == "json":
                click.echo(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
            else:
                click.echo(render_comparison(comparison), nl=False)
            return
        result = search(advisor, facts, target, targets=targets or None)
        if output_format == "json":
            click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            click.echo(render_search(result), nl=False)


@click.command()
@facts_argument
@pack_option
@handle_errors
def validate(facts_file: str, pack_ref: str | None) -> None:
    """Check FILE against the facts schema, reporting every problem at once."""
    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        facts = read_facts(advisor, facts_file)
    click.echo(f"{facts.source}: valid facts for {pack.id} {pack.version}")


@click.command()
@pack_option
@handle_errors
def schema(pack_ref: str | None) -> None:
    """Print the facts schema (JSON Schema, draft 2020-12)."""
    pack = resolve_pack(pack_ref)
    click.echo(json.dumps(pack.facts_schema, indent=2, ensure_ascii=False))


@click.command()
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
