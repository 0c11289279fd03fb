"""EMB010: untyped constant arrays meeting an MLX array."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings, fixed

HEADER = "import mlx.core as mx\n\n\ndef f(x: mx.array, mask: mx.array, n):\n"


@pytest.mark.parametrize(
    ("expression", "replacement"),
    [
        ("x * mx.array(0.5)", "x * 0.5"),
        ("mx.array(-1e9) + x", "-1e9 + x"),
        ("mx.where(mask, x, mx.array(-1e9))", "mx.where(mask, x, -1e9)"),
        ("mx.maximum(x, mx.array(0.0))", "mx.maximum(x, 0.0)"),
        ("mx.array(-2.0) ** x", "(-2.0) ** x"),
        ("x ** mx.array(-0.5)", "x ** -0.5"),
        ("x @ mx.ones((4, 4))", "x @ mx.ones((4, 4), dtype=x.dtype)"),
        ("mx.where(mask, x, mx.zeros(x.shape))", "mx.where(mask, x, mx.zeros(x.shape, dtype=x.dtype))"),
        ("mx.concatenate([x, mx.zeros((1, 4))])", "mx.concatenate([x, mx.zeros((1, 4), dtype=x.dtype)])"),
    ],
)
def test_flagged_and_fixed(expression, replacement):
    source = HEADER + f"    return {expression}\n"
    assert len(findings("EMB010", source)) == 1
    assert fixed("EMB010", source) == HEADER + f"    return {replacement}\n"


@pytest.mark.parametrize(
    ("binding", "hazard", "replacement"),
    [
        ("cap: float", "cap * mx.tanh(x / mx.array(cap))", "cap * mx.tanh(x / cap)"),
        ("cap=30.0", "mx.array(cap) * mx.tanh(x)", "cap * mx.tanh(x)"),
        ("cap: float | None", "mx.array(cap) * mx.tanh(x / cap)", "cap * mx.tanh(x / cap)"),
    ],
)
def test_float_names_are_scalars_too(binding, hazard, replacement):
    source = f"import mlx.core as mx\n\n\ndef soft_cap(x: mx.array, {binding}):\n    return {{}}\n"
    assert len(findings("EMB010", source.format(hazard))) == 1
    assert fixed("EMB010", source.format(hazard)) == source.format(replacement)


def test_names_of_other_values_are_not_scalars():
    source = "import mlx.core as mx\n\n\ndef f(x: mx.array, values, n: int):\n    return x * mx.array(values) + mx.array(n)\n"
    assert findings("EMB010", source) == []


@pytest.mark.parametrize(
    "expression",
    ["x + mx.array([0.1, 0.2])", "x + mx.full(x.shape, 0.5)", "x + mx.arange(0.0, 4.0)", "x + mx.arange(0, 4, 0.5)"],
)
def test_flagged_without_fix(expression):
    (finding,) = findings("EMB010", HEADER + f"    return {expression}\n")
    assert finding.fix is None


@pytest.mark.parametrize(
    "expression",
    [
        "x * 0.5",
        "x + mx.array(0.5, dtype=x.dtype)",
        "x + mx.ones(x.shape, dtype=x.dtype)",
        "x + mx.arange(4)",
        "x + mx.full(x.shape, 1)",
        "x + mx.array([1, 2])",
        "mx.array(0.5)",
        "n * mx.array(0.5)",  # n is not known to be an MLX array
        "mx.array([0.5, 1.5]) + mx.array([1.0, 2.0])",  # constants only: nothing to upcast
        "mx.stack([mx.zeros((3,)), mx.ones((3,))])",
        "mx.stack([mx.arange(4, dtype=mx.float32), mx.zeros(4)], axis=-1)",  # float32 already
        "x.astype(mx.float32) * mx.array(0.5)",
        "mx.put_along_axis(x, mask, mx.array(0.0), axis=-2)",  # written in x's dtype
        "mx.slice_update(x, mx.zeros((1, 4)), mx.array([0]), axes=(0,))",
    ],
)
def test_not_flagged(expression):
    assert findings("EMB010", HEADER + f"    return {expression}\n") == []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\ny = np.ones(3) * np.array(0.5)\n",
        "import torch\ny = torch.ones(3) * torch.tensor(0.5)\n",
    ],
)
def test_numpy_and_torch_not_flagged(source):
    assert findings("EMB010", source) == []
