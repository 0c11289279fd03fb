"""Lint and fix snippets with one rule of the extended catalog (EMB006+)."""

from __future__ import annotations

from emberlint.findings import Finding
from emberlint.linter import fix_text, lint_text
from emberlint.registry import select_rules


def findings(code: str, source: str) -> list[Finding]:
    return [finding for finding in lint_text(source, "snippet.py", select_rules([code])) if finding.code == code]


def fixed(code: str, source: str) -> str:
    return fix_text(source, "snippet.py", select_rules([code]), unsafe=True)[0]
