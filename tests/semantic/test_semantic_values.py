"""Value facts of the semantic model: constants, value kinds, dtypes, through names,
with NumPy / torch look-alikes that must stay unknown. The dtype expectations are
checked against MLX itself where MLX can evaluate the expression."""

from __future__ import annotations

import math

import pytest
from semantic_helpers import parsed

from emberlint.semantic import ValueKind

PRELUDE = """
import math
import numpy as np
import torch
import mlx.core as mx
from dataclasses import dataclass

EPS = 1e-6
NEG = -float("inf")
TWICE = 1e-8
TWICE = 1e-6

@dataclass
class ModelArgs:
    rms_norm_eps: float = 1e-5
    hidden_size: int = 64

class RMSNorm:
    scale = 0.5

    def __init__(self, dims: int, eps: float = 1e-6, args: ModelArgs = None):
        self.eps = eps
        self.literal = 1e-5
        self.from_config = args.rms_norm_eps
        self.changed = 1.0

    def grow(self):
        self.changed = 2.0

    def __call__(self, x: mx.array, y: mx.array, m: mx.array, n, eps=1e-8, *, h: mx.array):
        half = x.astype(mx.bfloat16)
        single = x.astype(mx.float32)
        doubled = x * 2.0
        return ({expression},)
"""


def fact_source(expression: str) -> str:
    return PRELUDE.replace("{expression}", expression)


def model_and_node(expression: str):
    tree = parsed(fact_source(expression))
    returned = tree.find(f"({expression},)")
    return tree.model, returned.elements[0].value


# -- constants ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1e-8", 1e-8),
        ("-0.5", -0.5),
        ("3", 3),
        ("True", True),
        ("'bfloat16'", "bfloat16"),
        ("1.0 / 16", 0.0625),
        ("2 ** -24", 2**-24),
        ("-float('inf')", -math.inf),
        ("float('1e-8')", 1e-8),
        ("float(3)", 3.0),
        ("-math.inf", -math.inf),
        ("-np.inf", -math.inf),
        ("-mx.inf", -math.inf),
        ("math.pi", math.pi),
        ("EPS", 1e-6),
        ("NEG", -math.inf),
        ("eps", 1e-8),  # a parameter default
        ("self.eps", 1e-6),  # `self.eps = eps`, eps=1e-6 in __init__
        ("self.literal", 1e-5),
        ("self.from_config", 1e-5),  # `args: ModelArgs` field default
        ("self.scale", 0.5),  # a class attribute
        ("mx.array(1e-8, dtype=mx.float16)", 1e-8),
        ("mx.array(EPS)", 1e-6),
        ("mx.array(-1e9).astype(mx.float16)", -1e9),
        ("mx.full((2, 2), -math.inf, dtype=mx.bfloat16)", -math.inf),
        ("mx.full((2,), vals=NEG)", -math.inf),
        # unknown
        ("TWICE", None),  # two bindings disagree
        ("self.changed", None),  # set to 1.0 and to 2.0
        ("n", None),  # a parameter without default
        ("float(n)", None),
        ("x", None),
        ("np.array(1e-8)", None),  # NumPy look-alike
        ("torch.tensor(1e-8)", None),  # torch look-alike
        ("torch.full((2,), -math.inf)", None),
    ],
)
def test_constant(expression, value):
    model, node = model_and_node(expression)
    found = model.constant(node)
    if value is None:
        assert found is None
    else:
        assert found == value and type(found) is type(value)
    assert model.float_value(node) == (value if isinstance(value, float) else None)


def test_a_config_field_is_read_from_a_parameter_annotated_with_the_class():
    source = """
        from dataclasses import dataclass
        @dataclass
        class Args:
            norm_eps: float = 1e-5
            other: float = 1e-3
            other = 2e-3
        def f(args: Args, config: Args, plain):
            return args.norm_eps, config.norm_eps, args.other, plain.norm_eps
    """
    tree = parsed(source)
    model = tree.model
    assert model.constant(tree.find("args.norm_eps")) == 1e-5
    assert model.constant(tree.find("config.norm_eps")) == 1e-5
    assert model.constant(tree.find("args.other")) is None  # two class-level values
    assert model.constant(tree.find("plain.norm_eps")) is None  # no annotation


def test_constants_through_a_local_mx_are_not_mlx():
    source = """
        import numpy as mx
        def f():
            return mx.array(1e-8, dtype=mx.float16), mx.full((2,), -1e9)
    """
    tree = parsed(source)
    assert tree.model.constant(tree.find("mx.array(1e-8, dtype=mx.float16)")) is None
    assert tree.model.constant(tree.find("mx.full((2,), -1e9)")) is None


# -- value kinds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("mx.exp(x)", ValueKind.ARRAY),
        ("x", ValueKind.ARRAY),
        ("doubled", ValueKind.ARRAY),
        ("x @ y.T", ValueKind.ARRAY),
        ("x > 0", ValueKind.MASK),
        ("~(x > 0)", ValueKind.MASK),
        ("(x > 0) & (y < 1)", ValueKind.MASK),
        ("(x > 0) | (y < 1)", ValueKind.MASK),
        ("mx.logical_and(x > 0, y > 0)", ValueKind.MASK),
        ("mx.isnan(x)", ValueKind.MASK),
        ("m.astype(mx.bool_)", ValueKind.MASK),
        ("mx.ones((3, 3), dtype=mx.bool_)", ValueKind.MASK),
        ("mx.tril(mx.ones((3, 3), dtype=mx.bool_))", ValueKind.MASK),
        ("1e-6", ValueKind.SCALAR),
        ("eps", ValueKind.SCALAR),
        ("self.eps", ValueKind.SCALAR),
        ("len(n) * 2.0", ValueKind.SCALAR),
        ("mx.float16", ValueKind.DTYPE),
        ("x.dtype", ValueKind.DTYPE),
        ("mx", ValueKind.MODULE),
        ("math", ValueKind.MODULE),
        ("mx.fast", ValueKind.MODULE),
        ("n", ValueKind.UNKNOWN),
        ("np.exp(n)", ValueKind.UNKNOWN),  # NumPy look-alike
        ("torch.ones(3) > 0", ValueKind.UNKNOWN),  # torch look-alike
        ("n > 0", ValueKind.UNKNOWN),
        ("x is None", ValueKind.UNKNOWN),
    ],
)
def test_value_kind(expression, kind):
    model, node = model_and_node(expression)
    assert model.value_kind(node) is kind
    assert model.is_mask(node) is (kind is ValueKind.MASK)
    assert model.is_array(node) is (kind in (ValueKind.ARRAY, ValueKind.MASK))


# -- dtypes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "kind", "dtype", "source"),
    [
        ("single", "float32", "mlx.core.float32", None),
        ("mx.zeros((2,), dtype=mx.float32)", "float32", "mlx.core.float32", None),
        ("mx.array(0.5, mx.float32)", "float32", "mlx.core.float32", None),
        ("half", "half", "mlx.core.bfloat16", None),
        ("mx.ones(3, dtype=mx.float16)", "half", "mlx.core.float16", None),
        ("half * 2.0", "half", "mlx.core.bfloat16", None),  # a Python scalar is weak
        ("half + single", "float32", "mlx.core.float32", None),  # float32 wins
        ("half.reshape(-1) * single.T", "float32", "mlx.core.float32", None),
        ("mx.array(0.5)", "float32_by_construction", None, None),
        ("mx.array([1.0, 2.0])", "float32_by_construction", None, None),
        ("mx.ones((2, 2))", "float32_by_construction", None, None),
        ("mx.full((2,), 0.5)", "float32_by_construction", None, None),
        ("mx.arange(0.0, 1.0, 0.1)", "float32_by_construction", None, None),
        ("mx.sqrt(2.0)", "float32_by_construction", None, None),
        ("half * mx.array(2.0)", "float32_by_construction", None, None),  # the upcast EMB010 is about
        ("half + half.astype(mx.float16)", "float32_by_construction", None, None),  # bf16 + f16
        ("mx.arange(3)", "integer", None, None),
        ("mx.array([1, 2])", "integer", None, None),
        ("mx.argmax(x, axis=-1)", "integer", None, None),
        ("x > 0", "bool", None, None),
        ("mx.full((2,), True)", "bool", None, None),
        ("doubled", "same_as", None, "x"),
        ("x * 2.0", "same_as", None, "x"),
        ("mx.exp(x)", "same_as", None, "x"),
        ("x.reshape(2, -1)[0]", "same_as", None, "x"),
        ("mx.softmax(doubled, axis=-1)", "same_as", None, "x"),
        ("mx.array(1.0, dtype=x.dtype)", "same_as", None, "x"),
        ("x * y", "unknown", None, None),  # two arrays of unknown dtype
        ("x * x", "same_as", None, "x"),
        ("x", "unknown", None, None),
        ("np.ones(3, dtype=np.float32)", "unknown", None, None),  # NumPy look-alike
        ("torch.ones(3).float()", "unknown", None, None),  # torch look-alike
    ],
)
def test_dtype_of(expression, kind, dtype, source):
    model, node = model_and_node(expression)
    fact = model.dtype_of(node)
    assert fact.kind == kind
    assert fact.dtype == dtype
    if source is None:
        assert fact.source is None
    else:
        assert fact.source is not None and fact.source.value == source
    assert model.is_float32(node) is (kind in ("float32", "float32_by_construction"))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("half * 2.0", "bfloat16"),
        ("half + single", "float32"),
        ("half * mx.array(2.0)", "float32"),
        ("half + half.astype(mx.float16)", "float32"),
        ("mx.array(0.5)", "float32"),
        ("mx.ones((2, 2))", "float32"),
        ("mx.full((2,), 0.5)", "float32"),
        ("mx.arange(0.0, 1.0, 0.1)", "float32"),
        ("mx.sqrt(2.0)", "float32"),
        ("mx.arange(3)", "int32"),
        ("mx.full((2,), True)", "bool"),
    ],
)
def test_dtype_facts_agree_with_mlx(expression, expected):
    """The facts above are MLX's own behaviour (0.32, CPU), evaluated here."""
    mx = pytest.importorskip("mlx.core")
    x = mx.ones((2, 2), dtype=mx.bfloat16)
    namespace = {"mx": mx, "half": x, "single": x.astype(mx.float32)}
    assert str(eval(expression, namespace).dtype) == f"mlx.core.{expected}"


def test_a_name_rebound_to_a_cast_of_itself_is_flow_insensitive():
    """`x = x.astype(mx.float32)` after `x` came in as a parameter: flow-insensitively
    the name holds either, so its dtype is unknown; a name whose every binding is
    the cast is float32."""
    source = """
        import mlx.core as mx
        def f(x: mx.array):
            x = x.astype(mx.float32)
            return x
    """
    tree = parsed(source)
    assert tree.model.dtype_of(tree.find("x", -1)).kind == "unknown"
    tree = parsed(source.replace("x = x.astype", "y = x.astype").replace("return x", "return y"))
    assert tree.model.dtype_of(tree.find("y", -1)).kind == "float32"
