"""Assertions shared by the fix-safety tests."""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from emberlint.findings import Finding
from emberlint.linter import fix_text, lint_text

_MLX_IMPORT = re.compile(r"^(import mlx(\.\w+)*( as \w+)?|from mlx(\.\w+)* import [\w, ]+)\s*$")


def fixable_lines(findings: Sequence[Finding]) -> set[int]:
    """1-based lines covered by a finding that carries a fix."""
    lines: set[int] = set()
    for finding in findings:
        if finding.fix is not None:
            lines.update(range(finding.line, finding.end_line + 1))
    return lines


def assert_only_reported_lines_changed(original: str, fixed: str, findings: Sequence[Finding]) -> None:
    """Every diff hunk replaces reported lines, or inserts an MLX import / continuation line.

    Lines keep their endings in the comparison, so a fix that rewrote a CRLF as LF,
    or touched whitespace elsewhere, fails here.
    """
    touched = fixable_lines(findings)
    before = original.splitlines(keepends=True)
    after = fixed.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changed = set(range(i1 + 1, i2 + 1))
        untouched = sorted(changed - touched)
        assert not untouched, (
            f"fix changed unreported lines {untouched}:\n"
            + "".join(before[i1:i2])
            + "--- became ---\n"
            + "".join(after[j1:j2])
        )
        if tag == "insert":
            next_to_fix = bool({i1, i1 + 1} & touched)
            for line in after[j1:j2]:
                assert next_to_fix or _MLX_IMPORT.match(line.strip()), (
                    f"fix inserted a line away from any finding: {line!r}"
                )


@dataclass(frozen=True)
class RoundTrip:
    path: str
    codes: tuple[str, ...]  # codes of the findings in the original
    fixed_codes: tuple[str, ...]  # codes of the fixes applied
    fixed: str | None  # the fixed text, when it differs


def round_trip_file(path: str, display: str) -> RoundTrip:
    """Fix one file with every rule (unsafe fixes included) and check the result.

    A module-level function so a process pool can run it.
    """
    from emberlint.registry import select_rules

    rules = select_rules(["ALL"])
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    fixed, applied, remaining = fix_text(source, display, rules, unsafe=True)
    compile_quietly(fixed, display)
    left = [finding for finding in remaining if finding.fix is not None]
    assert not left, f"{display}: fixable findings survive the fix: {left}"
    if fixed == source:
        return RoundTrip(display, tuple(finding.code for finding in remaining), (), None)
    findings = lint_text(source, display, rules)
    assert_only_reported_lines_changed(source, fixed, findings)
    return RoundTrip(
        display,
        tuple(finding.code for finding in findings),
        tuple(finding.code for finding in applied),
        fixed,
    )


def compile_quietly(source: str, path: str) -> None:
    """Compile as a check; CPython's SyntaxWarnings about generated code (`x is 1`) are noise here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        compile(source, path, "exec", dont_inherit=True)


def assert_fix_is_sound(source: str, path: str, rules) -> tuple[str, list[Finding]]:
    """Lint and fix `source` (unsafe fixes included) and check every fix-safety property.

    Returns the fixed text and the fixes applied.
    """
    findings = lint_text(source, path, rules)
    fixed, applied, remaining = fix_text(source, path, rules, unsafe=True)
    cst.parse_module(fixed)
    compile_quietly(fixed, path)
    left = [finding for finding in remaining if finding.fix is not None]
    assert not left, f"fixable findings survive the fix: {left}"
    again, applied_again, _ = fix_text(fixed, path, rules, unsafe=True)
    assert again == fixed, "fixing a fixed file changed it again"
    assert not applied_again
    assert_only_reported_lines_changed(source, fixed, findings)
    if not applied:
        assert fixed == source
    return fixed, applied
