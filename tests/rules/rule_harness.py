"""Lint and fix snippets with a chosen set of rules, for the rule tests."""

from __future__ import annotations

import textwrap

from emberlint.findings import Finding
from emberlint.linter import fix_text, lint_text
from emberlint.registry import select_rules


def findings(source: str, *codes: str) -> list[Finding]:
    return lint_text(textwrap.dedent(source), "snippet.py", select_rules(list(codes)))


def flagged_lines(source: str, code: str) -> list[int]:
    return [finding.line for finding in findings(source, code) if finding.code == code]


def fixed(source: str, *codes: str) -> str:
    new_source, _, _ = fix_text(textwrap.dedent(source), "snippet.py", select_rules(list(codes)), unsafe=True)
    return new_source
