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


class _Unresolved(Exception):
    """A forward reference that libcst's namespace does not name."""


def _holds_syntax(annotation: object) -> bool:
    """True when a field's annotation allows a node that is not a layout node
    (not only strings, flags, `None`, `MaybeSentinel` or layout)."""
    if isinstance(annotation, typing.ForwardRef):
        resolved = getattr(cst, annotation.__forward_arg__, None)
        if resolved is None:
            raise _Unresolved(annotation.__forward_arg__)
        annotation = resolved
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
    """The fields of `kind` that may hold syntax nodes, in declaration order.

    Read from the dataclass fields' annotations, forward references looked up in
    libcst's namespace: `typing.get_type_hints`, the fallback, costs five times more.
    """
    fields = _syntax_fields.get(kind)
    if fields is None:
        declared = {name: field.type for name, field in kind.__dataclass_fields__.items() if name != "__slots__"}
        try:
            holds = {name: _holds_syntax(annotation) for name, annotation in declared.items()}
        except _Unresolved:
            hints = typing.get_type_hints(kind)
            holds = {name: _holds_syntax(hints.get(name)) for name in declared}
        fields = _syntax_fields[kind] = tuple(name for name, syntax in holds.items() if syntax)
    return fields


# The classes whose syntax fields libcst declares in another order than the code
# spells them: their fields in the code's order (the order of `CSTNode.children`).
LEXICAL_FIELDS: dict[type, tuple[str, ...]] = {
    cst.Arg: ("keyword", "value"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.CompFor: ("asynchronous", "target", "iter", "ifs", "inner_for_in"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.For: ("asynchronous", "target", "iter", "body", "orelse"),
    cst.FunctionDef: ("decorators", "asynchronous", "name", "type_parameters", "params", "returns", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
    cst.With: ("asynchronous", "items", "body"),
}
_lexical_fields: dict[type, tuple[str, ...]] = {}


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children` without the layout nodes, in the same (lexical) order.

    libcst's `children` rebuilds the node through a visitor to collect them, which
    made it the largest cost of the rules that walk subtrees; this reads the fields.
    """
    kind = type(node)
    fields = _lexical_fields.get(kind)
    if fields is None:
        fields = _lexical_fields[kind] = LEXICAL_FIELDS.get(kind) or syntax_fields(kind)
    found: list[cst.CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        if type(value) in NODE_TYPES:
            found.append(value)
        elif type(value) in (list, tuple):
            found.extend([item for item in value if type(item) in NODE_TYPES])
    return found


def walk(module: cst.Module) -> tuple[list[cst.CSTNode], dict[cst.CSTNode, cst.CSTNode]]:
    """Every syntax node, parents before children, and each node's parent."""
    from emberlint.semantic.scopes import build

    result = build(module)
    return result.order, result.parents
