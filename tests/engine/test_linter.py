"""The linter's own tree walk and semantic model must see what libcst's metadata sees."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from emberlint.semantic import SemanticModel
from emberlint.tree import walk

SOURCE = '''
import mlx.core as mx
from mlx.core import where as choose
import numpy as np


def attention(q: mx.array, k, mask, scale=0.125):
    scores = (q @ k.T) * scale
    masked = choose(mask, scores, -float("inf"))
    return [mx.softmax(row, axis=-1) for row in masked], np.where(mask, 0, 1)


class Block:
    def __call__(self, x, *args, **kwargs):
        with open("f") as handle, mx.stream(mx.cpu):
            return lambda y=x: y ** -0.5 if x else {k: v for k, v in kwargs.items()}
'''


def test_walk_visits_parents_before_children_in_source_order():
    module = cst.parse_module(SOURCE)
    order, parents = walk(module)
    index = {node: position for position, node in enumerate(order)}
    assert all(index[parent] < index[child] for child, parent in parents.items())
    calls = [module.code_for_node(node) for node in order if isinstance(node, cst.Call)]
    assert calls[0].startswith("choose(") and calls[-1].startswith("kwargs.items(")


def _defines(node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
    """A definition or the name a binding statement writes, not a read of a name.

    libcst also names these; the model names only what an expression reads.
    """
    return isinstance(node, (cst.FunctionDef, cst.ClassDef)) or (
        isinstance(node, cst.Name)
        and isinstance(parent, (cst.Param, cst.AsName, cst.ImportAlias))
    )


def test_qualified_names_match_qualified_name_provider():
    module = cst.parse_module(SOURCE)
    provided = MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    names, order = SemanticModel.for_module(module)
    compared = 0
    for node in order:
        if _defines(node, names.parent(node)):
            continue
        compared += 1
        value = provided.get(node, set())
        value = value() if callable(value) else value
        assert names.qualified_names(node) == {qualified.name for qualified in value}
    assert compared > 100


def test_linted_trees_are_freed_without_the_cyclic_collector():
    """The tree and the semantic model are freed by reference counting once linted:
    with the cyclic collector off, none of their nodes is left for it to find. (Each
    scope holds its bindings and each binding its scope; `SemanticModel.release`
    breaks that cycle, which otherwise kept every tree alive until a collection.)"""
    import gc

    from emberlint.linter import fix_text, lint_text
    from emberlint.registry import select_rules
    from emberlint.semantic.scopes import Binding, Scope

    rules = select_rules(["ALL"])
    source = SOURCE + "\nscores = mx.exp(x) / mx.exp(x).sum()\n"
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage
    try:
        assert lint_text(source, "module.py", rules)
        assert fix_text(source, "module.py", rules, unsafe=True)[1]
        gc.collect()
        left = [item for item in gc.garbage if isinstance(item, (cst.CSTNode, Binding, Scope))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert left == []
