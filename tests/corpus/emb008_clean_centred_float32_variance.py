# expect: none
"""Shaped like mlx-vlm's cohere LayerNorm: the variance of a float32 copy."""
import mlx.core as mx


def layer_norm(x: mx.array, eps: mx.array) -> mx.array:
    x_float = x.astype(mx.float32)
    mean = mx.mean(x_float, axis=-1, keepdims=True)
    variance = mx.mean((x_float - mean) ** 2, axis=-1, keepdims=True)
    return ((x_float - mean) * mx.rsqrt(variance + eps)).astype(x.dtype)
