"""The `emberlint` command line.

`check` is the default command (`emberlint src/` == `emberlint check src/`).
Exit codes: 0 clean, 1 findings left (or, with `--diff`, changes to make),
2 a usage or configuration error, or a file that could not be read, decoded,
parsed or written (the rest of the run still completes and is reported).

Everything heavy (libcst, rich, the rules) is imported inside the commands, so
`emberlint --version` stays instant.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from emberlint import __version__

COMMANDS = ("check", "rule", "rules", "server")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="emberlint",
    help="A linter and autofixer for MLX numerics.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(str, Enum):
    full = "full"
    concise = "concise"
    json = "json"
    sarif = "sarif"
    github = "github"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"emberlint: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"emberlint {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """A linter and autofixer for MLX numerics. `check` is the default command."""


def _codes(values: list[str] | None) -> list[str]:
    """`--select A,B --select C` -> [A, B, C]."""
    return [part.strip().upper() for value in values or () for part in value.split(",") if part.strip()]


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(metavar="PATH", show_default=False, help="Files or directories [default: .]")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the fixes (safe ones; see --unsafe-fixes).")] = False,
    unsafe_fixes: Annotated[
        bool | None,
        typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply (and offer) unsafe fixes."),
    ] = None,
    diff: Annotated[bool, typer.Option("--diff", help="Print the fixes as a diff; change nothing.")] = False,
    select: Annotated[list[str] | None, typer.Option(metavar="CODES", help="Rule codes or prefixes to enable (replaces the default set).")] = None,
    extend_select: Annotated[list[str] | None, typer.Option(metavar="CODES", help="Rule codes or prefixes to enable in addition.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(metavar="CODES", help="Rule codes or prefixes to disable.")] = None,
    output_format: Annotated[OutputFormat, typer.Option(help="How to print the findings.")] = OutputFormat.full,
    statistics: Annotated[bool, typer.Option("--statistics", help="Count findings per rule.")] = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when findings remain.")] = False,
    show_fixes: Annotated[bool, typer.Option("--show-fixes", help="List the fixes applied.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the findings and nothing else.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")] = False,
    config: Annotated[Path | None, typer.Option(metavar="PATH", help="A pyproject.toml or TOML file with the settings.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, metavar="N", help="Parallel processes [default: CPU count].")] = None,
    force_exclude: Annotated[bool, typer.Option("--force-exclude", help="Apply exclusions to files named on the command line too.")] = False,
    dtypes: Annotated[str | None, typer.Option(metavar="DTYPES", help="The dtypes the project's arrays run in, e.g. float32,bfloat16 [default: float32,bfloat16,float16].")] = None,
) -> None:
    """Lint (and with --fix, fix) Python files for MLX numerical hazards."""
    from emberlint.catalog import load_catalog
    from emberlint.config import load_settings, parse_dtypes
    from emberlint.discovery import Discoverer
    from emberlint.errors import EmberlintError
    from emberlint.registry import select_rules
    from emberlint.reporters import ReportOptions, use_color, write_report
    from emberlint.runner import Runner, RunOptions

    paths = paths or [Path(".")]
    try:
        settings = load_settings(paths[0], config)
        selected = _codes(select) if select else settings.select
        rules = select_rules(
            select=selected,
            extend_select=[*settings.extend_select, *_codes(extend_select)],
            ignore=[*settings.ignore, *_codes(ignore)],
            dtypes=settings.dtypes if dtypes is None else parse_dtypes([part.strip() for part in dtypes.split(",") if part.strip()], "--dtypes"),
        )
        catalog = load_catalog()
    except EmberlintError as error:
        raise _fail(str(error)) from None
    unsafe = settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes
    mode = "diff" if diff else "fix" if fix else "check"
    discovered = Discoverer(settings, force_exclude=force_exclude).discover(paths)
    runner = Runner(
        settings,
        rules,
        RunOptions(mode=mode, unsafe_fixes=unsafe, jobs=jobs or os.cpu_count() or 1, use_cache=not no_cache),
    )
    result = runner.run(discovered.files)
    errors = discovered.errors + result.errors
    for message in errors:
        typer.echo(message, err=True)
    if mode == "diff":
        changes = [file.diff for file in result.files if file.diff]
        sys.stdout.write("".join(changes))
        if not quiet:
            fixed = len(result.fixed)
            typer.echo(f"Would fix {fixed} error{'' if fixed == 1 else 's'}." if fixed else "No fixes to apply.", err=True)
        raise typer.Exit(EXIT_ERROR if errors else EXIT_FINDINGS if changes and not exit_zero else EXIT_CLEAN)
    options = ReportOptions(
        catalog=catalog,
        mode=mode,
        unsafe_fixes=unsafe,
        color=output_format in (OutputFormat.full, OutputFormat.concise) and use_color(sys.stdout),
        show_fixes=show_fixes,
        statistics=statistics,
        quiet=quiet,
    )
    write_report(output_format.value, result, options, sys.stdout)
    sys.stdout.flush()
    if errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN)


def _console():
    from rich.console import Console

    from emberlint.reporters import use_color

    color = use_color(sys.stdout)
    return Console(force_terminal=color, no_color=not color, color_system="auto" if color else None, highlight=False)


def _rules_table() -> None:
    from rich.table import Table

    from emberlint.catalog import load_catalog

    table = Table("Code", "Name", "Category", "Fix", "Default", title="emberlint rules")
    for code, doc in sorted(load_catalog().items()):
        table.add_row(code, doc.name, doc.category, doc.fix, "yes" if doc.default else "no")
    _console().print(table)


@app.command()
def rule(
    code: Annotated[str | None, typer.Argument(help="A rule code, e.g. EMB002.")] = None,
    all_rules: Annotated[bool, typer.Option("--all", help="List every rule.")] = False,
) -> None:
    """Explain a rule (its catalog document), or list them all with --all."""
    from emberlint.catalog import load_catalog

    if all_rules:
        _rules_table()
        return
    if code is None:
        raise _fail("give a rule code (e.g. `emberlint rule EMB002`) or --all")
    doc = load_catalog().get(code.upper())
    if doc is None:
        raise _fail(f"unknown rule code '{code}' (see `emberlint rules`)")
    from rich.markdown import Markdown

    console = _console()
    console.print(
        f"{doc.code} {doc.name}  [{doc.category}, fix: {doc.fix}, dtypes: {', '.join(doc.dtypes)}, "
        f"default: {'on' if doc.default else 'off'}]",
        markup=False,
    )
    console.print(Markdown(doc.body))


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, category, fix safety, default."""
    _rules_table()


@app.command()
def server() -> None:
    """Run the language server (LSP over stdio) for editors: diagnostics and quick fixes."""
    from emberlint.server import serve

    serve()


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        print(f"emberlint {__version__}")
        sys.exit(EXIT_CLEAN)
    if not args or (args[0] not in COMMANDS and args[0] not in ("--help", "-h")):
        args = ["check", *args]
    app(args=args, prog_name="emberlint")
