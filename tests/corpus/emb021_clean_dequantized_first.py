# expect: none
"""The upstream fix: dequantize, then cast the delta to the dequantized weight's dtype."""
import mlx.core as mx
import mlx.nn as nn


def fuse(linear: nn.Module, delta: mx.array) -> mx.array:
    weight = linear.weight
    if isinstance(linear, nn.QuantizedLinear):
        weight = mx.dequantize(
            weight, linear.scales, linear.biases, group_size=linear.group_size, bits=linear.bits, mode=linear.mode
        )
    return weight + delta.astype(weight.dtype)
