"""What every `brm` command shares: the exit statuses, turning library errors into messages,
and the options that several commands take."""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from brm_advisor.engine import (
    Advisor,
    BrmError,
    EditError,
    EngagementError,
    EngineError,
    Facts,
    HistoryError,
    InputError,
    IssuesError,
    PackError,
    PackNotFoundError,
    RulePack,
    TargetError,
    UnknownLevelError,
    anonymized_facts,
    parse_targets,
    problem_text,
    words,
)

if TYPE_CHECKING:
    from brm_advisor.engine import EngagementResult

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_ENGINE = 3

TRACE_HINT = "`--format json` shows the trace."
"""Where the text of a diagnosis sends its reader for the rules fired (the library names no
flag of ours)."""


def fail(message: str, status: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(status)


def reader_gone() -> NoReturn:
    """End quietly, as `git log | head` does: the reader of the output went away, which is
    no error of ours. What is still buffered for the closed pipe goes to /dev/null, not into
    a second error at exit."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


def _issues_text(what: str, error: IssuesError) -> str:
    """``error: X is not valid (3 problems):`` and one line a problem (a capped list ends with
    how many more there are)."""
    header = f"error: {what} ({words.plural(error.total, 'problem')}):"
    return header + "\n" + "\n".join("  " + i.describe(error.source) for i in error.issues)


def _engagement_text(error: EngagementError) -> str:
    """An engagement that cannot be read as one: every problem, each with its file (for a
    folder, the file in it that the problem is about), line and field."""
    header = (f"error: {error.source} is not a valid engagement "
              f"({words.plural(error.total, 'problem')}):")
    folder = error.source if os.path.isdir(error.source) else None
    lines = [problem_text(i, folder) if folder else i.describe(error.source)
             for i in error.issues]
    return header + "\n" + "\n".join("  " + line for line in lines)


def handle_errors(command: F) -> F:
    """Turn the library's errors into messages and exit statuses."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except EngagementError as error:
            fail(_engagement_text(error), EXIT_INVALID)
        except InputError as error:
            fail(_issues_text(f"{error.source} is not valid", error), EXIT_INVALID)
        except PackError as error:
            fail(_issues_text(f"the rule pack {error.source} is not valid", error), EXIT_INVALID)
        except EditError as error:
            fail(f"error: --set {error}", EXIT_USAGE)
        except (PackNotFoundError, UnknownLevelError) as error:
            fail(f"error: {error}", EXIT_USAGE)
        except HistoryError as error:
            fail(f"error: {error}", EXIT_INVALID)
        except EngineError as error:
            fail(f"error: the inference engine failed: {error}", EXIT_ENGINE)
        except BrokenPipeError:  # the reader of our output left (`brm ... | head`)
            reader_gone()
        except OSError as error:  # a file that cannot be written or read: say which and why
            where = f"{error.filename}: " if error.filename else ""
            fail(f"error: {where}{error.strerror or error}", EXIT_INVALID)
        except BrmError as error:  # pragma: no cover - every subclass is handled above
            fail(f"error: {error}", EXIT_INVALID)
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
    return click.argument("facts_file", metavar="FILE", callback=_existing,
                          type=click.Path(dir_okay=False, allow_dash=True))(command)


def facts_or_engagement_argument(command: F) -> F:
    """FILE, or an engagement: a folder of business units' facts files, or an
    ``engagement.yaml`` listing them."""
    return click.argument("facts_file", metavar="FILE|FOLDER", callback=_existing,
                          type=click.Path(allow_dash=True))(command)


def broken_units_exit(result: EngagementResult) -> None:
    """After an engagement's output: when a unit could not be assessed, every problem on
    standard error and exit status 1, as for a facts file that is not valid (the other units
    were reported)."""
    if not result.broken:
        return
    others = " (the others were)" if result.units else ""
    lines = [f"error: {words.plural(len(result.broken), 'business unit')} of "
             f"{result.organization} could not be assessed{others}:"]
    for unit in result.broken:
        lines += [f"  {unit.name}: {problem_text(issue)}" for issue in unit.error.issues]
    fail("\n".join(lines), EXIT_INVALID)


def _existing(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A usage error for a FILE that is not there, saying why: missing, or a symbolic link
    that leads nowhere or back to itself (click's own check calls both "does not exist")."""
    if value == "-":
        return value
    try:
        os.stat(value)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise click.BadParameter(f"{value!r} is a symbolic link loop (following it leads "
                                     "back to it), not a file") from None
        if os.path.islink(value):
            raise click.BadParameter(f"{value!r} is a symbolic link to "
                                     f"{os.readlink(value)!r}, which does not exist") from None
        raise click.BadParameter(f"File {value!r} does not exist.") from None
    return value


def read_facts(advisor: Advisor, facts_file: str, anonymize: bool = False) -> Facts:
    """FILE's facts ('-': standard input), naming no one when `anonymize`."""
    if facts_file == "-":
        facts = advisor.read(sys.stdin.buffer, name="<stdin>")
    else:
        facts = advisor.read(facts_file)
    return anonymized_facts(facts) if anonymize else facts


anonymize_option = click.option(
    "--anonymize", is_flag=True,
    help="Name no one: the BRMs by label (BRM 1, BRM 2...) and respondents by role, in "
         "every output (free text such as notes and evidence is left as written).")


TARGET_HELP = ("Level to aim for (overrides target_level in the file). For a pack with "
               "dimensions, also DIMENSION=LEVEL (the level by id, rank or name, e.g. "
               "demand=2 or demand=managed), repeatable, with or without an overall level.")


def target_option(help_text: str = TARGET_HELP) -> Callable[[F], F]:
    """``--target LEVEL`` and, for a pack with dimensions, ``--target DIMENSION=LEVEL``
    (repeatable): the command gets a tuple of the texts given, read by `split_targets`."""
    return click.option("--target", "target_texts", metavar="LEVEL|DIM=LEVEL", multiple=True,
                        help=help_text)


def split_targets(pack: RulePack, texts: tuple[str, ...], option: str = "--target"
                  ) -> tuple[str | None, dict[str, str]]:
    """The overall target level and each dimension's (dimension id -> level id) from the
    ``--target`` texts (`option`: the option they came with, for messages), as the library
    reads them (`parse_targets`); what it refuses is a usage error naming what is allowed."""
    try:
        return parse_targets(pack, texts)
    except TargetError as error:
        raise click.BadParameter(str(error), param_hint=f"'{option}'") from None
