# expect: EMB001
import mlx.core as mx


def residual(x: mx.array, update: mx.array) -> mx.array:
    return x + update * 0.5
