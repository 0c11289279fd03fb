"""`--output-format github`: GitHub Actions workflow commands (annotations)."""

from __future__ import annotations

from typing import TextIO

from emberlint.reporters import ReportOptions
from emberlint.runner import RunResult


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(result: RunResult, options: ReportOptions, out: TextIO) -> None:
    for finding in sorted(result.findings, key=lambda finding: finding.sort_key):
        properties = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (
                ("file", finding.path),
                ("line", finding.line),
                ("col", finding.column),
                ("endLine", finding.end_line),
                ("endColumn", finding.end_column),
                ("title", finding.code if finding.cell is None else f"{finding.code} (cell {finding.cell})"),
            )
        )
        out.write(f"::error {properties}::{_escape_data(finding.message)}\n")
