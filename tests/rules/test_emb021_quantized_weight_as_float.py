"""EMB021: the packed weight or uint8 scales of a layer that may be quantized used as float data."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\n\n\n"

FLAGGED = {
    "cast to the scales' dtype through a name": """
def fuse(linear, delta):
    if isinstance(linear, nn.QuantizedLinear):
        dtype = linear.scales.dtype
        return mx.dequantize(linear.weight, linear.scales, linear.biases) + delta.astype(dtype)
    return linear.weight + delta
""",
    "activations cast to the weight's dtype": """
class Adapter(nn.Module):
    def __init__(self, linear):
        super().__init__()
        self.linear = linear

    def __call__(self, x):
        return self.linear(x.astype(self.linear.weight.dtype))

    def is_quantized(self):
        return isinstance(self.linear, nn.QuantizedLinear)
""",
    "keyword dtype": """
def zeros_like_weight(layer):
    if hasattr(layer, "scales"):
        return mx.zeros(layer.scales.shape, dtype=layer.scales.dtype)
    return None
""",
    "norm of the weight, tested in another method": """
class DoRA(nn.Module):
    @staticmethod
    def from_base(linear):
        if isinstance(linear, nn.QuantizedLinear):
            print("quantized")
        layer = DoRA()
        layer.set_linear(linear)
        return layer

    def set_linear(self, linear):
        self.linear = linear
        self.m = mx.linalg.norm(self.linear.weight, axis=1)
""",
    "weight in arithmetic": """
def merge(layer, update):
    merged = layer.original.weight + update
    if isinstance(layer.original, nn.QuantizedLinear):
        return nn.QuantizedLinear.from_linear(merged)
    return merged
""",
    "through a name bound only to the weight": """
def project(linear, x):
    w = linear.weight
    y = x @ w.T
    if isinstance(linear, nn.QuantizedLinear):
        return None
    return y
""",
    "a reduction method inside the quantized branch": """
def magnitude(linear):
    if isinstance(linear, nn.QuantizedLinear):
        return linear.weight.sum(axis=1)
    return None
""",
}

CLEAN = {
    "no sign of quantization": """
def fuse(linear, delta):
    return linear.weight + delta.astype(linear.weight.dtype)
""",
    "dequantized first": """
def fuse(linear, delta):
    weight = linear.weight
    if isinstance(linear, nn.QuantizedLinear):
        weight = mx.dequantize(weight, linear.scales, linear.biases, linear.group_size, linear.bits)
    return weight + delta.astype(weight.dtype)
""",
    "else branch of the quantization test": """
def fuse(linear, delta):
    if isinstance(linear, nn.QuantizedLinear):
        weight = mx.dequantize(linear.weight, linear.scales, linear.biases)
    else:
        weight = linear.weight * 1
    return weight + delta
""",
    "negated test": """
def norm(linear):
    if not isinstance(linear, nn.QuantizedLinear):
        return mx.linalg.norm(linear.weight, axis=1)
    return mx.linalg.norm(mx.dequantize(linear.weight, linear.scales, linear.biases), axis=1)
""",
    "early exit for non-float layers": """
def chunked(linear, x, chunks):
    if not isinstance(linear, nn.Linear):
        return linear(x)
    return [x @ w.T for w in mx.split(linear.weight, chunks, axis=0)]


def quantized(linear):
    return isinstance(linear, nn.QuantizedLinear)
""",
    "quantization API and shapes": """
def qmm(linear, x):
    if isinstance(linear, nn.QuantizedLinear):
        out_dims, in_dims = linear.weight.shape
        return mx.quantized_matmul(x, linear.weight, linear.scales, linear.biases)
    return x @ linear.weight.T if False else None
""",
    "dtype compared, not cast to": """
def packed(linear):
    return isinstance(linear, nn.QuantizedLinear) and linear.weight.dtype == mx.uint32
""",
    "the activations' dtype": """
def fuse(linear, delta, x):
    if isinstance(linear, nn.QuantizedLinear):
        weight = mx.dequantize(linear.weight, linear.scales, linear.biases)
        return (weight + delta).astype(x.dtype)
    return None
""",
}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged(name):
    found = findings("EMB021", HEADER + FLAGGED[name])
    assert len(found) == 1, found
    assert found[0].fix is None


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean(name):
    assert findings("EMB021", HEADER + CLEAN[name]) == []
