"""`full` and `concise` output, the summary, `--statistics` and `--show-fixes`.

Lines are built as (text, style) segments; rich renders them only when colour
is on, so a plain run never imports it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TextIO

from emberlint.errors import SourceError
from emberlint.findings import Finding
from emberlint.notebook import Notebook
from emberlint.reporters import ReportOptions
from emberlint.runner import RunResult, is_fixable
from emberlint.source import read_source

Segment = tuple[str, str | None]
MAX_SNIPPET_LINES = 6


class _Writer:
    def __init__(self, out: TextIO, color: bool) -> None:
        self.out = out
        self.console = None
        if color:
            from rich.console import Console

            self.console = Console(
                file=out,
                force_terminal=True,
                color_system="standard",
                highlight=False,
                markup=False,
                emoji=False,
                soft_wrap=True,
            )

    def line(self, *segments: Segment) -> None:
        if self.console is None:
            self.out.write("".join(text for text, _ in segments) + "\n")
        else:
            from rich.text import Text

            self.console.print(Text.assemble(*segments))


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def write_text(result: RunResult, options: ReportOptions, out: TextIO, *, concise: bool) -> None:
    writer = _Writer(out, options.color)
    findings = sorted(result.findings, key=lambda finding: finding.sort_key)
    if options.statistics:
        _statistics(writer, findings, options)
    else:
        lines = _SourceLines()
        for finding in findings:
            _finding_header(writer, finding, options)
            if not concise:
                _snippet(writer, finding, lines.get(finding))
                _help(writer, finding, options)
                writer.line()
    if options.show_fixes and result.fixed:
        _show_fixes(writer, result, options)
    if not options.quiet:
        _summary(writer, result, options)


def _finding_header(writer: _Writer, finding: Finding, options: ReportOptions) -> None:
    marker = "[*] " if is_fixable(finding, options.unsafe_fixes) else ""
    cell = f":cell {finding.cell}" if finding.cell is not None else ""
    writer.line(
        (finding.path, "bold"),
        (f"{cell}:{finding.line}:{finding.column}:", None),
        (" ", None),
        (finding.code, "bold red"),
        (" ", None),
        (marker, "cyan"),
        (finding.message, None),
    )


class _SourceLines:
    """The text of the files (or notebook cells) findings point into, read once each, for snippets."""

    def __init__(self) -> None:
        self.files: dict[str, list[str] | Notebook | None] = {}

    def get(self, finding: Finding) -> list[str] | None:
        path = finding.path
        if path not in self.files:
            try:
                source = read_source(Path(path))
                self.files[path] = (
                    Notebook.from_bytes(path, source.raw)
                    if finding.cell is not None
                    else source.text.splitlines()
                )
            except SourceError:
                self.files[path] = None
        lines = self.files[path]
        if isinstance(lines, Notebook):
            return lines.cell_lines(finding.cell) if finding.cell is not None else None
        return lines


def _snippet(writer: _Writer, finding: Finding, lines: list[str] | None) -> None:
    if not lines or finding.line > len(lines):
        return
    last = min(finding.end_line, len(lines), finding.line + MAX_SNIPPET_LINES - 1)
    width = len(str(last))
    gutter = " " * width + " |"
    writer.line((gutter, "blue"))
    for number in range(finding.line, last + 1):
        text = lines[number - 1]
        start = finding.column - 1 if number == finding.line else len(text) - len(text.lstrip())
        end = finding.end_column - 1 if number == finding.end_line else len(text)
        end = max(end, start + 1)
        # Keep the source's tabs in the padding so the carets line up under them.
        padding = "".join(char if char == "\t" else " " for char in text[:start])
        writer.line((f"{number:>{width}} | ", "blue"), (text, None))
        writer.line((gutter + " ", "blue"), (padding, None), ("^" * (end - start), "bold red"))
    if last < finding.end_line:
        writer.line((gutter + " ...", "blue"))


def _help(writer: _Writer, finding: Finding, options: ReportOptions) -> None:
    if finding.replacement is None:
        return
    replacement = finding.replacement
    shown = f"`{replacement}`" if "\n" not in replacement else "\n" + replacement
    note = ""
    if finding.fix == "unsafe":
        note = " (unsafe fix)" if options.unsafe_fixes else " (unsafe fix, enable with --unsafe-fixes)"
    pad = " " * (len(str(finding.end_line)) + 1)
    writer.line((f"{pad}= ", "blue"), ("help: ", "bold cyan"), (f"replace with {shown}{note}", None))


def _statistics(writer: _Writer, findings: list[Finding], options: ReportOptions) -> None:
    counts = Counter(finding.code for finding in findings)
    fixable = Counter(
        finding.code for finding in findings if is_fixable(finding, options.unsafe_fixes)
    )
    width = len(str(max(counts.values(), default=0)))
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        marker = "[*]" if fixable[code] else "   "
        writer.line(
            (f"{count:>{width}}\t", None),
            (code, "bold red"),
            (f"\t{marker} {options.catalog[code].name}", None),
        )


def _show_fixes(writer: _Writer, result: RunResult, options: ReportOptions) -> None:
    writer.line((f"Fixed {plural(len(result.fixed), 'error')}:", "bold"))
    for file in result.files:
        if not file.fixed:
            continue
        writer.line((f"- {file.path}:", None))
        for code, count in sorted(Counter(finding.code for finding in file.fixed).items()):
            writer.line((f"    {count} × {code} ({options.catalog[code].name})", None))


def _summary(writer: _Writer, result: RunResult, options: ReportOptions) -> None:
    remaining = result.findings
    fixed = len(result.fixed)
    if options.mode == "diff":
        if fixed:
            writer.line((f"Would fix {plural(fixed, 'error')}.", "bold"))
        return
    if not remaining and not fixed:
        writer.line(("All checks passed!", "bold green"))
        return
    if options.mode == "fix":
        total = fixed + len(remaining)
        writer.line((f"Found {plural(total, 'error')} ({fixed} fixed, {len(remaining)} remaining).", "bold"))
    else:
        writer.line((f"Found {plural(len(remaining), 'error')}.", "bold"))
    fixable = sum(is_fixable(finding, options.unsafe_fixes) for finding in remaining)
    hidden = 0 if options.unsafe_fixes else sum(finding.fix == "unsafe" for finding in remaining)
    if fixable or hidden:
        text = f"[*] {fixable} fixable with --fix" if fixable else "No fixes available"
        if hidden:
            text += f" ({plural(hidden, 'hidden fix', 'hidden fixes')} can be enabled with --unsafe-fixes)"
        writer.line((text + ".", None))
