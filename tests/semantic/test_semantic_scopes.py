"""Scopes, bindings, references and qualified names: each binding form, Python's
scoping rules, and look-alikes (NumPy, torch, a local `mx`) that must not resolve to MLX."""

from __future__ import annotations

import pytest
from semantic_helpers import parsed

from emberlint.semantic import BindingKind, ScopeKind


def qualified(source: str, text: str, occurrence: int = -1) -> set[str]:
    tree = parsed(source)
    return tree.model.qualified_names(tree.find(text, occurrence))


# -- imports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("import_line", "reference", "expected"),
    [
        ("import mlx.core as mx", "mx.where", "mlx.core.where"),
        ("import mlx.core", "mlx.core.where", "mlx.core.where"),
        ("import mlx.core", "mlx.nn.Linear", "mlx.nn.Linear"),
        ("from mlx import core", "core.where", "mlx.core.where"),
        ("from mlx import core as mx", "mx.fast.rms_norm", "mlx.core.fast.rms_norm"),
        ("from mlx.core import where as w", "w", "mlx.core.where"),
        ("from mlx.core import fast", "fast.rms_norm", "mlx.core.fast.rms_norm"),
        ("import mlx.nn as nn", "nn.Linear", "mlx.nn.Linear"),
        ("import mlx.core as mx", "mx.fast.rms_norm", "mlx.core.fast.rms_norm"),
        ("import numpy as np", "np.where", "numpy.where"),
        ("import torch", "torch.where", "torch.where"),
        ("import math", "math.sqrt", "math.sqrt"),
        ("from . import mx", "mx.where", ".mx.where"),
        ("from .. import utils as mx", "mx.where", "..utils.where"),
    ],
)
def test_every_import_form_gives_the_qualified_name(import_line, reference, expected):
    assert qualified(f"{import_line}\ny = {reference}(c)\n", reference) == {expected}


def test_a_star_import_binds_nothing_it_cannot_name():
    tree = parsed("from mlx.core import *\ny = where(c, a, b)\n")
    assert tree.model.qualified_names(tree.find("where")) == set()


def test_builtins_resolve_until_something_rebinds_them():
    assert qualified("y = float(x) + max(a, b)\n", "max") == {"builtins.max"}
    assert qualified("y = float(x)\n", "float") == {"builtins.float"}
    tree = parsed("from numpy import max\ndef f():\n    return max(a, b)\n")
    assert tree.model.qualified_names(tree.find("max")) == {"numpy.max"}
    assert not tree.model.is_builtin(tree.find("max"), "max")


# -- "every binding must agree" ---------------------------------------------------------


def test_a_second_binding_anywhere_in_the_scope_poisons_the_name():
    source = "import numpy as np\nimport mlx.core as mx\ny = mx.where(c, a, b)\nmx = np\n"
    tree = parsed(source)
    where = tree.find("mx.where")
    # an assignment is no import: its name is the module's own `mx`
    assert tree.model.qualified_names(where) == {"mlx.core.where", "mx.where"}
    assert not tree.model.resolves_to(where, "mlx.core.where")
    assert tree.model.mlx_name(where) is None


def test_a_local_assignment_makes_the_name_local_even_before_it():
    """Flow-insensitive, as Python: `mx` is local to `f` (reading it first raises)."""
    source = """
        import mlx.core as mx
        import numpy as np
        def f(x):
            y = mx.exp(x)
            mx = np
            return y
    """
    tree = parsed(source)
    assert tree.model.qualified_names(tree.find("mx.exp")) == {"f.<locals>.mx.exp"}


# -- assignments ---------------------------------------------------------------------------


def test_assignment_forms_bind_every_target():
    source = """
        import mlx.core as mx
        a, (b, *c) = f()
        [d, e] = g()
        h: int = 1
        i: int
        j = k = mx
        a += 1
        print(a, b, c, d, e, h, i, j, k)
    """
    tree = parsed(source)
    kinds = {
        name: [binding.kind for binding in tree.model.bindings(tree.find(name))]
        for name in "abcdehijk"
    }
    assert kinds["a"] == [BindingKind.ASSIGNMENT, BindingKind.AUGMENTED]
    assert all(kinds[name] == [BindingKind.ASSIGNMENT] for name in "bcdehijk")
    assert not tree.model.resolves_to(tree.find("k", -1), "mlx.core")  # `k = mx` is no import


def test_unpacking_pairs_values_with_targets():
    tree = parsed("a, b = 1e-6, 2.0\nc, *d = 1.0, 2.0\nprint(a, b, c)\n")
    assert tree.model.constant(tree.find("a")) == 1e-6
    assert tree.model.constant(tree.find("b")) == 2.0
    assert tree.model.constant(tree.find("c")) is None  # starred: not paired


# -- the other binding statements ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "name", "kind"),
    [
        ("for x in xs:\n    pass\nprint(x)\n", "x", BindingKind.LOOP),
        ("for x, (y, z) in xs:\n    pass\nprint(z)\n", "z", BindingKind.LOOP),
        ("with open(p) as handle, lock:\n    pass\nprint(handle)\n", "handle", BindingKind.WITH),
        ("with ctx() as (a, b):\n    pass\nprint(b)\n", "b", BindingKind.WITH),
        ("try:\n    pass\nexcept ValueError as error:\n    print(error)\n", "error", BindingKind.EXCEPT),
        ("if (n := len(xs)) > 2:\n    print(n)\n", "n", BindingKind.WALRUS),
        ("def f():\n    pass\nprint(f)\n", "f", BindingKind.FUNCTION),
        ("class C:\n    pass\nprint(C)\n", "C", BindingKind.CLASS),
        ("match v:\n    case [first, *rest]:\n        print(rest)\n", "rest", BindingKind.MATCH),
        ("match v:\n    case {**others}:\n        print(others)\n", "others", BindingKind.MATCH),
        ("import mlx.core as mx\nprint(mx)\n", "mx", BindingKind.IMPORT),
    ],
)
def test_binding_statements(source, name, kind):
    tree = parsed(source)
    assert [binding.kind for binding in tree.model.bindings(tree.find(name))] == [kind]


def test_parameters_bind_in_the_function_with_defaults_and_annotations_outside():
    source = """
        import mlx.core as mx
        def f(mx=mx.ones(1), /, b: mx.array = None, *args, c=2, **kwargs):
            return mx.exp(b)
    """
    tree = parsed(source)
    default = tree.find("mx.ones")
    annotation = tree.find("mx.array")
    assert tree.model.qualified_names(default) == {"mlx.core.ones"}  # evaluated outside f
    assert tree.model.qualified_names(annotation) == {"mlx.core.array"}
    assert tree.model.qualified_names(tree.find("mx.exp")) == {"f.<locals>.mx.exp"}  # the parameter
    names = {binding.name: binding.kind for binding in tree.model.scope(tree.find("mx.exp")).bindings["b"]}
    assert names == {"b": BindingKind.PARAMETER}
    function_scope = tree.model.scope(tree.find("mx.exp"))
    assert set(function_scope.bindings) == {"mx", "b", "args", "c", "kwargs"}


def test_del_makes_a_name_local_but_holds_no_value():
    source = """
        import mlx.core as mx
        def f():
            del mx
            return mx
    """
    tree = parsed(source)
    assert [binding.kind for binding in tree.model.bindings(tree.find("mx", -1))] == [BindingKind.DELETION]
    assert tree.model.qualified_names(tree.find("mx", -1)) == set()


# -- global / nonlocal -------------------------------------------------------------------------


def test_global_sends_a_functions_binding_to_the_module():
    source = """
        import numpy as np
        import mlx.core as mx
        def use_numpy():
            global mx
            mx = np
        y = mx.where(c, a, b)
    """
    tree = parsed(source)
    assert tree.model.qualified_names(tree.find("mx.where")) == {"mlx.core.where", "mx.where"}


def test_nonlocal_sends_a_binding_to_the_enclosing_function():
    source = """
        import numpy as np
        def outer():
            import mlx.core as mx
            def inner():
                nonlocal mx
                mx = np
            return mx.exp(x)
    """
    tree = parsed(source)
    assert not tree.model.resolves_to(tree.find("mx.exp"), "mlx.core.exp")
    inner_scope = tree.model.scope(tree.find("np", -1))
    assert "mx" not in inner_scope.bindings


def test_a_global_declaration_reads_the_module_binding():
    source = """
        import mlx.core as mx
        def f():
            global mx
            return mx.exp(x)
    """
    assert qualified(source, "mx.exp") == {"mlx.core.exp"}


# -- nested scopes -------------------------------------------------------------------------------


def test_class_bodies_do_not_leak_into_methods():
    source = """
        import numpy as np
        import mlx.core as mx
        class Block:
            mx = np
            scale = mx.ones(3)
            def __call__(self, x):
                return mx.exp(x)
    """
    tree = parsed(source)
    assert tree.model.qualified_names(tree.find("mx.ones")) == {"Block.mx.ones"}  # the class body sees it
    assert tree.model.qualified_names(tree.find("mx.exp")) == {"mlx.core.exp"}  # the method does not


def test_comprehensions_have_their_own_scope_and_evaluate_the_first_iterable_outside():
    source = """
        import mlx.core as mx
        class Block:
            mx = None
            rows = [mx.exp(v) for v in mx.arange(3) for w in mx.arange(2)]
        ys = [mx for mx in range(3)]
        z = mx.zeros(1)
    """
    tree = parsed(source)
    assert tree.model.qualified_names(tree.find("mx.exp")) == {"mlx.core.exp"}
    assert tree.model.qualified_names(tree.find("mx.arange", 0)) == {"Block.mx.arange"}  # first iterable: class scope
    assert tree.model.qualified_names(tree.find("mx.arange", 1)) == {"mlx.core.arange"}
    assert tree.model.qualified_names(tree.find("mx.zeros")) == {"mlx.core.zeros"}  # no leak out
    assert tree.model.scope(tree.find("mx.exp")).kind is ScopeKind.COMPREHENSION


def test_a_walrus_in_a_comprehension_binds_in_the_enclosing_function():
    source = """
        def f(xs):
            [last := x for x in xs]
            return last
    """
    tree = parsed(source)
    (binding,) = tree.model.bindings(tree.find("last", -1))
    assert binding.kind is BindingKind.WALRUS and binding.scope.kind is ScopeKind.FUNCTION


def test_lambda_parameters_shadow_and_defaults_are_evaluated_outside():
    source = """
        import mlx.core as mx
        f = lambda mx, d=mx.ones(2): mx.exp(d)
    """
    tree = parsed(source)
    assert tree.model.qualified_names(tree.find("mx.ones")) == {"mlx.core.ones"}
    assert not tree.model.resolves_to(tree.find("mx.exp"), "mlx.core.exp")
    assert tree.model.scope(tree.find("mx.exp")).kind is ScopeKind.LAMBDA


def test_closures_read_the_enclosing_function():
    source = """
        def outer():
            import mlx.core as mx
            def inner(x):
                return mx.exp(x)
            return inner
        y = mx.exp(1)
    """
    tree = parsed(source)
    assert tree.model.qualified_names(tree.find("mx.exp", 0)) == {"mlx.core.exp"}
    assert tree.model.qualified_names(tree.find("mx.exp", 1)) == set()  # not at module level


# -- look-alikes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as mx\ny = mx.where(c, a, b)\n",
        "import torch as mx\ny = mx.where(c, a, b)\n",
        "import mlx.core as mx\ndef f(mx):\n    return mx.where(c, a, b)\n",
        "import mlx.core as mx\ndef f():\n    mx = load()\n    return mx.where(c, a, b)\n",
        "import mlx.core as mx\nfor mx in tools:\n    y = mx.where(c, a, b)\n",
    ],
    ids=["numpy-as-mx", "torch-as-mx", "parameter", "local", "loop-rebinding"],
)
def test_look_alikes_do_not_resolve_to_mlx(source):
    tree = parsed(source)
    where = tree.find("mx.where")
    assert tree.model.mlx_name(where) is None
    assert not tree.model.is_mlx_call(tree.model.parent(where), "mlx.core.where")


# -- references --------------------------------------------------------------------------------------


def test_references_are_the_reads_of_one_binding():
    source = """
        def f(used, unused, shadowed=1):
            def inner():
                return used
            shadowed = 2
            return [unused for unused in range(3)], inner
    """
    tree = parsed(source)
    scope = tree.model.scope(tree.find("used", -1)).parent
    used, unused, shadowed = (scope.bindings[name][0] for name in ("used", "unused", "shadowed"))
    assert [tree.module.code_for_node(name) for name in tree.model.references(used)] == ["used"]
    assert tree.model.references(unused) == []  # the comprehension's own `unused`
    assert tree.model.references(shadowed) == []
    assert tree.model.binding_of(used.node) is used


# -- structure -----------------------------------------------------------------------------------------


def test_descendants_are_the_subtree_in_visiting_order():
    tree = parsed("def f(x):\n    return g(x) + 1\ny = 2\n")
    body = tree.find("g(x) + 1")
    inside = tree.model.descendants(body)
    assert inside[0] is body
    assert [tree.module.code_for_node(node) for node in inside if type(node).__name__ == "Name"] == ["g", "x"]
    assert all(tree.model.parent(node) in inside for node in inside[1:])
    assert tree.find("y") not in tree.model.descendants(tree.find("g(x) + 1"))


def test_module_binds_and_core_reference_follow_the_module_bindings():
    tree = parsed("import numpy as np\nimport mlx.core as mx\nmx = np\nfrom mlx import nn\n")
    assert tree.model.module_binds("mx") and tree.model.module_binds("nn")
    assert not tree.model.module_binds("np.linalg")
    # `mx` is also NumPy here: a fix must not write `mx.` for MLX
    reference, imports = tree.model.core_reference(tree.module)
    assert (tree.module.code_for_node(reference), imports) == ("mx", ("import mlx.core as mx",))
    reference, imports = tree.model.nn_reference(tree.module)
    assert (tree.module.code_for_node(reference), imports) == ("nn", ())
