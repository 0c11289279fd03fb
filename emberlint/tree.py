"""One cheap walk over a libcst tree: parents, and syntax nodes in visiting order.

libcst's own visitors rebuild every node they pass (a no-op visitor pass costs
~0.7x the parse); reading the dataclass fields directly is cheaper, and skipping
the layout fields (whitespace, comments, parentheses, commas: about half the
nodes, never a rule's concern) halves it again. The linter walks once with this
and dispatches the rules' `visit_<Node>` methods itself. The walk itself lives
in `emberlint.semantic.scopes.build`, which records scopes and bindings on the
way; no libcst metadata pass is left.
"""

from __future__ import annotations

import typing

import libcst as cst

# Nodes that only lay out the code: no rule visits them or starts from them.
LAYOUT = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
)

_syntax_fields: dict[type, tuple[str, ...]] = {}


def _holds_syntax(annotation: object) -> bool:
    """True when a field's annotation allows a node that is not a layout node
    (not only strings, flags, `None`, `MaybeSentinel` or layout)."""
    arguments = typing.get_args(annotation)
    if arguments:
        return any(_holds_syntax(argument) for argument in arguments)
    return (
        isinstance(annotation, type)
        and issubclass(annotation, cst.CSTNode)
        and not issubclass(annotation, LAYOUT)
    )


def _subclasses(kind: type) -> set[type]:
    found = {kind}
    for subclass in kind.__subclasses__():
        found |= _subclasses(subclass)
    return found


# Every node class: `type(value) in NODE_TYPES` is much cheaper than
# `isinstance(value, cst.CSTNode)` (an ABC check) on the walk's hot path.
NODE_TYPES = frozenset(_subclasses(cst.CSTNode))


def syntax_fields(kind: type) -> tuple[str, ...]:
    """The fields of `kind` that may hold syntax nodes, in declaration order."""
    fields = _syntax_fields.get(kind)
    if fields is None:
        hints = typing.get_type_hints(kind)
        fields = _syntax_fields[kind] = tuple(
            name
            for name in kind.__dataclass_fields__
            if name != "__slots__" and _holds_syntax(hints.get(name))
        )
    return fields


def walk(module: cst.Module) -> tuple[list[cst.CSTNode], dict[cst.CSTNode, cst.CSTNode]]:
    """Every syntax node, parents before children, and each node's parent."""
    from emberlint.semantic.scopes import build

    result = build(module)
    return result.order, result.parents
