"""The `emberlint` command line.

`check` is the default command (`emberlint src/` == `emberlint check src/`).
Exit codes: 0 clean, 1 findings left (or, with `--diff`, changes to make),
2 a usage or configuration error, or a file that could not be read, decoded,
parsed or written (the rest of the run still completes and is reported).

The commands, options and help are a typer application (`emberlint.commands`).
The common call, `check` with paths and only the boolean flags the pre-commit
hooks pass, goes straight to `run_check` without importing typer (a fifth of a
warm single-file run); `emberlint --version` imports nothing at all. Everything
heavy (libcst, rich, the rules) is imported only when used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from emberlint import __version__

COMMANDS = ("check", "rule", "rules", "server")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# The boolean options of `check` that `main` parses itself: flag -> (parameter, value).
# `tests/engine/test_cli.py` checks each against what typer makes of it.
FAST_FLAGS = {
    "--fix": ("fix", True),
    "--unsafe-fixes": ("unsafe_fixes", True),
    "--no-unsafe-fixes": ("unsafe_fixes", False),
    "--diff": ("diff", True),
    "--statistics": ("statistics", True),
    "--exit-zero": ("exit_zero", True),
    "--show-fixes": ("show_fixes", True),
    "--quiet": ("quiet", True),
    "-q": ("quiet", True),
    "--no-cache": ("no_cache", True),
    "--force-exclude": ("force_exclude", True),
}


def codes(values: list[str] | None) -> list[str]:
    """`--select A,B --select C` -> [A, B, C]."""
    return [part.strip().upper() for value in values or () for part in value.split(",") if part.strip()]


def run_check(
    paths: list[Path] | None = None,
    *,
    fix: bool = False,
    unsafe_fixes: bool | None = None,
    diff: bool = False,
    select: list[str] | None = None,
    extend_select: list[str] | None = None,
    ignore: list[str] | None = None,
    output_format: str = "full",
    statistics: bool = False,
    exit_zero: bool = False,
    show_fixes: bool = False,
    quiet: bool = False,
    no_cache: bool = False,
    config: Path | None = None,
    jobs: int | None = None,
    force_exclude: bool = False,
    dtypes: str | None = None,
) -> int:
    """`emberlint check` (see `emberlint.commands.check` for the options); returns the exit code."""
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
        selected = codes(select) if select else settings.select
        rules = select_rules(
            select=selected,
            extend_select=[*settings.extend_select, *codes(extend_select)],
            ignore=[*settings.ignore, *codes(ignore)],
            dtypes=settings.dtypes if dtypes is None else parse_dtypes([part.strip() for part in dtypes.split(",") if part.strip()], "--dtypes"),
        )
        catalog = load_catalog()
    except EmberlintError as error:
        print(f"emberlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
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
        print(message, file=sys.stderr)
    if mode == "diff":
        changes = [file.diff for file in result.files if file.diff]
        sys.stdout.write("".join(changes))
        if not quiet:
            fixed = len(result.fixed)
            print(f"Would fix {fixed} error{'' if fixed == 1 else 's'}." if fixed else "No fixes to apply.", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_FINDINGS if changes and not exit_zero else EXIT_CLEAN
    options = ReportOptions(
        catalog=catalog,
        mode=mode,
        unsafe_fixes=unsafe,
        color=output_format in ("full", "concise") and use_color(sys.stdout),
        show_fixes=show_fixes,
        statistics=statistics,
        quiet=quiet,
    )
    write_report(output_format, result, options, sys.stdout)
    sys.stdout.flush()
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN


def fast_check_arguments(args: list[str]) -> dict | None:
    """`run_check`'s arguments when `args` (after `check`) are paths and `FAST_FLAGS`
    only, else None: anything else (and `--help`) is typer's to parse."""
    arguments: dict = {"paths": []}
    for arg in args:
        if arg.startswith("-"):
            if arg not in FAST_FLAGS:
                return None
            name, value = FAST_FLAGS[arg]
            arguments[name] = value
        else:
            arguments["paths"].append(Path(arg))
    return arguments if arguments["paths"] else None


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        print(f"emberlint {__version__}")
        sys.exit(EXIT_CLEAN)
    if not args or (args[0] not in COMMANDS and args[0] not in ("--help", "-h")):
        args = ["check", *args]
    if args[0] == "check":
        arguments = fast_check_arguments(args[1:])
        if arguments is not None:
            sys.exit(run_check(**arguments))
    from emberlint.commands import app

    app(args=args, prog_name="emberlint")


def __getattr__(name: str):
    """`emberlint.cli.app`, the typer application, imported on first use."""
    if name == "app":
        from emberlint.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
