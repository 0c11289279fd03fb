# expect: none
"""Arithmetic on a mask with a finite, float16-safe constant."""
import mlx.core as mx


def attention_bias(key_valid: mx.array, dtype: mx.Dtype) -> mx.array:
    return (1 - key_valid.astype(dtype)) * mx.finfo(mx.float16).min
