# expect: EMB007
"""Mamba-style step size."""
import mlx.core as mx


def step_size(dt_raw: mx.array, dt_bias: mx.array) -> mx.array:
    return mx.log(1 + mx.exp(dt_raw + dt_bias))
