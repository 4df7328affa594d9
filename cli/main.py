"""The `brm` command. A thin layer: parse options, call the library, print, set the exit status.

Exit status: 0 success; 1 the input (facts or pack) is invalid; 2 usage error (bad option,
missing file, unknown pack or level); 3 the engine failed. Library errors become messages here,
never tracebacks.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from brm_advisor.engine import (
    Advisor,
    BrmError,
    EditError,
    EngineError,
    InputError,
    PackError,
    PackNotFoundError,
    UnknownLevelError,
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
@format_option("text", "json")
@click.option("--target", metavar="LEVEL", default=None,
              help="Level to aim for (overrides target_level in the file); recommendations "
                   "then cover every level up to it.")
@click.option("--explain", "with_explanation", is_flag=True,
              help="Append the explanation (as `brm explain` gives it).")
@pack_option
@handle_errors
def assess(facts_file: str, output_format: str, target: str | None, with_explanation: bool,
           pack_ref: str | None) -> None:
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


def main() -> None:
    """Entry point of the `brm` console script."""
    try:
        cli.main(prog_name="brm")
    except BrokenPipeError:  # `brm assess x | head`: the reader left; not an error of ours
        sys.stderr.close()
        sys.exit(0)
