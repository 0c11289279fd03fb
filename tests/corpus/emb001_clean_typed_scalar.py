# expect: none
import mlx.core as mx


def residual(x: mx.array, update: mx.array) -> mx.array:
    return x + update * mx.array(0.5, dtype=update.dtype)
