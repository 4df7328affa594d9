"""`brm packs`: list, show, create, lint and test rule packs."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from brm_advisor.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    fail,
    format_option,
    handle_errors,
)
from brm_advisor.engine import (
    Advisor,
    CaseResult,
    ScaffoldError,
    cases_dict,
    find_pack,
    lint_pack,
    pack_listing,
    pack_summary,
    render_levels,
    resolve_pack,
    run_cases,
    scaffold,
)


@click.group()
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
    rows = pack_listing(paths)
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
    data = pack_summary(pack)
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
    try:
        written = scaffold(folder, pack_id, name, force=force)
    except ScaffoldError as error:
        hint = "; use --force to replace them" if error.existing else ""
        fail(f"error: {error}{hint}", EXIT_USAGE)
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
    report = lint_pack(find_pack(pack_ref).location)
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
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
    pack = resolve_pack(pack_ref)
    with Advisor(pack) as advisor:
        results: list[CaseResult] = list(run_cases(advisor, Path(pack.location) / "tests"))
    failed = [r for r in results if not r.passed]
    if output_format == "json":
        click.echo(json.dumps(cases_dict(pack, results), indent=2, ensure_ascii=False))
    else:
        for result in results:
            click.echo(f"{'PASS' if result.passed else 'FAIL'}  {result.case.case_id}")
            for failure in result.failures:
                click.echo(f"      {failure}")
        click.echo(f"{pack.id} {pack.version}: {len(results) - len(failed)} passed, "
                   f"{len(failed)} failed")
    if failed or not results:
        sys.exit(EXIT_INVALID)
