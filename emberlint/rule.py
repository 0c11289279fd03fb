"""The contract between the engine and the rules.

A rule is a class in its own module under `emberlint/rules/`, written like a
libcst visitor: the linter walks each module once and calls the rule's
`visit_<NodeType>(node)` methods (each parent before its children).
It declares only its `code`; everything a user reads about it (name, category,
fix safety, explanation) lives in the rule's catalog document `rules/<CODE>.md`.
While visiting, a rule calls `self.report(...)` with the node at fault and, when
it can fix it, the replacement node and the imports the replacement needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from emberlint.semantic import SemanticModel


@dataclass(frozen=True)
class Violation:
    """What a rule reports: the node at fault and, optionally, its replacement.

    `imports` are whole import statements (e.g. ``"import mlx.core as mx"``) that
    the replacement needs; the fixer adds those the module does not have yet.
    `fix_safety` overrides the catalog's fix safety for this one finding, where
    a rule's fix is safe only in a narrower context than the rule's (a mask
    fill that feeds a softmax); None keeps the catalog's.
    """

    code: str
    message: str
    node: cst.CSTNode
    replacement: cst.CSTNode | None = None
    imports: tuple[str, ...] = ()
    fix_safety: str | None = None


@dataclass
class LintContext:
    """Per-file state shared by all rules visiting one module."""

    path: str
    module: cst.Module
    names: SemanticModel
    violations: list[Violation] = field(default_factory=list)


class Rule:
    """Base class of every rule. Subclasses set `code` and define `visit_<NodeType>` methods.

    Names, scopes, parents and value facts come from `self.names` (a `SemanticModel`).
    """

    code: ClassVar[str]

    def __init__(self, context: LintContext) -> None:
        self.context = context
        self.names = context.names

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        replacement: cst.CSTNode | None = None,
        imports: tuple[str, ...] = (),
        fix_safety: str | None = None,
    ) -> None:
        self.context.violations.append(
            Violation(self.code, message, node, replacement, imports, fix_safety)
        )
