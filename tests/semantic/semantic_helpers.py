"""Find expressions in a small source by their text, with the model built for it."""

from __future__ import annotations

import textwrap

import libcst as cst

from emberlint.semantic import SemanticModel


class Parsed:
    def __init__(self, source: str) -> None:
        self.module = cst.parse_module(textwrap.dedent(source))
        self.model, self.order = SemanticModel.for_module(self.module)

    def find(self, text: str, occurrence: int = -1) -> cst.CSTNode:
        """The `occurrence`-th expression (in visiting order) whose code is `text`."""
        matches = [
            node
            for node in self.order
            if isinstance(node, cst.BaseExpression) and self.module.code_for_node(node).strip() == text
        ]
        assert matches, f"{text!r} not found"
        return matches[occurrence]


def parsed(source: str) -> Parsed:
    return Parsed(source)
