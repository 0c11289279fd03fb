# expect: none
"""Float-only code behind an early exit for anything but nn.Linear."""
import mlx.core as mx
import mlx.nn as nn


def chunked_linear(linear: nn.Module, x: mx.array, chunks: int) -> mx.array:
    if not isinstance(linear, nn.Linear):
        return linear(x)
    outputs = [x @ weight.T for weight in mx.split(linear.weight, chunks, axis=0)]
    return mx.concatenate(outputs, axis=-1)


def is_quantized(linear: nn.Module) -> bool:
    return isinstance(linear, nn.QuantizedLinear)
