"""The typer application behind `emberlint`: every command and option, with help.

`emberlint.cli.main` goes straight to `run_check` for the common call (paths and
the hooks' boolean flags), without importing typer; everything else lands here.
Everything heavy (libcst, rich, the rules) is imported inside the commands.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from emberlint import __version__
from emberlint.cli import EXIT_CLEAN, EXIT_ERROR, run_check

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
    raise typer.Exit(
        run_check(
            paths,
            fix=fix,
            unsafe_fixes=unsafe_fixes,
            diff=diff,
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            output_format=output_format.value,
            statistics=statistics,
            exit_zero=exit_zero,
            show_fixes=show_fixes,
            quiet=quiet,
            no_cache=no_cache,
            config=config,
            jobs=jobs,
            force_exclude=force_exclude,
            dtypes=dtypes,
        )
    )


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
