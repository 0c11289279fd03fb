"""Name resolution and array inference (`emberlint.semantic`), directly and through rules."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from rule_harness import findings, flagged_lines

from emberlint.semantic import SemanticModel


def _names_and_module(source: str) -> tuple[SemanticModel, cst.Module]:
    module = cst.parse_module(textwrap.dedent(source))
    names, _ = SemanticModel.for_module(module)
    return names, module


def _returned(source: str) -> tuple[SemanticModel, cst.BaseExpression]:
    """The expression of the last `return` in `source`."""
    names, module = _names_and_module(source)
    returns = []

    class Collect(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            returns.append(node.value)

    module.visit(Collect())
    return names, returns[-1]


IMPORT_STYLES = {
    "alias": ("import mlx.core as mx", "mx.where", "mx.rsqrt"),
    "dotted": ("import mlx.core", "mlx.core.where", "mlx.core.rsqrt"),
    "from-package": ("from mlx import core as mx", "mx.where", "mx.rsqrt"),
    "from-module": ("from mlx.core import where, rsqrt, array", "where", "rsqrt"),
}


@pytest.mark.parametrize("style", sorted(IMPORT_STYLES))
def test_every_import_style_resolves(style):
    import_line, where, rsqrt = IMPORT_STYLES[style]
    array = "array" if style == "from-module" else where.rsplit(".", 1)[0] + ".array"
    source = f"""
{import_line}

def f(scores: {array}, mask: {array}) -> {array}:
    masked = {where}(mask, scores, -float("inf"))
    return masked ** -0.5 + {rsqrt}(scores)
"""
    assert flagged_lines(source, "EMB002") == [5]
    assert flagged_lines(source, "EMB003") == [6]


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\nimport mlx.core as mx\ny = np.where(m, x, -np.inf)\n",
        "import torch\nimport mlx.core as mx\ny = torch.where(m, x, float('-inf'))\n",
        "import torch\nimport mlx.core as mx\ny = torch.rsqrt(x) + torch.ones(3) ** -0.5\n",
        "import math\nimport mlx.core as mx\ny = 1 / (math.sqrt(v + 1e-8))\n",
        "import numpy as np\nimport mlx.core as mx\nmx = np\ny = mx.where(m, mx.ones(3), -np.inf)\n",
        "import mlx.core as mx\ndef where(m, a, b):\n    return a\ny = where(m, mx.ones(3), -float('inf'))\n",
        "from mlx.core import where\ndef f(where):\n    return where(m, mx.ones(3), -float('inf'))\n",
    ],
    ids=["numpy", "torch-where", "torch-rsqrt", "math-sqrt", "shadowed-mx", "local-where", "param-where"],
)
def test_other_libraries_and_shadowed_names_are_not_flagged(source):
    assert findings(source, "ALL") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import mlx.core as mx\ndef f():\n    return mx.exp(v)\n", True),
        ("import mlx.nn as nn\ndef f():\n    return nn.gelu(v)\n", True),
        ("import mlx.core as mx\ndef f(x: mx.array):\n    return x\n", True),
        ("import mlx.core as mx\ndef f(x: mx.array):\n    return x.sum(axis=0)[0] * 2\n", True),
        ("import mlx.core as mx\ndef f():\n    y = mx.zeros(3)\n    return -y.T\n", True),
        ("import mlx.core as mx\ndef f(x):\n    return x\n", False),
        ("import mlx.core as mx\ndef f(x: mx.array):\n    return x.item()\n", False),
        ("import mlx.core as mx\ndef f():\n    return mx.finfo(mx.float16)\n", False),
        ("import mlx.nn as nn\ndef f():\n    return nn.Linear(2, 3)\n", False),
        ("import numpy as np\ndef f():\n    return np.exp(v)\n", False),
        # Only bindings in the same scope count: the outer `y` is not this `y`.
        ("import mlx.core as mx\ny = mx.ones(3)\ndef f(y):\n    return y\n", False),
        # A name rebound to a non-array somewhere in its scope is not an array.
        ("import mlx.core as mx\ndef f():\n    y = mx.ones(3)\n    y = 2\n    return y\n", False),
    ],
)
def test_array_inference(source, expected):
    names, returned = _returned(source)
    assert names.is_array(returned) is expected


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1e-8", 1e-8),
        ("-0.5", -0.5),
        ("-float('inf')", float("-inf")),
        ("float(\"-inf\")", float("-inf")),
        ("-math.inf", float("-inf")),
        ("-np.inf", float("-inf")),
        ("-mx.inf", float("-inf")),
        ("NEG", float("-inf")),
        ("EPS", 1e-8),
        ("3", None),
        ("float(x)", None),
        ("TWO_VALUES", None),
    ],
)
def test_float_value(expression, value):
    source = f"""
import math
import numpy as np
import mlx.core as mx
NEG = -float("inf")
EPS = 1e-8
TWO_VALUES = 1e-8
TWO_VALUES = 1e-6

def f(x):
    return {expression}
"""
    names, returned = _returned(source)
    assert names.float_value(returned) == value


def test_float_param_needs_a_float_annotation():
    names, returned = _returned("def f(a: float, b: int, c):\n    return a + b + c\n")
    c = returned.right
    a, b = returned.left.left, returned.left.right
    assert names.is_float_param(a)
    assert not names.is_float_param(b)
    assert not names.is_float_param(c)


@pytest.mark.parametrize(
    ("import_line", "expected"),
    [
        ("import mlx.core as mx", "mx"),
        ("import mlx.core", "mlx.core"),
        ("from mlx import core", "core"),
        ("import numpy as np", "mx"),
    ],
)
def test_core_reference_reuses_the_module_binding(import_line, expected):
    names, module = _names_and_module(import_line + "\n")
    reference, imports = names.core_reference(module)
    assert module.code_for_node(reference) == expected
    assert imports == (() if expected != "mx" or "mlx" in import_line else ("import mlx.core as mx",))


def test_a_name_rebound_from_itself_stays_an_array():
    names, value = _returned(
        """
        import mlx.core as mx

        def rms_norm(x: mx.array, weight: mx.array):
            x = x * weight
            x = x * mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True))
            return x
        """
    )
    assert names.is_array(value)


def test_a_name_rebound_from_itself_without_an_array_binding_is_not_an_array():
    names, value = _returned(
        """
        def scale(x, factor):
            x = x * factor
            return x
        """
    )
    assert not names.is_array(value)
