"""The linter's own tree walk reaches every syntax node libcst's traversal does,
with the same parents; only layout nodes (whitespace, comments, brackets,
commas) and what lies inside them are left out."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from emberlint.tree import LAYOUT, LEXICAL_FIELDS, children, walk

ROOT = Path(__file__).resolve().parents[2]
TRICKY = '''
import mlx.core as mx

@mx.compile
def f(x: mx.array, *args, scale: float = -0.5, **kwargs) -> mx.array:
    """Doc."""
    y = [mx.exp(v) for v in args if v is not None]  # comment
    z = {k: w for k, w in kwargs.items()}
    g = lambda a, b=1.0: (a + b) * 2.0
    s = f"{x!r:>{10}} {mx.log(x)}"
    match x:
        case [a, *rest] if a > 0:
            pass
        case {"k": v, **others}:
            pass
    while (n := len(y)) > 0:
        y.pop()
    try:
        del z[0]
    except (KeyError, IndexError) as error:
        raise ValueError() from error
    with open("p") as h, open("q"):
        pass
    return x[1:2, ..., None] ** scale if y else -x
'''


class _Traversal(cst.CSTVisitor):
    """libcst's own traversal: every node, and the nodes outside layout subtrees."""

    def __init__(self) -> None:
        self.every: list[cst.CSTNode] = []
        self.syntax: list[cst.CSTNode] = []
        self._layout_depth = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.every.append(node)
        if isinstance(node, LAYOUT):
            self._layout_depth += 1
        elif not self._layout_depth:
            self.syntax.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, LAYOUT):
            self._layout_depth -= 1


@pytest.mark.parametrize(
    "source",
    [pytest.param(TRICKY, id="tricky")]
    + [
        pytest.param(path.read_text(encoding="utf-8"), id=path.relative_to(ROOT).as_posix())
        for path in sorted((ROOT / "emberlint").rglob("*.py"))[:12]
    ],
)
def test_walk_reaches_every_syntax_node_with_its_parent(source):
    module = cst.parse_module(source)
    order, parents = walk(module)
    traversal = _Traversal()
    module.visit(traversal)
    libcst_parents = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    nodes = {id(node) for node in traversal.syntax}
    expected_parents = {id(node): id(libcst_parents[node]) for node in traversal.syntax if node in libcst_parents}
    assert {id(node) for node in order} == nodes
    assert len(order) == len(nodes)
    assert {id(child): id(parent) for child, parent in parents.items()} == expected_parents
    code_nodes = (cst.BaseExpression, cst.BaseStatement, cst.BaseSmallStatement, cst.Arg, cst.Param)
    assert {id(node) for node in traversal.every if isinstance(node, code_nodes)} <= nodes
    position = {id(node): index for index, node in enumerate(order)}
    assert all(position[parent] < position[child] for child, parent in expected_parents.items())


EVERY_ORDERED_FIELD = '''
@decorator
class C(Base, metaclass=Meta):
    pass

async def f(a, /, b, *rest, c=1, **kw) -> int:
    async for x in y:
        pass
    else:
        pass
    async with a as b:
        pass
    z = [v async for v in w if v]
    try:
        pass
    except* ValueError as error:
        pass
    try:
        pass
    except KeyError as error:
        pass
    match z:
        case [p] if p:
            pass
    return g(key=1) if z else 0

type Alias[T] = list[T]
'''


@pytest.mark.parametrize(
    "source",
    [pytest.param(TRICKY, id="tricky"), pytest.param(EVERY_ORDERED_FIELD, id="ordered-fields")]
    + [
        pytest.param(path.read_text(encoding="utf-8"), id=path.relative_to(ROOT).as_posix())
        for path in sorted((ROOT / "emberlint").rglob("*.py"))[:12]
    ],
)
def test_children_are_libcsts_without_the_layout_in_the_same_order(source):
    traversal = _Traversal()
    cst.parse_module(source).visit(traversal)
    kinds = set()
    for node in traversal.every:
        assert children(node) == [child for child in node.children if not isinstance(child, LAYOUT)]
        kinds.add(type(node))
    if source is EVERY_ORDERED_FIELD:
        assert set(LEXICAL_FIELDS) <= kinds  # every reordered class is exercised


def test_syntax_fields_read_from_the_dataclass_are_the_type_hints_ones():
    import typing

    from emberlint.tree import NODE_TYPES, _holds_syntax, syntax_fields

    for kind in NODE_TYPES:
        hints = typing.get_type_hints(kind)
        expected = tuple(
            name for name in kind.__dataclass_fields__ if name != "__slots__" and _holds_syntax(hints.get(name))
        )
        assert syntax_fields(kind) == expected, kind.__name__
