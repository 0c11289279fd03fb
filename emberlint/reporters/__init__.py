"""Output formats. Each reporter writes the run's findings to a text stream.

`full` and `concise` are for people (colour only on a terminal, see
`use_color`); `json`, `sarif` and `github` are for machines and never coloured.
Errors about files (unreadable, undecodable, syntax errors, failed writes) are
not findings: the CLI prints them on stderr whatever the format.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TextIO

from emberlint.catalog import RuleDoc
from emberlint.runner import Mode, RunResult

FORMATS = ("full", "concise", "json", "sarif", "github")


@dataclass(frozen=True)
class ReportOptions:
    catalog: dict[str, RuleDoc]
    mode: Mode = "check"
    unsafe_fixes: bool = False
    color: bool = False
    show_fixes: bool = False
    statistics: bool = False
    quiet: bool = False


def use_color(stream: TextIO) -> bool:
    """`NO_COLOR` always wins; then `FORCE_COLOR`; otherwise only on a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def write_report(output_format: str, result: RunResult, options: ReportOptions, out: TextIO) -> None:
    if output_format in ("full", "concise"):
        from emberlint.reporters.text import write_text

        write_text(result, options, out, concise=output_format == "concise")
    elif output_format == "json":
        from emberlint.reporters.json_format import write_json

        write_json(result, options, out)
    elif output_format == "sarif":
        from emberlint.reporters.sarif import write_sarif

        write_sarif(result, options, out)
    elif output_format == "github":
        from emberlint.reporters.github import write_github

        write_github(result, options, out)
    else:
        raise ValueError(f"unknown output format {output_format!r}")
