# expect: none
import mlx.core as mx


def step_size(dt_raw: mx.array, dt_bias: mx.array) -> mx.array:
    return mx.logaddexp(0, dt_raw + dt_bias)
